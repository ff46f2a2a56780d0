"""Rewriting a plan's column references: ColRefs renumbered, a correlated subquery's free
variables (OuterRef) found or replaced. The decorrelation that removes them is the optimizer
rule tqp.optimizer.decorrelate.

>>> import tqp.types as T
>>> from tqp.plan import nodes as P
>>> e = P.Call("lt", (P.ColRef(0, T.INTEGER), P.OuterRef(1, 3, T.INTEGER)), T.BOOLEAN)
>>> P.render(P.Filter(P.Scan("x", (("b", T.INTEGER),)), e)).splitlines()[0]
'Filter(predicate=lt(#0, outer1#3))'
>>> [(o.level, o.index) for o in outer_refs(e)], rebase(e, 2).args[0].index
([(1, 3)], 2)
"""
from __future__ import annotations

import dataclasses

from . import nodes as P
from .nodes import AggCall, Call, ColRef, Expr, OuterRef, SortKey, WindowCall


def rewrite(e: Expr, col=None, outer=None) -> Expr:
    """e with each ColRef's index passed through `col` and each OuterRef replaced by
    `outer(ref)` where that is not None."""
    if isinstance(e, ColRef):
        return e if col is None else ColRef(col(e.index), e.type)
    if isinstance(e, OuterRef):
        out = outer(e) if outer is not None else None
        return e if out is None else out
    if isinstance(e, Call):
        args = tuple(rewrite(a, col, outer) for a in e.args)
        return e if all(a is b for a, b in zip(args, e.args)) else Call(e.op, args, e.type, e.params)
    if isinstance(e, AggCall):
        return AggCall(e.func, None if e.arg is None else rewrite(e.arg, col, outer), e.type, e.distinct,
                       None if e.filter is None else rewrite(e.filter, col, outer))
    if isinstance(e, WindowCall):
        return e.map(lambda a: rewrite(a, col, outer))
    return e


def node_exprs(rel: P.Rel):
    """The expressions a plan node evaluates itself (not its inputs')."""
    for f in dataclasses.fields(rel):
        yield from _flatten(getattr(rel, f.name))


def _flatten(value):
    if isinstance(value, Expr):
        yield value
    elif isinstance(value, SortKey):
        yield value.expr
    elif isinstance(value, tuple):
        for v in value:
            yield from _flatten(v)


def outer_refs(e: Expr):
    stack = [e]
    while stack:
        n = stack.pop()
        if isinstance(n, OuterRef):
            yield n
        stack.extend(n.children())


def plan_outer_refs(rel: P.Rel) -> list[OuterRef]:
    """Every OuterRef in a plan (shared subplans visited once)."""
    out, seen, stack = [], set(), [rel]
    while stack:
        r = stack.pop()
        if id(r) in seen:
            continue
        seen.add(id(r))
        for e in node_exprs(r):
            out.extend(outer_refs(e))
        stack.extend(r.inputs())
    return out


def rebase(e: Expr, offset: int) -> Expr:
    return rewrite(e, lambda i: i + offset)


def map_outer_refs(rel: P.Rel, outer) -> P.Rel:
    """rel with each OuterRef in its nodes' expressions replaced by `outer(ref)` where that is
    not None (shared subplans rewritten once)."""
    def node(r: P.Rel) -> P.Rel:
        changes = {}
        for f in dataclasses.fields(r):
            old = getattr(r, f.name)
            if not isinstance(old, P.Rel):
                new = _map_value(old, outer)
                if new is not old:
                    changes[f.name] = new
        return dataclasses.replace(r, **changes) if changes else r
    return P.transform(rel, node)


def _map_value(value, outer):
    if isinstance(value, Expr):
        return value if not any(True for _ in outer_refs(value)) else rewrite(value, None, outer)
    if isinstance(value, SortKey):
        e = _map_value(value.expr, outer)
        return value if e is value.expr else dataclasses.replace(value, expr=e)
    if isinstance(value, tuple):
        items = tuple(_map_value(v, outer) for v in value)
        return value if all(a is b for a, b in zip(items, value)) else items
    return value
