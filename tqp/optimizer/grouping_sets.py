"""Grouping sets: each GroupingSets node the binder left (GROUP BY GROUPING SETS, ROLLUP,
CUBE) becomes a UNION ALL of one aggregate per set, each row laid out as the plain
Aggregate's (every key, then every aggregate): keys outside the set are NULL and each
GROUPING(...) call is its set's constant.

When every aggregate rolls up (sum, count, min, max, avg as sum / count), the input is
aggregated once by all keys and each set aggregates that result, a far smaller input (a ROLLUP
level reads the level above it); otherwise (DISTINCT, variance) each set aggregates the input.

>>> import pyarrow as pa, tqp
>>> from tqp.plan import nodes as P
>>> from tqp.sql.binder import Binder
>>> from tqp.sql.parse import parse
>>> con = tqp.connect("cpu")
>>> con.register("t", pa.table({"a": [1, 2], "b": [3, 4]}))
>>> plan, _ = Binder(con._engine.catalog, []).bind_query(parse("SELECT a, sum(b) FROM t GROUP BY ROLLUP (a)")[0])
>>> print(P.render(expand_grouping_sets(plan)))
Project(exprs=[#0, #1], names=['a', 'sum(b)'])
  SetOp(kind='union', all=True)
    Project(exprs=[#0, #1], names=['#k0', '#a0'])
      Shared()
        Aggregate(keys=[#0], aggs=[sum(#1)], names=['#p0', '#p1'])
          Scan(t: a, b)
    Project(exprs=[None, #0], names=['#k0', '#a0'])
      Aggregate(keys=[], aggs=[sum(#1)], names=['#m0'])
        Shared()
          Aggregate(keys=[#0], aggs=[sum(#1)], names=['#p0', '#p1'])
            Scan(t: a, b)
"""
from __future__ import annotations

from .. import types as T
from ..plan import nodes as P
from ..plan.nodes import AggCall, Call, ColRef, Expr, Lit
from ..sql import expressions as X  # the typing rules of sum and of division

_ROLLS_UP = {"count_star", "count", "sum", "min", "max", "avg"}


def expand_grouping_sets(plan: P.Rel, stats=None) -> P.Rel:
    """The plan with every GroupingSets node expanded into aggregates (`stats` is not read)."""
    return P.transform(plan, lambda rel: _expand(rel) if isinstance(rel, P.GroupingSets) else rel)


def _expand(g: P.GroupingSets) -> P.Rel:
    rel, keys, sets, aggs, names = g.input, g.keys, list(g.sets), g.aggs, g.names
    n = len(keys)
    real = [a for a in aggs if a.func != "grouping"]
    key_at = {k: i for i, k in enumerate(keys)}
    bits = {a: [key_at[x] for x in a.arg.args] for a in aggs if a.func == "grouping"}

    def layout(s: tuple, agg_ref) -> list[Expr]:
        """A set's output row over its aggregate's (set keys, then aggregates)."""
        out = [ColRef(s.index(i), keys[i].type) if i in s else Lit(None, keys[i].type) for i in range(n)]
        for a in aggs:
            if a.func == "grouping":
                v = sum(1 << (len(bits[a]) - 1 - j) for j, i in enumerate(bits[a]) if i not in s)
                out.append(Lit(v, T.BIGINT))
            else:
                out.append(agg_ref(s, a))
        return out

    branches = []
    if len(sets) > 1 and all(a.func in _ROLLS_UP and not a.distinct for a in real):
        partials: list[AggCall] = []

        def part(a: AggCall) -> int:
            if a not in partials:
                partials.append(a)
            return partials.index(a)
        # per aggregate: the partial columns it reads, and how a set combines each of them
        plan = {}
        for a in real:
            if a.func == "avg":
                plan[a] = [part(X.make_agg("sum", a.arg, filter=a.filter)),
                           part(AggCall("count", a.arg, T.BIGINT, filter=a.filter))]
            else:
                plan[a] = [part(a)]
        full = tuple(range(n))
        # Each set aggregates the smallest set already planned that holds its keys: a ROLLUP
        # level reads the level above it, not the input.
        order = sorted(set(sets) | {full}, key=len, reverse=True)
        source = {t: min((u for u in order[:k] if set(t) <= set(u)), key=len) for k, t in enumerate(order) if k}
        readers = {t: sets.count(t) + list(source.values()).count(t) for t in order}
        built = {}
        for t in order:
            if t == full:
                node = P.Aggregate(rel, tuple(keys), tuple(partials), tuple(f"#p{i}" for i in range(n + len(partials))))
            else:
                u = source[t]
                merges = tuple(AggCall(p.func if p.func in ("min", "max") else "sum", ColRef(len(u) + j, p.type),
                                       p.type if p.func not in ("count", "count_star") else T.BIGINT)
                               for j, p in enumerate(partials))
                node = P.Aggregate(built[u], tuple(ColRef(u.index(i), keys[i].type) for i in t), merges,
                                   tuple(f"#m{i}" for i in range(len(t) + len(merges))))
            built[t] = P.Shared(node) if readers[t] > 1 else node

        def agg_ref(s, a):
            cols = []
            for j in plan[a]:
                c = ColRef(len(s) + j, partials[j].type)
                if not s and partials[j].func in ("count", "count_star"):
                    c = Call("coalesce", (c, Lit(0, T.BIGINT)), T.BIGINT)  # () over no rows counts 0, not NULL
                cols.append(c)
            return X.arith("div", cols[0], cols[1]) if a.func == "avg" else cols[0]
        branches = [P.Project(built[s], tuple(layout(s, agg_ref)), names) for s in sets]
    else:
        shared = P.Shared(rel) if len(sets) > 1 else rel
        for s in sets:
            agg = P.Aggregate(shared, tuple(keys[i] for i in s), tuple(real),
                              tuple(f"#g{i}" for i in range(len(s) + len(real))))
            branches.append(P.Project(agg, tuple(layout(s, lambda s, a: ColRef(len(s) + real.index(a), a.type))), names))
    return P.SetOp("union", True, tuple(branches)) if len(branches) > 1 else branches[0]
