-- order_by_unique_asc
SELECT id, i32 FROM t ORDER BY id;

-- order_by_unique_desc
SELECT id, s_lo FROM t ORDER BY id DESC;

-- order_by_with_ties_and_nulls_default
SELECT i32, id FROM t ORDER BY i32;

-- order_by_desc_nulls_default
SELECT i32, id FROM t ORDER BY i32 DESC;

-- order_by_nulls_first
SELECT i32, id FROM t ORDER BY i32 NULLS FIRST;

-- order_by_desc_nulls_first
SELECT d, id FROM t ORDER BY d DESC NULLS FIRST;

-- order_by_asc_nulls_last
SELECT s_lo, id FROM t ORDER BY s_lo ASC NULLS LAST;

-- order_by_desc_nulls_last
SELECT m, id FROM t ORDER BY m DESC NULLS LAST;

-- order_by_multi_keys_mixed_direction
SELECT g, i32, id FROM t ORDER BY g DESC, i32 ASC NULLS FIRST, id DESC;

-- order_by_strings_unicode
SELECT s_lo, id FROM t ORDER BY s_lo, id;

-- order_by_high_card_strings
SELECT s_hi, id FROM t ORDER BY s_hi DESC, id;

-- order_by_dates
SELECT dt, id FROM t ORDER BY dt NULLS FIRST, id;

-- order_by_timestamps
SELECT ts, id FROM t ORDER BY ts DESC;

-- order_by_decimal_small_scale
SELECT m4, id FROM t ORDER BY m4;

-- order_by_double
SELECT d, id FROM t ORDER BY d;

-- order_by_int16_int64
SELECT i16, i64 FROM t ORDER BY i16 DESC, i64;

-- order_by_bool
SELECT b, id FROM t ORDER BY b, id;

-- order_by_expression_not_selected
SELECT id, i32 FROM t ORDER BY i32 * -1 NULLS LAST, id;

-- order_by_expression_selected
SELECT id, i16 % 10 FROM t ORDER BY i16 % 10, id;

-- order_by_column_not_selected
SELECT id, s_lo FROM t ORDER BY i64 NULLS FIRST, id;

-- order_by_ordinal
SELECT g, s_lo, id FROM t ORDER BY 1, 3;

-- order_by_ordinal_desc
SELECT s_hi, id FROM t ORDER BY 2 DESC;

-- order_by_alias
SELECT id, i32 * 2 AS dbl FROM t ORDER BY dbl DESC, id;

-- order_by_case
SELECT id, s_lo FROM t ORDER BY CASE WHEN s_lo IS NULL THEN 0 ELSE 1 END, s_lo DESC, id;

-- order_by_aggregate
SELECT g, sum(m) AS total FROM t GROUP BY g ORDER BY total DESC;

-- order_by_count_ties
SELECT s_lo, count(*) AS c FROM t GROUP BY s_lo ORDER BY c DESC, s_lo;

-- order_by_on_empty
SELECT id, s_lo FROM empty ORDER BY id;

-- order_by_one_row
SELECT id, s_lo FROM one ORDER BY s_lo DESC;

-- limit_after_order
SELECT id, d FROM t ORDER BY d DESC NULLS LAST, id LIMIT 10;

-- limit_offset
SELECT id, i32 FROM t ORDER BY i32 NULLS FIRST, id LIMIT 15 OFFSET 90;

-- limit_zero
SELECT id FROM t ORDER BY id LIMIT 0;

-- limit_larger_than_table
SELECT id, g FROM t ORDER BY id DESC LIMIT 5000;

-- offset_past_end
SELECT id FROM t ORDER BY id LIMIT 10 OFFSET 2000;

-- offset_only
SELECT id FROM t ORDER BY id OFFSET 990;

-- limit_without_order_counted
SELECT count(*) FROM (SELECT * FROM t LIMIT 17);

-- limit_topk_strings
SELECT s_hi, id FROM t ORDER BY s_hi, id LIMIT 7;

-- limit_topk_dates_desc
SELECT dt, id FROM t ORDER BY dt DESC NULLS LAST, id LIMIT 12;

-- limit_topk_decimal
SELECT id, m FROM t ORDER BY m NULLS LAST, id LIMIT 5;

-- limit_with_group_by
SELECT i32, count(*) AS c FROM t GROUP BY i32 ORDER BY c DESC, i32 NULLS FIRST LIMIT 5;

-- limit_in_subquery_then_aggregate
SELECT sum(i32), count(*) FROM (SELECT i32 FROM t ORDER BY id LIMIT 100);

-- limit_one
SELECT id, s_hi FROM t ORDER BY s_hi DESC, id LIMIT 1;

-- distinct_single_int
SELECT DISTINCT g FROM t;

-- distinct_nullable
SELECT DISTINCT i32 FROM t;

-- distinct_strings_with_null_and_empty
SELECT DISTINCT s_lo FROM t;

-- distinct_multi_columns
SELECT DISTINCT g, b FROM t;

-- distinct_dates
SELECT DISTINCT EXTRACT(year FROM dt) AS y FROM t;

-- distinct_decimal
SELECT DISTINCT round(m4, 0) FROM t;

-- distinct_expression
SELECT DISTINCT i32 % 4, i32 < 0 FROM t;

-- distinct_order_by
SELECT DISTINCT s_lo FROM t ORDER BY s_lo NULLS FIRST;

-- distinct_order_limit
SELECT DISTINCT i16 FROM t ORDER BY i16 DESC NULLS LAST LIMIT 8;

-- distinct_on_empty
SELECT DISTINCT s_lo FROM empty;

-- distinct_star_small
SELECT DISTINCT * FROM (SELECT g, b FROM t WHERE g < 3);

-- distinct_all_same
SELECT DISTINCT 1 FROM t;

-- limit_percent_ordered
SELECT id, i32 FROM t ORDER BY id LIMIT 7 PERCENT;

-- limit_percent_offset_counts_all_rows
SELECT id FROM t ORDER BY id DESC LIMIT 33.5 PERCENT OFFSET 40;

-- limit_percent_after_filter
SELECT count(*) FROM (SELECT id FROM t WHERE i32 > 0 ORDER BY id LIMIT 50%);

-- limit_percent_all_and_none
SELECT (SELECT count(*) FROM (SELECT id FROM t LIMIT 100 PERCENT)), (SELECT count(*) FROM (SELECT id FROM t LIMIT 0 PERCENT));
