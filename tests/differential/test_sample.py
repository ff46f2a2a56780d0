"""TABLESAMPLE / USING SAMPLE, and SELECT * RENAME. Samples are random, so the tests check what
holds for any draw, and compare with DuckDB where the answer does not depend on the draw (row
counts of RESERVOIR and ROWS samples, queries over a 0% or 100% sample)."""
from __future__ import annotations

import duckdb
import pytest

import tqp
from tqp.errors import NotSupportedError, ProgrammingError


@pytest.fixture(scope="module")
def cons():
    t, d = tqp.connect("cpu"), duckdb.connect()
    d.execute("CREATE TABLE t AS SELECT i AS x, i % 7 AS g, 's' || (i % 5) AS s FROM range(5000) r(i)")
    t.register("t", d.execute("SELECT * FROM t").to_arrow_table())
    return t, d


@pytest.mark.parametrize("sql", [
    "SELECT count(*) FROM t USING SAMPLE 50 ROWS",
    "SELECT count(*) FROM t TABLESAMPLE reservoir(10%)",
    "SELECT count(*) FROM t TABLESAMPLE RESERVOIR(20 ROWS) REPEATABLE (3)",
    "SELECT count(*) FROM t USING SAMPLE 10000 ROWS",
    "SELECT count(*), sum(x) FROM t USING SAMPLE 100%",
    "SELECT count(*) FROM t USING SAMPLE 0%",
    "SELECT count(*) FROM (SELECT * FROM t WHERE g = 1) TABLESAMPLE 10 ROWS",
    "SELECT * RENAME (x AS y, s AS name) FROM t WHERE x < 3",
    "SELECT * EXCLUDE (g) RENAME (x AS y) FROM t WHERE x < 3",
])
def test_draw_independent_answers_match_duckdb(cons, sql):
    t, d = cons
    got, want = t.execute(sql), d.execute(sql)
    assert sorted(got.fetchall()) == sorted(want.fetchall()), sql
    if "RENAME" in sql:
        assert [c[0] for c in got.description] == [c[0] for c in want.description]


def test_sample_rows_are_input_rows_and_a_seed_repeats(cons):
    t, _ = cons
    q = "SELECT x, g, s FROM t USING SAMPLE 10% (bernoulli, 42)"
    a, b = t.execute(q).fetchall(), t.execute(q).fetchall()
    assert a == b and 300 < len(a) < 700
    assert all(g == x % 7 and s == f"s{x % 5}" for x, g, s in a)
    assert [r[0] for r in a] == sorted(r[0] for r in a)  # input order kept


def test_sample_is_taken_before_where(cons):
    t, _ = cons
    n = t.execute("SELECT count(*) FROM t USING SAMPLE 1000 ROWS WHERE x < 2500").fetchone()[0]
    assert 350 < n < 650  # about half of the 1000 sampled rows, not 1000 rows that pass WHERE


@pytest.mark.parametrize("sql, error", [
    ("SELECT count(*) FROM t USING SAMPLE 150%", ProgrammingError),
    ("SELECT count(*) FROM t USING SAMPLE 2.5 ROWS", ProgrammingError),
    ("SELECT count(*) FROM t AS a, t AS b USING SAMPLE 5 ROWS", NotSupportedError),
    ("SELECT * RENAME (nope AS y) FROM t", ProgrammingError),
])
def test_bad_samples_are_refused(cons, sql, error):
    t, _ = cons
    with pytest.raises(error):
        t.execute(sql)
