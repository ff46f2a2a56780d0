"""range(), generate_series() and UNNEST of a written list as FROM items, against DuckDB."""
from __future__ import annotations

import pytest

import tqp
from tests.differential.pair import assert_same, connect_pair

QUERIES = [
    "SELECT * FROM range(3)",
    "SELECT * FROM generate_series(1, 3)",
    "SELECT * FROM range(5, 1, -2)",
    "SELECT * FROM generate_series(5, 1, -2)",
    "SELECT * FROM range(1, 10, 3) t(i)",
    "SELECT * FROM generate_series(3)",
    "SELECT count(*), sum(r) FROM range(1000000) t(r)",
    "SELECT * FROM range(3, 1)",
    "SELECT * FROM range(NULL)",
    "SELECT a.range AS x, b.range AS y FROM range(2) a, range(2) b",
    "SELECT i, count(*) AS c FROM range(10) t(i) JOIN range(5) u(j) ON i = j * 2 GROUP BY i",
    "SELECT * FROM unnest([1, 2, 3])",
    "SELECT u.x * 2 FROM unnest([1, 2, NULL]) AS u(x)",
    "SELECT * FROM unnest(['a', 'b']) t",
]


@pytest.mark.parametrize("sql", QUERIES)
def test_same_as_duckdb(sql):
    assert_same(*connect_pair(), sql, names="sum(" not in sql)


def test_zero_step_is_refused():
    with pytest.raises(tqp.ProgrammingError, match="step"):
        tqp.connect("cpu").execute("SELECT * FROM range(1, 5, 0)")
