"""Correlated subqueries of every shape, planned by general decorrelation (tqp/optimizer/decorrelate.py)
where the fast equality plans do not fit: each query runs on tqp and on DuckDB over small tables
with NULLs and duplicates, and the answers must agree (as multisets; ORDER BY is checked by the
fixtures' order-aware comparison where a query's order is total).
"""
from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

import tqp
from tpch.verify import compare

TABLES = {
    # duplicates in every column, NULLs in b, c and d
    "t1": pa.table({
        "a": pa.array([1, 2, 2, 3, 4, 5, 5, 6, None, 7], pa.int32()),
        "b": pa.array([10, 20, 20, None, 40, 10, 30, None, 50, 20], pa.int32()),
        "c": pa.array([1.5, None, 2.5, 3.5, 3.5, 0.5, None, 9.0, 1.0, 2.0], pa.float64()),
        "d": pa.array(["x", "y", None, "x", "z", "y", "y", None, "w", "x"], pa.string()),
    }),
    "t2": pa.table({
        "k": pa.array([1, 1, 2, 3, 3, 3, None, 8, 5, 5], pa.int32()),
        "v": pa.array([10, None, 20, 30, 31, 30, 99, 80, None, 50], pa.int32()),
        "s": pa.array(["x", "x", "y", None, "z", "x", "w", "q", "y", None], pa.string()),
    }),
    "t3": pa.table({
        "k": pa.array([1, 2, 2, 5, None], pa.int32()),
        "w": pa.array([100, 200, 201, None, 7], pa.int64()),
    }),
    "e": pa.table({"k": pa.array([], pa.int32()), "v": pa.array([], pa.int32())}),
}


@pytest.fixture(scope="module")
def cons():
    t = tqp.connect("cpu")
    d = duckdb.connect()
    for name, table in TABLES.items():
        t.register(name, table)
        d.register(name + "_arrow", table)
        d.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_arrow")
    return t, d


def check(cons, sql):
    t, d = cons
    want = d.sql(sql).to_arrow_table()
    got = t.execute(sql).fetch_arrow()
    msg = compare(want, got, ordered=False)
    assert msg is None, f"{msg}\nSQL: {sql}"


SAME_AS_DUCKDB = {
    # non-equality correlations (the sqllogictest select*.test shape)
    "count_lt": "SELECT a, (SELECT count(*) FROM t1 AS x WHERE x.b < t1.b) FROM t1",
    "count_two_ineq": "SELECT a, (SELECT count(*) FROM t1 AS x WHERE x.c > t1.c AND x.a < t1.a) FROM t1",
    "slt_case": "SELECT CASE WHEN c > (SELECT avg(c) FROM t1) THEN a * 2 ELSE b * 10 END, "
                "(SELECT count(*) FROM t1 AS x WHERE x.b < t1.b) FROM t1 WHERE a > 1 ORDER BY 1, 2",
    "sum_ne": "SELECT a, b, (SELECT sum(v) FROM t2 WHERE t2.k <> t1.a) FROM t1",
    "where_ineq": "SELECT a FROM t1 WHERE b > (SELECT avg(v) FROM t2 WHERE t2.k < t1.a)",
    "count_plus_one": "SELECT a, (SELECT count(*) + 1 FROM t2 WHERE t2.k = t1.a) FROM t1",
    "coalesce_max": "SELECT a, (SELECT coalesce(max(v), -1) FROM t2 WHERE t2.k = t1.a) FROM t1",
    "count_in_where_eq0": "SELECT a FROM t1 WHERE (SELECT count(*) FROM t2 WHERE t2.k > t1.a) = 0",
    # OR correlations (TPC-DS q41 shape)
    "or_corr": "SELECT a, d FROM t1 WHERE (SELECT count(*) FROM t2 WHERE (t2.s = t1.d AND t2.v > 15) "
               "OR (t2.s = t1.d AND t2.k = 1)) > 0",
    "or_corr_mixed": "SELECT a, (SELECT count(*) FROM t2 WHERE t2.k = t1.a OR t2.v = t1.b) FROM t1",
    # correlation on expressions
    "expr_corr": "SELECT a, (SELECT max(v) FROM t2 WHERE t2.k + 1 = t1.a) FROM t1",
    "expr_corr_both": "SELECT a, (SELECT count(*) FROM t2 WHERE t2.k * 2 = t1.a + 1) FROM t1",
    # EXISTS / NOT EXISTS / IN / NOT IN in expressions and WHERE
    "exists_ineq": "SELECT a FROM t1 WHERE EXISTS (SELECT 1 FROM t2 WHERE t2.v > t1.b)",
    "not_exists_ineq": "SELECT a FROM t1 WHERE NOT EXISTS (SELECT 1 FROM t2 WHERE t2.v > t1.b)",
    "exists_select": "SELECT a, EXISTS (SELECT 1 FROM t2 WHERE t2.k = t1.a AND t2.v > 15) FROM t1",
    "exists_case": "SELECT a, CASE WHEN EXISTS (SELECT 1 FROM t2 WHERE t2.v < t1.b) THEN 'y' ELSE 'n' END FROM t1",
    "exists_or": "SELECT a FROM t1 WHERE a = 1 OR EXISTS (SELECT 1 FROM t2 WHERE t2.k = t1.a AND t2.v >= 30)",
    "in_corr": "SELECT a, b FROM t1 WHERE b IN (SELECT v FROM t2 WHERE t2.k = t1.a)",
    "not_in_corr": "SELECT a, b FROM t1 WHERE b NOT IN (SELECT v FROM t2 WHERE t2.k = t1.a)",
    "not_in_corr_ineq": "SELECT a, b FROM t1 WHERE b NOT IN (SELECT v FROM t2 WHERE t2.k < t1.a)",
    "in_select_3vl": "SELECT a, b, b IN (SELECT v FROM t2 WHERE t2.k = t1.a) FROM t1",
    "not_in_select_3vl": "SELECT a, b, b NOT IN (SELECT v FROM t2 WHERE t2.k <= t1.a) FROM t1",
    "in_select_ineq": "SELECT a, b, b IN (SELECT v FROM t2 WHERE t2.k < t1.a) FROM t1",
    "in_strings": "SELECT a, d, d IN (SELECT s FROM t2 WHERE t2.k >= t1.a) FROM t1",
    "any_corr": "SELECT a, b, b > ANY (SELECT v FROM t2 WHERE t2.k = t1.a) FROM t1",
    "all_corr": "SELECT a, b, b >= ALL (SELECT v FROM t2 WHERE t2.k <= t1.a) FROM t1",
    "any_where": "SELECT a FROM t1 WHERE b < ANY (SELECT v FROM t2 WHERE t2.k > t1.a)",
    # positions: aggregate arguments, HAVING, ORDER BY, grouped select list
    "in_agg_arg": "SELECT sum((SELECT count(*) FROM t2 WHERE t2.k < t1.a)) FROM t1",
    "in_agg_arg_grouped": "SELECT d, max((SELECT min(v) FROM t2 WHERE t2.k >= t1.a)) FROM t1 GROUP BY d",
    "grouped_select": "SELECT d, count(*), (SELECT count(*) FROM t2 WHERE t2.s = t1.d) FROM t1 GROUP BY d",
    "grouped_select_ineq": "SELECT a, (SELECT count(*) FROM t2 WHERE t2.k < t1.a) FROM t1 GROUP BY a",
    "having": "SELECT d, sum(b) FROM t1 GROUP BY d HAVING sum(b) > (SELECT sum(v) FROM t2 WHERE t2.s = t1.d)",
    "having_exists": "SELECT d FROM t1 GROUP BY d HAVING NOT EXISTS (SELECT 1 FROM t2 WHERE t2.s = t1.d)",
    "having_agg_in": "SELECT d, count(*) FROM t1 GROUP BY d HAVING count(*) IN (SELECT k FROM t2 WHERE t2.s <> t1.d)",
    "order_by": "SELECT a, b FROM t1 ORDER BY (SELECT count(*) FROM t2 WHERE t2.v < t1.b), a",
    "grouped_order_by": "SELECT d FROM t1 GROUP BY d ORDER BY (SELECT count(*) FROM t2 WHERE t2.s < t1.d), d",
    # nested: correlated to two levels up
    "nested_two_levels": "SELECT a, (SELECT count(*) FROM t2 WHERE t2.k = t1.a AND EXISTS "
                         "(SELECT 1 FROM t3 WHERE t3.k = t2.k AND t3.w > t1.b)) FROM t1",
    "nested_skip_level": "SELECT a, (SELECT max(v) FROM t2 WHERE t2.v > (SELECT min(w) FROM t3 WHERE t3.k < t1.a)) FROM t1",
    "nested_scalar_in_scalar": "SELECT a, (SELECT sum((SELECT count(*) FROM t3 WHERE t3.k = t2.k AND t3.w > t1.a)) "
                               "FROM t2 WHERE t2.k <= t1.a) FROM t1",
    "nested_where": "SELECT a FROM t1 WHERE EXISTS (SELECT 1 FROM t2 WHERE t2.k = t1.a AND t2.v NOT IN "
                    "(SELECT w FROM t3 WHERE t3.k = t1.a))",
    # GROUP BY / LIMIT / ORDER BY / DISTINCT inside
    "limit_1": "SELECT a, (SELECT v FROM t2 WHERE t2.k = t1.a ORDER BY v DESC NULLS LAST LIMIT 1) FROM t1",
    "limit_offset": "SELECT a, (SELECT v FROM t2 WHERE t2.k >= t1.a ORDER BY v, k LIMIT 1 OFFSET 1) FROM t1",
    "group_by_inside": "SELECT a, (SELECT max(c) FROM (SELECT k, count(*) AS c FROM t2 WHERE t2.v > t1.b GROUP BY k)) FROM t1",
    "group_by_exists": "SELECT a FROM t1 WHERE EXISTS (SELECT k FROM t2 WHERE t2.k < t1.a GROUP BY k HAVING count(*) > 1)",
    "distinct_inside": "SELECT a, (SELECT count(*) FROM (SELECT DISTINCT s FROM t2 WHERE t2.k <= t1.a)) FROM t1",
    "exists_limit": "SELECT a FROM t1 WHERE EXISTS (SELECT 1 FROM t2 WHERE t2.k = t1.a LIMIT 1)",
    "having_inside": "SELECT a, (SELECT count(*) FROM t2 WHERE t2.k = t1.a HAVING count(*) > 1) FROM t1",
    "scalar_outer_in_select": "SELECT a, (SELECT t1.b + max(v) FROM t2 WHERE t2.k = t1.a) FROM t1",
    "scalar_no_agg": "SELECT a, (SELECT t1.b * 2) FROM t1",
    "scalar_no_agg_filter": "SELECT a, (SELECT w FROM t3 WHERE t3.k = t1.a AND t3.w < 201) FROM t1",
    "union_inside": "SELECT a, (SELECT count(*) FROM (SELECT k FROM t2 WHERE t2.k < t1.a UNION ALL "
                    "SELECT k FROM t3 WHERE t3.w > t1.b)) FROM t1",
    "join_inside": "SELECT a, (SELECT count(*) FROM t2 JOIN t3 ON t2.k = t3.k WHERE t3.w > t1.b) FROM t1",
    "left_join_inside": "SELECT a, (SELECT count(t3.w) FROM t2 LEFT JOIN t3 ON t2.k = t3.k AND t3.w > t1.b) FROM t1",
    # semantics: empty groups, NULL outer values, duplicates preserved
    "count_empty_table": "SELECT a, (SELECT count(*) FROM e WHERE e.k < t1.a), (SELECT sum(v) FROM e WHERE e.k < t1.a) FROM t1",
    "null_outer_key": "SELECT b, (SELECT count(*) FROM t2 WHERE t2.v IS NOT DISTINCT FROM t1.b) FROM t1",
    "duplicates_outer": "SELECT t1.a FROM t1, t1 AS y WHERE y.a = t1.a AND t1.b < (SELECT max(v) FROM t2 WHERE t2.k >= t1.a)",
    "string_corr": "SELECT d, (SELECT count(*) FROM t2 WHERE t2.s < t1.d) FROM t1",
    "in_agg_arg_fast": "SELECT a, sum((SELECT count(*) FROM t2 WHERE t2.k = t1.a)) FROM t1 GROUP BY a",
    "nested_in_or": "SELECT a, (SELECT count(*) FROM t2 WHERE t2.v IN (SELECT w FROM t3 WHERE t3.k < t1.a) "
                    "OR t2.k = 1) FROM t1",
    "nested_not_in": "SELECT a, (SELECT count(*) FROM t2 WHERE t2.v NOT IN (SELECT w FROM t3 WHERE t3.k < t1.a)) FROM t1",
    "nested_not_in_inner_corr": "SELECT a, (SELECT count(*) FROM t2 WHERE t2.k = t1.a AND t2.v NOT IN "
                                "(SELECT w FROM t3 WHERE t3.k = t2.k)) FROM t1",
    "derived_in_subquery": "SELECT a, (SELECT x FROM (SELECT t2.v + t1.a AS x FROM t2 WHERE t2.k = t1.a) s "
                           "ORDER BY x LIMIT 1) FROM t1",
    "order_by_alias": "SELECT a, (SELECT count(*) FROM t2 WHERE t2.k < t1.a) AS c FROM t1 ORDER BY c, a",
    "right_join_inside": "SELECT a, (SELECT count(t2.v) FROM t2 RIGHT JOIN t3 ON t2.k = t3.k AND t2.v > t1.b) FROM t1",
    "right_join_inside_where": "SELECT a, (SELECT sum(t3.w) FROM t2 RIGHT JOIN t3 ON t2.k = t3.k "
                               "WHERE t3.k <= t1.a OR t2.v IS NULL) FROM t1",
    "agg_filter_inside": "SELECT a, (SELECT count(*) FILTER (WHERE t2.v > t1.b) FROM t2 WHERE t2.k <= t1.a) FROM t1",
    "distinct_on_inside": "SELECT a, (SELECT count(*) FROM (SELECT DISTINCT ON (k) k, v FROM t2 "
                          "WHERE t2.v >= t1.b ORDER BY k, v)) FROM t1",
    "rollup_outer": "SELECT d, a, count(*), (SELECT count(*) FROM t2 WHERE t2.s = t1.d) FROM t1 GROUP BY ROLLUP (d, a)",
    "outer_in_join_on": "SELECT a, (SELECT count(*) FROM t2 JOIN t3 ON t3.k = t2.k AND t3.w > t1.a) FROM t1",
    # windows inside a correlated subquery partition by the outer values as well
    "window_inside": "SELECT a, (SELECT max(r) FROM (SELECT rank() OVER (ORDER BY v) AS r FROM t2 WHERE t2.k <= t1.a)) FROM t1",
    "window_partition_outer": "SELECT a, b, (SELECT sum(s) FROM (SELECT sum(v) OVER (PARTITION BY t1.b ORDER BY k, v, s "
                              "ROWS 1 PRECEDING) AS s FROM t2 WHERE t2.k = t1.a)) FROM t1",
    "window_range_outer": "SELECT a, (SELECT max(x) FROM (SELECT count(*) OVER (ORDER BY v + t1.a RANGE BETWEEN 5 PRECEDING "
                          "AND CURRENT ROW) AS x FROM t2 WHERE t2.k <> t1.a)) FROM t1",
    "window_top1": "SELECT a, (SELECT v FROM t2 WHERE t2.k >= t1.a QUALIFY row_number() OVER (ORDER BY k, v, s) = 1) FROM t1",
    "window_exists": "SELECT a FROM t1 WHERE EXISTS (SELECT 1 FROM t2 WHERE t2.k = t1.a "
                     "QUALIFY lag(v) OVER (ORDER BY k, v, s) IS NOT NULL)",
    "window_in": "SELECT a, b IN (SELECT sum(v) OVER (ORDER BY k, v, s) FROM t2 WHERE t2.k < t1.a) FROM t1",
    "window_over_groups_inside": "SELECT a, (SELECT max(c) FROM (SELECT sum(count(*)) OVER (ORDER BY k) AS c FROM t2 "
                                 "WHERE t2.v > t1.b GROUP BY k)) FROM t1",
    "subquery_beside_window": "SELECT a, row_number() OVER (ORDER BY a, b, c, d), "
                              "(SELECT count(*) FROM t2 WHERE t2.k < t1.a) FROM t1",
    "subquery_in_window_order": "SELECT a, b, c, d FROM t1 QUALIFY rank() OVER (ORDER BY (SELECT count(*) FROM t2 "
                                "WHERE t2.k < t1.a)) <= 3",
    "subquery_in_windowed_order_by": "SELECT a, b, c, d, sum(a) OVER () FROM t1 "
                                     "ORDER BY (SELECT count(*) FROM t2 WHERE t2.k < t1.a), a, b, c, d",
    "subquery_in_grouped_window": "SELECT a, sum(count(*)) OVER (ORDER BY a) FROM t1 GROUP BY a "
                                  "HAVING (SELECT count(*) FROM t2 WHERE t2.k = t1.a) > 0",
}


@pytest.mark.parametrize("sql", list(SAME_AS_DUCKDB.values()), ids=list(SAME_AS_DUCKDB))
def test_same_as_duckdb(cons, sql):
    check(cons, sql)


def test_more_than_one_row_is_an_error(cons):
    t, d = cons
    sql = "SELECT a, (SELECT v FROM t2 WHERE t2.k < t1.a) FROM t1"
    with pytest.raises(duckdb.InvalidInputException):
        d.execute(sql).fetchall()
    with pytest.raises(tqp.DataError, match="more than one row"):
        t.execute(sql).fetchall()


def test_parameters_inside_correlated_subqueries(cons):
    t, d = cons
    sql = ("SELECT a, (SELECT count(*) FROM t2 WHERE t2.k < t1.a AND t2.v > ?), "
           "b IN (SELECT v - ? FROM t2 WHERE t2.k <> t1.a) FROM t1 WHERE a > ?")
    assert sorted(t.execute(sql, [15, 5, 1]).fetchall(), key=repr) == \
        sorted(d.execute(sql, [15, 5, 1]).fetchall(), key=repr)


def test_window_left_of_in_subquery(cons):
    # in WHERE a window is DuckDB's binder error; in the SELECT list it is computed over the
    # query's rows before the subquery's join
    with pytest.raises(tqp.ProgrammingError, match="WHERE clause cannot contain window functions"):
        cons[0].execute("SELECT a FROM t1 WHERE row_number() OVER () IN (SELECT k FROM t2 WHERE t2.v > t1.b)").fetchall()
    check(cons, "SELECT a, b, row_number() OVER (ORDER BY a, b) = ANY (SELECT k FROM t2 WHERE t2.v > t1.b) FROM t1")
    check(cons, "SELECT a, b, (rank() OVER (PARTITION BY a ORDER BY b)) IN (SELECT k FROM t2 WHERE t2.v > t1.b) FROM t1")


def test_outer_aggregate_inside_subquery_is_refused(cons):
    t, _ = cons
    with pytest.raises(tqp.NotSupportedError, match="outer columns only"):
        t.execute("SELECT (SELECT sum(t1.b)) FROM t1").fetchall()


def test_non_equality_correlation_over_huge_domain_is_refused():
    import numpy as np
    con = tqp.connect("cpu")
    con.register("big", {"x": np.arange(20_000)})
    with pytest.raises(tqp.OperationalError, match="not equalities"):
        con.execute("SELECT x, (SELECT count(*) FROM big AS b WHERE b.x < big.x) FROM big").fetchall()
