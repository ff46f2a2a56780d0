"""WITH RECURSIVE against DuckDB: counters, UNION (cycles end) and UNION ALL, trees over a join,
several CTEs, a recursive CTE read twice, filters and aggregates over it, subqueries in the
recursive term, and the errors for malformed or endless recursions."""
from __future__ import annotations

import pytest

from tests.differential.pair import assert_same, connect_pair
from tqp.errors import NotSupportedError, OperationalError, ProgrammingError

SETUP = [
    "CREATE TABLE e (id INTEGER, parent INTEGER, name VARCHAR)",
    "INSERT INTO e VALUES (1, NULL, 'root'), (2, 1, 'a'), (3, 1, 'b'), (4, 2, 'c'), (5, 4, 'd'), (6, NULL, 'other')",
    "CREATE TABLE g (a INTEGER, b INTEGER)",
    "INSERT INTO g VALUES (1, 2), (2, 3), (3, 1), (3, 4), (5, 5), (4, NULL)",
]

QUERIES = [
    "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 20) SELECT * FROM t",
    "WITH RECURSIVE t(n) AS (SELECT 1 UNION SELECT n % 4 + 1 FROM t) SELECT * FROM t",
    "WITH RECURSIVE t AS (SELECT 1 AS n, 'x' AS s UNION ALL SELECT n + 1, s || 'y' FROM t WHERE n < 6) SELECT * FROM t",
    "WITH RECURSIVE fib(a, b, i) AS (SELECT 0::BIGINT, 1::BIGINT, 0 UNION ALL SELECT b, a + b, i + 1 FROM fib WHERE i < 60) "
    "SELECT max(b), count(*), sum(i) FROM fib",
    "WITH RECURSIVE r(x, path, depth) AS (SELECT id, name, 0 FROM e WHERE parent IS NULL UNION ALL "
    "SELECT e.id, r.path || '/' || e.name, depth + 1 FROM e JOIN r ON e.parent = r.x) SELECT * FROM r",
    "WITH RECURSIVE reach(a, b) AS (SELECT a, b FROM g UNION SELECT reach.a, g.b FROM reach JOIN g ON reach.b = g.a) "
    "SELECT * FROM reach",
    "WITH RECURSIVE reach(a, b) AS (SELECT a, b FROM g UNION SELECT reach.a, g.b FROM reach JOIN g ON reach.b = g.a) "
    "SELECT a, count(*) FROM reach WHERE b IS NOT NULL GROUP BY a",
    "WITH RECURSIVE base AS (SELECT 3 AS x), t(y) AS (SELECT x FROM base UNION ALL SELECT y * 2 FROM t WHERE y < 100) "
    "SELECT * FROM t",
    "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3) SELECT a.n, b.n FROM t a, t b",
    "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < (SELECT count(*) FROM e)) SELECT sum(n) FROM t",
    "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 10) SELECT * FROM t WHERE n % 3 = 0",
    "WITH RECURSIVE t(n, s) AS (SELECT 1, NULL UNION ALL SELECT n + 1, s FROM t WHERE n < 3) SELECT * FROM t",
    "WITH RECURSIVE t(n) AS (SELECT id FROM e WHERE id > 100 UNION ALL SELECT n + 1 FROM t) SELECT count(*) FROM t",
    "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 5 AND n IN (SELECT id FROM e)) SELECT * FROM t",
    "WITH RECURSIVE down(id, lvl) AS (SELECT id, 0 FROM e WHERE id = 1 UNION ALL "
    "SELECT e.id, lvl + 1 FROM e, down WHERE e.parent = down.id) SELECT lvl, count(*) FROM down GROUP BY lvl",
    "SELECT (WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 4) SELECT sum(n) FROM t)",
]


@pytest.fixture(scope="module")
def cons():
    return connect_pair(SETUP)


@pytest.mark.parametrize("sql", QUERIES)
def test_same_as_duckdb(cons, sql):
    assert_same(*cons, sql)


def test_endless_recursion_is_an_error_and_the_connection_lives(cons, monkeypatch):
    from tqp.physical import recursive
    monkeypatch.setattr(recursive, "MAX_ITERATIONS", 500)
    t, _ = cons
    with pytest.raises(OperationalError, match="WITH RECURSIVE"):
        t.execute("WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT count(*) FROM t").fetchall()
    assert t.execute("SELECT count(*) FROM e").fetchone() == (6,)


@pytest.mark.parametrize("sql, error", [
    ("WITH RECURSIVE t(n) AS (SELECT n FROM t UNION ALL SELECT 1) SELECT * FROM t", NotSupportedError),
    ("WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n, n FROM t) SELECT * FROM t", ProgrammingError),
    ("WITH RECURSIVE t(n, m) AS (SELECT 1 UNION ALL SELECT n FROM t) SELECT * FROM t", ProgrammingError),
])
def test_malformed_recursion_is_refused(cons, sql, error):
    t, _ = cons
    with pytest.raises(error):
        t.execute(sql).fetchall()
