"""Filter pushdown: each conjunct of a Filter moves as far down the plan as its columns allow.

- Into both sides of an inner or cross join, and across it as an equi key or a residual, so a
  comma join written after an outer join (`FROM a LEFT JOIN b ON .., c WHERE a.k = c.k`)
  becomes an equi join instead of a cross product under a filter.
- Into the preserved side of a left, right or single join; a conjunct that rejects the NULLs of the
  other side's padding (`b.v > 1` above `a LEFT JOIN b`) makes the outer join an inner one,
  whose conjuncts then go down too; so does an inner join's key over that side.
- Into the left side of semi, anti and mark joins, below DISTINCT, into a UNION/INTERSECT/
  EXCEPT's two sides, through column-only projections, and below an aggregate when it reads
  only group keys (a HAVING on keys becomes a WHERE).
- Below a window when it reads only the window's partition keys (whole partitions go), and
  below an unnest when it reads only the unnested rows' own columns.
- A join condition's conjuncts over one side into that side (an inner join's either side, an
  outer join's padded side).
- Never below LIMIT or a top-k (that changes which rows are kept), nor into a Shared subplan
  (another reader needs all of its rows).

>>> import tqp.types as T
>>> from tqp.plan import nodes as P
>>> a = P.Scan("a", (("k", T.INTEGER),)); c = P.Scan("c", (("k", T.INTEGER),))
>>> eq = P.Call("eq", (P.ColRef(0, T.INTEGER), P.ColRef(1, T.INTEGER)), T.BOOLEAN)
>>> print(P.render(push_filters(P.Filter(P.Join(a, c, "inner"), eq))))
Join(kind='inner', left_keys=[#0], right_keys=[#0], residual=None)
  Scan(a: k)
  Scan(c: k)
"""
from __future__ import annotations

import dataclasses

from ..plan import nodes as P
from ..plan.decorrelate import rebase
from ..plan.nodes import Call, ColRef, Expr, Lit, ScalarSubquery, and_all, equi_pair, refs, split_and, walk

# Operators whose result is NULL when any argument is NULL: a conjunct built from them over a
# column is NULL, so not true, on a row where that column is NULL.
_NULL_PROPAGATING = frozenset((
    "eq", "ne", "lt", "le", "gt", "ge", "add", "sub", "mul", "div", "intdiv", "mod", "neg", "abs",
    "like", "in_values", "cast", "extract", "str_map", "str_length", "date_add_days", "add_interval",
))


def push_filters(rel: P.Rel, stats=None) -> P.Rel:
    """The plan with every Filter's conjuncts pushed as far down as they can go (by the plan's
    shape alone: `stats` is not read)."""
    return P.transform(rel, _push_here)


def push_into_applies(rel: P.Rel, stats=None) -> P.Rel:
    """Before decorrelation: a Filter's conjuncts that read only a subquery's outer rows (an
    Apply's left side; each output row extends one of them) filter those rows first, so the
    subquery is computed for the rows that pass (pushdown goes on from there later)."""
    return P.transform(rel, _into_apply)


def _into_apply(rel: P.Rel) -> P.Rel:
    if not (isinstance(rel, P.Filter) and isinstance(rel.input, P.Apply)):
        return rel
    a, nl = rel.input, len(rel.input.left.schema)
    preds = split_and(rel.predicate)
    down = [p for p in preds if _movable(p) and refs(p) and max(refs(p)) < nl]
    if not down:
        return rel
    left = a.left
    if isinstance(left, P.Filter):
        left = P.Filter(left.input, and_all(split_and(left.predicate) + down))
    else:
        left = _into_apply(P.Filter(left, and_all(down)))
    return _filter(a.with_inputs(left, a.right), [p for p in preds if not any(p is d for d in down)])


def _push_here(rel: P.Rel) -> P.Rel:
    if isinstance(rel, P.Join) and rel.kind == "inner" and not rel.null_safe:
        rel = rel.with_inputs(_inner_if_rejected(rel.left, rel.left_keys), _inner_if_rejected(rel.right, rel.right_keys))
    if isinstance(rel, P.Join) and rel.residual is not None:
        return _push_on(rel)
    if not isinstance(rel, P.Filter):
        return rel
    return _place(rel.input, split_and(rel.predicate))


def _push_on(j: P.Join) -> P.Rel:
    """A join condition's conjuncts over one side only filter that side, where the join's
    kind allows: an inner join's either side, a LEFT join's right side (its left rows stay
    whatever the condition says), a RIGHT join's left side."""
    if j.kind == "inner":
        conds = split_and(j.residual)
        stay = and_all([p for p in conds if not _movable(p)])
        return _into_join(dataclasses.replace(j, residual=stay), [p for p in conds if _movable(p)])
    if j.kind not in ("left", "right"):
        return j
    nl = len(j.left.schema)
    left, right, keep = [], [], []
    for p in split_and(j.residual):
        r = refs(p)
        if _movable(p) and r and min(r) >= nl and j.kind == "left":
            right.append(rebase(p, -nl))
        elif _movable(p) and r and max(r) < nl and j.kind == "right":
            left.append(p)
        else:
            keep.append(p)
    if not left and not right:
        return j
    return dataclasses.replace(j, left=_place(j.left, left), right=_place(j.right, right), residual=and_all(keep))


def _substitute(e: Expr, fn) -> Expr:
    """e with each ColRef(i) replaced by fn(i)."""
    if isinstance(e, ColRef):
        return fn(e.index)
    if isinstance(e, Call):
        args = tuple(_substitute(a, fn) for a in e.args)
        return e if all(a is b for a, b in zip(args, e.args)) else Call(e.op, args, e.type, e.params)
    return e


def _movable(e: Expr) -> bool:
    """Plain scalar predicates: no aggregate, and no operator whose value depends on which rows
    (or how many) reach it."""
    return all(isinstance(n, (ColRef, Lit, Call, ScalarSubquery)) and
               not (isinstance(n, Call) and n.op in ("random", "uuid", "predict")) for n in walk(e))


def _filter(rel: P.Rel, preds: list[Expr]) -> P.Rel:
    return P.Filter(rel, and_all(preds)) if preds else rel


def _place(rel: P.Rel, preds: list[Expr]) -> P.Rel:
    """rel filtered by preds, with each conjunct placed as low as it can go."""
    keep = [p for p in preds if not _movable(p)]
    preds = [p for p in preds if _movable(p)]
    if not preds:
        return _filter(rel, keep)
    if isinstance(rel, P.Filter):
        return _filter(_place(rel.input, split_and(rel.predicate) + preds), keep)
    if isinstance(rel, P.Join):
        return _filter(_into_join(rel, preds), keep)
    if isinstance(rel, P.Distinct) and not rel.on:  # (below DISTINCT ON it changes which row is first)
        return _filter(P.Distinct(_place(rel.input, preds)), keep)
    if isinstance(rel, P.SetOp) and len({tuple(t for _, t in b.schema) for b in rel.branches}) == 1:
        return _filter(rel.with_inputs(*[_place(b, preds) for b in rel.branches]), keep)
    if isinstance(rel, P.Project):
        down, up = [], keep
        for p in preds:
            if all(isinstance(rel.exprs[i], (ColRef, Lit)) for i in refs(p)):
                down.append(_substitute(p, lambda i: rel.exprs[i]))
            else:
                up.append(p)
        return _filter(rel.with_inputs(_place(rel.input, down)) if down else rel, up)
    if isinstance(rel, P.Aggregate) and rel.keys:
        n = len(rel.keys)
        down = [p for p in preds if refs(p) and max(refs(p)) < n]
        up = keep + [p for p in preds if not (refs(p) and max(refs(p)) < n)]
        if down and all(_movable(k) for k in rel.keys):
            moved = [_substitute(p, lambda i: rel.keys[i]) for p in down]
            return _filter(rel.with_inputs(_place(rel.input, moved)), up)
    if isinstance(rel, P.Window):
        # A conjunct over partition keys only keeps or drops whole partitions, whose window
        # values do not change (not float keys: -0.0 and 0.0 share a partition but not 1/x).
        keys = {k.index for k in rel.partition if isinstance(k, ColRef) and not k.type.is_float}
        down = [p for p in preds if refs(p) and refs(p) <= keys]
        if down:
            up = keep + [p for p in preds if not any(p is d for d in down)]
            return _filter(rel.with_inputs(_place(rel.input, down)), up)
    if isinstance(rel, P.Unnest):  # a row's repeats all pass or all fail a test of its own columns
        n = len(rel.input.schema)
        down = [p for p in preds if refs(p) and max(refs(p)) < n]
        if down:
            up = keep + [p for p in preds if not any(p is d for d in down)]
            return _filter(rel.with_inputs(_place(rel.input, down)), up)
    return _filter(rel, keep + preds)


def _into_join(j: P.Join, preds: list[Expr]) -> P.Rel:
    nl = len(j.left.schema)
    kind = j.kind
    if kind in ("left", "right") and any(_rejects_padding(p, j, nl) for p in preds):
        kind = "inner"
    if kind in ("semi", "anti", "anti_null_aware", "mark", "mark_in", "mark_any"):
        # Output rows are left rows (plus a mark): conjuncts over left columns go to the left.
        down = [p for p in preds if refs(p) and max(refs(p)) < nl]
        up = [p for p in preds if p not in down]
        return _filter(j.with_inputs(_place(j.left, down), j.right), up)
    left, right, up = [], [], []
    lkeys, rkeys = list(j.left_keys), list(j.right_keys)
    resid = [] if j.residual is None else [j.residual]
    for p in preds:
        r = refs(p)
        if r and max(r) < nl and kind in ("inner", "cross", "left", "single"):
            left.append(p)
        elif r and min(r) >= nl and kind in ("inner", "cross", "right"):
            right.append(rebase(p, -nl))
        elif kind in ("inner", "cross") and r:
            pair = equi_pair(p, nl) if not j.null_safe else None  # its keys match NULL to NULL
            if pair is not None:
                lkeys.append(pair[0])
                rkeys.append(rebase(pair[1], -nl))
            else:
                resid.append(p)
        else:
            up.append(p)
    if kind == "cross" and (lkeys or resid):
        kind = "inner"
    sides = [_place(j.left, left), _place(j.right, right)]
    if kind == "inner" and not j.null_safe:
        sides = [_inner_if_rejected(side, keys) for side, keys in zip(sides, (lkeys, rkeys))]
    joined = dataclasses.replace(j, left=sides[0], right=sides[1], kind=kind,
                                 left_keys=tuple(lkeys), right_keys=tuple(rkeys), residual=and_all(resid))
    return _filter(joined, up)


def _inner_if_rejected(rel: P.Rel, keys: list[Expr]) -> P.Rel:
    """rel, an inner join's input; an outer join there whose padding the keys reject (a NULL
    key never matches) is an inner one."""
    if isinstance(rel, P.Join) and rel.kind in ("left", "right") and \
            any(_rejects_padding(k, rel, len(rel.left.schema)) for k in keys):
        return dataclasses.replace(rel, kind="inner")
    return rel


def _rejects_padding(p: Expr, j: P.Join, nl: int) -> bool:
    """True when p cannot be true on a row whose padded side (right of a LEFT join, left of a
    RIGHT join) is all NULL."""
    padded = set(range(nl, nl + len(j.right.schema)) if j.kind == "left" else range(0, nl))
    return _not_true_if_null(p, padded)


def _not_true_if_null(e: Expr, cols: set[int]) -> bool:
    """e is NULL or false whenever the columns in cols are all NULL."""
    if isinstance(e, Call):
        if e.op == "not" and isinstance(e.args[0], Call) and e.args[0].op == "is_null":
            return _null_if_null(e.args[0].args[0], cols)
        if e.op == "and":
            return any(_not_true_if_null(a, cols) for a in e.args)
        if e.op == "or":
            return all(_not_true_if_null(a, cols) for a in e.args)
    return _null_if_null(e, cols)


def _null_if_null(e: Expr, cols: set[int]) -> bool:
    """e is NULL whenever the columns in cols are all NULL (only NULL, not false: under an
    operator such as <> a false operand is a value like any other)."""
    if isinstance(e, ColRef):
        return e.index in cols
    return isinstance(e, Call) and e.op in _NULL_PROPAGATING and any(_null_if_null(a, cols) for a in e.args)
