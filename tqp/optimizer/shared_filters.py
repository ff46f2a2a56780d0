"""Filters into a shared subplan: when every reader of a Shared node (a CTE read twice) filters
its rows, the shared plan needs only the rows some reader keeps, so the OR of the readers'
filters goes into it, and on down as far as push_filters takes it.

push_filters stops at a Shared, since another reader may need the rows one reader drops. Q39
reads its per-(warehouse, item, month) statistics CTE twice, for month 1 and month 2: with
`d_moy = 1 OR d_moy = 2` pushed through the CTE's GROUP BY (d_moy is a key) to date_dim, the
aggregate sees 2 months of inventory instead of 12, and it is still computed once. Each
reader keeps its own filter, which picks its rows out of the union.

>>> import tqp.types as T
>>> from tqp.plan import nodes as P
>>> a = P.ColRef(0, T.INTEGER)
>>> shared = P.Shared(P.Scan("t", (("a", T.INTEGER),), (0,)))
>>> eq = lambda v: P.Filter(shared, P.Call("eq", (a, P.Lit(v, T.INTEGER)), T.BOOLEAN))
>>> plan = push_into_shared(P.SetOp("union", True, (eq(1), eq(2))))
>>> print(P.render(plan.branches[0].input))
Shared()
  Filter(predicate=or(eq(#0, 1), eq(#0, 2)))
    Scan(t: a)
>>> plan.branches[0].input is plan.branches[1].input
True
"""
from __future__ import annotations

from ..plan import nodes as P
from ..plan.nodes import Call, ScalarSubquery, and_all, split_and, walk
from .push_filters import _movable, push_filters
from .share import map_subquery_plans

__all__ = ["push_into_shared"]


def push_into_shared(plan: P.Rel, stats=None) -> P.Rel:
    """The plan with each Shared node whose readers all filter it filtered by the OR of their
    filters (by the plan's shape alone: `stats` is not read)."""
    wanted = _readers_filters(plan)
    pushed = {}
    for key, (_, preds) in wanted.items():
        if preds and all(p is not None for p in preds):
            unique = list(dict.fromkeys(preds))
            pushed[key] = unique[0] if len(unique) == 1 else _or_all(unique)
    if not pushed:
        return plan
    memo: dict[int, tuple] = {}

    def rebuild(rel: P.Rel) -> P.Rel:
        hit = memo.get(id(rel))
        if hit is None:
            children = rel.inputs()
            new = rel.with_inputs(*[rebuild(c) for c in children]) if children else rel
            if isinstance(rel, P.Shared) and id(rel) in pushed:
                new = P.Shared(push_filters(P.Filter(new.input, pushed[id(rel)])))
            hit = memo[id(rel)] = (rel, new)  # holding rel keeps its id from being reused
        return hit[1]
    return rebuild(plan)


def _readers_filters(plan: P.Rel) -> dict[int, tuple[P.Shared, list]]:
    """For each Shared node (by identity): the node, and per reader the conjunction of the
    movable conjuncts without subqueries of the Filter it sits under (None where a reader takes every row: any
    other operator above it, the plan's root, or anything inside a subquery's plan, which
    this rule does not rewrite)."""
    found: dict[int, tuple[P.Shared, list]] = {}
    seen: set[int] = set()
    stack: list[tuple[P.Rel, bool]] = []

    def read(child: P.Rel, pred, in_subquery: bool) -> None:
        if isinstance(child, P.Shared):
            found.setdefault(id(child), (child, []))[1].append(None if in_subquery else pred)
        if id(child) not in seen:
            seen.add(id(child))
            stack.append((child, in_subquery))

    read(plan, None, False)
    while stack:
        rel, in_subquery = stack.pop()
        for child in reversed(rel.inputs()):  # the stack then yields readers in plan order
            pred = None
            if isinstance(rel, P.Filter) and isinstance(child, P.Shared):
                # not a subquery's test: it would run once more, inside the shared plan
                pred = and_all([c for c in split_and(rel.predicate) if _movable(c) and
                                not any(isinstance(n, ScalarSubquery) for n in walk(c))])
            read(child, pred, in_subquery)
        map_subquery_plans(rel, lambda sub: read(sub, None, True) or sub)
    return found


def _or_all(exprs: list) -> Call:
    out = exprs[0]
    for e in exprs[1:]:
        out = Call("or", (out, e), out.type)
    return out
