"""DuckDB's list function family against DuckDB: list aggregates, sorting, set operations,
concatenation, search, lambdas, range() / string_split(), quantiles with a list of fractions and
date_part with a part per row. Each over a table with NULL lists, NULL elements and empty
lists, with constants, per-row arguments and `?` parameters in each argument."""
from __future__ import annotations

import math

import pytest

import tqp
from tests.differential.pair import connect_pair

SETUP = [
    "CREATE TABLE t (id INTEGER, l INTEGER[], m VARCHAR[], ll INTEGER[][], d DOUBLE[], x DOUBLE, k INTEGER, "
    "p VARCHAR, dt DATE, s VARCHAR)",
    "INSERT INTO t VALUES "
    "(1, [3, 1, 2, 1], ['b', 'a', 'b'], [[1, 2], [3]], [1.5, -2.0], 1.5, 2, 'year', DATE '2024-03-05', 'a,b,,c'), "
    "(2, [], [], [], [], NULL, 0, 'month', DATE '2020-12-31', ''), "
    "(3, NULL, NULL, NULL, NULL, 2.5, NULL, NULL, NULL, NULL), "
    "(4, [4, NULL, 4], ['d', NULL, 'f'], [NULL, [NULL], []], [0.5, 0.5, 3.0], 3.5, 1, 'dow', DATE '1999-01-01', 'x'), "
    "(5, [NULL], [NULL], [[NULL]], [2.0], -1.0, 3, 'doy', DATE '2000-02-29', ',,'), "
    "(6, [1, 2, 3], ['a', 'b', 'c'], [[1], [2], [3]], [1.0, 2.0, 3.0], 0.0, 2, 'quarter', DATE '2024-12-31', 'a b')",
]


@pytest.fixture(scope="module")
def cons():
    t, d = connect_pair(SETUP)
    d.execute("SET lambda_syntax = 'ENABLE_SINGLE_ARROW'")  # DuckDB 2 refuses x -> ... by default
    return t, d


def _close(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or math.isnan(a) and math.isnan(b) or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    return a == b


def _same(cons, sql, params=None):
    t, d = cons
    want = d.execute(sql, params).fetchall() if params is not None else d.execute(sql).fetchall()
    got = t.execute(sql, params).fetchall() if params is not None else t.execute(sql).fetchall()
    assert _close(got, want), f"{sql}\n tqp:    {got}\n duckdb: {want}"


AGGREGATES = [
    "SELECT list_sum([1, 2, 3]), list_product([1, 2, 3]), list_min([3, 1]), list_max([3, 1]), list_avg([1, 2]), "
    "list_count([1, NULL])",
    "SELECT id, list_sum(l), list_avg(l), list_min(m), list_max(m), list_count(l), list_product(d) FROM t ORDER BY id",
    "SELECT id, list_first(l), list_last(m), list_any_value(l), list_median(d), list_mode(l), list_string_agg(m) "
    "FROM t ORDER BY id",
    "SELECT id, list_aggregate(l, 'sum'), list_aggregate(m, 'string_agg', '-'), list_aggregate(l, 'count'), "
    "list_aggregate(d, 'stddev_samp'), list_aggregate(list_transform(l, lambda x: x > 1), 'bool_or') FROM t ORDER BY id",
    "SELECT list_sum([]), list_count([]), list_count(NULL), list_min([]), list_avg([NULL]), list_product([2, NULL, 3])",
    "SELECT list_sum([1.5, 2.25]), list_avg([1.5]), list_aggregate([1, 2, 2], 'approx_count_distinct'), "
    "list_var_pop([1, 2, 3, 4]), list_bit_or([1, 2, 4])",
]
LISTS = [
    "SELECT id, list_sort(l), list_reverse_sort(l), list_sort(m, 'DESC'), list_sort(l, 'ASC', 'NULLS FIRST'), "
    "array_sort(m), list_reverse_sort(m, 'NULLS FIRST') FROM t ORDER BY id",
    "SELECT list_sort([3, 1, NULL, 2], 'DESC', 'NULLS LAST'), list_sort(NULL), list_sort([]), list_sort(['b', 'A', 'a'])",
    "SELECT id, list_reverse(l), list_distinct(l), list_distinct(m), list_unique(l), list_unique(m), "
    "array_pop_back(l), array_pop_front(m) FROM t ORDER BY id",
    "SELECT id, flatten(ll), list_grade_up(l), list_grade_up(m, 'DESC') FROM t ORDER BY id",
    "SELECT flatten([[1], NULL, [2, NULL]]), flatten(NULL), flatten([]), flatten([[[1]], [[2]]])",
    "SELECT id, list_concat(l, [id]), l || l, list_cat(m, ['z']), array_concat(l, NULL), list_append(m, p), "
    "list_prepend(p, m), list_append(l, NULL) FROM t ORDER BY id",
    "SELECT list_concat(NULL, [2]), [1] || NULL, list_concat([1], [2], [3]), list_append(NULL, 1), "
    "list_prepend(1, NULL), array_concat([1], [2.5])",
    "SELECT id, list_position(l, 1), list_position(l, NULL), list_indexof(m, 'b'), array_position(l, k), "
    "list_position(m, p) FROM t ORDER BY id",
    "SELECT id, list_has_any(l, [1, 4]), list_has_all(l, [NULL]), l && [2], l @> [1, 2], [1] <@ l, "
    "list_sort(list_intersect(l, [4, 1, 3])), list_sort(list_intersect(m, ['b', 'a', 'b'])) FROM t ORDER BY id",
    "SELECT a.id, b.id, list_concat(a.l, b.l), list_has_all(a.l, b.l), a.l && b.l, list_sort(list_intersect(a.m, b.m)), "
    "list_position(a.l, b.k) FROM t a, t b ORDER BY 1, 2",
    "SELECT id, list_resize(l, k), list_resize(m, 2, 'q'), array_resize(l, 0), list_zip(l, m) IS NULL, "
    "len(list_zip(l, m, true)), list_select(l, [2, 5, 1]), list_where(m, [true, false, true]) FROM t ORDER BY id",
    "SELECT id, list_inner_product(d, d), list_distance(d, d), list_cosine_similarity([1.0, 2.0], [2.0, 3.0]), "
    "list_dot_product([1, 2], [3, 4]), list_negative_inner_product([1, 2], [3, 4]) FROM t ORDER BY id",
    "SELECT id, array_length(l, 1), cardinality(m), len(ll), list_slice(l, 1, 4, 2), l[2:] FROM t ORDER BY id",
]
LAMBDAS = [
    "SELECT id, list_transform(l, lambda x: x + 1), list_filter(l, lambda x: x > 1), list_reduce(l, lambda a, x: a + x, 0) "
    "FROM t ORDER BY id",
    "SELECT id, list_transform(l, x -> x * k), list_filter(m, s -> s > p OR s IS NULL), "
    "list_reduce(l, (a, x) -> a + x + id, 0), list_apply(m, x -> upper(x) || p) FROM t ORDER BY id",
    "SELECT id, list_transform(m, (x, i) -> x || i), list_filter(l, (x, i) -> i % 2 = 1), "
    "list_reduce(m, lambda a, x: a || x, '') FROM t ORDER BY id",
    "SELECT list_transform([1, 2], lambda x: [x, x]), list_transform([1, 2], lambda x: {'a': x}), "
    "list_transform([[1], [2, 3]], lambda x: len(x)), list_reduce([[1], [2]], lambda x, y: list_concat(x, y))",
    "SELECT list_reduce([1, 2, 3], lambda x, y, i: x + y * i), list_reduce([1, NULL, 3], lambda x, y: x + y), "
    "list_transform([1, 2], lambda x: NULL), list_filter([1, 2], lambda x: NULL), array_filter(NULL, lambda x: x > 1)",
    "SELECT id, [x * 2 FOR x IN l IF x > 1], [upper(s) FOR s IN m] FROM t ORDER BY id",
    "SELECT list_transform(l, lambda id: id + 1) FROM t ORDER BY id",
]
SERIES = [
    "SELECT range(3), range(1, 5, 2), range(5, 1, -2), range(1, 5, 0), generate_series(1, 3), generate_series(3, 1), "
    "generate_series(5, 1, -2), range(NULL), generate_series(-3)",
    "SELECT id, range(k), generate_series(k, 4), range(id, 10, k) FROM t ORDER BY id",
    "SELECT id, string_split(s, ','), str_split(s, ''), string_to_array(p, 'o'), string_split(s, NULL), "
    "string_split_regex(s, ',+'), regexp_split_to_array(p, '[ae]') FROM t ORDER BY id",
]
QUANTILES = [
    "SELECT quantile_cont(x, [0.25, 0.5]), quantile_disc(x, [0.5]), quantile(x, [0.1, 0.9]), "
    "percentile_cont([0.5]) WITHIN GROUP (ORDER BY x) FROM t",
    "SELECT id % 2 AS g, quantile_cont(x, [0.25, 0.5, 1]), quantile_disc(p, [0.5, 0]), "
    "percentile_disc([0.5, 0.1]) WITHIN GROUP (ORDER BY x DESC) FROM t GROUP BY g ORDER BY g",
    "SELECT quantile_cont(x, [0.5]) FROM t WHERE id > 10",
    "SELECT quantile_cont(x::DECIMAL(10, 2), [0, 0.5, 1]), quantile_disc(dt, [0.5, 0.9]) FROM t",
]
DATE_PARTS = [
    "SELECT id, date_part(p, dt), datepart(p, dt::TIMESTAMP), date_part(upper(p), DATE '2024-02-29') FROM t ORDER BY id",
]


@pytest.mark.parametrize("sql", AGGREGATES + LISTS + LAMBDAS + SERIES + QUANTILES + DATE_PARTS)
def test_against_duckdb(cons, sql):
    _same(cons, sql)


@pytest.mark.parametrize("sql, params", [
    ("SELECT id, list_position(l, ?), list_append(m, ?), list_resize(l, ?, ?) FROM t ORDER BY id", [1, "q", 2, 9]),
    ("SELECT id, list_sort(l, ?, ?), list_aggregate(l, ?), list_filter(l, lambda x: x > ?) FROM t ORDER BY id",
     ["DESC", "NULLS FIRST", "max", 1]),
    ("SELECT id, list_has_any(l, ?), list_concat(?, l), range(?, 4) FROM t ORDER BY id", [[1, 2], [7], 1]),
    ("SELECT quantile_cont(x, ?), date_part(?, dt) FROM t GROUP BY dt ORDER BY dt", [[0.5, 0.25], "month"]),
    ("SELECT id, string_split(s, ?), list_reduce(l, lambda a, x: a + x * ?, ?) FROM t ORDER BY id", [",", 2, 0]),
])
def test_parameters(cons, sql, params):
    _same(cons, sql, params)


@pytest.mark.parametrize("sql, error", [
    ("SELECT list_reduce(l, lambda a, x: a + x) FROM t", tqp.DataError),  # [] without an initial value
    ("SELECT list_sort(l, 'SIDEWAYS') FROM t", tqp.ProgrammingError),
    ("SELECT list_aggregate(l, 'abs') FROM t", tqp.ProgrammingError),
    ("SELECT list_aggregate(l, 'no_such_aggregate') FROM t", tqp.ProgrammingError),
    ("SELECT list_concat([1], ['a'])", tqp.ProgrammingError),
    ("SELECT list_transform(l, 1) FROM t", tqp.ProgrammingError),
    ("SELECT list_inner_product([1, 2], [3])", tqp.DataError),
    ("SELECT list_where([10], [NULL])", tqp.DataError),
    ("SELECT list_resize([1], -1)", tqp.DataError),
    ("SELECT flatten([1, 2])", tqp.ProgrammingError),
    ("SELECT date_part('nope' || p, dt) FROM t", tqp.DataError),
    ("SELECT quantile_cont(x, [0.5, 1.5]) FROM t", tqp.ProgrammingError),
    ("SELECT array_length([1], 2)", tqp.NotSupportedError),
])
def test_errors(cons, sql, error):
    t, _ = cons
    with pytest.raises(error):
        t.execute(sql).fetchall()


def test_a_failed_reduce_changes_nothing(cons):
    t, _ = cons
    t.execute("CREATE TABLE r AS SELECT l FROM t")
    with pytest.raises(tqp.DataError):
        t.execute("INSERT INTO r SELECT [list_reduce(l, lambda a, x: a + x)] FROM t")
    assert t.execute("SELECT count(*) FROM r").fetchall() == [(6,)]


WINDOWS = [
    "SELECT id, first_value(l) OVER (ORDER BY id), last_value(m) OVER (ORDER BY id), lag(ll) OVER (ORDER BY id), "
    "lead(m, 2) OVER (ORDER BY id), min(l) OVER (), max(m) OVER (ORDER BY id) FROM t ORDER BY id",
    "SELECT id, list(id) OVER (ORDER BY id), list(p) OVER (PARTITION BY id % 2 ORDER BY id ROWS BETWEEN 1 PRECEDING "
    "AND CURRENT ROW), array_agg(l) OVER (ORDER BY id RANGE BETWEEN 1 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW) "
    "FROM t ORDER BY id",
    "SELECT id, list(x) FILTER (WHERE x > 0) OVER (), median(x) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND "
    "1 FOLLOWING), quantile_disc(x, 0.5) OVER (PARTITION BY id % 2), quantile_cont(x, [0.5, 0.9]) OVER (ORDER BY id), "
    "mode(p) OVER () FROM t ORDER BY id",
    "SELECT id, first_value({'a': id, 'b': m}) OVER (ORDER BY id DESC) FROM t ORDER BY id",
]


@pytest.mark.parametrize("sql", WINDOWS)
def test_windows_against_duckdb(cons, sql):
    _same(cons, sql)
