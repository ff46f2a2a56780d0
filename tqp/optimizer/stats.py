"""Cardinality estimates for the optimizer's choices, behind one `Stats` interface.

Row counts, distinct counts (NDV) and min/max come from the stored tables (each found once and
remembered with the table); a predicate's selectivity is 1/NDV for `column = constant`, k/NDV
for an IN list, the covered share of [min, max] for ranges on one column, and fixed guesses
for the rest. Joins estimate |L| x |R| / the distinct key combinations of the larger side.

>>> import pyarrow as pa, tqp
>>> con = tqp.connect("cpu")
>>> con.register("t", pa.table({"k": list(range(100)), "g": [i % 4 for i in range(100)]}))
>>> from tqp.plan import nodes as P
>>> stats = Stats(con._engine.catalog)
>>> scan = P.Scan("t", (("k", P.T.BIGINT), ("g", P.T.BIGINT)))
>>> k, g = P.ColRef(0, P.T.BIGINT), P.ColRef(1, P.T.BIGINT)
>>> stats.rows(P.Filter(scan, P.Call("eq", (g, P.Lit(1, P.T.BIGINT)), P.T.BOOLEAN)))
25.0
>>> round(stats.rows(P.Filter(scan, P.Call("lt", (k, P.Lit(10, P.T.BIGINT)), P.T.BOOLEAN))))
10
"""
from __future__ import annotations

import torch

from ..kernels.join import clustering
from ..plan import nodes as P
from ..plan.nodes import Call, ColRef, Expr, Lit, ScalarSubquery, estimate_value, split_and, split_or

DEFAULT_SELECTIVITY = 0.3  # a predicate nothing is known about
CLUSTERED = 0.05  # a column whose blocks of rows span at most this share of its range on average
_RANGE_OPS = {"lt": "hi", "le": "hi", "gt": "lo", "ge": "lo"}
_FLIPPED = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le", "eq": "eq", "ne": "ne"}


class Stats:
    """Estimates over the tables of one catalog (None: every table is of unknown size)."""

    def __init__(self, catalog=None):
        self.catalog = catalog
        self._rows: dict[int, tuple] = {}

    # ------------------------------------------------------------ relations

    def rows(self, rel: P.Rel) -> float:
        """Estimated output rows of a plan (at least 1)."""
        hit = self._rows.get(id(rel))
        if hit is None:
            hit = self._rows[id(rel)] = (rel, max(self._estimate(rel), 1.0))  # rel held: its id stays its own
        return hit[1]

    def _estimate(self, rel: P.Rel) -> float:
        if isinstance(rel, P.Scan):
            table = self._table(rel.table)
            return float(table.num_rows) if table is not None else 1000.0
        if isinstance(rel, P.Values):
            return float(len(rel.rows))
        if isinstance(rel, P.Filter):
            return self.rows(rel.input) * self.selectivity(rel.predicate, rel.input)
        if isinstance(rel, P.Aggregate):
            n = self.rows(rel.input)
            if not rel.keys:
                return 1.0
            groups = 1.0
            for k in rel.keys:
                groups *= self.ndv(rel.input, k) or n * 0.1
            return min(n, groups)
        if isinstance(rel, P.Join):
            return self._join(rel)
        if isinstance(rel, (P.Limit, P.Sort)) and rel.limit is not None:
            return min(float(rel.limit), self.rows(rel.input))
        if isinstance(rel, P.SetOp):
            rows = [self.rows(b) for b in rel.branches]
            return {"union": sum(rows), "intersect": min(rows)}.get(rel.kind, rows[0])
        ins = rel.inputs()
        return self.rows(ins[0]) if ins else 1.0

    def _join(self, j: P.Join) -> float:
        l, r = self.rows(j.left), self.rows(j.right)
        if j.kind in ("semi", "anti", "anti_null_aware"):
            share = self._semi_share(j)
            return l * (share if j.kind == "semi" else 1.0 - share * 0.9)
        if j.kind in ("mark", "mark_in", "mark_any", "single"):
            return l
        matched = self.join_rows(j.left, j.right, j.left_keys, j.right_keys, l, r)
        if j.residual is not None:
            matched *= DEFAULT_SELECTIVITY
        if j.kind == "left":
            return max(matched, l)
        if j.kind == "right":
            return max(matched, r)
        if j.kind == "full":
            return max(matched, l, r)
        return matched

    def join_rows(self, left: P.Rel, right: P.Rel, lkeys, rkeys, l: float | None = None,
                  r: float | None = None) -> float:
        """Estimated rows of an inner join of left and right on the key pairs (given sizes
        where the caller knows them better): |L| x |R| over the larger side's count of
        distinct key combinations, each side's being the product of its keys' NDVs but at
        most its rows (a composite key such as (part, supplier) is no rarer than its rows)."""
        l = self.rows(left) if l is None else l
        r = self.rows(right) if r is None else r
        if not lkeys:
            return l * r
        combos_l = combos_r = 1.0
        for a, b in zip(lkeys, rkeys):
            combos_l *= self.ndv(left, a) or l
            combos_r *= self.ndv(right, b) or r
        return max(l * r / max(min(combos_l, l), min(combos_r, r), 1.0), 1.0)

    def _semi_share(self, j: P.Join) -> float:
        """The share of left rows a semi join keeps: what share of the left keys' values the right side holds."""
        if len(j.left_keys) == 1:
            nl, nr = self.ndv(j.left, j.left_keys[0]), self.ndv(j.right, j.right_keys[0])
            if nl and nr:
                return min(1.0, nr / nl)
        return DEFAULT_SELECTIVITY

    # ------------------------------------------------------------ columns

    def ndv(self, rel: P.Rel, e: Expr) -> float | None:
        """Distinct values of a column expression over rel's rows, when it reads a stored column unchanged."""
        # no more values than rows at any step down to the table: a column that a selective
        # filter cut keeps few values above the joins that multiply its rows
        fewest = [self.rows(rel)]
        found = self._stored(rel, e, lambda r: fewest.append(self.rows(r)))
        if found is None:
            return None
        table, i = found
        return float(max(min(table.ndv(i), *fewest), 1))

    def domain(self, rel: P.Rel, e: Expr) -> float | None:
        """Distinct values of the stored column an expression reads unchanged, over its whole
        table (rel's rows hold some of them)."""
        found = self._stored(rel, e)
        return None if found is None else float(max(found[0].ndv(found[1]), 1))

    def min_max(self, rel: P.Rel, e: Expr):
        """(smallest, largest) stored value of a numeric or date column read unchanged, else None."""
        found = self._stored(rel, e)
        if found is None:
            return None
        table, i = found
        key = ("minmax", i)
        if key not in table.stats:
            col = table.columns[i]
            data = col.data if col.validity is None else col.data[col.validity]
            ok = col.dictionary is None and data.numel() > 0 and not data.is_complex() and data.dtype != torch.bool
            table.stats[key] = tuple(float(v) for v in torch.aminmax(data)) if ok else None
        return table.stats[key]

    def clustered(self, rel: P.Rel, e: Expr) -> bool:
        """Whether the stored column an expression reads is kept in about its own order (a fact
        table by date), so that a range of its values lies in few blocks of rows."""
        found = self._stored(rel, e)
        if found is None:
            return False
        col = found[0].columns[found[1]]
        return col.dictionary is None and clustering(col.data, col.validity) < CLUSTERED

    def _stored(self, rel: P.Rel, e: Expr, visit=None):
        origin = origin_of(rel, e, visit)
        if origin is None:
            return None
        table = self._table(origin[0])
        return None if table is None or origin[1] >= len(table.columns) else (table, origin[1])

    def _table(self, name: str):
        return None if self.catalog is None else self.catalog.tables.get(name)

    # ------------------------------------------------------------ predicates

    def selectivity(self, pred: Expr, rel: P.Rel) -> float:
        """The share of rel's rows that pass a predicate (its conjuncts taken as independent,
        except that the bounds of one column's range are taken together)."""
        sel, bounds = 1.0, {}
        for c in split_and(pred):
            bound = self._bound(c, rel)
            if bound is None:
                sel *= self._conjunct(c, rel)
            else:
                col, side, value = bound
                lo, hi = bounds.get(col, (None, None))
                bounds[col] = (value if side == "lo" and (lo is None or value > lo) else lo,
                               value if side == "hi" and (hi is None or value < hi) else hi)
        for col, (lo, hi) in bounds.items():
            mn, mx = self.min_max(rel, col)
            lo, hi = mn if lo is None else max(lo, mn), mx if hi is None else min(hi, mx)
            sel *= 0.0 if hi < lo else 1.0 if mx <= mn else (hi - lo) / (mx - mn)
        return min(max(sel, 1e-6), 1.0)

    def _bound(self, c: Expr, rel: P.Rel):
        """(column, "lo" or "hi", value) for `column op constant` on a column whose min/max is known."""
        if not (isinstance(c, Call) and c.op in _RANGE_OPS and len(c.args) == 2):
            return None
        col, lit, op = c.args[0], c.args[1], c.op
        if isinstance(col, Lit):
            col, lit, op = lit, col, _FLIPPED[op]
        value = estimate_value(lit) if isinstance(lit, Lit) else None  # (a statement's slot stays unpinned)
        if not (isinstance(col, ColRef) and isinstance(value, (int, float))) \
                or isinstance(value, bool) or lit.type != col.type or self.min_max(rel, col) is None:
            return None
        return col, _RANGE_OPS[op], float(value)

    def _conjunct(self, e: Expr, rel: P.Rel) -> float:
        if not isinstance(e, Call):
            return DEFAULT_SELECTIVITY
        # an uncorrelated scalar subquery is one value, as a literal is
        if e.op in ("eq", "ne") and len(e.args) == 2 and any(isinstance(a, (Lit, ScalarSubquery)) for a in e.args):
            col = next((a for a in e.args if isinstance(a, ColRef)), None)
            n = self.ndv(rel, col) if col is not None else None
            if n:
                return 1.0 / n if e.op == "eq" else 1.0 - 1.0 / n
        if e.op == "in_values" and isinstance(e.args[0], ColRef):
            n = self.ndv(rel, e.args[0])
            if n:
                return min(1.0, len(e.params) / n)
        if e.op == "like":
            return 0.1
        if e.op == "is_null":
            return 0.1
        if e.op == "or":
            return min(1.0, sum(self._conjunct(a, rel) if not _is_and(a) else self.selectivity(a, rel)
                                for a in split_or(e)))
        if e.op == "not":
            return 1.0 - 0.5 * self._conjunct(e.args[0], rel)
        return DEFAULT_SELECTIVITY


def _is_and(e: Expr) -> bool:
    return isinstance(e, Call) and e.op == "and"


def origin_of(rel: P.Rel, e: Expr, visit=None):
    """The stored (table, column position) an expression reads unchanged, if any; `visit` is
    called with each relation the column passes through on its way up from the table."""
    if not isinstance(e, ColRef):
        return None
    i = e.index
    while True:
        if visit is not None:
            visit(rel)
        if isinstance(rel, P.Scan):
            return rel.table, (rel.source_index[i] if rel.source_index else i)
        if isinstance(rel, (P.Filter, P.Sort, P.Limit, P.Distinct, P.Shared)) or \
                isinstance(rel, P.Window) and i < len(rel.input.schema):
            rel = rel.input
        elif isinstance(rel, P.Project):
            x = rel.exprs[i]
            if not isinstance(x, ColRef):
                return None
            rel, i = rel.input, x.index
        elif isinstance(rel, P.Aggregate):
            if i >= len(rel.keys) or not isinstance(rel.keys[i], ColRef):
                return None
            rel, i = rel.input, rel.keys[i].index
        elif isinstance(rel, P.Join):
            nl = len(rel.left.schema)
            if i < nl:
                rel = rel.left
            elif rel.kind in ("inner", "left", "right", "full", "cross", "single"):
                rel, i = rel.right, i - nl
            else:
                return None
        else:
            return None

