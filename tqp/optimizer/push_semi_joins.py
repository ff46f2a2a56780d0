"""Semi-join pushdown: an IN / EXISTS semi or anti join over a tree of inner joins moves onto
the one leaf it reads, when that leaf is estimated to have no more rows than the join it sits
on (a selective `x IN (subquery)` then shrinks a join input; over a join that is already
small it stays where it probes fewer rows).

Semi and anti joins keep or drop each left row on its own, so they commute with inner joins
on the other side: `(A JOIN B) SEMI S` on A's columns is `(A SEMI S) JOIN B`.

>>> import pyarrow as pa, tqp
>>> con = tqp.connect("cpu")
>>> con.register("f", pa.table({"k": [i % 100 for i in range(1000)], "d": [i % 10 for i in range(1000)]}))
>>> con.register("g", pa.table({"d": [i % 10 for i in range(200)]}))
>>> con.register("s", pa.table({"k": [1, 2]}))
>>> from tqp.optimizer import optimize
>>> from tqp.plan import nodes as P
>>> from tqp.sql.binder import Binder
>>> from tqp.sql.parse import parse
>>> sql = "SELECT count(*) FROM f, g WHERE f.d = g.d AND f.k IN (SELECT k FROM s)"
>>> plan, _ = Binder(con._engine.catalog, []).bind_query(parse(sql)[0])
>>> print(P.render(optimize(plan, con._engine.catalog)))
Project(exprs=[#0], names=['count_star()'])
  Aggregate(keys=[], aggs=[count_star(*)], names=['#a0'])
    Project(exprs=[#1, #2, #0], names=['k', 'd', 'd'])
      Join(kind='inner', left_keys=[#0], right_keys=[#1], residual=None)
        Scan(g: d)
        Join(kind='semi', left_keys=[#0], right_keys=[#0], residual=None)
          Scan(f: k, d)
          Scan(s: k)
"""
from __future__ import annotations

import dataclasses

from ..plan import nodes as P
from ..plan.decorrelate import rewrite
from ..plan.nodes import refs
from .join_order import flatten, is_inner
from .stats import Stats

_FILTERING = ("semi", "anti", "anti_null_aware")


def push_semi_joins(plan: P.Rel, stats: Stats) -> P.Rel:
    """The plan with each semi or anti join over an inner-join region moved onto the leaf it reads."""
    return P.transform(plan, lambda rel: _push_here(rel, stats))


def _push_here(j: P.Rel, stats: Stats) -> P.Rel:
    if not (isinstance(j, P.Join) and j.kind in _FILTERING):
        return j
    below = j.left
    if isinstance(below, P.Join) and below.kind in _FILTERING:
        # another filtering join stayed on the region (it keeps the same columns): try past it
        past = dataclasses.replace(j, left=below.left)
        moved = _push_here(past, stats)
        return j if moved is past else below.with_inputs(moved, below.right)
    if not is_inner(below):
        return j
    nl = len(j.left.schema)
    cols = set().union(*(refs(k) for k in j.left_keys))
    if j.residual is not None:
        cols |= {i for i in refs(j.residual) if i < nl}
    if not cols:
        return j
    for leaf, at in flatten(j.left)[0]:
        width = len(leaf.schema)
        if at <= min(cols) and max(cols) < at + width:
            break
    else:
        return j
    if stats.rows(leaf) > stats.rows(j.left):
        return j

    def local(i: int) -> int:
        return i - at if i < nl else i - nl + width
    pushed = dataclasses.replace(j, left=leaf, left_keys=tuple(rewrite(k, local) for k in j.left_keys),
                                 residual=None if j.residual is None else rewrite(j.residual, local))
    return _replace_leaf(j.left, leaf, at, pushed)


def _replace_leaf(rel: P.Rel, leaf: P.Rel, target: int, new: P.Rel, at: int = 0) -> P.Rel:
    """The inner-join region rel with its leaf `leaf` at column `target` replaced by new (a
    leaf may occur twice, as a CTE read twice does)."""
    if not is_inner(rel):
        return new if rel is leaf and at == target else rel
    nl = len(rel.left.schema)
    return rel.with_inputs(_replace_leaf(rel.left, leaf, target, new, at),
                           _replace_leaf(rel.right, leaf, target, new, at + nl))
