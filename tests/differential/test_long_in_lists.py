"""IN lists of thousands of literals (cut out of the text before sqlglot parses it, put back as
literal nodes): the same answers as DuckDB for integers, negatives, decimals, strings with
quotes, NOT IN, lists beside short ones, and new values reusing no stale plan."""
from __future__ import annotations

import duckdb
import pytest

import tqp

N = 3000


def _strings(k):
    return ", ".join("'" + f"v{i * k}'s".replace("'", "''") + "'" if i % 2 else f"'v{i * k}'" for i in range(N))


QUERIES = [
    f"SELECT count(*) FROM t WHERE x IN ({', '.join(str(i * 7) for i in range(N))})",
    f"SELECT count(*) FROM t WHERE x IN ({', '.join(str(i * 3) for i in range(N))})",
    f"SELECT count(*) FROM t WHERE x NOT IN ({', '.join(str(-i) for i in range(N))})",
    f"SELECT count(*) FROM t WHERE x IN ({', '.join(str(i / 4) for i in range(N))})",
    f"SELECT count(*) FROM t WHERE s IN ({_strings(3)})",
    f"SELECT count(*) FROM t WHERE s IN ({_strings(5)}) OR x IN (1, 2)",
    f"SELECT x FROM t WHERE x IN ({', '.join(str(i * 11) for i in range(N))}) AND s NOT IN ('v0', 'v11') ORDER BY x LIMIT 5",
]


@pytest.fixture(scope="module")
def cons():
    t, d = tqp.connect("cpu"), duckdb.connect()
    d.execute("CREATE TABLE t AS SELECT range AS x, CASE WHEN range % 2 = 1 THEN 'v' || range || '''s' "
              "ELSE 'v' || range END AS s FROM range(20000)")
    t.register("t", d.execute("SELECT * FROM t").to_arrow_table())
    return t, d


@pytest.mark.parametrize("sql", QUERIES, ids=range(len(QUERIES)))
def test_same_as_duckdb(cons, sql):
    t, d = cons
    assert t.execute(sql).fetchall() == d.execute(sql).fetchall()
