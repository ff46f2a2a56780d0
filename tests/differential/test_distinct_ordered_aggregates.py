"""DISTINCT together with ORDER BY inside list / string_agg (the ORDER BY keys are the value
itself, as DuckDB requires), and mode() WITHIN GROUP, against DuckDB. string_agg(DISTINCT x
ORDER BY x) once kept the duplicates."""
from __future__ import annotations

import pytest

import tqp
from tests.differential.pair import assert_same, connect_pair

SETUP = ["CREATE TABLE t AS SELECT * FROM (VALUES ('x', 1, 2.5), ('x', 6, 2.5), ('y', 3, 10.0), (NULL, 4, NULL), "
         "('y', 5, 9.0), ('z', 0, 9.0), ('y', 7, 1.0)) v(b, a, f)"]

QUERIES = [
    "SELECT list(DISTINCT b ORDER BY b DESC) FROM t",
    "SELECT string_agg(DISTINCT b, ',' ORDER BY b DESC) FROM t",
    "SELECT string_agg(DISTINCT b, ',' ORDER BY b) FROM t",
    "SELECT array_agg(DISTINCT b ORDER BY b NULLS FIRST) FROM t",
    "SELECT string_agg(DISTINCT f, '|' ORDER BY f) FROM t",
    "SELECT a % 2, list(DISTINCT f ORDER BY f DESC NULLS FIRST) FROM t GROUP BY 1",
    "SELECT list(DISTINCT f ORDER BY f) FILTER (WHERE a > 1) FROM t",
    "SELECT mode() WITHIN GROUP (ORDER BY b) FROM t",
]


@pytest.fixture(scope="module")
def cons():
    return connect_pair(SETUP)


@pytest.mark.parametrize("sql", QUERIES)
def test_same_as_duckdb(cons, sql):
    assert_same(*cons, sql)


def test_order_by_another_expression_is_refused_as_in_duckdb(cons):
    with pytest.raises(tqp.ProgrammingError, match="ORDER BY expressions must appear"):
        cons[0].execute("SELECT string_agg(DISTINCT b ORDER BY a) FROM t").fetchall()
