"""OR factoring: what every branch of an OR requires becomes a conjunct of its own.

- A conjunct common to every branch holds on its own: `(a AND b) OR (a AND c)` adds `a`.
- Over an inner-join region, each leaf that every branch restricts gets the OR of those
  restrictions as a filter: `(p.x = 1 AND l.y < 5) OR (p.x = 2 AND l.y < 9)` adds
  `p.x = 1 OR p.x = 2` for p, so filter pushdown can shrink p before the join.

The OR itself stays; the added conjuncts are implied by it, so the rows are the same.

>>> import tqp.types as T
>>> from tqp.plan import nodes as P
>>> a, b = (P.Call("gt", (P.ColRef(i, T.INTEGER), P.Lit(1, T.INTEGER)), T.BOOLEAN) for i in (0, 1))
>>> either = P.Call("or", (P.Call("and", (a, b), T.BOOLEAN), a), T.BOOLEAN)
>>> plan = factor_ors(P.Filter(P.Scan("t", (("x", T.INTEGER), ("y", T.INTEGER))), either))
>>> print(P.render(plan).splitlines()[0])
Filter(predicate=and(or(and(gt(#0, 1), gt(#1, 1)), gt(#0, 1)), gt(#0, 1)))
"""
from __future__ import annotations

from ..plan import nodes as P
from ..plan.nodes import Call, Expr, and_all, refs, split_and, split_or, with_or_factors
from .join_order import flatten, is_inner


def factor_ors(plan: P.Rel, stats=None) -> P.Rel:
    """The plan with the conjuncts implied by each Filter's ORs added to that Filter (`stats` is not read)."""
    return P.transform(plan, _factor_here)


def _factor_here(rel: P.Rel) -> P.Rel:
    if not isinstance(rel, P.Filter):
        return rel
    preds = split_and(rel.predicate)
    ors = [e for e in preds if isinstance(e, Call) and e.op == "or"]
    if not ors:
        return rel
    spans = [(at, at + len(leaf.schema)) for leaf, at in flatten(rel.input)[0]] if is_inner(rel.input) else []
    out = with_or_factors(preds)
    for e in ors:
        branches = [split_and(b) for b in split_or(e)]
        cols = refs(e)
        for lo, hi in (spans if cols else ()):
            if lo <= min(cols) and max(cols) < hi:
                continue  # the OR is this leaf's own filter already
            implied = _implied(branches, lo, hi)
            if implied is not None and implied not in out:
                out.append(implied)
    return rel if len(out) == len(preds) else P.Filter(rel.input, and_all(out))


def _implied(branches: list[list[Expr]], lo: int, hi: int) -> Expr | None:
    """The OR over branches of each branch's conjuncts that read only columns lo..hi-1, when
    every branch has some."""
    per_branch = []
    for conj in branches:
        mine = [c for c in conj if refs(c) and lo <= min(refs(c)) and max(refs(c)) < hi]
        if not mine:
            return None
        per_branch.append(and_all(mine))
    out = per_branch[0]
    for p in per_branch[1:]:
        out = Call("or", (out, p), P.T.BOOLEAN)
    return out
