"""Common subplans: a relational subtree that occurs more than once in a plan runs once.

Queries repeat themselves: Q21 reads `lineitem WHERE l_receiptdate > l_commitdate` for its
outer rows and again for NOT EXISTS, Q11 repeats its partsupp-supplier-nation join inside
HAVING. Plan nodes compare by structure, and a plan holds no correlation once bound, so
equal subtrees give equal rows; each repeated one is wrapped, everywhere it occurs, in one
`Shared` node, which lowering computes once per execution (its gathered columns too).

>>> import tqp.types as T
>>> from tqp.plan import nodes as P
>>> scan = P.Scan("t", (("a", T.INTEGER),), (0,))
>>> f = P.Filter(scan, P.Call("gt", (P.ColRef(0, T.INTEGER), P.Lit(1, T.INTEGER)), T.BOOLEAN))
>>> plan = share_repeated(P.SetOp("union", True, (f, P.Filter(scan, f.predicate))))
>>> plan.left is plan.right, type(plan.left).__name__
(True, 'Shared')
"""
from __future__ import annotations

import dataclasses
import functools
from collections import Counter

from ..plan.nodes import Expr, Rel, ScalarSubquery, Scan, Shared, SortKey, Values, WorkingTable

_NOT_WORTH = (Scan, Values, Shared, WorkingTable)  # nothing to save: scans are views of stored tensors


def share_repeated(plan: Rel, stats=None) -> Rel:
    """The plan with every repeated non-trivial subtree replaced by one Shared node (`stats` is not read)."""
    counts: Counter = Counter()
    try:
        _count(plan, counts)
    except TypeError:  # a constant that cannot be hashed: leave the plan as it is
        return plan
    if not any(n >= 2 and not isinstance(rel, _NOT_WORTH) for rel, n in counts.items()):
        return plan
    memo: dict = {}

    def rebuild(rel: Rel) -> Rel:
        hit = memo.get(rel)
        if hit is None:
            hit = _map_fields(rel, rebuild)
            if counts[rel] >= 2 and not isinstance(rel, _NOT_WORTH):
                hit = Shared(hit)
            memo[rel] = hit
        return hit
    return rebuild(plan)


def _count(plan: Rel, counts: Counter) -> None:
    # Only a first occurrence is entered: inside a repeated subtree everything is shared with
    # it already, so only the outermost repeated node needs a Shared.
    stack = [plan]
    while stack:
        rel = stack.pop()
        counts[rel] += 1
        if counts[rel] == 1:
            stack.extend(_child_rels(rel))


def _child_rels(rel: Rel) -> list[Rel]:
    out: list[Rel] = list(rel.inputs())
    map_subquery_plans(rel, lambda r: out.append(r) or r)
    return out


def map_subquery_plans(node: Rel, fn) -> Rel:
    """node with fn applied to the plan of each scalar subquery in its own expressions (not to its inputs)."""
    return _map_fields(node, fn, inputs=False) if _holds_subquery(node) else node


def _holds_subquery(node: Rel) -> bool:
    """Whether a scalar subquery occurs in the node's own expressions (known once per node:
    every rule's pass asks)."""
    try:
        return node.__dict__["_holds_subquery"]
    except KeyError:
        found = any(_value_holds_subquery(getattr(node, name)) for name in _field_names(type(node)))
        object.__setattr__(node, "_holds_subquery", found)
        return found


def _value_holds_subquery(value) -> bool:
    if isinstance(value, Expr):
        return value.holds_subquery()
    if isinstance(value, SortKey):
        return value.expr.holds_subquery()
    if isinstance(value, tuple) and value and not isinstance(value[0], (str, int)):  # (not names, a schema's items)
        return any(map(_value_holds_subquery, value))
    return False


def _map_fields(node, fn, inputs: bool = True):
    """node with fn applied to every relation it holds: its inputs and the plans of scalar
    subqueries inside its expressions. Unchanged parts are kept as they are."""
    changes = {}
    for name in _field_names(type(node)):
        old = getattr(node, name)
        is_input = isinstance(old, Rel) or isinstance(old, tuple) and old and isinstance(old[0], Rel)
        new = old if not inputs and is_input else _map_value(old, fn)
        if new is not old:
            changes[name] = new
    return dataclasses.replace(node, **changes) if changes else node


@functools.cache
def _field_names(cls) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _map_value(value, fn):
    if isinstance(value, Rel):
        return fn(value)
    if isinstance(value, Expr):
        if not value.holds_subquery():
            return value
        if isinstance(value, ScalarSubquery):
            plan = fn(value.plan)
            return value if plan is value.plan else ScalarSubquery(plan, value.type)
        return _map_fields(value, fn)
    if isinstance(value, tuple):
        if not value or isinstance(value[0], (str, int)):  # names, column indexes
            return value
        items = [_map_value(v, fn) for v in value]
        return value if all(a is b for a, b in zip(items, value)) else tuple(items)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _map_fields(value, fn)
    return value
