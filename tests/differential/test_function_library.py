"""The DuckDB function library beyond the basics, against DuckDB: aggregates (fsum, geomean, mad,
histogram, arg_max with n, ...), strings (edit distances, grapheme-free unicode, hashes, ...),
math, dates, lists, maps and structs, over a table with NULLs, empty strings, non-ASCII text,
negative numbers and an empty group; every call with column (non-constant) arguments."""
from __future__ import annotations

import decimal
import math

import duckdb
import pytest

import tqp

from .pair import connect_pair

SETUP = [
    "CREATE TABLE u (id INTEGER, g INTEGER, i INTEGER, b BIGINT, f DOUBLE, m DECIMAL(10, 2), s VARCHAR, s2 VARCHAR, "
    "d DATE, ts TIMESTAMP, p BOOLEAN, l INTEGER[], ls VARCHAR[])",
    "INSERT INTO u VALUES "
    "(1, 1, 3, 10, 1.5, 2.25, 'hello', 'help', DATE '2024-02-29', TIMESTAMP '2024-02-29 13:45:10.5', true, [3, 1, 2], ['b', 'a']), "
    "(2, 1, -4, 7, -2.25, -1.10, 'Straße', 'strasse', DATE '1999-12-31', TIMESTAMP '1999-12-31 23:59:59', false, [1, 1, NULL], ['x']), "
    "(3, 2, 0, 255, 0.0, 0.00, '', 'abc', DATE '2000-01-01', TIMESTAMP '2000-01-01 00:00:00', NULL, [], []), "
    "(4, 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), "
    "(5, 3, 12, -3, 100.75, 99.99, 'ÉCOLE ça', 'ecole', DATE '2023-07-04', TIMESTAMP '2023-07-04 06:07:08.123456', true, [5, 4, 5, 4], ['c', 'c', NULL]), "
    "(6, 3, 7, 1, 3.25, 3.25, 'a,b,,c', 'a', DATE '1970-01-01', TIMESTAMP '1969-12-31 23:00:00', false, [NULL], ['a,b']), "
    "(7, 4, 5, 5, 5.0, 5.00, 'kitten', 'sitting', DATE '2024-12-31', TIMESTAMP '2024-12-31 12:00:00', true, [2], ['k']), "
    "(8, 4, 5, 6, -0.5, 7.50, 'martha', 'marhta', DATE '2024-01-01', TIMESTAMP '2024-01-01 00:00:00.000001', true, [7, 7], ['m'])",
]


@pytest.fixture(scope="module")
def cons():
    return connect_pair(SETUP)


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, decimal.Decimal) or isinstance(b, decimal.Decimal):
        return type(a) is type(b) and a == b
    return type(a) is type(b) and a == b


def check(cons, sql: str) -> None:
    t, d = cons
    got, want = t.execute(sql).fetchall(), d.execute(sql).fetchall()
    assert len(got) == len(want) and all(_same(list(r), list(s)) for r, s in zip(got, want)), (sql, got, want)


AGGREGATES = [
    "fsum(f)", "sumkahan(m)", "kahan_sum(i)", "favg(f)", "favg(m)", "geomean(f)", "geometric_mean(abs(f))",
    "geomean(i)", "sem(f)", "sem(m)", "weighted_avg(f, i)", "wavg(m, b)", "histogram(i)", "histogram(s)", "histogram(d)",
    "histogram(p)", "mad(f)", "mad(m)", "mad(i)", "approx_quantile(f, 0.5)", "approx_quantile(m, 0.5)",
    "approx_quantile(i, 0.5)", "arg_min(i, f, 2)", "arg_max(s, f, 2)", "max_by(i, f, 2)", "min_by(id, f, 3)",
    "arg_max(s, i ORDER BY id)", "max(i, 2)", "min(f, 2)", "min(s, 3)", "max(d, 2)", "arg_max_null(s, i)",
    "arg_min_null(s, f)", "fsum(f) + mad(f)", "json_group_array(i)", "json_group_array(s)", "json_group_array(l)",
    "json_group_object(id, l)", "product(i)", "product(f)", "product(m)",
    # FILTER and DISTINCT on the aggregates written as SQL over others
    "kurtosis(f) FILTER (WHERE id > 1)", "corr(f, i) FILTER (WHERE i > 0)", "arg_max(s, f) FILTER (WHERE f < 50)",
    "histogram(i) FILTER (WHERE i > 0)", "bool_and(p) FILTER (WHERE id > 1)", "any_value(s) FILTER (WHERE id > 2)",
    "string_agg(s, ',' ORDER BY s DESC) FILTER (WHERE s <> '')", "regr_slope(f, i) FILTER (WHERE id > 1)",
    "skewness(DISTINCT i)", "product(DISTINCT i)", "kurtosis(DISTINCT f)", "bool_and(DISTINCT p)", "sem(DISTINCT i)",
    "approx_count_distinct(DISTINCT s)", "histogram(DISTINCT i)",
]


@pytest.mark.parametrize("agg", AGGREGATES)
@pytest.mark.parametrize("shape", ["SELECT g, {} FROM u GROUP BY g ORDER BY g", "SELECT {} FROM u",
                                   "SELECT {} FROM u WHERE id > 100"])
def test_aggregates(cons, agg, shape):
    check(cons, shape.format(agg))


WINDOWED = ["product(i)", "mad(f)", "entropy(i)", "fsum(f)", "kurtosis(f)", "arg_max(s, f)", "median(f)", "sem(f)"]


@pytest.mark.parametrize("agg", WINDOWED)
@pytest.mark.parametrize("frame", ["PARTITION BY g", "ORDER BY id", "ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW"])
def test_window_aggregates(cons, agg, frame):
    check(cons, f"SELECT id, {agg} OVER ({frame}) FROM u ORDER BY id")


def test_interpolated_quantiles_to_the_last_bit():
    """quantile_cont / median / mad equal DuckDB's exactly: over DOUBLEs its interpolation rounds
    lo * (1 - d) + hi * d with the first product fused; DECIMALs interpolate their integers,
    truncated (past 18 digits only the step is)."""
    t, d = connect_pair(["CREATE TABLE q AS SELECT i % 9 AS g, sin(i) * 1e6 AS w, (i * i % 17)::DOUBLE / 7 AS z, "
                         "(i * 7 % 13)::DECIMAL(10, 2) / 3 AS x, ((i * 31) % 977 - 400)::DECIMAL(6, 1) AS y, "
                         "(((i * 13) % 97 - 50)::DECIMAL(38, 10) / 7)::DECIMAL(38, 10) AS big FROM range(300) r(i)"])
    for agg in ["quantile_cont(w, [0.01, 0.07, 0.33, 0.5, 0.61, 0.99])", "median(w)", "mad(w)", "quantile_cont(x, 0.33)",
                "quantile_cont(z, [0.01, 0.123, 0.49, 0.987])", "percentile_cont(0.42) WITHIN GROUP (ORDER BY w DESC)",
                "quantile_cont(y, [0.1, 0.25, 0.37, 0.61])", "quantile_cont(-y, [0.1, 0.33])", "mad(y)",
                "quantile_cont(big, [0.3, 0.71, 0.01])", "quantile_cont(-big, [0.3, 0.99])", "mad(big)"]:
        sql = f"SELECT g, {agg} FROM q GROUP BY g ORDER BY g"
        assert t.execute(sql).fetchall() == d.execute(sql).fetchall(), sql


@pytest.mark.parametrize("sql", ["SELECT max(i, 0) FROM u", "SELECT arg_max(i, f, -1) FROM u",
                                 "SELECT min(i, NULL) FROM u"])
def test_aggregate_errors(cons, sql):
    t, d = cons
    with pytest.raises(duckdb.Error):
        d.execute(sql).fetchall()
    with pytest.raises(tqp.Error) as err:
        t.execute(sql).fetchall()
    assert not isinstance(err.value, tqp.InternalError)


SCALARS = [
    # strings
    "upper(s)", "lower(s)", "upper('straße ǆ ᾳ')", "lower('İSTANBUL')", "levenshtein(s, s2)", "editdist3(s2, s)",
    "damerau_levenshtein(s, s2)", "damerau_levenshtein('ca', 'abc')", "hamming(s2, s2)", "mismatches(s2, reverse(s2))",
    "jaccard(s2, 'abc')", "jaro_similarity(s, s2)", "jaro_winkler_similarity(s, s2)", "jaro_winkler_similarity(s2, s, 0.9)",
    "unicode(s)", "ord(s2)", "sha1(s)", "sha256(s)", "url_encode(s)", "url_decode(url_encode(s))", "url_decode('a+b%20%zz')",
    "strip_accents(s)", "nfc_normalize(s)", "regexp_escape(s)", "bar(f, 0, 100, 10)", "bar(i, -5, 15)",
    "format_bytes(b * 1000)", "formatReadableSize(b * b * b * b * b * b)", "formatReadableDecimalSize(b * 1000)",
    "s[2]", "s[-1]", "s[0]", "s[2:3]", "s[-3:]", "s[:2]", "s[i:]", "array_extract(s, i)", "array_slice(s, 0, -3)",
    "array_slice(s, 3, NULL)", "overlay(s PLACING 'XY' FROM 2 FOR 1)", "overlay(s PLACING s2 FROM 3)",
    "overlay(s PLACING 'XY' FROM 0)", "like_escape(s, 'a$%', '$')", "ilike_escape(s, 'H%', '\\')",
    "not_like_escape(s, 'a$%', '$')", "not_ilike_escape(s, 'A_b%', '_')", "regexp_extract_all(s, '[a-z]')",
    "regexp_extract_all(s, '([a-z])l', 1)", "regexp_extract_all(s, '')", "regexp_extract_all(s, 'L', 0, 'i')",
    "regexp_extract_all(s, s2)", "printf('%x|%X|%o', b, i, -8)", "printf('%lld|%5.1f', b, f)",
    # math
    "gamma(f)", "lgamma(f)", "gamma(i)", "lgamma(i)", "gamma(m)", "gamma(-0.5)", "gamma(25)", "round_even(f, 1)",
    "roundbankers(f, 0)", "round_even(m, 1)", "round_even(i, -1)", "round_even(m * 10, -1)", "round_even(f * 10, -1)",
    "round_even(2.345, 2)", "round_even(24.5, 0)", "signbit(f)", "signbit(i)", "signbit(m)", "signbit(-f)",
    "nextafter(f, 0)", "fmod(f, 2)", "fmod(i, -3)", "fmod(m, 0.3)", "fdiv(i, 2)", "fdiv(f, 0.7)", "divide(i, 2)",
    "divide(m, 2)", "divide(f, 3)",
    # dates
    "date_part(['year', 'month', 'day'], d)", "date_part(['hour', 'minute', 'epoch'], ts)", "date_part('era', d)",
    "(date_part(['year', 'isodow'], d)).isodow", "era(ts)", "weekday(d)", "try_strptime(s, '%Y')",
    "try_strptime(strftime(d, '%d/%m/%Y'), '%d/%m/%Y')", "strptime('2024-03', ['%Y-%m-%d', '%Y-%m'])",
    "try_strptime(s2, ['%Y', '%d'])", "normalized_interval(INTERVAL '40 days' * i)", "ts::VARCHAR", "format('{}', ts)",
    "ts || ''",
    # JSON of nested values
    "to_json(l)", "to_json(ls)", "to_json({'a': i, 'b': s, 'c': l})", "to_json(MAP {'k': f})", "to_json(MAP {id: s})",
    "to_json([d])", "to_json([m])", "to_json([ts])", "array_to_json(l)", "row_to_json({'a': i})",
    "json_keys(to_json({'a': i, 'b': s}))", "json_keys('{\"a\": 1, \"b\": {\"c\": 2}}', '$.b')", "json_keys('[1]')",
    "json_array_length(to_json(l))", "to_json(l) || ''", "regexp_extract_all(s, '[a-z]')[1] || 'x'",
    # maps, structs, list aggregates
    "map_concat(MAP {'a': 1, 'b': 2}, MAP {'b': i})", "map_concat(MAP {'a': 1, 'b': 2}, MAP {'b': NULL, 'c': 3}, MAP {'a': 9})",
    "map_concat(MAP {'a': i}, NULL)", "map_concat(MAP {coalesce(s2, 'z'): i}, MAP {'a': b::INTEGER})", "map_contains_value(MAP {'k': i}, 3)",
    "map_contains_value(MAP {'k': i}, i)", "map_contains_entry(MAP {'k': i}, 'k', 3)", "map_contains_entry(MAP {'k': i}, 'k', i)",
    "map_contains_entry(MAP {'a': NULL}, 'a', NULL)", "struct_insert({'a': i}, b := s)", "struct_insert(NULL::STRUCT(a INT), b := 2)",
    "struct_insert({'a': i}, b := s, c := l)", "struct_concat({'a': i}, {'b': s})", "struct_concat({'a': 1}, NULL::STRUCT(b INT))",
    "struct_update({'a': i}, a := 2)", "struct_update({'a': i, 'b': s}, a := s, c := 1)", "struct_extract_at({'a': i, 'b': s}, 2)",
    "struct_keys({'a': i})", "struct_keys(CASE WHEN i > 0 THEN {'a': i} END)", "list_sem(l)", "list_mad(l)",
    "list_kurtosis_pop([1.0, 2, 3, 10, f])", "list_mad([m, 1.5])", "repeat([i], 2)", "repeat(l, i)", "repeat(ls, 3)",
    "contains(l, 1)", "contains(ls, s2)", "contains(MAP {'a': i}, 'a')", "concat(l, NULL, [4, 5, 6])",
    "time_bucket(INTERVAL '2 weeks', TIMESTAMP '1992-04-20 15:26:00-07', TIMESTAMP '1992-04-01 00:00:00-07')",
    "regexp_extract(s, '(L+)(o?)', ['ls', 'o'])", "regexp_extract(s, '(L+)(o?)', ['ls', 'o'], 'i')",
    "regexp_extract(s, 'L', 'i')", "regexp_extract(s, '(l)', 1, 'i')", "regexp_extract(s, '(L)', NULL)",
    # unnamed structs (TUPLEs): tuples in Python, as DuckDB gives them
    "row(i, s)", "(i, s)", "list_zip(l, ls)", "list_zip([1, 2], [3, 4], [5, 6, 7], true)", "struct_values({'a': i, 'b': s})",
    "row(i, s)[2]", "[row(i, 1)]", "{'x': row(i, s)}", "MAP {coalesce(i, 0): row(s)}", "list_zip(l, ls)[1]",
    "CASE WHEN i > 0 THEN row(i, s) ELSE row(0, 'z') END", "typeof(list_zip(l, ls))", "(i, s) = (3, 'hello')",
    # DuckDB's lambda syntax (its arrow form is deprecated), and apply / reduce
    "list_transform(l, lambda x: x * 2)", "list_filter(l, lambda x: x > 1)", "list_apply(l, lambda x: x + i)",
    "list_reduce(l, lambda a, x: a * x, 1)", "list_transform(l, lambda x, j: x * j)", "list_filter(l, lambda x, j: j > 1)",
    "list_transform(ls, lambda x: upper(x))", "apply([1, 2, 3], lambda x : x + 1)", "reduce([1, 2, 3], lambda a, x: a + x)",
    "list_transform([[1, 2], [3]], lambda x: list_transform(x, lambda y: y * 10))",
    "list_filter(l, lambda x: x IS NOT NULL AND x > 1)", "list_transform(list_zip(l, ls), lambda x: x[1])",
    # series of timestamps, list slices with a step, more edge forms
    "range(d, d + 3, INTERVAL 1 DAY)", "generate_series(ts, ts + INTERVAL 2 HOUR, INTERVAL 1 HOUR)",
    "generate_series(d, d - 2, -INTERVAL 1 DAY)", "[1, 2, 3, 4, 5][1:5:2]", "l[1:3:2]", "lower('ΑΣ ΟΔΟΣ')",
    "json_extract(to_json({'a': i}), ['$.a', '$.b'])", "json_extract_string('{\"a\": \"x\"}', ['$.a', '$.b'])",
    "make_timestamp_ms(b * 1000000)", "make_timestamp_ns(b * 1000000001)", "CAST(ts AS VARCHAR) || '|'",
    "list_slice(l, i, b)", "array_slice(l, g, g + 1)", "l[g:]", "l[-g:]", "l[g - 3:g]", "list_slice(l, 1, g, 2)",
    "ls[g:g]", "array_slice(l, i, NULL)", "range(d, d + 100, INTERVAL 1 MONTH)", "generate_series(d, d + 400, INTERVAL 3 MONTH)",
    "generate_series(ts, ts - INTERVAL 100 DAY, -INTERVAL 1 MONTH)", "range(d, d + 800, INTERVAL 1 YEAR)",
    "range(DATE '2024-01-31', DATE '2024-05-01', INTERVAL 1 MONTH)",
    "json_merge_patch('{\"a\": 1, \"b\": {\"c\": 2}}', '{\"b\": {\"d\": 3}, \"a\": null}')",
    "json_merge_patch(to_json({'a': i, 'b': s}), to_json({'b': s2}), '{\"c\": 3}')",
    "json_contains('[1, 2, {\"a\": 3}]', '{\"a\": 3}')", "json_contains('{\"a\": {\"b\": 1, \"c\": 2}}', '{\"b\": 1}')",
    "json_contains(to_json(l), to_json(i))", "json_contains(to_json(l), '[1, 2]')", "json_contains('{\"a\": 1}', '1')",
    "json_pretty(to_json({'a': i, 'l': l}))", "json_pretty('[]')", "isfinite(d)", "isinf(ts)",
]


@pytest.mark.parametrize("expr", SCALARS)
def test_scalars_over_columns(cons, expr):
    check(cons, f"SELECT id, {expr} FROM u WHERE id <> 3 ORDER BY id")


SCALAR_ERRORS = ["range(DATE '2024-01-01', DATE '2024-02-01', 0)", "range(DATE '2024-01-01', DATE '2024-01-04', 1)", "{'a': 1, 'b': 2}[2]", "regexp_extract('ab', '(a)', ['x', 'y'])", "divide(1, 0)", "round_even(2.5)", "hamming('ab', 'abc')", "jaccard('', 'a')", "bar(1, 0, 2, 0)", "regexp_extract_all('abc', '(a)', 2)",
                 "regexp_extract_all('abc', '(')"]


@pytest.mark.parametrize("expr", SCALAR_ERRORS)
def test_scalar_errors(cons, expr):
    t, d = cons
    with pytest.raises(duckdb.Error):
        d.execute(f"SELECT {expr}").fetchall()
    with pytest.raises(tqp.Error) as err:
        t.execute(f"SELECT {expr}").fetchall()
    assert not isinstance(err.value, tqp.InternalError)


def test_tuples_in_pandas(cons):
    t, d = cons
    sql = "SELECT id, (i, s) AS r, list_zip(l, ls) AS z FROM u ORDER BY id"
    got, want = t.execute(sql).df(), d.execute(sql).df()
    assert list(got["r"]) == list(want["r"])
    assert [None if z is None else list(z) for z in got["z"]] == [None if z is None else list(z) for z in want["z"]]
