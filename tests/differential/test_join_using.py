"""USING and NATURAL joins against DuckDB: the bare name is the merged column (coalesce for
RIGHT / FULL joins), `t.name` stays each side's own column, `t.*` shows it, and two derived
tables without aliases can be joined NATURALly. A FULL JOIN's x.a once read the merged value,
and `x, y JOIN z USING (a)` joined z to x's a (a comma binds looser than JOIN)."""
from __future__ import annotations

import pytest

from tests.differential.pair import assert_same, connect_pair

SETUP = [
    "CREATE TABLE x AS SELECT * FROM (VALUES (1, 10), (3, 30), (NULL, 5)) v(a, b)",
    "CREATE TABLE y AS SELECT * FROM (VALUES (2, 20), (3, 33)) v(a, c)",
    "CREATE TABLE z AS SELECT * FROM (VALUES (3, 300), (4, 400)) v(a, e)",
]

QUERIES = [
    "SELECT x.* FROM x FULL JOIN y USING (a)",
    "SELECT y.* FROM x FULL JOIN y USING (a)",
    "SELECT * FROM x FULL JOIN y USING (a)",
    "SELECT a, x.a, y.a FROM x FULL JOIN y USING (a)",
    "SELECT a, x.a, y.a FROM x LEFT JOIN y USING (a)",
    "SELECT a, x.a, y.a FROM x RIGHT JOIN y USING (a)",
    "SELECT * EXCLUDE (a) FROM x FULL JOIN y USING (a)",
    "SELECT * FROM (SELECT 1 AS a) NATURAL FULL JOIN (SELECT 2 AS a)",
    "SELECT * FROM (SELECT 1 AS a, 5 AS b) x NATURAL LEFT JOIN (SELECT 1 AS a)",
    "SELECT * FROM x JOIN y USING (a) JOIN z USING (a)",
    "SELECT a, x.a, y.a, z.a FROM x FULL JOIN y USING (a) FULL JOIN z USING (a)",
    "SELECT y.*, z.* FROM x FULL JOIN y USING (a) FULL JOIN z USING (a)",
    "SELECT * FROM x NATURAL JOIN y",
    "SELECT a FROM x RIGHT JOIN y USING (a) WHERE a > 1",
    "SELECT count(*) FROM x, y JOIN z USING (a)",
    "SELECT * FROM x, y JOIN z USING (a)",
    "SELECT * FROM x, y NATURAL JOIN z",
    "SELECT * FROM z, x JOIN y USING (a) WHERE z.a = 3",
    "SELECT * FROM x LEFT JOIN y USING (a) LEFT JOIN z USING (a)",
    "SELECT a, count(*) FROM x FULL JOIN y USING (a) GROUP BY a",
]


@pytest.fixture(scope="module")
def cons():
    return connect_pair(SETUP)


@pytest.mark.parametrize("sql", QUERIES)
def test_same_as_duckdb(cons, sql):
    assert_same(*cons, sql, names=True)
