"""LIKE / ILIKE / NOT LIKE over a dictionary large enough (60k distinct strings) for the Arrow
matcher path, against DuckDB: wildcards, '_' on multi-byte characters, literal % and _ in the
data, case folding, and patterns with an ESCAPE (which take the byte kernels)."""
from __future__ import annotations

import random

import duckdb
import pyarrow as pa
import pytest

import tqp

PATTERNS = ["%special%requests%", "a%", "%z", "_b%", "%é_%", "%a_c%", "%", "abc", "%ÄB%", "x\\%%"]


@pytest.fixture(scope="module")
def cons():
    rng = random.Random(7)
    alphabet = "abcxyzé%_ÄB "
    words = {"".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(90_000)}
    words |= {f"{i} special {rng.choice(['x', 'y'])} requests" for i in range(2000)}
    table = pa.table({"s": sorted(words)})
    t, d = tqp.connect("cpu"), duckdb.connect()
    t.register("w", table)
    d.register("w", table)
    assert len(table) > 60_000
    return t, d


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("op", ["LIKE", "NOT LIKE", "ILIKE"])
def test_same_count_as_duckdb(cons, pattern, op):
    t, d = cons
    sql = f"SELECT count(*) FROM w WHERE s {op} '{pattern}'"
    if "\\" in pattern:
        sql += " ESCAPE '\\'"
    assert t.execute(sql).fetchall() == d.execute(sql).fetchall(), sql
