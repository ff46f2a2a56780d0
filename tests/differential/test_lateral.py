"""LATERAL joins against DuckDB: aggregates, top-k per row, LEFT JOIN LATERAL, chained laterals,
uncorrelated laterals, and a WHERE over the lateral's columns."""
from __future__ import annotations

import pytest

from tests.differential.pair import assert_same, connect_pair
from tqp.errors import NotSupportedError

SETUP = [
    "CREATE TABLE t (a INTEGER)", "INSERT INTO t VALUES (1), (2), (3), (1), (NULL)",
    "CREATE TABLE u (a INTEGER, b INTEGER)", "INSERT INTO u VALUES (1, 10), (1, 11), (2, 20), (NULL, 5)",
]
QUERIES = [
    "SELECT t.a, s.m FROM t, LATERAL (SELECT max(b) AS m FROM u WHERE u.a = t.a) s",
    "SELECT t.a, s.b FROM t JOIN LATERAL (SELECT b FROM u WHERE u.a = t.a ORDER BY b DESC LIMIT 1) s ON true",
    "SELECT t.a, s.x FROM t, LATERAL (SELECT t.a * 2 AS x) s",
    "SELECT t.a, s.b FROM t LEFT JOIN LATERAL (SELECT b FROM u WHERE u.a = t.a) s ON true",
    "SELECT t.a, s.y FROM t CROSS JOIN LATERAL (SELECT t.a + 1 AS x) s(y) WHERE s.y > 2",
    "SELECT t.a, s.b, v.c FROM t, LATERAL (SELECT b FROM u WHERE u.a = t.a) s, LATERAL (SELECT s.b * 10 AS c) v",
    "SELECT count(*) FROM t, LATERAL (SELECT * FROM u) s",
    "SELECT t.a, s.n FROM t, LATERAL (SELECT count(*) AS n FROM u WHERE u.b > t.a * 5) s",
    "SELECT x.a, s.total FROM (SELECT DISTINCT a FROM t) x, LATERAL (SELECT sum(b) AS total FROM u WHERE u.a <= x.a) s",
]


@pytest.fixture(scope="module")
def cons():
    return connect_pair(SETUP)


@pytest.mark.parametrize("sql", QUERIES)
def test_same_as_duckdb(cons, sql):
    assert_same(*cons, sql)


def test_lateral_with_a_real_on_condition_is_refused(cons):
    t, _ = cons
    with pytest.raises(NotSupportedError):
        t.execute("SELECT * FROM t LEFT JOIN LATERAL (SELECT b FROM u WHERE u.a = t.a) s ON s.b > 10")
