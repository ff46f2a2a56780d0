"""DuckDB's star expressions beyond `*`: COLUMNS(...) (regex, list, lambda, * EXCLUDE, inside
aggregates and arithmetic, several in one item) and positional references `#k`, against
DuckDB, column names included."""
from __future__ import annotations

import pytest

import tqp
from tests.differential.pair import assert_same, connect_pair

SETUP = [
    "CREATE TABLE t(a INTEGER, b VARCHAR, c DOUBLE, ab INTEGER)",
    "INSERT INTO t VALUES (1, 'x', 2.5, 3), (4, 'y', NULL, 0), (4, NULL, 1.0, 7)",
    "CREATE TABLE u(a INTEGER, z INTEGER)",
    "INSERT INTO u VALUES (4, 10), (1, 20)",
]

QUERIES = [
    "SELECT COLUMNS('a') FROM t",
    "SELECT COLUMNS('^a$') FROM t",
    "SELECT min(COLUMNS(*)), max(COLUMNS(*)) FROM t",
    "SELECT min(COLUMNS(*)) AS m FROM t",
    "SELECT COLUMNS(lambda c: c LIKE 'a%') FROM t",
    "SELECT COLUMNS(['a', 'c']) FROM t",
    "SELECT COLUMNS(* EXCLUDE (a, b)) FROM t",
    "SELECT COLUMNS('^a') * COLUMNS('^a') FROM t",
    "SELECT a, COLUMNS(*) FROM t",
    "SELECT count(COLUMNS(*)) FROM t",
    "SELECT b, sum(COLUMNS('^a')) FROM t GROUP BY b",
    "SELECT COLUMNS('(a)(b)?') + 1 FROM t",
    "SELECT b, #1 FROM t",
    "SELECT #1 + 1 FROM t",
    "SELECT a FROM t WHERE #1 > 1",
    "SELECT #2, count(*) FROM t GROUP BY #2",
    "SELECT #1, #5, #6 FROM t JOIN u ON t.a = u.a",
]


@pytest.fixture(scope="module")
def cons():
    return connect_pair(SETUP)


@pytest.mark.parametrize("sql", QUERIES)
def test_same_as_duckdb(cons, sql):
    assert_same(*cons, sql, names=True)


def test_order_by_position_is_an_output_column(cons):
    assert_same(*cons, "SELECT b, a FROM t ORDER BY #1 NULLS FIRST, #2 DESC", ordered=True, names=True)


@pytest.mark.parametrize("sql", ["SELECT COLUMNS('zz') FROM t", "SELECT #9 FROM t", "SELECT max(COLUMNS(a)) FROM t",
                                 "SELECT COLUMNS(['nope']) FROM t", "SELECT COLUMNS('(') FROM t"])
def test_errors(cons, sql):
    with pytest.raises(tqp.ProgrammingError):
        cons[0].execute(sql).fetchall()
