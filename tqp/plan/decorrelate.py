"""Decorrelation: a subquery's plan with free variables made into an ordinary plan.

A correlated subquery binds the outer columns it reads as `OuterRef(level, index)`. Following
Neumann & Kemper ("Unnesting Arbitrary Queries", BTW 2015, as DuckDB does), its plan T is
evaluated once per distinct combination of those outer values, the *domain* D, by pushing the
dependent join D ⋈ T down the plan until the free variables are gone: a filter over an
independent input becomes a join of D with that input (equality correlations as keys, others
as a residual), an aggregate groups by the domain columns as well, a LIMIT applies per domain
value, and so on. The result has D's columns first, then T's; the binder joins it back to the
outer rows on those columns with IS NOT DISTINCT FROM.

>>> import tqp.types as T
>>> from tqp.plan import nodes as P
>>> inner = P.Scan("x", (("b", T.INTEGER),))
>>> t = P.Aggregate(P.Filter(inner, P.Call("lt", (P.ColRef(0, T.INTEGER), P.OuterRef(1, 0, T.INTEGER)),
...     T.BOOLEAN)), (), (P.AggCall("count_star", None, T.BIGINT),), ("c",))
>>> outer = P.Shared(P.Scan("t", (("b", T.INTEGER),)))
>>> [n for n, _ in decorrelate(t, 1, outer, [P.ColRef(0, T.INTEGER)], [0]).schema]
['#d0', 'c']
"""
from __future__ import annotations

import dataclasses

from .. import types as T
from ..errors import NotSupportedError
from . import nodes as P
from .nodes import AggCall, Call, ColRef, Expr, Lit, OuterRef, SortKey, WindowCall


# Without an equality to join on, the domain meets the subquery's rows pair by pair: past this
# many pairs (tens of seconds of work) the statement is refused rather than run.
MAX_DOMAIN_PAIRS = 200_000_000


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


def _exprs_of(rel: P.Rel):
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
        for e in _exprs_of(r):
            out.extend(outer_refs(e))
        stack.extend(r.inputs())
    return out


def decorrelate(plan: P.Rel, level: int, outer: P.Rel, outer_exprs: list[Expr], indices: list[int]) -> P.Rel:
    """`plan` evaluated for every distinct row of outer_exprs (expressions over `outer` standing
    for OuterRef(level, indices[j])): the domain's columns, then the plan's."""
    names = tuple(f"#d{j}" for j in range(len(indices)))
    domain = P.Distinct(P.Project(outer, tuple(outer_exprs), names))
    return _Pusher(level, domain, {i: j for j, i in enumerate(indices)}).push(plan)


class _Pusher:
    def __init__(self, level: int, domain: P.Rel, pos: dict[int, int]):
        self.level, self.domain, self.pos = level, domain, pos
        self.k = len(domain.schema)
        self.dcols = tuple(ColRef(j, t) for j, (_, t) in enumerate(domain.schema))
        self.dnames = tuple(n for n, _ in domain.schema)
        self._dep: dict[int, tuple] = {}
        self._pushed_shared: dict[int, P.Rel] = {}

    # ------------------------------------------------------------ helpers

    def mine(self, e: Expr) -> bool:
        return any(o.level == self.level for o in outer_refs(e))

    def dep(self, rel: P.Rel) -> bool:
        """Whether the plan reads a free variable of this level."""
        hit = self._dep.get(id(rel))
        if hit is None:
            hit = any(self.mine(e) for e in _exprs_of(rel)) or any(self.dep(r) for r in rel.inputs())
            self._dep[id(rel)] = (hit, rel)  # holding rel keeps its id from being reused
            return hit
        return hit[0]

    def sub(self, e: Expr, shift: int, at: int = 0, col=None) -> Expr:
        """e over a pushed input: columns moved by `shift` (or `col`), this level's free
        variables read from the domain columns at `at`."""
        if e is None:
            return None
        def outer(o):
            return ColRef(at + self.pos[o.index], o.type) if o.level == self.level else None
        return rewrite(e, col if col is not None else (lambda i: i + shift), outer)

    def cross(self, rel: P.Rel) -> P.Rel:
        return P.Join(self.domain, rel, "cross", max_pairs=MAX_DOMAIN_PAIRS)

    # ------------------------------------------------------------ push

    def push(self, rel: P.Rel) -> P.Rel:
        """D ⋈ rel: for each domain row, rel's rows with the free variables set to it."""
        if not self.dep(rel):
            return self.cross(rel)
        if isinstance(rel, P.Shared):
            hit = self._pushed_shared.get(id(rel))
            if hit is None:
                hit = self._pushed_shared[id(rel)] = P.Shared(self.push(rel.input))
            return hit
        fn = getattr(self, "_" + type(rel).__name__.lower(), None)
        if fn is None:
            raise NotSupportedError(f"a correlated subquery over {type(rel).__name__}")
        return fn(rel)

    def _filter(self, rel: P.Filter) -> P.Rel:
        if not self.dep(rel.input):
            return self._join_domain(rel.input, P.with_or_factors(P.split_and(rel.predicate)))
        return P.Filter(self.push(rel.input), self.sub(rel.predicate, self.k))

    def _join_domain(self, x: P.Rel, conds: list[Expr]) -> P.Rel:
        """D joined with an independent input under the correlated conditions: equalities
        between an outer value and an input expression become keys (a hash join, not a cross
        product), conditions on the input alone filter it first."""
        own, on_domain, lkeys, rkeys, rest = [], [], [], [], []
        for c in conds:
            if not self.mine(c):
                own.append(c)
            elif not _colrefs(c):
                on_domain.append(self.sub(c, 0))
            else:
                pair = self._equi(c)
                if pair is not None:
                    lkeys.append(pair[0])
                    rkeys.append(pair[1])
                else:
                    rest.append(self.sub(c, self.k))
        if own:
            x = P.Filter(x, P.and_all(own))
        d = P.Filter(self.domain, P.and_all(on_domain)) if on_domain else self.domain
        kind = "inner" if lkeys or rest else "cross"
        return P.Join(d, x, kind, tuple(lkeys), tuple(rkeys), P.and_all(rest), max_pairs=MAX_DOMAIN_PAIRS)

    def _equi(self, c: Expr):
        if not (isinstance(c, Call) and c.op == "eq"):
            return None
        a, b = c.args
        for o, i in ((a, b), (b, a)):
            if self.mine(o) and not _colrefs(o) and _colrefs(i) and not self.mine(i):
                return self.sub(o, 0), i
        return None

    def _project(self, rel: P.Project) -> P.Rel:
        inp = self.push(rel.input)
        return P.Project(inp, self.dcols + tuple(self.sub(e, self.k) for e in rel.exprs), self.dnames + rel.names)

    def _aggregate(self, rel: P.Aggregate) -> P.Rel:
        inp = self.push(rel.input)
        k = self.k
        agg = P.Aggregate(inp, self.dcols + tuple(self.sub(e, k) for e in rel.keys),
                          tuple(self.sub(a, k) for a in rel.aggs), self.dnames + rel.names)
        if rel.keys:
            return agg
        # Without GROUP BY an aggregate gives one row even over no rows: every domain value
        # gets its row, with COUNT 0 and the other aggregates NULL.
        joined = P.Join(self.domain, agg, "left", self.dcols, self.dcols, null_safe=True)
        outs = []
        for j, a in enumerate(rel.aggs):
            ref = ColRef(2 * k + j, a.type)
            counts = a.func in ("count", "count_star")
            outs.append(Call("coalesce", (ref, Lit(0, T.BIGINT)), T.BIGINT) if counts else ref)
        return P.Project(joined, self.dcols + tuple(outs), self.dnames + rel.names)

    def _distinct(self, rel: P.Distinct) -> P.Rel:
        on = self.dcols + tuple(self.sub(e, self.k) for e in rel.on) if rel.on else ()
        return P.Distinct(self.push(rel.input), on)

    def _sort(self, rel: P.Sort) -> P.Rel:
        inp = self.push(rel.input)
        keys = tuple(SortKey(self.sub(s.expr, self.k), s.descending, s.nulls_first) for s in rel.keys)
        part = self.dcols + tuple(self.sub(p, self.k) for p in rel.partition) \
            if rel.limit is not None or rel.offset else ()
        return P.Sort(inp, keys, rel.limit, rel.offset, part)

    def _window(self, rel: P.Window) -> P.Rel:
        # Each domain value's rows form partitions of their own.
        part = self.dcols + tuple(self.sub(p, self.k) for p in rel.partition)
        order = tuple(SortKey(self.sub(s.expr, self.k), s.descending, s.nulls_first) for s in rel.order)
        calls = tuple(dataclasses.replace(self.sub(c, self.k), partition=part, order=order) for c in rel.calls)
        return P.Window(self.push(rel.input), part, order, calls, rel.names)

    def _limit(self, rel: P.Limit) -> P.Rel:
        return P.Sort(self.push(rel.input), (), rel.limit, rel.offset, self.dcols)

    def _setop(self, rel: P.SetOp) -> P.Rel:
        return rel.with_inputs(*[self.push(b) for b in rel.branches])

    def _join(self, rel: P.Join) -> P.Rel:
        k, kind = self.k, rel.kind
        nl, nr = len(rel.left.schema), len(rel.right.schema)
        right_dep = self.dep(rel.right) or any(self.mine(e) for e in rel.right_keys)
        if kind == "right":  # as the mirrored LEFT JOIN
            col = lambda i: i + nr if i < nl else i - nl  # noqa: E731
            mirrored = dataclasses.replace(rel, left=rel.right, right=rel.left, kind="left",
                                           left_keys=rel.right_keys, right_keys=rel.left_keys,
                                           residual=rewrite(rel.residual, col) if rel.residual else None)
            return self.push(_reorder(mirrored, [nr + i for i in range(nl)] + list(range(nr))))
        if kind == "full":
            raise NotSupportedError("FULL JOIN inside a correlated subquery")
        if not right_dep:
            # Each left row carries its domain value; the right side is joined as it is.
            return dataclasses.replace(rel, left=self.push(rel.left), residual=self.sub(rel.residual, k),
                                       left_keys=tuple(self.sub(e, k) for e in rel.left_keys))
        if kind in ("inner", "cross") and not self.dep(rel.left) and not any(self.mine(e) for e in rel.left_keys):
            right = self.push(rel.right)
            col = lambda i: i if i < nl else i + k  # noqa: E731
            j = dataclasses.replace(rel, right=right, right_keys=tuple(self.sub(e, k) for e in rel.right_keys),
                                    residual=self.sub(rel.residual, 0, nl, col))
            order = [nl + i for i in range(k)] + list(range(nl)) + [nl + k + i for i in range(nr)]
            return _reorder(j, order)
        return self._join_both(rel, nl, nr)

    def _join_both(self, rel: P.Join, nl: int, nr: int) -> P.Rel:
        """Both sides pushed, matched on the domain columns as well as on their own keys."""
        k, kind = self.k, rel.kind
        left, right = self.push(rel.left), self.push(rel.right)
        col = lambda i: i + k if i < nl else i + 2 * k  # noqa: E731  (left: d, l; right: d, r)
        lkeys = [self.sub(e, k) for e in rel.left_keys]
        rkeys = [self.sub(e, k) for e in rel.right_keys]
        resid = self.sub(rel.residual, 0, 0, col)
        if kind in ("mark_in", "anti_null_aware"):
            # IN's NULL rules are per domain value now: x IN S is TRUE if some row of S equals
            # x, else NULL if a comparison was NULL, else FALSE (a mark_any over the pairs).
            pairs = [Call("eq", (a, rebase(b, nl + k)), T.BOOLEAN) for a, b in zip(lkeys, rkeys)]
            cond = P.and_all(pairs + ([Call("is_true", (resid,), T.BOOLEAN)] if resid is not None else []))
            out = P.Join(left, right, "mark_any", self.dcols, self.dcols, cond, True)
            if kind == "mark_in":
                return out
            keep = P.Filter(out, Call("is_false", (ColRef(k + nl, T.BOOLEAN),), T.BOOLEAN))
            return _reorder(keep, list(range(k + nl)))
        if lkeys and not rel.null_safe:
            # Every key compares NULL-safely now; a NULL key still matches nothing because
            # right rows with one are dropped (the left rows stay, unmatched).
            right = P.Filter(right, P.and_all([Call("not", (Call("is_null", (e,), T.BOOLEAN),), T.BOOLEAN)
                                              for e in rkeys]))
        out = P.Join(left, right, "inner" if kind == "cross" else kind, self.dcols + tuple(lkeys),
                     self.dcols + tuple(rkeys), resid, True)
        if kind in ("semi", "anti", "mark", "mark_any"):
            return out
        return _reorder(out, list(range(k + nl)) + [2 * k + nl + i for i in range(nr)])


def rebase(e: Expr, offset: int) -> Expr:
    return rewrite(e, lambda i: i + offset)


def _reorder(rel: P.Rel, order: list[int]) -> P.Rel:
    schema = rel.schema
    return P.Project(rel, tuple(ColRef(i, schema[i][1]) for i in order), tuple(schema[i][0] for i in order))


def _colrefs(e: Expr) -> bool:
    return any(isinstance(n, ColRef) for n in P.walk(e))
