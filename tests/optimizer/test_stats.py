"""Cardinality estimates (tqp.optimizer.stats.Stats) against the true row counts of small
tables: each estimate must land near the count DuckDB gives for the same query."""
from __future__ import annotations

import pyarrow as pa
import pytest

from tqp.optimizer.stats import Stats
from tqp.plan import nodes as P
from tqp.sql.binder import Binder
from tqp.sql.parse import parse

from .golden import connections

N = 10_000
TABLES = {
    "t": pa.table({"k": list(range(N)), "g": [i % 20 for i in range(N)], "x": [i / 10 for i in range(N)],
                   "s": [f"s{i % 50}" for i in range(N)], "n": [None if i % 4 else i % 7 for i in range(N)]}),
    "u": pa.table({"g": [i % 20 for i in range(400)], "h": [i % 8 for i in range(400)]}),
}


@pytest.fixture(scope="module")
def cons():
    return connections(TABLES)


def _input_estimate(con, sql: str) -> float:
    """The estimated rows of the plan under the query's count(*) (its FROM and WHERE)."""
    catalog = con._engine.catalog
    plan, _ = Binder(catalog, []).bind_query(parse(sql)[0])
    while not isinstance(plan, P.Aggregate):
        plan = plan.inputs()[0]
    return Stats(catalog).rows(plan.input)


@pytest.mark.parametrize("where, within", [
    ("g = 3", 1.01),  # 1 / NDV
    ("g IN (1, 2, 3, 4)", 1.01),
    ("k < 2500", 1.01),  # the share of [min, max] a range covers
    ("k BETWEEN 1000 AND 2999", 1.01),  # both bounds of one column taken together
    ("x >= 500.0 AND x < 750.0", 1.01),
    ("k > 20000", 1.0),  # outside [min, max]: the estimate's floor of one row
    ("s = 's7'", 1.01),
    ("g = 3 AND k < 5000", 1.05),  # independent conjuncts multiply
    ("g = 3 OR g = 4", 1.01),
    ("g <> 3", 1.01),
])
def test_filter_estimates(cons, where, within):
    sql = f"SELECT count(*) FROM t WHERE {where}"
    true = max(cons[1].execute(sql).fetchone()[0], 1)
    est = _input_estimate(cons[0], sql)
    assert true / within <= est <= true * within, (est, true)


def test_join_estimate_uses_key_ndv(cons):
    # every t row meets the 20 u rows of its g: |t| x |u| / NDV(g)
    sql = "SELECT count(*) FROM t, u WHERE t.g = u.g"
    true = cons[1].execute(sql).fetchone()[0]
    plan, _ = Binder(cons[0]._engine.catalog, []).bind_query(parse(sql)[0])
    from tqp.optimizer import optimize
    plan = optimize(plan, cons[0]._engine.catalog)
    while not isinstance(plan, P.Aggregate):
        plan = plan.inputs()[0]
    assert Stats(cons[0]._engine.catalog).rows(plan.input) == pytest.approx(true)


def test_unknown_tables_and_expressions_have_estimates():
    stats = Stats(None)
    scan = P.Scan("missing", (("a", P.T.INTEGER),))
    f = P.Filter(scan, P.Call("gt", (P.Call("neg", (P.ColRef(0, P.T.INTEGER),), P.T.INTEGER),
                                     P.Lit(1, P.T.INTEGER)), P.T.BOOLEAN))
    assert 1 <= stats.rows(f) < stats.rows(scan)
    assert stats.ndv(f, P.ColRef(0, P.T.INTEGER)) is None


def test_domain_is_the_whole_tables_distinct_count(cons):
    # a filtered relation holds few of a column's values; its domain is still the table's
    catalog = cons[0]._engine.catalog
    plan, _ = Binder(catalog, []).bind_query(parse("SELECT k FROM t WHERE g = 3")[0])
    stats, k = Stats(catalog), P.ColRef(0, plan.schema[0][1])
    assert stats.domain(plan, k) == N
    assert stats.ndv(plan, k) == pytest.approx(N / 20)


def test_ndv_is_capped_by_the_rows_on_its_way_up(cons):
    # g = 3 leaves one value of g; joined to u it has 20 rows per t row but still one g value,
    # and k keeps at most the filtered rows' count (not t's 10,000 values)
    catalog = cons[0]._engine.catalog
    sql = "SELECT t.g, t.k FROM t JOIN u ON t.g = u.g WHERE t.g = 3 AND t.k < 100"
    plan, _ = Binder(catalog, []).bind_query(parse(sql)[0])
    from tqp.optimizer import optimize
    plan = optimize(plan, catalog)
    stats = Stats(catalog)
    g, k = (P.ColRef(i, plan.schema[i][1]) for i in (0, 1))
    true_g, true_k = cons[1].execute(f"SELECT count(DISTINCT g), count(DISTINCT k) FROM ({sql})").fetchone()
    # (uncapped: g's 20 values, and k's 100 rows of the join's estimate)
    assert true_g <= stats.ndv(plan, g) <= 5.01 and true_k <= stats.ndv(plan, k) <= 5.01
    assert stats.rows(plan) >= 20 * 5


def test_equality_with_a_scalar_subquery_is_estimated_as_with_a_constant(cons):
    sql = "SELECT count(*) FROM t WHERE g = (SELECT max(h) FROM u)"
    true = cons[1].execute(sql).fetchone()[0]
    assert _input_estimate(cons[0], sql) == pytest.approx(true, rel=0.01)
