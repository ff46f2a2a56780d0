"""GROUPING SETS / ROLLUP / CUBE with GROUPING(), variance aggregates, FILTER (WHERE ...),
DISTINCT ON, GROUP BY ALL and ORDER BY ALL: tqp against DuckDB on the suite's tables.

Keys hold NULLs (t.i32, t.s_lo, t.dt, fact.fk): a NULL key's row and a rolled-up row both show
NULL and only GROUPING() tells them apart, so most queries return GROUPING() too.
"""
from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from tests.conftest import duck_load

# Sums past 18 digits (128-bit decimals) through the roll-up of partial sums, and variance of them.
WIDE = pa.table({
    "k": [1, 1, 2, 2, None, 1],
    "s": ["a", "b", "a", None, "a", "b"],
    "w": pa.array([Decimal(v) if v else None for v in ("12345678901234567890123.45", "-99999999999999999999.99",
                                                       None, "1.5", "77777777777777777777777.01", "3")],
                  pa.decimal128(30, 2)),
})


@pytest.fixture(scope="module")
def wide(tqp_con, duck):
    tqp_con.register("grouping_wide", WIDE)
    duck_load(duck, "grouping_wide", WIDE)

GROUPING = {
    "rollup_two_keys": "SELECT g, s_lo, count(*), sum(i32), grouping(g), grouping(g, s_lo), grouping_id(s_lo, g) "
                       "FROM t GROUP BY ROLLUP (g, s_lo)",
    "rollup_null_keys_decimal": "SELECT i32 % 3 AS k, dt IS NULL AS dn, sum(m), avg(m), min(m4), max(m4), grouping(k) "
                                "FROM t GROUP BY ROLLUP (k, dn)",
    "rollup_strings_dates": "SELECT s_lo, dt, min(s_hi), max(s_hi), min(dt), count(d), grouping(s_lo, dt) "
                            "FROM t WHERE id < 200 GROUP BY ROLLUP (s_lo, dt)",
    "cube_three": "SELECT g % 3 AS a, b, s_lo IS NULL AS sn, count(*), sum(d), avg(i16), grouping(a, b, sn) "
                  "FROM t GROUP BY CUBE (a, b, sn)",
    "mixed_plain_rollup": "SELECT g, b, i32 IS NULL AS n, count(*), sum(m), grouping(g), grouping(b, n) "
                          "FROM t GROUP BY g, ROLLUP (b, n)",
    "cube_times_grouping_sets": "SELECT g % 2 AS x, b, i16 < 0 AS neg, count(*), sum(i64), grouping(x, b, neg) "
                                "FROM t GROUP BY CUBE (x, b), GROUPING SETS ((neg), ())",
    "grouping_sets_list": "SELECT g, s_lo, b, count(*), max(dt), grouping(g, s_lo, b) "
                          "FROM t GROUP BY GROUPING SETS ((g, s_lo), (b), g, ())",
    "grouping_sets_duplicate_sets": "SELECT g, count(*), grouping(g) FROM t GROUP BY GROUPING SETS ((g), (g), ())",
    "rollup_composite_element": "SELECT g, b, count(*), grouping(g, b) FROM t GROUP BY ROLLUP ((g, b))",
    "rollup_and_plain_same_key": "SELECT g, count(*), grouping(g) FROM t GROUP BY ROLLUP (g), g",
    "rollup_expression_key": "SELECT g + 1, sum(i16) FROM t GROUP BY ROLLUP (g + 1)",
    "rollup_alias_and_position": "SELECT g * 2 AS gg, s_lo, count(*) FROM t GROUP BY ROLLUP (gg, 2)",
    "rollup_count_distinct": "SELECT g, b, count(DISTINCT s_lo), count(DISTINCT i32), sum(i16), grouping(g, b) "
                             "FROM t GROUP BY ROLLUP (g, b)",
    "rollup_variance": "SELECT g, b, stddev(d), var_pop(i32), stddev_pop(m), grouping(b) FROM t GROUP BY ROLLUP (g, b)",
    "rollup_filter": "SELECT g, count(*) FILTER (WHERE b), sum(m) FILTER (WHERE i32 > 0), avg(d) FILTER (WHERE s_lo <> ''), "
                     "min(s_hi) FILTER (WHERE i16 > 100) FROM t GROUP BY ROLLUP (g)",
    "rollup_variance_filter_distinct": "SELECT g, b, stddev(i16) FILTER (WHERE b), count(DISTINCT s_lo) FILTER (WHERE i32 > 0), "
                                       "var_pop(DISTINCT g) FROM t GROUP BY ROLLUP (g, b)",
    "having_grouping": "SELECT g, b, sum(i32) FROM t GROUP BY ROLLUP (g, b) HAVING grouping(b) = 1",
    "having_key_is_null": "SELECT i32 % 4 AS k, count(*), grouping(k) FROM t GROUP BY ROLLUP (k) HAVING k IS NULL",
    "having_aggregate": "SELECT g, b, count(*) FROM t GROUP BY CUBE (g, b) HAVING count(*) > 50",
    "order_by_grouping": "SELECT g, b, count(*) AS n FROM t GROUP BY ROLLUP (g, b) "
                         "ORDER BY grouping(g) + grouping(b) DESC, g NULLS FIRST, b NULLS FIRST",
    "lochierarchy_tpcds": "SELECT sum(m) AS total, g, s_lo IS NULL AS sn, grouping(g) + grouping(sn) AS lochierarchy, "
                          "CASE WHEN grouping(sn) = 0 THEN g END AS g_if_detail "
                          "FROM t GROUP BY ROLLUP (g, sn) ORDER BY lochierarchy DESC, g, sn LIMIT 12",
    "rollup_over_join": "SELECT d.cat, f.fk2, count(*), sum(f.amount), avg(f.qty), grouping(d.cat, f.fk2) "
                        "FROM fact f JOIN dim d ON f.fk = d.dk GROUP BY ROLLUP (d.cat, f.fk2)",
    "rollup_in_subquery": "SELECT lvl, count(*), sum(s) FROM (SELECT grouping(g, b) AS lvl, sum(i16) AS s "
                          "FROM t GROUP BY CUBE (g, b)) x GROUP BY lvl",
    "rollup_in_cte_joined": "WITH r AS (SELECT fk2, sum(qty) AS q FROM fact GROUP BY ROLLUP (fk2)) "
                            "SELECT a.fk2, a.q, b.q AS total FROM r a, r b WHERE b.fk2 IS NULL",
    "rollup_empty_input": "SELECT g, s_lo, count(*), sum(m), avg(d), min(s_hi), stddev(d), grouping(g, s_lo) "
                          "FROM empty GROUP BY ROLLUP (g, s_lo)",
    "cube_empty_after_filter": "SELECT g, b, count(*), sum(i32) FROM t WHERE id < 0 GROUP BY CUBE (g, b)",
    "grouping_sets_empty_sets_only": "SELECT count(*), sum(i16) FROM t GROUP BY GROUPING SETS ((), ())",
    "group_by_empty_tuple": "SELECT count(*), max(s_lo) FROM t GROUP BY ()",
    "grouping_plain_group_by": "SELECT g, grouping(g), count(*) FROM t GROUP BY g",
    "rollup_one_row": "SELECT g, s_lo, sum(m), grouping(g, s_lo) FROM one GROUP BY ROLLUP (g, s_lo)",
    "rollup_tpch": "SELECT l_returnflag, l_linestatus, sum(l_quantity), avg(l_extendedprice), count(*), "
                   "grouping(l_returnflag, l_linestatus) FROM lineitem GROUP BY ROLLUP (l_returnflag, l_linestatus)",
    "rollup_sum_null_column": "SELECT g, sum(CASE WHEN g > 100 THEN i32 END), count(CASE WHEN g > 100 THEN 1 END) "
                              "FROM t GROUP BY ROLLUP (g)",
    "rollup_predicate_items": "SELECT g > 5 AS big, s_lo IS NULL, count(*), grouping(g > 5, s_lo IS NULL) FROM t "
                              "GROUP BY ROLLUP (g > 5, s_lo IS NULL)",
    "grouping_sets_predicate_items": "SELECT count(*), sum(i16) FROM t GROUP BY GROUPING SETS "
                                     "((g), g BETWEEN 2 AND 4, (), CUBE (b AND i32 > 0), (s_lo LIKE 'a%', b))",
    "rollup_four_levels": "SELECT g % 2 AS a, g, s_lo, b, count(*), count(i32), avg(i32), min(dt), max(m), sum(d), "
                          "grouping(a, g, s_lo, b) FROM t GROUP BY ROLLUP (a, g, s_lo, b)",
    "grouping_sets_chain_sources": "SELECT g, s_lo, b, count(*), avg(m4), max(s_hi), grouping(g, s_lo, b) FROM t "
                                   "GROUP BY GROUPING SETS ((g, s_lo, b), (g, s_lo), (s_lo, b), (b), (s_lo), ())",
    "grouping_sets_disjoint": "SELECT g, s_lo, count(*), sum(i16) FROM t GROUP BY GROUPING SETS ((g), (s_lo))",
    "grouping_sets_empty_input_no_total": "SELECT g, s_lo, count(*) FROM empty GROUP BY GROUPING SETS ((g), (s_lo))",
}

AGGREGATES = {
    "variance_all_types": "SELECT stddev(i16), stddev_samp(i32), stddev_pop(i64), variance(d), var_samp(m), "
                          "var_pop(m4) FROM t",
    "variance_grouped": "SELECT g, stddev(d), stddev_pop(d), variance(i32), var_pop(m) FROM t GROUP BY g",
    "variance_one_row_groups": "SELECT id % 500 AS k, stddev(i16), var_samp(d), var_pop(d), stddev_pop(i32) "
                               "FROM t GROUP BY k",
    "variance_empty": "SELECT stddev(d), var_pop(d), variance(m) FROM empty",
    "variance_one": "SELECT stddev(d), var_pop(d), stddev_pop(m), var_samp(i32) FROM one",
    "variance_large_mean": "SELECT g, stddev(i64 + 1000000000000000), var_pop(d + 1e9) FROM t GROUP BY g",
    "variance_distinct": "SELECT g, stddev(DISTINCT i32), var_pop(DISTINCT i16) FROM t GROUP BY g",
    "variance_null_literal": "SELECT stddev(NULL), var_pop(NULL) FROM t",
    "variance_in_having": "SELECT g FROM t GROUP BY g HAVING stddev(d) > 95",
    "filter_all_aggregates": "SELECT count(*) FILTER (WHERE b), count(i32) FILTER (WHERE g < 5), "
                             "sum(m) FILTER (WHERE s_lo LIKE 'a%'), avg(i16) FILTER (WHERE dt > DATE '2000-01-01'), "
                             "min(s_hi) FILTER (WHERE i32 > 0), max(dt) FILTER (WHERE NOT b), "
                             "stddev(d) FILTER (WHERE d > 0) FROM t",
    "filter_grouped": "SELECT g, count(*) FILTER (WHERE i32 IS NULL), sum(i64) FILTER (WHERE b), "
                      "max(s_lo) FILTER (WHERE i16 > 0) FROM t GROUP BY g",
    "filter_no_rows_pass": "SELECT g, count(*) FILTER (WHERE false), sum(i32) FILTER (WHERE i32 > 1000), "
                           "min(s_lo) FILTER (WHERE NULL) FROM t GROUP BY g",
    "filter_distinct": "SELECT g, count(DISTINCT s_lo) FILTER (WHERE i16 > 0), sum(DISTINCT i32) FILTER (WHERE b) "
                       "FROM t GROUP BY g",
    "filter_same_agg_different_filters": "SELECT sum(i32) FILTER (WHERE b), sum(i32) FILTER (WHERE NOT b), sum(i32) FROM t",
    "filter_with_where": "SELECT s_lo, count(*) FILTER (WHERE g = 1) FROM t WHERE i16 > 0 GROUP BY s_lo",
    "filter_with_having": "SELECT g, sum(i16) FILTER (WHERE b) AS s FROM t GROUP BY g HAVING sum(i16) FILTER (WHERE b) > 0",
    "filter_empty": "SELECT count(*) FILTER (WHERE b), sum(i32) FILTER (WHERE b) FROM empty",
}

DISTINCT_ALL = {
    "distinct_on_first_by_order": "SELECT DISTINCT ON (g) g, id, i32 FROM t ORDER BY g, id DESC",
    "distinct_on_other_order": "SELECT DISTINCT ON (g) g, id, s_lo FROM t ORDER BY id DESC",
    "distinct_on_null_key": "SELECT DISTINCT ON (s_lo) s_lo, id FROM t ORDER BY s_lo NULLS FIRST, id",
    "distinct_on_two_keys": "SELECT DISTINCT ON (g, b) g, b, id, m FROM t ORDER BY g, b, m DESC NULLS LAST, id",
    "distinct_on_expression_hidden": "SELECT DISTINCT ON (i32 % 5) id, i32 FROM t ORDER BY i32 % 5, id",
    "distinct_on_key_not_selected": "SELECT DISTINCT ON (g) id, s_hi FROM t ORDER BY g, id",
    "distinct_on_limit": "SELECT DISTINCT ON (g) g, id FROM t ORDER BY g DESC, id LIMIT 4 OFFSET 1",
    "distinct_on_alias": "SELECT DISTINCT ON (k) g % 3 AS k, id FROM t ORDER BY k, id DESC",
    "distinct_on_no_order_keys_only": "SELECT DISTINCT ON (g, b) g, b FROM t",
    "distinct_on_dates": "SELECT DISTINCT ON (fdate) fdate, fid, amount FROM fact ORDER BY fdate, amount DESC, fid",
    "distinct_on_grouped": "SELECT DISTINCT ON (g) g, b, count(*) AS n FROM t GROUP BY g, b ORDER BY g, n DESC, b",
    "distinct_on_subquery": "SELECT count(*), sum(id) FROM (SELECT DISTINCT ON (s_lo) s_lo, id FROM t ORDER BY s_lo, id) x "
                            "WHERE id > 10",
    "group_by_all": "SELECT g, s_lo, count(*), sum(m) FROM t GROUP BY ALL",
    "group_by_all_expressions": "SELECT g % 3 AS k, upper(s_lo) AS u, max(dt) FROM t GROUP BY ALL",
    "group_by_all_no_keys": "SELECT count(*), sum(i16) FROM t GROUP BY ALL",
    "group_by_all_no_aggregates": "SELECT g, b FROM t GROUP BY ALL",
    "group_by_all_aggregate_expressions": "SELECT g, sum(i16) * 2, (SELECT 1) + count(*), count(*) FILTER (WHERE b) "
                                          "FROM t GROUP BY ALL",
    "group_by_all_having": "SELECT g, count(*) AS n FROM t GROUP BY ALL HAVING count(*) > 95",
    "group_by_all_order_by_all": "SELECT g, b, sum(i32) FROM t GROUP BY ALL ORDER BY ALL",
    "order_by_all": "SELECT g, s_lo, id FROM t ORDER BY ALL",
    "order_by_all_desc": "SELECT s_lo, i32, id FROM t ORDER BY ALL DESC",
    "order_by_all_nulls_first": "SELECT i32, id FROM t ORDER BY ALL NULLS FIRST",
    "order_by_all_union": "SELECT g FROM t UNION SELECT fk2 FROM fact ORDER BY ALL DESC",
    "order_by_all_limit": "SELECT dt, id FROM t ORDER BY ALL LIMIT 7",
    "order_by_all_grouping_sets": "SELECT g, b, count(*) FROM t GROUP BY GROUPING SETS ((g), (b), ()) ORDER BY ALL",
}


@pytest.mark.parametrize("name", list(GROUPING))
def test_grouping_sets(check, name):
    check(GROUPING[name])


@pytest.mark.parametrize("name", list(AGGREGATES))
def test_aggregates(check, name):
    check(AGGREGATES[name])


@pytest.mark.parametrize("name", list(DISTINCT_ALL))
def test_distinct_on_and_all(check, name):
    check(DISTINCT_ALL[name])


def test_grouping_params(check):
    check("SELECT g, sum(i32) FILTER (WHERE i16 > ?), count(*), grouping(g) FROM t WHERE id > ? GROUP BY ROLLUP (g)",
          [10, 100])


@pytest.mark.parametrize("sql, words", [
    ("SELECT grouping(i32) FROM t GROUP BY ROLLUP (g)", "i32"),
    ("SELECT grouping(g) FROM t", "GROUP BY"),
    ("SELECT g FROM t WHERE grouping(g) = 0 GROUP BY g", "GROUPING"),
    ("SELECT stddev(s_lo) FROM t", "number"),
    ("SELECT lower(s_lo) FILTER (WHERE b) FROM t", "FILTER"),
    ("SELECT sum(i32) FILTER (WHERE count(*) > 1) FROM t", "FILTER"),
    ("SELECT sum(i32) FILTER (WHERE i32) FROM t", "BOOLEAN"),
    ("SELECT g, id FROM t ORDER BY ALL, g", "ALL"),
    ("SELECT g, sum(i16) + g FROM t GROUP BY ALL", "GROUP BY ALL"),
])
def test_errors(tqp_con, tqp_module, sql, words):
    with pytest.raises(tqp_module.ProgrammingError, match=words):
        tqp_con.execute(sql)


def test_rollup_reads_input_once(tqp_con):
    """The finest grouping is computed once and the coarser sets roll its partial sums up."""
    text = tqp_con.execute("EXPLAIN ANALYZE SELECT g, s_lo, sum(m), avg(d), count(*) FROM t "
                           "GROUP BY ROLLUP (g, s_lo)").fetchone()[0]
    ran = [line.split() for line in text.split("analyze")[-1].splitlines()[1:] if line.strip()]
    assert [r[0] for r in ran].count("Scan") == 1, text
    shared_rows = {int(r[-2]) for r in ran if r[0] == "Shared" and r[-1] == "rows)"}
    assert shared_rows and max(shared_rows) < 1000, text  # what is shared is the grouped result, not t


@pytest.mark.parametrize("sql", [
    "SELECT k, s, sum(w), avg(w), min(w), max(w), count(w), grouping(k, s) FROM grouping_wide GROUP BY ROLLUP (k, s)",
    "SELECT k, stddev(w), var_pop(w), sum(w) FILTER (WHERE s = 'a') FROM grouping_wide GROUP BY CUBE (k)",
])
def test_wide_decimals(check, wide, sql):
    check(sql)
