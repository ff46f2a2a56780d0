"""Join ordering: each tree of inner joins is rebuilt in the order its estimated sizes suggest.

A region is a maximal tree of inner and cross joins (not the null-safe or capped ones a
decorrelated subquery makes); its leaves are whatever sits below (scans, filtered scans, outer
joins, aggregates...), each reordered on its own first. Its predicates are every join key
(as an equality) and residual. Greedily, the pair of components whose join is estimated
smallest is joined first (on equal estimates, the smaller build side), with every equality
between them as keys, until one component is left; components no predicate connects are
crossed smallest first. A projection restores the region's column order.

>>> import pyarrow as pa, tqp
>>> con = tqp.connect("cpu")
>>> con.register("big", pa.table({"k": list(range(1000)), "d": [i % 10 for i in range(1000)]}))
>>> con.register("dim", pa.table({"d": list(range(10)), "x": list(range(10))}))
>>> con.register("one", pa.table({"x": [3]}))
>>> from tqp.optimizer import optimize
>>> from tqp.plan import nodes as P
>>> from tqp.sql.binder import Binder
>>> from tqp.sql.parse import parse
>>> sql = "SELECT count(*) FROM big JOIN dim ON big.d = dim.d JOIN one ON dim.x = one.x"
>>> plan, _ = Binder(con._engine.catalog, []).bind_query(parse(sql)[0])
>>> print(P.render(optimize(plan, con._engine.catalog)))
Project(exprs=[#0], names=['count_star()'])
  Aggregate(keys=[], aggs=[count_star(*)], names=['#a0'])
    Join(kind='inner', left_keys=[#1], right_keys=[#0], residual=None)
      Scan(big: k, d)
      Join(kind='inner', left_keys=[#1], right_keys=[#0], residual=None)
        Scan(dim: d, x)
        Scan(one: x)
"""
from __future__ import annotations

from ..plan import nodes as P
from ..plan.decorrelate import rewrite
from ..plan.nodes import Call, ColRef, Expr, and_all, refs
from .stats import Stats


def is_inner(rel: P.Rel) -> bool:
    """An inner or cross join that may be reordered with its neighbours."""
    return isinstance(rel, P.Join) and rel.kind in ("inner", "cross") and not rel.null_safe and rel.max_pairs is None


def flatten(rel: P.Rel):
    """(leaves as (relation, first column), predicates over the region's columns) of an inner-join region."""
    leaves, preds, stack = [], [], [(rel, 0)]
    while stack:
        node, at = stack.pop()
        if not is_inner(node):
            leaves.append((node, at))
            continue
        nl = len(node.left.schema)
        preds += [rewrite(Call("eq", (lk, rewrite(rk, lambda i, nl=nl: i + nl)), P.T.BOOLEAN), lambda i, at=at: i + at)
                  for lk, rk in zip(node.left_keys, node.right_keys)]
        if node.residual is not None:
            preds.append(rewrite(node.residual, lambda i, at=at: i + at))
        stack += [(node.right, at + nl), (node.left, at)]
    return leaves, preds


def order_joins(plan: P.Rel, stats: Stats) -> P.Rel:
    """The plan with every inner-join region joined in the order its estimates suggest."""
    memo: dict[int, tuple] = {}

    def visit(rel: P.Rel) -> P.Rel:
        hit = memo.get(id(rel))
        if hit is None:
            if is_inner(rel):
                leaves, preds = flatten(rel)
                out = _reorder(rel, [(visit(leaf), at) for leaf, at in leaves], preds, stats)
            else:
                out = rel.with_inputs(*[visit(c) for c in rel.inputs()])
            hit = memo[id(rel)] = (rel, out)
        return hit[1]
    return visit(plan)


def _owners(e: Expr, owner: list[int]) -> set[int]:
    return {owner[i] for i in refs(e)}


def _edge(e: Expr, owner: list[int]):
    """(one side, other side, its leaf, other leaf) for an equality between two single leaves."""
    if not (isinstance(e, Call) and e.op == "eq"):
        return None
    a, b = e.args
    oa, ob = _owners(a, owner), _owners(b, owner)
    if len(oa) == 1 and len(ob) == 1 and oa != ob:
        return a, b, oa.pop(), ob.pop()
    return None


def _reorder(region: P.Rel, leaves, preds, stats: Stats) -> P.Rel:
    owner = [0] * len(region.schema)
    for k, (leaf, at) in enumerate(leaves):
        owner[at:at + len(leaf.schema)] = [k] * len(leaf.schema)
    filters = [[] for _ in leaves]
    edges, residual, constants = [], [], []
    for e in preds:
        owners = _owners(e, owner)
        if not owners:
            constants.append(e)
        elif len(owners) == 1:  # push_filters leaves none; kept correct for plans it did not see
            k = owners.pop()
            filters[k].append(rewrite(e, lambda i, k=k: i - leaves[k][1]))
        else:
            edge = _edge(e, owner)
            if edge:
                edges.append(edge)
            else:
                residual.append((e, owners))
    comps = []
    for k, (leaf, at) in enumerate(leaves):
        rel = P.Filter(leaf, and_all(filters[k])) if filters[k] else leaf
        comps.append({"rel": rel, "items": {k}, "layout": list(range(at, at + len(leaf.schema))),
                      "rows": stats.rows(rel)})
    while len(comps) > 1:
        best = None
        for a, ca in enumerate(comps):
            for b, cb in enumerate(comps):
                if a == b:
                    continue
                # edges written either way round (a2.i = a1.i) all become keys: every edge
                # between the two is dropped once they are joined
                keys = [(l, r) for (l, r, la, ra) in edges if la in ca["items"] and ra in cb["items"]] + \
                       [(r, l) for (l, r, la, ra) in edges if ra in ca["items"] and la in cb["items"]]
                if not keys:
                    continue
                lkeys, rkeys = _local(keys, ca, cb)
                rows = stats.join_rows(ca["rel"], cb["rel"], lkeys, rkeys, ca["rows"], cb["rows"])
                score = (rows, cb["rows"])  # on equal estimates, the smaller build (right) side
                if best is None or score < best[0]:
                    best = (score, a, b, lkeys, rkeys)
        if best is None:  # no connecting predicate: cross the two smallest
            order = sorted(range(len(comps)), key=lambda i: comps[i]["rows"])
            a, b = order[1], order[0]
            lkeys = rkeys = []
            rows = comps[a]["rows"] * comps[b]["rows"]
        else:
            (rows, _), a, b, lkeys, rkeys = best
        ca, cb = comps[a], comps[b]
        merged = ca["items"] | cb["items"]
        edges = [e for e in edges if not (e[2] in merged and e[3] in merged)]  # now keys, or within a side
        layout = ca["layout"] + cb["layout"]
        pos = {g: i for i, g in enumerate(layout)}
        ready = [e for e, owners in residual if owners <= merged]
        residual = [(e, owners) for e, owners in residual if not owners <= merged]
        resid = and_all([rewrite(e, pos.__getitem__) for e in ready])
        if resid is not None:
            rows *= 0.3
        rel = P.Join(ca["rel"], cb["rel"], "inner" if lkeys or resid is not None else "cross",
                     tuple(lkeys), tuple(rkeys), resid)
        comps = [c for i, c in enumerate(comps) if i not in (a, b)]
        comps.append({"rel": rel, "items": merged, "layout": layout, "rows": max(rows, 1.0)})
    comp = comps[0]
    rel = comp["rel"]
    if comp["layout"] != list(range(len(region.schema))):
        pos = {g: i for i, g in enumerate(comp["layout"])}
        rel = P.Project(rel, tuple(ColRef(pos[g], t) for g, (_, t) in enumerate(region.schema)),
                        tuple(n for n, _ in region.schema))
    return P.Filter(rel, and_all(constants)) if constants else rel


def _local(keys, ca, cb):
    """Key pairs over the global layout as (left keys over ca's columns, right keys over cb's)."""
    lpos = {g: i for i, g in enumerate(ca["layout"])}
    rpos = {g: i for i, g in enumerate(cb["layout"])}
    return [rewrite(l, lpos.__getitem__) for l, _ in keys], [rewrite(r, rpos.__getitem__) for _, r in keys]
