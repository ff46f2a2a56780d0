"""push_into_shared: a CTE whose readers all filter it is filtered by the OR of their filters
(golden plans), and the answers are DuckDB's whether or not the rule applies."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

import tqp.types as T
from tqp.optimizer import factor_ors, push_filters, push_into_shared

from tqp.plan import nodes as P

from .golden import connections, plan_text, same_rows

_rng = np.random.default_rng(7)
_N = 400
TABLES = {
    "f": pa.table({
        "k": pa.array([None if i % 37 == 0 else int(x) for i, x in enumerate(_rng.integers(0, 6, _N))], pa.int64()),
        "g": pa.array(_rng.integers(0, 20, _N), pa.int64()),
        "v": pa.array([None if i % 11 == 0 else float(x) for i, x in enumerate(_rng.normal(5, 3, _N))]),
    }),
    "d": pa.table({"k": list(range(6)), "m": [1, 2, 1, 2, 3, 3]}),
}
RULES = (factor_ors, push_filters, push_into_shared)
STATS = "WITH s AS (SELECT m, g, round(avg(v), 9) a, round(stddev_samp(v), 9) sd, count(*) c FROM f JOIN d ON f.k = d.k GROUP BY m, g) "


@pytest.fixture(scope="module")
def cons():
    return connections(TABLES)


def test_readers_filters_meet_in_the_shared_plan(cons):
    # each reader keeps its month; the OR of both reaches d below the GROUP BY on m
    text = plan_text(cons[0], STATS + "SELECT * FROM s s1, s s2 WHERE s1.g = s2.g AND s1.m = 1 AND s2.m = 2", RULES)
    assert "Filter(predicate=or(eq(#1, 1), eq(#1, 2)))\n" in text
    inner = text.index("Aggregate")
    assert text.index("or(eq(#1, 1), eq(#1, 2))") > inner  # below the aggregate


def test_a_reader_of_every_row_keeps_the_shared_plan_whole(cons):
    sql = STATS + "SELECT * FROM s s1, s s2 WHERE s1.g = s2.g AND s1.m = 1"
    assert "or(" not in plan_text(cons[0], sql, RULES)
    assert plan_text(cons[0], sql, RULES) == plan_text(cons[0], sql, RULES[:2])


def test_a_reader_inside_a_subquery_keeps_the_shared_plan_whole():
    # the same Shared node read by a scalar subquery, which this rule does not rewrite
    a = P.ColRef(0, T.INTEGER)
    shared = P.Shared(P.Scan("t", (("a", T.INTEGER),), (0,)))
    sub = P.Aggregate(shared, (), (P.AggCall("count_star", None, T.BIGINT),), ("c",))
    plan = P.Filter(shared, P.Call("gt", (a, P.ScalarSubquery(sub, T.BIGINT)), T.BOOLEAN))
    assert push_into_shared(plan) is plan
    plan = P.Filter(shared, P.Call("eq", (a, P.Lit(1, T.INTEGER)), T.BOOLEAN))
    assert isinstance(push_into_shared(plan).input.input, P.Filter)


SAME = [
    STATS + "SELECT * FROM s s1, s s2 WHERE s1.g = s2.g AND s1.m = 1 AND s2.m = 2",
    STATS + "SELECT * FROM s s1, s s2 WHERE s1.g = s2.g AND s1.m = 1 AND s2.m IS NULL",
    STATS + "SELECT * FROM s s1, s s2 WHERE s1.g = s2.g AND s1.m = 1 AND s2.m = 1 AND s2.c > 3",
    STATS + "SELECT * FROM s s1, s s2 WHERE s1.g = s2.g + 1 AND s1.sd > 2 AND s2.a < 5",
    STATS + "SELECT m, g FROM s WHERE m = 3 UNION ALL SELECT m, g FROM s WHERE g < 4",
    STATS + "SELECT * FROM s WHERE m = 1 AND a > (SELECT avg(a) FROM s WHERE m = 2)",
    "WITH t AS (SELECT k, v FROM f WHERE v > 2) SELECT count(*) FROM t t1 JOIN t t2 ON t1.k = t2.k "
    "WHERE t1.v < 4 AND t2.k IS NOT NULL",
]


@pytest.mark.parametrize("sql", SAME)
def test_same_rows_as_duckdb(cons, sql):
    assert same_rows(cons, sql)
