"""PIVOT and UNPIVOT against DuckDB: both syntaxes, IN lists and values read from the data,
several ON columns and aggregates, the implicit GROUP BY, pivots inside FROM, CTEs and
subqueries, and UNPIVOT's NULL rule. Column names are compared too."""
from __future__ import annotations

import pytest

from tests.differential.pair import assert_same, connect_pair

SETUP = [
    "CREATE TABLE t AS SELECT * FROM (VALUES (1, 'a', 10, 'x'), (1, 'b', 20, 'x'), (2, 'a', 30, 'y'), "
    "(2, NULL, 5, 'y'), (3, 'b', 7, 'y'), (3, 'b', 1, 'y')) v(g, col, v, o)",
    "CREATE TABLE w AS SELECT * FROM (VALUES (1, 2, 3, NULL), (4, NULL, 6, 7)) v(id, x, y, z)",
]

QUERIES = [
    "PIVOT t ON col USING sum(v) GROUP BY g",
    "PIVOT t ON col USING sum(v)",
    "PIVOT t ON col IN ('a', 'zz') USING sum(v) AS s, count(*) AS c GROUP BY g",
    "PIVOT t ON col USING sum(v), max(v) GROUP BY g",
    "PIVOT t ON col, o USING sum(v) GROUP BY g",
    "PIVOT t ON g USING count(*)",
    "PIVOT t ON o USING avg(v) GROUP BY col",
    "SELECT * FROM t PIVOT (sum(v) FOR col IN ('a', 'b'))",
    "SELECT * FROM t PIVOT (sum(v) AS s FOR col IN ('a', 'b')) AS pv",
    "SELECT p.g, p.a FROM (PIVOT t ON col USING sum(v) GROUP BY g) p WHERE p.g > 1",
    "WITH p AS (PIVOT t ON col USING sum(v) GROUP BY g) SELECT sum(a) AS sa, sum(b) AS sb FROM p",
    "UNPIVOT w ON x, y, z INTO NAME k VALUE val",
    "UNPIVOT w ON x, y",
    "SELECT * FROM w UNPIVOT (val FOR k IN (x, z))",
    "SELECT k, sum(val) AS s FROM (UNPIVOT w ON x, y, z INTO NAME k VALUE val) GROUP BY k",
    "PIVOT t ON col USING sum(v) GROUP BY g ORDER BY g DESC LIMIT 2",
    "PIVOT t ON col USING sum(v) ORDER BY g",
    "UNPIVOT w ON x, y INTO NAME k VALUE val ORDER BY id, k LIMIT 3 OFFSET 1",
]


@pytest.mark.parametrize("sql", [q for q in QUERIES if "ORDER BY" in q])
def test_statement_with_order_by_keeps_the_order(cons, sql):
    assert_same(*cons, sql, ordered=True)


@pytest.fixture(scope="module")
def cons():
    return connect_pair(SETUP)


@pytest.mark.parametrize("sql", QUERIES)
def test_same_as_duckdb(cons, sql):
    assert_same(*cons, sql, names=True)


def test_pivot_values_follow_the_data(cons):
    t, _ = cons
    t.execute("CREATE TABLE q AS SELECT * FROM t")
    assert [c[0] for c in t.execute("PIVOT q ON col USING sum(v) GROUP BY g").description] == ["g", "a", "b"]
    t.execute("INSERT INTO q VALUES (4, 'c', 1, 'z')")
    assert [c[0] for c in t.execute("PIVOT q ON col USING sum(v) GROUP BY g").description] == ["g", "a", "b", "c"]
