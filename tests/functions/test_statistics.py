"""The SQL-macro aggregates (tqp/functions/statistics.py) against DuckDB, grouped and global,
with NULLs, constant columns (zero variance), empty inputs, DECIMAL and DOUBLE arguments."""
from __future__ import annotations

import math

import duckdb
import pytest

import tqp

SETUP = ["CREATE TABLE t (g INTEGER, a INTEGER, b INTEGER, p BOOLEAN, f DOUBLE, d DECIMAL(10, 2))",
         "INSERT INTO t VALUES (1, 1, 2, true, 1.5, 1.25), (1, 1, 3, false, 2.5, 2.50), (1, 2, NULL, NULL, NULL, NULL), "
         "(2, 3, 4, true, 0.1, 9.99), (2, NULL, NULL, true, 3, 0), (3, 5, 5, NULL, 1, 1), (1, 4, 9, true, -2, -3.5)"]
AGGS = ["covar_pop(b, a)", "covar_samp(b, a)", "corr(b, a)", "regr_slope(b, a)", "regr_intercept(b, a)",
        "regr_count(b, a)", "regr_r2(b, a)", "regr_avgx(b, a)", "regr_avgy(b, a)", "regr_sxx(b, a)",
        "regr_syy(b, a)", "regr_sxy(b, a)", "corr(f, d)", "covar_samp(d, f)", "bool_and(p)", "bool_or(p)",
        "count_if(p)", "approx_count_distinct(a)", "bool_and(a > 1)", "skewness(f)", "kurtosis(b)",
        "kurtosis_pop(d)", "product(f)", "product(a)", "skewness(a)", "entropy(a)", "entropy(p)", "entropy(DISTINCT b)"]


@pytest.fixture(scope="module")
def cons():
    t, d = tqp.connect("cpu"), duckdb.connect()
    for s in SETUP:
        t.execute(s)
        d.execute(s)
    return t, d


def _same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return math.isnan(a) and math.isnan(b) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


@pytest.mark.parametrize("agg", AGGS)
@pytest.mark.parametrize("shape", ["SELECT {} FROM t", "SELECT g, {} FROM t GROUP BY g ORDER BY g",
                                   "SELECT {} FROM t WHERE g = 99"])
def test_same_as_duckdb(cons, agg, shape):
    t, d = cons
    sql = shape.format(agg)
    got, want = t.execute(sql).fetchall(), d.execute(sql).fetchall()
    assert len(got) == len(want) and all(len(r) == len(s) and all(map(_same, r, s)) for r, s in zip(got, want)), \
        (sql, got, want)


STRING_AGGS = [
    "SELECT g, string_agg(s, ',' ORDER BY k), string_agg(s) FROM u GROUP BY g ORDER BY g",
    "SELECT string_agg(DISTINCT s, '-' ORDER BY s) FROM u",
    "SELECT string_agg(k, '|' ORDER BY k DESC) FROM u",
    "SELECT listagg(s, ';') FROM u WHERE g = 2",
    "SELECT string_agg(s) FROM u WHERE g > 5",
    "SELECT array_to_string(['a', NULL, 'b'], '-'), array_to_string([1, 2, NULL], ', ')",
]


@pytest.mark.parametrize("sql", STRING_AGGS)
def test_string_agg_same_as_duckdb(sql):
    t, d = tqp.connect("cpu"), duckdb.connect()
    for c in (t, d):
        c.execute("CREATE TABLE u (g INTEGER, s VARCHAR, k INTEGER)")
        c.execute("INSERT INTO u VALUES (1, 'a', 3), (1, 'b', 1), (1, NULL, 2), (2, 'c', 1), (3, NULL, 1)")
    assert t.execute(sql).fetchall() == d.execute(sql).fetchall(), sql


PICKS = [
    "SELECT g, arg_max(s, k), arg_min(s, k), first(s), last(s), any_value(s), max_by(s, k), min_by(k, s) FROM v GROUP BY g ORDER BY g",
    "SELECT first(k), last(k), any_value(s) FROM v",
    "SELECT arg_max(k, s) FROM v WHERE g = 7",
]


@pytest.mark.parametrize("sql", PICKS)
def test_picks_same_as_duckdb(sql):
    t, d = tqp.connect("cpu"), duckdb.connect()
    for c in (t, d):
        c.execute("CREATE TABLE v (g INTEGER, s VARCHAR, k INTEGER)")
        c.execute("INSERT INTO v VALUES (1, 'a', 3), (1, 'b', 1), (1, NULL, 2), (2, 'c', 1), (3, NULL, 1), (3, 'z', NULL)")
    assert t.execute(sql).fetchall() == d.execute(sql).fetchall(), sql


HOLISTIC = [
    "SELECT median(i), median(d), quantile_cont(i, 0.3), quantile_disc(i, 0.3), quantile_disc(s, 0.5), mode(s), "
    "quantile(i, 0.5), quantile_disc(d, 0.5), quantile_disc(dt, 0.5), quantile_disc(i, 0.75), quantile_cont(d, 0.3) FROM w",
    "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY i), percentile_disc(0.5) WITHIN GROUP (ORDER BY i DESC), "
    "percentile_cont(0.25) WITHIN GROUP (ORDER BY d DESC) FROM w",
    "SELECT g, median(i), mode(i), quantile_disc(s, 0.9), mode(s), quantile_disc(i, 0.1), quantile_disc(i, 1.0), "
    "quantile_disc(i, 0), median(f) FROM w GROUP BY g ORDER BY g",
    "SELECT median(i), mode(s) FROM w WHERE i > 100",
    "SELECT mode(x) FROM (VALUES (3), (1), (1), (3)) v(x)",
    "SELECT mode(x) FROM (VALUES (1), (3), (3), (1)) v(x)",
]


@pytest.mark.parametrize("sql", HOLISTIC)
def test_quantiles_and_mode_same_as_duckdb(sql):
    t, d = tqp.connect("cpu"), duckdb.connect()
    for c in (t, d):
        c.execute("CREATE TABLE w (g INTEGER, i INTEGER, d DECIMAL(10, 2), s VARCHAR, dt DATE, f DOUBLE)")
        c.execute("INSERT INTO w VALUES (1, 1, 1.5, 'a', '2020-01-01', 0.5), (1, 2, 2.25, 'b', '2020-01-03', -1), "
                  "(2, 4, 3, 'b', '2020-01-10', 2), (2, 7, 10, 'c', NULL, NULL), (2, NULL, NULL, NULL, NULL, 1e9), "
                  "(3, 5, 1, 'z', NULL, 3), (2, 8, 1, 'c', NULL, 4)")
    got, want = t.execute(sql).fetchall(), d.execute(sql).fetchall()
    assert len(got) == len(want) and all(all(map(_same, r, s)) for r, s in zip(got, want)), (sql, got, want)


@pytest.mark.parametrize("sql", [
    "SELECT bit_and(a), bit_or(a), bit_xor(a) FROM b",
    "SELECT g, bit_and(a), bit_or(a), bit_xor(a) FROM b GROUP BY g ORDER BY g",
    "SELECT bit_or(a) FROM b WHERE g > 9",
    "SELECT bit_xor(CAST(a AS INTEGER)) FROM b WHERE a BETWEEN -100 AND 100",
])
def test_bit_aggregates_same_as_duckdb(sql):
    t, d = tqp.connect("cpu"), duckdb.connect()
    for c in (t, d):
        c.execute("CREATE TABLE b (g INTEGER, a BIGINT)")
        c.execute("INSERT INTO b VALUES (1, 12), (1, 10), (1, NULL), (2, -1), (2, 6), (3, NULL), (2, -9223372036854775808)")
    assert t.execute(sql).fetchall() == d.execute(sql).fetchall(), sql
