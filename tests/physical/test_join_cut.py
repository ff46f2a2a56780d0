"""Joins on several keys where one side has many times the other's rows: the large side is cut
to rows whose every key column holds a value of the small side's before the keys are
combined. Answers are checked against DuckDB for each join kind and key type, with NULLs,
strings from different dictionaries, mixed integer widths, decimals and floats (-0.0, NaN)."""
from __future__ import annotations

import math
from decimal import Decimal

import pyarrow as pa
import pytest

from tests.optimizer.golden import connections, same_rows

BIG, SMALL = 4000, 60


def _big():
    return pa.table({
        "a": pa.array([None if i % 37 == 5 else i % 90 for i in range(BIG)], pa.int32()),
        "b": pa.array([None if i % 53 == 1 else f"s{i % 11}" for i in range(BIG)]),
        "c": pa.array([(i * 7) % 400 for i in range(BIG)], pa.int64()),
        "m": pa.array([None if i % 61 == 2 else Decimal(i % 13) / 4 for i in range(BIG)], pa.decimal128(10, 2)),
        "x": pa.array([[-0.0, 0.0, math.nan, 1.5][i % 4] for i in range(BIG)], pa.float64()),
        "v": list(range(BIG)),
    })


def _small():
    return pa.table({
        "a": pa.array([None if i % 9 == 4 else (i * 3) % 100 for i in range(SMALL)], pa.int64()),
        "b": pa.array([None if i % 10 == 0 else f"s{i % 14}" for i in range(SMALL)]),
        "c": pa.array([(i * 70) % 500 for i in range(SMALL)], pa.int32()),
        "m": pa.array([Decimal(i % 5) / 4 for i in range(SMALL)], pa.decimal128(12, 2)),
        "x": pa.array([[0.0, -0.0, math.nan, 2.5][i % 4] for i in range(SMALL)], pa.float64()),
        "w": list(range(SMALL)),
    })


@pytest.fixture(scope="module")
def cons():
    return connections({"big": _big(), "small": _small()})


KEYS = [
    "big.a = small.a AND big.c = small.c",
    "big.b = small.b AND big.a = small.a",
    "big.m = small.m AND big.b = small.b",
    "big.x = small.x AND big.a = small.a",
    "big.a = small.a AND big.c = small.c AND big.v > small.w",
]
JOINS = [
    "SELECT big.v, small.w FROM big JOIN small ON {on}",
    "SELECT big.v, small.w FROM small JOIN big ON {on}",
    "SELECT big.v, small.w FROM small LEFT JOIN big ON {on}",
    "SELECT big.v, small.w FROM big RIGHT JOIN small ON {on}",
    "SELECT big.v, small.w FROM big LEFT JOIN small ON {on}",
    "SELECT big.v, small.w FROM big FULL JOIN small ON {on}",
]


@pytest.mark.parametrize("on", KEYS)
@pytest.mark.parametrize("join", JOINS)
def test_same_rows_as_duckdb(cons, join, on):
    assert same_rows(cons, join.format(on=on))


def test_scalar_subquery_on_two_keys(cons):
    # a correlated scalar subquery's rows joined back (the single join) over a large subquery side
    assert same_rows(cons, "SELECT w, (SELECT max(v) FROM big WHERE big.a = small.a AND big.c = small.c) FROM small")
