"""Window functions against DuckDB: every function, frame kind (ROWS, RANGE with numeric, date
and interval offsets, GROUPS), EXCLUDE, named windows, QUALIFY, windows over grouped queries,
with NULLs in partition, order and argument columns, ties, empty partitions and tables, and a
10k-row table that takes the vectorised paths with long frames. Queries order their rows
totally wherever a result depends on the order among peers (`id` breaks ties).
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from tests.conftest import duck_load, duck_query, order_spec, type_mismatches
from tpch.verify import compare


def _small() -> pa.Table:
    """Two partitions with ties, a NULL partition, NULLs in every column."""
    p = [1, 1, 1, 1, 1, 2, 2, 2, None, None, 3, 1, 2, None, 1, 3]
    o = [1, 2, 2, None, 5, 3, 3, None, 1, None, 7, 2, 9, 4, 5, None]
    x = [10.5, None, 5.0, 7.25, 1.0, 2.0, -3.5, None, 4.0, 8.0, None, 2.0, 6.0, 0.0, -1.0, 3.0]
    s = ["a", "b", None, "d", "a", "x", "y", None, "q", "r", "s", "b", "x", "t", "zz", None]
    i = [1, 2, 3, None, 5, 6, 7, 8, None, 10, 11, 12, 13, 14, 15, 16]
    days = [0, 2, 30, None, 60, 59, 1, 400, 3, 10, 10, 11, 31, None, 29, 366]
    hours = [0, 2, 26, None, 1, 3, 48, 5, 4, 49, 50, 51, None, 6, 7, 8]
    m = ["1.50", "2.25", None, "-3.00", "4.10", "0.05", "9.99", "1.50", None, "2.00", "-0.75", "3.33", "1.50", "8.88", "0.01", "5.55"]
    b = [True, False, None, True, False, True, False, True, None, False, True, True, False, None, True, False]
    return pa.table({
        "id": pa.array(range(len(p)), pa.int64()),
        "p": pa.array(p, pa.int32()),
        "ps": pa.array([None if v is None else f"g{v}" for v in p], pa.string()),
        "o": pa.array(o, pa.int64()),
        "x": pa.array(x, pa.float64()),
        "s": pa.array(s, pa.string()),
        "i": pa.array(i, pa.int32()),
        "d": pa.array([None if k is None else dt.date(2020, 1, 1) + dt.timedelta(days=k) for k in days], pa.date32()),
        "ts": pa.array([None if k is None else dt.datetime(2021, 3, 1, 6) + dt.timedelta(hours=k) for k in hours],
                       pa.timestamp("us")),
        "m": pa.array([None if v is None else Decimal(v) for v in m], pa.decimal128(10, 2)),
        "b": pa.array(b, pa.bool_()),
    })


def _big(n: int = 10_000, seed: int = 11) -> pa.Table:
    rng = np.random.default_rng(seed)

    def nulls(values, frac):
        return [None if z else v for v, z in zip(values, rng.random(n) < frac)]
    return pa.table({
        "id": pa.array(np.arange(n), pa.int64()),
        "p1": pa.array(nulls(rng.integers(0, 7, n).tolist(), 0.05), pa.int32()),
        "p2": pa.array(nulls([["a", "b", "c", "d"][k] for k in rng.integers(0, 4, n)], 0.05), pa.string()),
        "o1": pa.array(nulls(rng.integers(0, 300, n).tolist(), 0.1), pa.int64()),
        "o2": pa.array(nulls((rng.integers(-400, 400, n) / 8).tolist(), 0.1), pa.float64()),
        "d": pa.array(nulls([dt.date(2019, 1, 1) + dt.timedelta(days=int(k)) for k in rng.integers(0, 900, n)], 0.1),
                      pa.date32()),
        "m": pa.array(nulls([Decimal(int(k)).scaleb(-2) for k in rng.integers(-50_000, 50_000, n)], 0.1),
                      pa.decimal128(12, 2)),
        "x": pa.array(nulls(rng.integers(-1000, 1000, n).tolist(), 0.15), pa.int32()),
        "y": pa.array(nulls(np.round(rng.normal(0, 100, n), 3).tolist(), 0.15), pa.float64()),
        "s": pa.array(nulls([f"s{k:03d}" for k in rng.integers(0, 200, n)], 0.15), pa.string()),
    })


def _wide() -> pa.Table:
    """DECIMAL(38, 2) values past int64 (128-bit words), and int64 decimals whose sums leave it."""
    big = ["12345678901234567890.12", "-99999999999999999999.99", None, "1.00", "12345678901234567890.12",
           "5000000000000000000", "5000000000000000000", "-0.01"]
    narrow = ["90000000000000.00", "90000000000000.00", "90000000000000.00", "-90000000000000.00", "1", "2",
              "90000000000000.00", None]
    return pa.table({
        "id": pa.array(range(8), pa.int64()), "p": pa.array([1, 1, 1, 2, 2, 2, 1, 2], pa.int32()),
        "w": pa.array([None if v is None else Decimal(v) for v in big], pa.decimal128(38, 2)),
        "n": pa.array([None if v is None else Decimal(v) for v in narrow], pa.decimal128(18, 2)),
    })


@pytest.fixture(scope="module")
def pair(device, connect):
    small = _small()
    tables = {"w": small, "we": small.schema.empty_table(), "big": _big(), "wide": _wide()}
    con, duck = connect(device), duckdb.connect()
    for name, t in tables.items():
        con.register(name, t)
        duck_load(duck, name, t)
    yield con, duck
    con.close()
    duck.close()


def _same(pair, sql, params=None):
    con, duck = pair
    expected = duck_query(duck, sql, params)
    actual = (con.execute(sql, params) if params is not None else con.execute(sql)).fetch_arrow()
    ordered, keys = order_spec(sql)
    msg = compare(expected, actual, ordered=ordered, order_key_columns=keys)
    assert msg is None, f"{msg}\nSQL: {sql}"
    bad = type_mismatches(expected.schema, actual.schema)
    assert not bad, "result types differ: " + "; ".join(bad) + f"\nSQL: {sql}"


# ---------------------------------------------------------------- functions on the small table

SMALL = {
    # ranking, with ties and NULL order keys (NULLS LAST by default, both directions)
    "row_number": "SELECT id, row_number() OVER (PARTITION BY p ORDER BY o, id) FROM w",
    "row_number_no_order": "SELECT count(*), sum(rn) FROM (SELECT row_number() OVER () AS rn FROM w)",
    "ranks": "SELECT id, rank() OVER w, dense_rank() OVER w, percent_rank() OVER w, cume_dist() OVER w "
             "FROM w WINDOW w AS (PARTITION BY p ORDER BY o)",
    "ranks_desc_nulls_first": "SELECT id, rank() OVER (ORDER BY o DESC NULLS FIRST), "
                              "dense_rank() OVER (PARTITION BY ps ORDER BY x DESC), cume_dist() OVER (ORDER BY s) FROM w",
    "ranks_no_order": "SELECT id, rank() OVER (PARTITION BY p), dense_rank() OVER (), percent_rank() OVER (PARTITION BY p), "
                      "cume_dist() OVER (PARTITION BY b) FROM w",
    "ranks_two_keys": "SELECT id, rank() OVER (ORDER BY b, o DESC), dense_rank() OVER (ORDER BY d, m) FROM w",
    "ntile": "SELECT id, ntile(3) OVER (ORDER BY id), ntile(4) OVER (PARTITION BY p ORDER BY id), "
             "ntile(100) OVER (PARTITION BY p ORDER BY id) FROM w",
    "ntile_per_row": "SELECT id, ntile(i) OVER (PARTITION BY p ORDER BY id), ntile(NULL) OVER (ORDER BY id) FROM w",
    # LAG / LEAD
    "lag_lead": "SELECT id, lag(x) OVER w, lead(x) OVER w, lag(s, 2) OVER w, lead(i, 3, -1) OVER w, "
                "lag(d, 1, DATE '1999-01-01') OVER w FROM w WINDOW w AS (PARTITION BY p ORDER BY o, id)",
    "lag_negative_and_row_offsets": "SELECT id, lag(x, -1) OVER (ORDER BY id), lead(x, -2, 0) OVER (ORDER BY id), "
                                    "lag(i, o) OVER (ORDER BY id), lag(m, 0) OVER (ORDER BY id) FROM w",
    "lag_default_types": "SELECT id, lag(i, 1, 0.5) OVER (ORDER BY id), lag(s, 1, 'none') OVER (ORDER BY id), "
                         "lead(m, 1, 0) OVER (ORDER BY id), lead(x, 1, i) OVER (ORDER BY id) FROM w",
    "lag_ignore_nulls": "SELECT id, lag(x, 1 IGNORE NULLS) OVER w, lead(s, 2 IGNORE NULLS) OVER w, "
                        "lag(i, 2, -9 IGNORE NULLS) OVER w, lead(x, -1 IGNORE NULLS) OVER w "
                        "FROM w WINDOW w AS (PARTITION BY p ORDER BY id)",
    # FIRST / LAST / NTH_VALUE (frame-aware)
    "first_last_default_frame": "SELECT id, first_value(x) OVER w, last_value(x) OVER w, nth_value(s, 2) OVER w "
                                "FROM w WINDOW w AS (PARTITION BY p ORDER BY o, id)",
    "last_value_peers": "SELECT id, last_value(id) OVER (ORDER BY o) - id >= 0, count(*) OVER (ORDER BY o) FROM w",
    "first_last_rows": "SELECT id, first_value(s) OVER w, last_value(s) OVER w, nth_value(x, 3) OVER w "
                       "FROM w WINDOW w AS (PARTITION BY p ORDER BY id ROWS BETWEEN 1 PRECEDING AND 2 FOLLOWING)",
    "values_ignore_nulls": "SELECT id, first_value(x IGNORE NULLS) OVER w, last_value(s IGNORE NULLS) OVER w, "
                           "nth_value(x, 2 IGNORE NULLS) OVER w FROM w "
                           "WINDOW w AS (ORDER BY id ROWS BETWEEN 3 PRECEDING AND 1 FOLLOWING)",
    "nth_value_edges": "SELECT id, nth_value(i, 0) OVER (ORDER BY id), nth_value(i, -1) OVER (ORDER BY id), "
                       "nth_value(i, NULL) OVER (ORDER BY id), nth_value(i, o) OVER (ORDER BY id), "
                       "nth_value(i, 40) OVER () FROM w",
    # aggregates: default frames
    "aggs_running": "SELECT id, count(*) OVER w, count(x) OVER w, sum(x) OVER w, avg(i) OVER w, min(s) OVER w, "
                    "max(d) OVER w, sum(m) OVER w, avg(m) OVER w FROM w WINDOW w AS (PARTITION BY p ORDER BY o)",
    "aggs_whole_partition": "SELECT id, count(*) OVER (PARTITION BY ps), sum(i) OVER (PARTITION BY ps), "
                            "min(x) OVER (PARTITION BY b), max(s) OVER (), avg(x) OVER (), max(m) OVER (PARTITION BY p), "
                            "min(ts) OVER (PARTITION BY p), max(b) OVER (PARTITION BY p) FROM w",
    "agg_all_null_partition": "SELECT id, sum(x) OVER (PARTITION BY i IS NULL OR id > 13), "
                              "min(s) OVER (PARTITION BY s IS NULL) FROM w",
    "share_of_partition": "SELECT id, x / sum(x) OVER (PARTITION BY p) AS share, i - avg(i) OVER () FROM w",
    "distinct_aggs": "SELECT id, count(DISTINCT p) OVER (ORDER BY id), sum(DISTINCT o) OVER (PARTITION BY p), "
                     "avg(DISTINCT m) OVER (ORDER BY id ROWS UNBOUNDED PRECEDING), count(DISTINCT s) OVER () FROM w",
    "filter_clause": "SELECT id, sum(i) FILTER (WHERE o > 1) OVER (ORDER BY id), "
                     "count(*) FILTER (WHERE x IS NULL) OVER (PARTITION BY p), "
                     "count(DISTINCT p) FILTER (WHERE id > 2) OVER (ORDER BY id), "
                     "sum(DISTINCT o) FILTER (WHERE x IS NOT NULL) OVER (PARTITION BY b) FROM w",
    # ROWS frames
    "rows_sliding": "SELECT id, sum(i) OVER w, count(x) OVER w, min(x) OVER w, max(s) OVER w, avg(m) OVER w "
                    "FROM w WINDOW w AS (PARTITION BY p ORDER BY id ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING)",
    "rows_all_bounds": "SELECT id, sum(i) OVER (ORDER BY id ROWS UNBOUNDED PRECEDING), "
                       "sum(i) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING), "
                       "sum(i) OVER (ORDER BY id ROWS BETWEEN 3 FOLLOWING AND 5 FOLLOWING), "
                       "sum(i) OVER (ORDER BY id ROWS BETWEEN 4 PRECEDING AND 2 PRECEDING), "
                       "sum(i) OVER (ORDER BY id ROWS 2 PRECEDING), "
                       "count(*) OVER (ORDER BY id ROWS BETWEEN 100 PRECEDING AND 100 FOLLOWING), "
                       "count(*) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND CURRENT ROW) FROM w",
    "rows_per_row_offsets": "SELECT id, sum(x) OVER (ORDER BY id ROWS BETWEEN id % 3 PRECEDING AND id % 2 FOLLOWING) FROM w",
    "rows_no_order": "SELECT id, sum(i) OVER (PARTITION BY p ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM w",
    # RANGE frames
    "range_int_offsets": "SELECT id, sum(i) OVER (PARTITION BY p ORDER BY o RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING), "
                         "count(*) OVER (ORDER BY o RANGE BETWEEN 2 PRECEDING AND CURRENT ROW), "
                         "count(*) OVER (ORDER BY o RANGE BETWEEN 1 FOLLOWING AND 3 FOLLOWING), "
                         "count(*) OVER (ORDER BY o RANGE BETWEEN 3 PRECEDING AND 1 PRECEDING) FROM w",
    "range_desc_nulls_first": "SELECT id, sum(i) OVER (ORDER BY o DESC RANGE BETWEEN 1 PRECEDING AND 0 FOLLOWING), "
                              "count(*) OVER (ORDER BY o DESC NULLS FIRST RANGE BETWEEN 2 PRECEDING AND 1 FOLLOWING), "
                              "count(*) OVER (ORDER BY o NULLS FIRST RANGE BETWEEN 2 PRECEDING AND 1 FOLLOWING) FROM w",
    "range_float_decimal": "SELECT id, sum(i) OVER (ORDER BY x RANGE BETWEEN 2.5 PRECEDING AND 1 FOLLOWING), "
                           "count(*) OVER (ORDER BY m RANGE BETWEEN 1.5 PRECEDING AND 0.5 FOLLOWING), "
                           "count(*) OVER (ORDER BY o RANGE BETWEEN 1.5 PRECEDING AND 0.5 FOLLOWING), "
                           "count(*) OVER (ORDER BY m DESC RANGE BETWEEN 2 PRECEDING AND CURRENT ROW) FROM w",
    "range_dates": "SELECT id, count(*) OVER (ORDER BY d RANGE BETWEEN 3 PRECEDING AND 1 FOLLOWING), "
                   "sum(i) OVER (ORDER BY d RANGE BETWEEN INTERVAL 1 MONTH PRECEDING AND CURRENT ROW), "
                   "sum(i) OVER (ORDER BY d DESC RANGE BETWEEN INTERVAL '10 days' PRECEDING AND INTERVAL 2 DAY FOLLOWING), "
                   "count(*) OVER (PARTITION BY b ORDER BY d RANGE BETWEEN INTERVAL 1 YEAR PRECEDING AND CURRENT ROW) FROM w",
    "range_timestamps": "SELECT id, count(*) OVER (ORDER BY ts RANGE BETWEEN INTERVAL 2 HOUR PRECEDING AND INTERVAL 1 HOUR FOLLOWING), "
                        "sum(i) OVER (ORDER BY ts DESC RANGE BETWEEN INTERVAL 1 DAY PRECEDING AND CURRENT ROW) FROM w",
    "range_current_and_unbounded": "SELECT id, sum(i) OVER (ORDER BY o RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING), "
                                   "sum(i) OVER (ORDER BY o RANGE CURRENT ROW), "
                                   "sum(i) OVER (PARTITION BY p ORDER BY s RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM w",
    # GROUPS frames
    "groups_frames": "SELECT id, sum(i) OVER (ORDER BY o GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING), "
                     "sum(i) OVER (PARTITION BY p ORDER BY o GROUPS BETWEEN 2 PRECEDING AND 1 PRECEDING), "
                     "sum(i) OVER (PARTITION BY p ORDER BY o GROUPS BETWEEN 1 FOLLOWING AND 2 FOLLOWING), "
                     "count(*) OVER (PARTITION BY p ORDER BY o GROUPS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING), "
                     "count(*) OVER (PARTITION BY p GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM w",
    "groups_without_order": "SELECT id, sum(i) OVER (GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING), "
                            "count(*) OVER v FROM w WINDOW v AS (GROUPS UNBOUNDED PRECEDING)",
    # EXCLUDE
    "exclude_rows": "SELECT id, sum(i) OVER (ORDER BY o, id ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING EXCLUDE CURRENT ROW), "
                    "sum(i) OVER (ORDER BY o, id ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING EXCLUDE NO OTHERS) FROM w",
    "exclude_group_ties": "SELECT id, sum(i) OVER (ORDER BY o RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE GROUP), "
                          "sum(i) OVER (ORDER BY o RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE TIES), "
                          "count(x) OVER (PARTITION BY p ORDER BY o GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW EXCLUDE GROUP), "
                          "min(x) OVER (ORDER BY o RANGE BETWEEN 2 PRECEDING AND 2 FOLLOWING EXCLUDE TIES), "
                          "max(s) OVER (ORDER BY o RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW) FROM w",
    "exclude_values": "SELECT id, first_value(id) OVER w, last_value(id) OVER w, nth_value(id, 2) OVER w "
                      "FROM w WINDOW w AS (ORDER BY o, id ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING EXCLUDE CURRENT ROW)",
    "exclude_ties_values": "SELECT id, first_value(i) OVER w, nth_value(i, 2) OVER w, last_value(i IGNORE NULLS) OVER w "
                           "FROM w WINDOW w AS (ORDER BY o, id GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE TIES)",
    # query shapes
    "named_window_refined": "SELECT id, sum(i) OVER (w ORDER BY o, id), sum(i) OVER (w ORDER BY id ROWS UNBOUNDED PRECEDING), "
                            "rank() OVER v FROM w WINDOW w AS (PARTITION BY p), v AS (w ORDER BY s DESC)",
    "named_window_with_frame": "SELECT id, sum(i) OVER w FROM w WINDOW w AS (ORDER BY id ROWS 2 PRECEDING)",
    "several_partitions": "SELECT id, sum(i) OVER (PARTITION BY p), sum(i) OVER (PARTITION BY b), "
                          "row_number() OVER (PARTITION BY s ORDER BY id), count(*) OVER () FROM w",
    "window_expressions": "SELECT id, sum(i * 2) OVER (PARTITION BY p % 2 ORDER BY o + 1), "
                          "rank() OVER (ORDER BY coalesce(x, 0) DESC, id) + 100 FROM w",
    "qualify_alias": "SELECT p, id, row_number() OVER (PARTITION BY p ORDER BY x DESC NULLS LAST, id) AS rn FROM w "
                     "QUALIFY rn <= 2 ORDER BY p, rn",
    "qualify_expression": "SELECT id FROM w QUALIFY sum(i) OVER (PARTITION BY p) > 20 AND lag(id) OVER (ORDER BY id) IS NOT NULL ORDER BY id",
    "order_by_window": "SELECT id, s FROM w ORDER BY row_number() OVER (ORDER BY s DESC NULLS FIRST, id DESC)",
    "order_by_window_alias": "SELECT id, dense_rank() OVER (ORDER BY o) AS r FROM w ORDER BY r, id",
    "distinct_window": "SELECT DISTINCT p, count(*) OVER (PARTITION BY p) FROM w ORDER BY p",
    "star_and_window": "SELECT *, row_number() OVER (ORDER BY id DESC) FROM w",
    "grouped_window": "SELECT p, sum(i), sum(sum(i)) OVER (ORDER BY p), rank() OVER (ORDER BY count(*) DESC, p), "
                      "avg(max(x)) OVER () FROM w GROUP BY p ORDER BY p",
    "grouped_having_qualify": "SELECT ps, count(*) AS c FROM w GROUP BY ps HAVING count(*) > 1 "
                              "QUALIFY rank() OVER (ORDER BY sum(i) DESC) <= 2 ORDER BY ps",
    "derived_filter": "SELECT * FROM (SELECT id, p, avg(i) OVER (PARTITION BY p) AS a, i FROM w) WHERE i > a ORDER BY id",
    "derived_rank_filter": "SELECT * FROM (SELECT id, ps, rank() OVER (PARTITION BY ps ORDER BY o) AS r FROM w) "
                           "WHERE r = 1 AND ps = 'g1' ORDER BY id",
    "cte_union": "WITH c AS (SELECT id, sum(i) OVER (ORDER BY id) AS s FROM w) "
                 "SELECT id, s FROM c UNION ALL SELECT id, -row_number() OVER (ORDER BY id DESC) FROM w",
    "window_over_join": "SELECT a.id, count(*) OVER (PARTITION BY a.p), sum(b.i) OVER (ORDER BY a.id, b.id) "
                        "FROM w a JOIN w b ON a.p = b.p AND b.id < a.id",
    "in_subquery": "SELECT id FROM w WHERE id IN (SELECT id FROM w QUALIFY row_number() OVER (PARTITION BY p ORDER BY id) = 1)",
    "exists_subquery": "SELECT count(*) FROM w a WHERE EXISTS (SELECT 1 FROM (SELECT p, rank() OVER (ORDER BY p) r FROM w) z "
                       "WHERE z.p = a.p AND r > 3)",
    "order_by_constant": "SELECT id, sum(i) OVER (ORDER BY 1), sum(i) OVER (PARTITION BY 'x' ORDER BY id) FROM w",
    "without_from": "SELECT row_number() OVER (), count(*) OVER (), lag(1) OVER ()",
    "aggregate_and_window": "SELECT count(*), row_number() OVER (), sum(sum(i)) OVER () FROM w",
    "window_in_order_of_grouped": "SELECT p, sum(i) FROM w GROUP BY p ORDER BY rank() OVER (ORDER BY sum(i) DESC), p",
    "window_then_limit": "SELECT id, row_number() OVER (ORDER BY id DESC) FROM w ORDER BY id LIMIT 4",
    "window_in_scalar_subquery": "SELECT id, (SELECT max(rn) FROM (SELECT row_number() OVER () AS rn FROM w)) FROM w",
    "nan_and_signed_zero": "SELECT id, min(z) OVER (PARTITION BY id % 2), max(z) OVER (PARTITION BY id % 2), "
                           "count(*) OVER (ORDER BY z RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING), rank() OVER (ORDER BY z), "
                           "dense_rank() OVER (PARTITION BY z ORDER BY id) "
                           "FROM (SELECT id, CASE WHEN id % 5 = 0 THEN 'nan'::DOUBLE WHEN id % 5 = 1 THEN -0.0 "
                           "WHEN id % 5 = 2 THEN 0.0 ELSE x END AS z FROM w)",
    "wide_decimals": "SELECT id, sum(w) OVER (PARTITION BY p ORDER BY id), min(w) OVER (ORDER BY id ROWS 2 PRECEDING), "
                     "max(w) OVER (PARTITION BY p), lag(w) OVER (ORDER BY id), rank() OVER (ORDER BY w DESC), "
                     "count(DISTINCT w) OVER (ORDER BY id), "
                     "sum(w) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW) FROM wide",
    "wide_decimal_range": "SELECT id, count(*) OVER (ORDER BY w RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING), "
                          "sum(id) OVER (ORDER BY w DESC RANGE BETWEEN 10000000000000000000 PRECEDING AND CURRENT ROW) FROM wide",
    "decimal_sums_past_int64": "SELECT id, sum(n) OVER (ORDER BY id), sum(n) OVER (), avg(n) OVER (ORDER BY id), "
                               "sum(n::DECIMAL(38, 2) * 100000) OVER (PARTITION BY p ORDER BY id ROWS 1 PRECEDING) FROM wide",
    "empty_table": "SELECT id, row_number() OVER (ORDER BY id), sum(i) OVER (PARTITION BY p ORDER BY o "
                   "RANGE BETWEEN 1 PRECEDING AND CURRENT ROW), lag(x) OVER () FROM we",
    "empty_after_filter": "SELECT count(*) OVER (), min(x) OVER (ORDER BY id ROWS 1 PRECEDING) FROM w WHERE id < 0",
    "one_row": "SELECT id, rank() OVER (), percent_rank() OVER (), cume_dist() OVER (), ntile(5) OVER (), lead(id) OVER () "
               "FROM w WHERE id = 3",
    # aggregates the registry writes over other aggregates: each inner one runs over the frame
    "composite_string_agg": "SELECT id, string_agg(s, ',') OVER (ORDER BY id ROWS 2 PRECEDING), "
                            "string_agg(s, '-' ORDER BY s DESC) OVER (PARTITION BY p) FROM w",
    "composite_bool_count_if": "SELECT id, bool_and(b) OVER w, bool_or(b) OVER w, count_if(b) OVER w, "
                               "count_if(x > 2) OVER (PARTITION BY p ORDER BY id) FROM w WINDOW w AS (ORDER BY id)",
    "composite_statistics": "SELECT id, covar_pop(x, i) OVER w, corr(x, i) OVER w, regr_slope(x, i) OVER w, "
                            "regr_count(x, i) OVER w FROM w WINDOW w AS (PARTITION BY p ORDER BY id ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING)",
    "composite_picks": "SELECT id, arg_max(s, x) OVER (PARTITION BY p), arg_min(i, id) OVER (ORDER BY id ROWS 3 PRECEDING), "
                       "any_value(s) OVER (PARTITION BY p ORDER BY id) FROM w",
    "composite_with_filter": "SELECT id, string_agg(s, ',') FILTER (WHERE i > 3) OVER (ORDER BY id), "
                             "bool_or(b) FILTER (WHERE x > 0) OVER (PARTITION BY p) FROM w",
    "bitwise_over_frames": "SELECT id, bit_or(i) OVER (ORDER BY id), bit_and(i) OVER (PARTITION BY p), "
                           "bit_xor(i) OVER (ORDER BY id ROWS 1 PRECEDING) FROM w",
    # a window on the left of IN / ANY (subquery): computed over the rows before the join
    "window_left_of_in": "SELECT id, (row_number() OVER (ORDER BY id DESC)) IN (SELECT i FROM w WHERE i > 2) AS x, "
                         "rank() OVER (PARTITION BY p ORDER BY i) AS r FROM w",
    "window_left_of_any": "SELECT id, (lag(i) OVER (PARTITION BY p ORDER BY id)) = ANY (SELECT i FROM w WHERE b) FROM w",
    "window_left_of_in_qualify": "SELECT id FROM w QUALIFY (row_number() OVER (ORDER BY id)) IN (SELECT i FROM w)",
}


@pytest.mark.parametrize("name", list(SMALL))
def test_small(pair, name):
    _same(pair, SMALL[name])


def test_parameter_in_frame(pair):
    _same(pair, "SELECT id, sum(i) OVER (ORDER BY id ROWS BETWEEN ? PRECEDING AND CURRENT ROW) FROM w", [2])


# ---------------------------------------------------------------- the 10k table

BIG = {
    "big_running_sums": "SELECT id, sum(x) OVER w, sum(m) OVER w, avg(y) OVER w, count(s) OVER w "
                        "FROM big WINDOW w AS (PARTITION BY p1 ORDER BY o1, id)",
    "big_running_peers": "SELECT id, sum(y) OVER (PARTITION BY p2 ORDER BY o1), max(s) OVER (ORDER BY o2 DESC) FROM big",
    "big_sliding_minmax": "SELECT id, min(y) OVER w, max(x) OVER w, min(s) OVER w, sum(y) OVER w "
                          "FROM big WINDOW w AS (PARTITION BY p1 ORDER BY id ROWS BETWEEN 50 PRECEDING AND 20 FOLLOWING)",
    "big_ranks": "SELECT id, rank() OVER w, dense_rank() OVER w, percent_rank() OVER w, cume_dist() OVER w, "
                 "ntile(7) OVER (PARTITION BY p2 ORDER BY o1, id) FROM big WINDOW w AS (PARTITION BY p2 ORDER BY o2 DESC, s)",
    "big_range_numeric": "SELECT id, count(*) OVER (PARTITION BY p1 ORDER BY o1 RANGE BETWEEN 5 PRECEDING AND 5 FOLLOWING), "
                         "sum(x) OVER (ORDER BY o2 DESC RANGE BETWEEN 2.5 PRECEDING AND CURRENT ROW), "
                         "max(y) OVER (ORDER BY m RANGE BETWEEN 10 PRECEDING AND 3.5 FOLLOWING) FROM big",
    "big_range_dates": "SELECT id, count(*) OVER (PARTITION BY p2 ORDER BY d RANGE BETWEEN INTERVAL 7 DAY PRECEDING AND CURRENT ROW), "
                       "sum(x) OVER (ORDER BY d RANGE BETWEEN INTERVAL 1 MONTH PRECEDING AND INTERVAL 1 MONTH FOLLOWING) FROM big",
    "big_groups_exclude": "SELECT id, sum(x) OVER (PARTITION BY p1 ORDER BY o1 GROUPS BETWEEN 3 PRECEDING AND 1 FOLLOWING EXCLUDE TIES), "
                          "count(y) OVER (ORDER BY o1 GROUPS BETWEEN 2 PRECEDING AND 2 FOLLOWING EXCLUDE GROUP), "
                          "min(m) OVER (PARTITION BY p2 ORDER BY o1 RANGE BETWEEN 20 PRECEDING AND 20 FOLLOWING EXCLUDE CURRENT ROW) FROM big",
    "big_values": "SELECT id, lag(y, 3) OVER w, lead(s, 2, 'end') OVER w, lag(x, 1 IGNORE NULLS) OVER w, "
                  "first_value(y IGNORE NULLS) OVER w, last_value(s) OVER (PARTITION BY p1 ORDER BY id ROWS BETWEEN 5 PRECEDING AND 5 FOLLOWING), "
                  "nth_value(x, 10) OVER w FROM big WINDOW w AS (PARTITION BY p1 ORDER BY o1, id)",
    "big_whole_partition": "SELECT id, avg(y) OVER (PARTITION BY p2), min(d) OVER (PARTITION BY p1), sum(m) OVER (), "
                           "count(DISTINCT s) OVER (PARTITION BY p1) FROM big",
    "big_qualify_top": "SELECT p1, id, y FROM big QUALIFY row_number() OVER (PARTITION BY p1 ORDER BY y DESC NULLS LAST, id) <= 3 "
                       "ORDER BY p1, y DESC, id",
    "big_grouped": "SELECT p1, p2, sum(x) AS sx, rank() OVER (PARTITION BY p1 ORDER BY sum(x) DESC, p2) AS r, "
                   "sum(sum(x)) OVER (PARTITION BY p1) FROM big GROUP BY p1, p2 ORDER BY p1, p2",
}


def _sampled(sql: str) -> str:
    """Every window runs over all 10k rows; an eighth of the rows are compared (comparing
    is what costs time here)."""
    return sql if "QUALIFY" in sql or "GROUP BY" in sql else f"SELECT * FROM ({sql}) z WHERE id % 8 = 3"


@pytest.mark.parametrize("name", list(BIG))
def test_big(pair, name):
    _same(pair, _sampled(BIG[name]))


# ---------------------------------------------------------------- TPC-DS-style queries (suite tables)

TPCDS_STYLE = [
    # rank of a category's items by revenue inside a grouped query
    "SELECT p_type, p_brand, sum(l_extendedprice) AS revenue, "
    "rank() OVER (PARTITION BY p_type ORDER BY sum(l_extendedprice) DESC) AS rk "
    "FROM lineitem JOIN part ON l_partkey = p_partkey GROUP BY p_type, p_brand ORDER BY p_type, rk, p_brand",
    # items whose sales exceed their category's average (window average compared outside)
    "SELECT * FROM (SELECT p_brand, p_type, sum(l_quantity) AS q, avg(sum(l_quantity)) OVER (PARTITION BY p_type) AS avg_q "
    "FROM lineitem JOIN part ON l_partkey = p_partkey GROUP BY p_brand, p_type) z "
    "WHERE q > avg_q ORDER BY p_type, p_brand",
    # monthly revenue with the previous month's and a moving average (Q47/Q57 shape)
    "WITH m AS (SELECT extract(year FROM o_orderdate) AS y, extract(month FROM o_orderdate) AS mo, sum(o_totalprice) AS rev "
    "FROM orders GROUP BY 1, 2) SELECT y, mo, rev, lag(rev) OVER (ORDER BY y, mo) AS prev, "
    "avg(rev) OVER (ORDER BY y, mo ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS ma3, "
    "sum(rev) OVER (PARTITION BY y ORDER BY mo) AS ytd FROM m ORDER BY y, mo",
    # cumulative share per segment (Q51 shape)
    "SELECT c_mktsegment, c_custkey, sum(c_acctbal) OVER (PARTITION BY c_mktsegment ORDER BY c_custkey) / "
    "sum(c_acctbal) OVER (PARTITION BY c_mktsegment) AS share FROM customer ORDER BY c_mktsegment, c_custkey",
    # top suppliers per nation by row_number over an aggregate
    "SELECT n_name, s_name, total FROM (SELECT n_name, s_name, sum(ps_supplycost * ps_availqty) AS total, "
    "row_number() OVER (PARTITION BY n_name ORDER BY sum(ps_supplycost * ps_availqty) DESC, s_name) AS rn "
    "FROM partsupp JOIN supplier ON ps_suppkey = s_suppkey JOIN nation ON s_nationkey = n_nationkey "
    "GROUP BY n_name, s_name) z WHERE rn <= 2 ORDER BY n_name, rn",
    # windows over the suite's wide table, decimals and dates included
    "SELECT g, id, sum(m) OVER (PARTITION BY g ORDER BY dt, id), "
    "count(*) OVER (ORDER BY dt RANGE BETWEEN INTERVAL 30 DAY PRECEDING AND CURRENT ROW) FROM t ORDER BY id",
]


@pytest.mark.parametrize("sql", TPCDS_STYLE)
def test_tpcds_style(check, sql):
    check(sql)


# ---------------------------------------------------------------- errors

ERRORS = [
    ("SELECT id FROM w WHERE row_number() OVER () > 1", "ProgrammingError", "WHERE clause cannot contain window"),
    ("SELECT p FROM w GROUP BY p HAVING rank() OVER () > 1", "ProgrammingError", "HAVING"),
    ("SELECT sum(rank() OVER ()) FROM w", "ProgrammingError", "cannot contain window"),
    ("SELECT sum(i) OVER (PARTITION BY row_number() OVER ()) FROM w", "ProgrammingError", "nested"),
    ("SELECT id FROM w QUALIFY id > 3", "ProgrammingError", "QUALIFY needs a window function"),
    ("SELECT sum(i) OVER v FROM w", "ProgrammingError", 'window "v" does not exist'),
    ("SELECT sum(i) OVER (v ORDER BY o) FROM w WINDOW v AS (ORDER BY id)", "ProgrammingError", "ORDER BY"),
    ("SELECT sum(i) OVER (v ROWS 1 PRECEDING) FROM w WINDOW v AS (ORDER BY id ROWS 2 PRECEDING)", "ProgrammingError", "frame"),
    ("SELECT 1 FROM w WINDOW v AS (ORDER BY id), v AS (ORDER BY o)", "ProgrammingError", "already defined"),
    ("SELECT sum(i) OVER (ORDER BY o, id RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM w", "ProgrammingError", "one ORDER BY"),
    ("SELECT sum(i) OVER (RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM w", "ProgrammingError", "one ORDER BY"),
    ("SELECT sum(i) OVER (ORDER BY s RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM w", "ProgrammingError", "VARCHAR"),
    ("SELECT sum(i) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND 1 PRECEDING) FROM w", "ProgrammingError", "current row"),
    ("SELECT sum(i) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED FOLLOWING AND CURRENT ROW) FROM w", "ProgrammingError", "UNBOUNDED"),
    ("SELECT sum(i) OVER (ORDER BY id ROWS BETWEEN 1 FOLLOWING AND CURRENT ROW) FROM w", "ProgrammingError", "following"),
    ("SELECT sum(i) OVER (ORDER BY id ROWS BETWEEN -1 PRECEDING AND CURRENT ROW) FROM w", "DataError", "negative"),
    ("SELECT sum(i) OVER (ORDER BY id ROWS BETWEEN i PRECEDING AND CURRENT ROW) FROM w", "DataError", "NULL"),
    ("SELECT sum(i) OVER (ORDER BY o RANGE BETWEEN -2 PRECEDING AND CURRENT ROW) FROM w", "DataError", "negative"),
    ("SELECT ntile(0) OVER (ORDER BY id) FROM w", "DataError", "ntile"),
    ("SELECT upper(s) OVER (ORDER BY id) FROM w", "ProgrammingError", "not a window function"),
    ("SELECT lag(i, 1.5) OVER (ORDER BY id) FROM w", "ProgrammingError", "integer"),
    ("SELECT row_number(i) OVER () FROM w", "ProgrammingError", "no arguments"),
    ("SELECT sum(i IGNORE NULLS) OVER () FROM w", "ProgrammingError", "IGNORE NULLS"),
    ("SELECT sum(i) OVER () FROM w GROUP BY p", "ProgrammingError", "GROUP BY"),
    ("SELECT sum(DISTINCT i) OVER (ORDER BY id ROWS 2 PRECEDING) FROM w", "NotSupportedError", "DISTINCT"),
]


@pytest.mark.parametrize("sql,cls,fragment", ERRORS)
def test_errors(pair, tqp_module, sql, cls, fragment):
    con, _ = pair
    with pytest.raises(getattr(tqp_module, cls)) as info:
        con.execute(sql).fetchall()
    assert fragment.lower() in str(info.value).lower()


def test_sum_overflow_is_an_error(pair, tqp_module):
    """Wide int64 values take the two-limb prefix sums: exact where the frame total fits,
    an error where it leaves BIGINT (DuckDB sums into HUGEINT instead)."""
    con, _ = pair
    con.register("huge", {"id": [0, 1, 2, 3], "v": [2**62, -2**62, 2**62, 5], "u": [2**62, 2**62, -2**62, 2**62]})
    rows = con.execute("SELECT sum(v) OVER (ORDER BY id ROWS 1 PRECEDING), sum(v) OVER (ORDER BY id) "
                       "FROM huge ORDER BY id").fetchall()
    assert rows == [(2**62, 2**62), (0, 0), (0, 2**62), (2**62 + 5, 2**62 + 5)]
    with pytest.raises(tqp_module.DataError):
        con.execute("SELECT sum(u) OVER (ORDER BY id ROWS 1 PRECEDING) FROM huge").fetchall()


def test_filter_on_partition_keys_goes_below_the_window(pair):
    """WHERE on a partition key drops whole partitions before the sort; WHERE on anything
    else stays above the window (it would change the frames)."""
    from tqp.optimizer import optimize
    from tqp.plan import nodes as P
    from tqp.sql.binder import Binder
    from tqp.sql.parse import parse

    con, _ = pair

    def plan(sql):
        rel, _ = Binder(con._engine.catalog, []).bind_query(parse(sql)[0])
        return P.render(optimize(rel))
    text = plan("SELECT * FROM (SELECT p, o, rank() OVER (PARTITION BY p ORDER BY o) r FROM w) z WHERE p = 1 AND o > 2")
    window_at = text.index("Window(")
    assert text.index("Filter(predicate=eq(") > window_at  # p = 1: below the window
    assert text.index("Filter(predicate=gt(") < window_at  # o > 2: above it
    _same(pair, "SELECT * FROM (SELECT p, o, id, rank() OVER (PARTITION BY p ORDER BY o) r FROM w) z "
                "WHERE p = 1 AND o > 2")


@pytest.mark.parametrize("func", ["var_samp", "var_pop", "stddev_samp", "stddev_pop", "variance", "stddev"])
def test_variance_windows(pair, func):
    """stddev/variance OVER: whole partitions, running, sliding and EXCLUDE frames, FILTER,
    over float, decimal and integer arguments, and over a grouped query's aggregates."""
    frames = ["PARTITION BY p", "PARTITION BY p ORDER BY id",
              "ORDER BY id ROWS BETWEEN 3 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW",
              "ORDER BY o RANGE BETWEEN 2 PRECEDING AND CURRENT ROW"]
    cols = ", ".join(f"{func}({a}) OVER ({f})" for a in ("x", "m", "i") for f in frames)
    _same(pair, f"SELECT id, {cols}, {func}(x) FILTER (WHERE i > 3) OVER (ORDER BY id) FROM w ORDER BY id")
    _same(pair, f"SELECT p, {func}(sum(x)) OVER (ORDER BY p ROWS 2 PRECEDING), {func}(count(*)) OVER () "
                "FROM w GROUP BY p ORDER BY p")


# Windows over ROLLUP / CUBE / GROUPING SETS, GROUPING() and the other grouping-branch clauses.
GROUPING_WINDOWS = [
    "SELECT p, sum(x) s, rank() OVER (ORDER BY sum(x) DESC NULLS LAST) FROM w GROUP BY ROLLUP(p) ORDER BY ALL",
    "SELECT p, b, count(*) c, grouping(p, b) g, rank() OVER (PARTITION BY grouping(p, b) ORDER BY count(*), p, b) r "
    "FROM w GROUP BY CUBE(p, b) QUALIFY r <= 2 ORDER BY ALL",
    "SELECT p, i % 2 h, sum(i) s, sum(sum(i)) OVER (PARTITION BY h ORDER BY p) FROM w "
    "GROUP BY GROUPING SETS ((p, h), (h), ()) ORDER BY ALL",
    "SELECT DISTINCT ON (p) p, id, row_number() OVER (PARTITION BY p ORDER BY id DESC) rn FROM w ORDER BY p, rn",
    "SELECT p, o, id, lag(id) OVER (ORDER BY id) FROM w ORDER BY ALL",
    "SELECT p, stddev(x) sd, avg(stddev(x)) OVER () FROM w GROUP BY ALL ORDER BY ALL",
    "SELECT p, sum(x) FILTER (WHERE i > 2) f, rank() OVER (ORDER BY sum(x) FILTER (WHERE i > 2), p) FROM w "
    "GROUP BY p ORDER BY ALL",
]


@pytest.mark.parametrize("sql", GROUPING_WINDOWS)
def test_windows_over_grouping_sets(pair, sql):
    _same(pair, sql)


def test_explain(pair):
    con, _ = pair
    text = "\n".join(r[0] for r in con.execute(
        "EXPLAIN SELECT id, rank() OVER (PARTITION BY p ORDER BY o) FROM w").fetchall())
    assert "Window" in text


# ---------------------------------------------------------------- a seeded random sweep

def _random_queries(seed: int, count: int) -> list[str]:
    """Frames of every kind and bound, EXCLUDE clauses and every function, over the 10k table.
    Functions that see the order among peers get `id` as a last key (ROWS frames too)."""
    r = random.Random(seed)
    free = ["sum(x)", "count(y)", "count(*)", "min(y)", "max(s)", "avg(x)", "sum(m)", "min(d)", "sum(y)"]
    positional = ["first_value(x)", "last_value(s)", "nth_value(y, 3)", "first_value(y IGNORE NULLS)",
                  "last_value(x IGNORE NULLS)", "nth_value(s, 2 IGNORE NULLS)"]
    range_offsets = {"o1": ["0", "3", "17"], "o2": ["0.5", "4"], "d": ["2", "INTERVAL 10 DAY", "INTERVAL 1 MONTH"],
                     "m": ["1.25", "40"]}
    out = []
    for _ in range(count):
        part = r.choice(["", "PARTITION BY p1", "PARTITION BY p2", "PARTITION BY p1, p2"])
        positional_fn = r.random() < 0.35
        fn = r.choice(positional if positional_fn else free)
        kind = r.choice(["ROWS", "RANGE", "GROUPS"])
        direction = r.choice(["", " DESC", " NULLS FIRST", " DESC NULLS FIRST"])
        if kind == "RANGE" and not positional_fn and r.random() < 0.7:
            key = r.choice(list(range_offsets))
            order = [key + direction]

            def offset():
                return r.choice(range_offsets[key])
        else:
            keys = r.sample(["o1", "o2", "d", "s"], r.randint(1, 2))
            order = [k + direction for k in keys] + (["id"] if positional_fn or kind == "ROWS" else [])

            def offset():
                return str(r.randint(0, 30)) if kind != "RANGE" else None
        bounds = []
        for which in ("start", "end"):
            c = r.random()
            off = offset()
            if c < 0.2 or off is None and c < 0.5:
                bounds.append(("UNBOUNDED PRECEDING", 0) if which == "start" else ("UNBOUNDED FOLLOWING", 4))
            elif c < 0.4 or off is None:
                bounds.append(("CURRENT ROW", 2))
            elif r.random() < 0.5:
                bounds.append((f"{off} PRECEDING", 1))
            else:
                bounds.append((f"{off} FOLLOWING", 3))
        (s, rs), (e, re_) = bounds
        if rs > re_ or rs == re_ == 0 or rs == re_ == 4 or (rs, re_) in ((2, 1), (3, 1), (3, 2)):
            s, e = "UNBOUNDED PRECEDING", "CURRENT ROW"
        frame = f"{kind} BETWEEN {s} AND {e}"
        if r.random() < 0.3:
            frame += " EXCLUDE " + r.choice(["CURRENT ROW", "GROUP", "TIES", "NO OTHERS"])
        out.append(f"SELECT id, {fn} OVER ({part} ORDER BY {', '.join(order)} {frame}) FROM big")
    return out


@pytest.mark.parametrize("sql", _random_queries(5, 10))
def test_random_frames(pair, sql):
    _same(pair, _sampled(sql))


@pytest.mark.slow
@pytest.mark.parametrize("sql", _random_queries(6, 300))
def test_random_frames_many(pair, sql):
    _same(pair, _sampled(sql))
