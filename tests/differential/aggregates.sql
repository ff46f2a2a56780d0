-- agg_count_star
SELECT count(*) FROM t;

-- agg_count_columns_skip_nulls
SELECT count(i32), count(d), count(s_lo), count(m), count(dt), count(b), count(ts) FROM t;

-- agg_count_distinct
SELECT count(DISTINCT i32), count(DISTINCT s_lo), count(DISTINCT g), count(DISTINCT dt) FROM t;

-- agg_sum_ints
SELECT sum(i16), sum(i32), sum(i64), sum(id) FROM t;

-- agg_sum_double
SELECT sum(d) FROM t;

-- agg_sum_decimal_exact
SELECT sum(m), sum(m4) FROM t;

-- agg_avg
SELECT avg(i16), avg(i32), avg(d), avg(m), avg(m4) FROM t;

-- agg_min_max_numeric
SELECT min(i16), max(i16), min(i32), max(i32), min(i64), max(i64), min(d), max(d), min(m), max(m), min(m4), max(m4) FROM t;

-- agg_min_max_strings
SELECT min(s_lo), max(s_lo), min(s_hi), max(s_hi) FROM t;

-- agg_min_max_dates
SELECT min(dt), max(dt), min(ts), max(ts) FROM t;

-- agg_min_max_bool
SELECT min(b), max(b) FROM t;

-- agg_of_expressions
SELECT sum(m * i32), sum(i32 * 2 + 1), avg(d * 2), max(i16 - i32), sum(CASE WHEN b THEN 1 ELSE 0 END) FROM t;

-- agg_decimal_product_sum
SELECT sum(m * (1 - m4 / 10000)), sum(m * m4) FROM t;

-- agg_arith_on_aggregates
SELECT count(*) * 2, sum(i32) + 1, sum(m) / count(m), max(i32) - min(i32) FROM t;

-- agg_empty_table
SELECT count(*), sum(i32) FROM empty;

-- agg_empty_table_all
SELECT count(*), count(i32), count(DISTINCT s_lo), sum(i64), sum(d), sum(m), avg(i32), avg(m), min(s_lo), max(dt) FROM empty;

-- agg_filtered_to_empty
SELECT count(*), sum(m), min(d), max(s_hi) FROM t WHERE 1 = 0;

-- agg_one_row
SELECT count(*), sum(i32), avg(d), min(s_lo), max(m), count(DISTINCT g) FROM one;

-- agg_all_nulls_column
SELECT count(i32), sum(i32), avg(i32), min(i32) FROM t WHERE i32 IS NULL;

-- agg_sum_distinct
SELECT sum(DISTINCT i32), avg(DISTINCT i32), count(DISTINCT i16) FROM t;

-- group_by_int
SELECT g, count(*), sum(i32), avg(d), min(m), max(m) FROM t GROUP BY g;

-- group_by_nullable_int
SELECT i32, count(*), sum(i16) FROM t GROUP BY i32;

-- group_by_null_key_expression
SELECT i32 % 5 AS k, count(*), sum(d) FROM t GROUP BY i32 % 5;

-- group_by_string
SELECT s_lo, count(*), sum(m), min(id) FROM t GROUP BY s_lo;

-- group_by_high_cardinality_string
SELECT s_hi, count(*), max(id) FROM t GROUP BY s_hi;

-- group_by_date
SELECT dt, count(*) FROM t GROUP BY dt;

-- group_by_year
SELECT EXTRACT(year FROM dt) AS y, count(*), sum(m) FROM t GROUP BY EXTRACT(year FROM dt);

-- group_by_bool
SELECT b, count(*), avg(i32) FROM t GROUP BY b;

-- group_by_decimal
SELECT round(m, -4) AS bucket, count(*) FROM t GROUP BY round(m, -4);

-- group_by_double
SELECT floor(d / 50) AS bucket, count(*), sum(d) FROM t GROUP BY floor(d / 50);

-- group_by_multi_column
SELECT g, b, count(*), sum(i32) FROM t GROUP BY g, b;

-- group_by_multi_column_strings_dates
SELECT s_lo, EXTRACT(month FROM dt) AS mo, count(*), max(m4) FROM t GROUP BY s_lo, EXTRACT(month FROM dt);

-- group_by_three_keys_nullable
SELECT g, i32 % 3 AS r, s_lo IS NULL AS sn, count(*) FROM t GROUP BY g, i32 % 3, s_lo IS NULL;

-- group_by_ordinal
SELECT g % 3, count(*) FROM t GROUP BY 1;

-- group_by_alias
SELECT g * 10 AS gg, count(*) AS c FROM t GROUP BY gg;

-- group_by_column_not_selected
SELECT count(*), sum(i32) FROM t GROUP BY g;

-- group_by_unique_key
SELECT id, sum(i32), count(*) FROM t GROUP BY id;

-- group_by_int64_large_keys
SELECT i64 // 100000000000 AS k, count(*), min(i64), max(i64) FROM t GROUP BY i64 // 100000000000;

-- group_by_count_distinct_per_group
SELECT g, count(DISTINCT s_lo), count(DISTINCT i32 % 10), count(*) FROM t GROUP BY g;

-- group_by_sum_case
SELECT g, sum(CASE WHEN b THEN m ELSE 0 END), sum(CASE WHEN s_lo LIKE 'a%' THEN 1 ELSE 0 END) FROM t GROUP BY g;

-- group_by_empty_table
SELECT g, count(*), sum(m) FROM empty GROUP BY g;

-- group_by_one_row
SELECT s_lo, count(*), sum(m) FROM one GROUP BY s_lo;

-- group_by_all_filtered
SELECT g, count(*) FROM t WHERE i32 > 1000 GROUP BY g;

-- group_by_where
SELECT g, count(*), sum(m) FROM t WHERE dt >= DATE '1970-01-01' GROUP BY g;

-- group_by_timestamp_date
SELECT CAST(ts AS DATE) AS day, count(*) FROM t GROUP BY CAST(ts AS DATE);

-- group_by_min_max_string_per_group
SELECT g, min(s_hi), max(s_hi), min(s_lo), max(s_lo) FROM t GROUP BY g;

-- group_by_min_max_date_per_group
SELECT g, min(dt), max(dt), min(ts) FROM t GROUP BY g;

-- having_count
SELECT i32, count(*) FROM t GROUP BY i32 HAVING count(*) > 12;

-- having_aggregate_not_selected
SELECT s_lo FROM t GROUP BY s_lo HAVING sum(m) > 0;

-- having_with_key_condition
SELECT g, sum(i32) FROM t GROUP BY g HAVING g > 3 AND sum(i32) IS NOT NULL;

-- having_avg_decimal
SELECT g, avg(m) FROM t GROUP BY g HAVING avg(m) < 0;

-- having_without_group_by
SELECT count(*) FROM t HAVING count(*) > 5;

-- having_false_without_group_by
SELECT sum(i32) FROM t HAVING count(*) > 5000;

-- group_by_expression_on_aggregate
SELECT g, sum(i32) * 2 + count(*), CASE WHEN sum(i32) > 0 THEN 'up' ELSE 'down' END FROM t GROUP BY g;

-- group_by_key_expression_in_select
SELECT g + 1, (g + 1) * 2, count(*) FROM t GROUP BY g + 1;

-- agg_distinct_rows
SELECT count(*) FROM (SELECT DISTINCT g, b FROM t);

-- agg_avg_int_exact_halves
SELECT g, avg(g), avg(i16 % 2) FROM t GROUP BY g;

-- agg_filter_keeps_most_rows_group_vanishes
SELECT g, count(*), sum(m), min(s_lo), max(dt), avg(d) FROM t WHERE g <> 3 OR i32 IS NULL GROUP BY g;

-- agg_filter_keeps_most_rows_no_keys
SELECT count(*), sum(i64), min(i32), count(s_lo) FROM t WHERE id > 2;

-- agg_filter_keeps_all_rows_multi_key
SELECT g, s_lo IS NULL AS k, count(*), sum(i32) FROM t WHERE id >= 0 GROUP BY g, k;

-- agg_filter_selective
SELECT g, count(*), sum(d) FROM t WHERE id < 20 GROUP BY g;
