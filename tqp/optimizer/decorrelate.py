"""Decorrelation: each Apply the binder left (a subquery evaluated per row of its outer query)
becomes joins. It runs first, bottom-up, so a subquery nested in another is joins already
when the one holding it is rewritten.

Fast shapes first, where the subquery reads the outer row only in WHERE conjuncts over an
input that is otherwise independent of it (its *correlation*):

- [NOT] EXISTS, IN, NOT IN (uncorrelated), and their values: a semi, anti or mark join keyed
  on the IN values and the correlation's equalities, the other correlations as its residual;
- a scalar aggregate NULL over no rows (or a count, made 0): the aggregate grouped by the
  inner side of the correlation's equalities, over only the rows whose keys occur outside
  (a semi join with the outer rows, computed once and shared with the join back), left-joined
  back to the outer rows.

Everything else by general decorrelation. Following Neumann & Kemper ("Unnesting Arbitrary
Queries", BTW 2015, as DuckDB does), the subquery's plan T is evaluated once per distinct
combination of the outer values it reads, the *domain* D, by pushing the dependent join D ⋈ T
down the plan until the free variables are gone: a filter over an independent input becomes a
join of D with that input (equality correlations as keys, others as a residual), an aggregate
groups by the domain columns as well, a LIMIT applies per domain value, and so on. The result
(D's columns, then T's) is joined back to the outer rows on those columns with IS NOT
DISTINCT FROM.

>>> import pyarrow as pa, tqp
>>> from tqp.plan import nodes as P
>>> from tqp.sql.binder import Binder
>>> from tqp.sql.parse import parse
>>> con = tqp.connect("cpu")
>>> con.register("t", pa.table({"a": [1, 2], "b": [3, 4]}))
>>> con.register("s", pa.table({"a": [1, 1], "c": [5, 6]}))
>>> sql = "SELECT a FROM t WHERE EXISTS (SELECT 1 FROM s WHERE s.a = t.a AND s.c > t.b)"
>>> plan, _ = Binder(con._engine.catalog, []).bind_query(parse(sql)[0])
>>> print(P.render(plan))
Project(exprs=[#0], names=['a'])
  Apply(kind='exists', level=1, condition=None)
    Scan(t: a, b)
    Project(exprs=[1], names=['1'])
      Filter(predicate=and(eq(#0, outer1#0), gt(#1, outer1#1)))
        Scan(s: a, c)
>>> print(P.render(decorrelate_subqueries(plan)))
Project(exprs=[#0], names=['a'])
  Join(kind='semi', left_keys=[#0], right_keys=[#0], residual=gt(#3, #1))
    Scan(t: a, b)
    Scan(s: a, c)
"""
from __future__ import annotations

import dataclasses

from .. import types as T
from ..errors import NotSupportedError
from ..plan import nodes as P
from ..plan.decorrelate import node_exprs, outer_refs, plan_outer_refs, rebase, rewrite
from ..plan.nodes import AggCall, Call, ColRef, Expr, Lit, SortKey
from .push_filters import _substitute as substitute

# Without an equality to join on, the domain meets the subquery's rows pair by pair: past this
# many pairs (tens of seconds of work) the statement is refused rather than run.
MAX_DOMAIN_PAIRS = 200_000_000

_FILTERS = {"exists": "semi", "not exists": "anti", "in": "semi", "not in": "anti_null_aware"}


def decorrelate_subqueries(plan: P.Rel, stats=None) -> P.Rel:
    """The plan with every Apply rewritten into joins (`stats` is not read)."""
    return P.transform(plan, _rewrite)


def _rewrite(rel: P.Rel) -> P.Rel:
    if not isinstance(rel, P.Apply):
        return rel
    levels = {o.level for o in plan_outer_refs(rel.right)}
    if levels <= {rel.level} and "lateral" not in rel.kind:  # the fast shapes read no enclosing query's columns
        fast = _scalar_by_keys(rel) if rel.kind == "scalar" else _join_by_keys(rel)
        if fast is not None:
            return fast
    return _general(rel)


# ---------------------------------------------------------------- fast shapes


def _mine(e: Expr, level: int) -> bool:
    return any(o.level == level for o in outer_refs(e))


def _colrefs(e: Expr) -> bool:
    return any(isinstance(n, ColRef) for n in P.walk(e))


def _outer_to_left(e: Expr, level: int, shift: int = 0) -> Expr:
    """e over the outer row's columns, then (shifted by `shift`) the subquery's."""
    return rewrite(e, lambda i: i + shift, lambda o: ColRef(o.index, o.type) if o.level == level else None)


def _correlation(rel: P.Rel, level: int):
    """(input, conjuncts): rel as filters over an input that does not read the outer row,
    with the filters' conjuncts that do; None when the outer row is read anywhere else."""
    conds, below = [], rel
    while isinstance(below, P.Filter):
        conds += P.split_and(below.predicate)
        below = below.input
    if any(o.level == level for o in plan_outer_refs(below)):
        return None
    corr = [c for c in conds if _mine(c, level)]
    if not corr:
        return rel, []
    plain = [c for c in conds if not _mine(c, level)]
    return (P.Filter(below, P.and_all(plain)) if plain else below), corr


def _corr_pair(c: Expr, level: int):
    """(outer side, inner side) of `outer = inner`: one side reads only the outer row, the
    other only the subquery's columns; else None."""
    if not (isinstance(c, Call) and c.op == "eq"):
        return None
    a, b = c.args
    for o, i in ((a, b), (b, a)):
        if _mine(o, level) and not _colrefs(o) and _colrefs(i) and not _mine(i, level):
            return o, i
    return None


def _key_pair(c: Expr, nl: int):
    """(x, v) of an IN condition's `x = v`: x over the outer row's nl columns (or none), v
    over the subquery's (numbered from nl); else None."""
    if not (isinstance(c, Call) and c.op == "eq"):
        return None
    x, v = c.args
    if max(P.refs(x), default=-1) < nl <= min(P.refs(v), default=-1):
        return x, v
    return None


def _values(rel: P.Rel):
    """(input, exprs): rel's output columns as expressions over an input below its projections
    and unlimited sorts (which an IN or EXISTS does not see)."""
    exprs = [ColRef(i, t) for i, (_, t) in enumerate(rel.schema)]
    while True:
        if isinstance(rel, P.Sort) and rel.limit is None and not rel.offset:
            rel = rel.input
        elif isinstance(rel, P.Project):
            exprs = [substitute(e, rel.exprs.__getitem__) for e in exprs]
            rel = rel.input
        else:
            return rel, exprs


def _join_by_keys(a: P.Apply) -> P.Rel | None:
    """EXISTS / IN (and their values, and an uncorrelated ANY) as one semi, anti or mark join."""
    nl = len(a.left.schema)
    if a.kind == "any":
        return None if plan_outer_refs(a.right) else P.Join(a.left, a.right, "mark_any", (), (), a.condition)
    right, values = _values(a.right)
    lkeys, rkeys = [], []
    for c in P.split_and(a.condition) if a.condition is not None else ():
        pair = _key_pair(c, nl)
        if pair is None:
            return None
        lkeys.append(pair[0])
        rkeys.append(substitute(pair[1], lambda i: values[i - nl]))
        if _mine(rkeys[-1], a.level):  # a value that reads the outer row
            return None
    split = _correlation(right, a.level)
    if split is None or split[1] and a.kind == "not in":  # NOT IN's NULL rule reads the whole subquery
        return None
    right, corr = split
    resid = []
    for c in corr:
        pair = _corr_pair(c, a.level)
        if pair is not None:
            lkeys.append(_outer_to_left(pair[0], a.level))
            rkeys.append(pair[1])
        else:
            resid.append(_outer_to_left(c, a.level, nl))
    kind = _FILTERS.get(a.kind) or ("mark" if a.condition is None else "mark_in")
    return P.Join(a.left, right, kind, tuple(lkeys), tuple(rkeys), P.and_all(resid))


_STRICT_OPS = ("add", "sub", "mul", "div", "intdiv", "mod", "neg", "cast")


def _strict(e: Expr, agg: P.Aggregate) -> bool:
    """NULL whenever one of its aggregates is: a non-count aggregate under arithmetic and casts."""
    if isinstance(e, ColRef):
        return agg.aggs[e.index].func in ("sum", "avg", "min", "max")
    return isinstance(e, Call) and e.op in _STRICT_OPS and any(_strict(x, agg) for x in e.args)


def _scalar_by_keys(a: P.Apply) -> P.Rel | None:
    """A correlated scalar aggregate without GROUP BY whose value is NULL over no rows (or is a
    count): grouped by the correlation's inner keys and joined back."""
    proj = a.right
    if not (isinstance(proj, P.Project) and isinstance(proj.input, P.Aggregate) and not proj.input.keys):
        return None
    agg, value = proj.input, proj.exprs[0]
    counts = isinstance(value, ColRef) and agg.aggs[value.index].func in ("count", "count_star")
    if not (counts or _strict(value, agg)) or any(_mine(x, a.level) for x in (value, *agg.aggs)):
        return None
    split = _correlation(agg.input, a.level)
    if split is None or not split[1]:
        return None
    below, corr = split
    pairs = [_corr_pair(c, a.level) for c in corr]
    if None in pairs:
        return None
    left = a.left if isinstance(a.left, P.Shared) else P.Shared(a.left)
    outer_keys, inner_keys = tuple(_outer_to_left(p[0], a.level) for p in pairs), tuple(p[1] for p in pairs)
    k, nl = len(pairs), len(left.schema)
    grouped = P.Aggregate(P.Join(below, left, "semi", inner_keys, outer_keys), inner_keys, agg.aggs,
                          tuple(f"#k{j}" for j in range(k)) + agg.names)
    sub = P.Project(grouped, (rebase(value, k),) + tuple(ColRef(j, e.type) for j, e in enumerate(inner_keys)),
                    proj.names + tuple(f"#corr{j}" for j in range(k)))
    joined = P.Join(left, sub, "left", outer_keys, tuple(ColRef(1 + j, e.type) for j, e in enumerate(inner_keys)))
    ref = ColRef(nl, value.type)
    if counts:
        ref = Call("coalesce", (ref, Lit(0, T.BIGINT)), T.BIGINT)
    return _keep_left(joined, nl, ref, proj.names[0])


def _keep_left(rel: P.Rel, nl: int, value: Expr | None = None, name: str = "mark") -> P.Rel:
    """The first nl columns of rel, then `value` (over rel) when given."""
    exprs = tuple(ColRef(i, t) for i, (_, t) in enumerate(rel.schema[:nl]))
    names = tuple(n for n, _ in rel.schema[:nl])
    if value is not None:
        exprs, names = exprs + (value,), names + (name,)
    return P.Project(rel, exprs, names)


# ---------------------------------------------------------------- general decorrelation


def _general(a: P.Apply) -> P.Rel:
    """Any subquery: decorrelated over the domain of the outer values it reads, joined back."""
    level, nl = a.level, len(a.left.schema)
    idx = sorted({o.index for o in plan_outer_refs(a.right) if o.level == level})
    if a.kind in ("lateral", "left lateral") and not idx:
        return P.Join(a.left, a.right, "inner" if a.kind == "lateral" else "left")
    left = a.left if isinstance(a.left, P.Shared) else P.Shared(a.left)  # read twice: domain and join back
    outer_exprs = tuple(ColRef(i, left.schema[i][1]) for i in idx)
    sub = decorrelate(a.right, level, left, list(outer_exprs), idx) if idx else a.right
    k = len(idx)
    dkeys = tuple(ColRef(j, e.type) for j, e in enumerate(outer_exprs))
    if a.kind == "scalar":
        joined = P.Join(left, sub, "single", outer_exprs, dkeys, None, True)
        return _keep_left(joined, nl, ColRef(nl + k, sub.schema[k][1]), sub.schema[k][0])
    if a.kind in ("lateral", "left lateral"):
        joined = P.Join(left, sub, "inner" if a.kind == "lateral" else "left", outer_exprs, dkeys, None, True)
        return P.Project(joined, tuple(ColRef(i, t) for i, (_, t) in enumerate(left.schema)) +
                         tuple(ColRef(nl + k + j, t) for j, (_, t) in enumerate(a.right.schema)),
                         tuple(n for n, _ in a.schema))
    if a.kind in ("exists", "not exists"):
        return P.Join(left, sub, _FILTERS[a.kind], outer_exprs, dkeys, None, True)
    cond = a.condition
    single = P.split_and(cond) if cond is not None else []
    pair = _key_pair(single[0], nl) if len(single) == 1 else None
    if pair is not None:
        marked, mark = _in_by_keys(left, sub, outer_exprs, dkeys, pair[0], rebase(pair[1], k - nl))
    else:
        shifted = None if cond is None else rewrite(cond, lambda i: i if i < nl else i + k)
        marked = P.Join(left, sub, "mark" if cond is None else "mark_any", outer_exprs, dkeys, shifted, True)
        mark = ColRef(nl, T.BOOLEAN)
    if a.kind in ("mark", "any"):
        return _keep_left(marked, nl, mark)
    keep = mark if a.kind == "in" else Call("not", (mark,), T.BOOLEAN)
    return _keep_left(P.Filter(marked, keep), nl)


def _in_by_keys(left: P.Rel, sub: P.Rel, outer_exprs, dkeys, x: Expr, v: Expr):
    """x IN (dependent subquery) with x as one more join key, not a comparison over every
    (row, subquery row) pair: TRUE on a match; else NULL when the outer row's part of the
    subquery is not empty and x or one of its values is NULL; else FALSE. (the joined
    relation, the mark over it)"""
    k, nl = len(dkeys), len(left.schema)
    sub = P.Shared(sub)
    values = P.Filter(sub, Call("not", (Call("is_null", (v,), T.BOOLEAN),), T.BOOLEAN))
    # v is never NULL there: a NULL x misses
    marked = P.Join(left, values, "mark", outer_exprs + (x,), dkeys + (v,), None, True)
    stats = P.Aggregate(sub, dkeys, (AggCall("count_star", None, T.BIGINT), AggCall("count", v, T.BIGINT)),
                        tuple(f"#d{j}" for j in range(k)) + ("#rows", "#values"))
    joined = P.Join(marked, stats, "left", outer_exprs, dkeys, None, True)
    rows, vals = ColRef(nl + 1 + k, T.BIGINT), ColRef(nl + 2 + k, T.BIGINT)
    unknown = Call("and", (Call("gt", (rows, Lit(0, T.BIGINT)), T.BOOLEAN), Call("or", (
        Call("is_null", (x,), T.BOOLEAN), Call("lt", (vals, rows), T.BOOLEAN)), T.BOOLEAN)), T.BOOLEAN)
    mark = Call("case", (ColRef(nl, T.BOOLEAN), Lit(True, T.BOOLEAN), unknown, Lit(None, T.BOOLEAN),
                         Lit(False, T.BOOLEAN)), T.BOOLEAN)
    return joined, mark


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
        return _mine(e, self.level)

    def dep(self, rel: P.Rel) -> bool:
        """Whether the plan reads a free variable of this level."""
        hit = self._dep.get(id(rel))
        if hit is None:
            hit = any(self.mine(e) for e in node_exprs(rel)) or any(self.dep(r) for r in rel.inputs())
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
                pair = _corr_pair(c, self.level)
                if pair is not None:
                    lkeys.append(self.sub(pair[0], 0))
                    rkeys.append(pair[1])
                else:
                    rest.append(self.sub(c, self.k))
        if own:
            x = P.Filter(x, P.and_all(own))
        d = P.Filter(self.domain, P.and_all(on_domain)) if on_domain else self.domain
        kind = "inner" if lkeys or rest else "cross"
        return P.Join(d, x, kind, tuple(lkeys), tuple(rkeys), P.and_all(rest), max_pairs=MAX_DOMAIN_PAIRS)

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
        if rel.percent is not None:
            raise NotSupportedError("LIMIT ... PERCENT inside a correlated subquery")
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



def _reorder(rel: P.Rel, order: list[int]) -> P.Rel:
    schema = rel.schema
    return P.Project(rel, tuple(ColRef(i, schema[i][1]) for i in order), tuple(schema[i][0] for i in order))
