-- wide_group_by_seven_columns
SELECT id, i64, s_hi, dt, ts, m, m4, count(*) FROM (SELECT * FROM t UNION ALL SELECT * FROM t WHERE g < 5) x GROUP BY id, i64, s_hi, dt, ts, m, m4;

-- wide_group_by_all_nullable_columns
SELECT i16, i32, d, m, dt, s_lo, b, count(*) FROM t GROUP BY i16, i32, d, m, dt, s_lo, b;

-- wide_group_by_high_cardinality_pairs
SELECT i64, s_hi, count(*), sum(i32) FROM t GROUP BY i64, s_hi;

-- wide_distinct_all_columns
SELECT DISTINCT i16, i32, i64, d, m, m4, dt, ts, s_lo, s_hi, b FROM (SELECT * FROM t UNION ALL SELECT * FROM t WHERE g < 5) x;

-- wide_distinct_with_duplicates
SELECT DISTINCT g, s_lo, b, i32 % 3 FROM t;

-- wide_count_distinct_on_expression_of_many
SELECT count(DISTINCT CAST(i64 AS VARCHAR) || s_hi || CAST(dt AS VARCHAR)) FROM t;

-- wide_self_join_seven_keys
SELECT a.id, b.id FROM t a JOIN t b ON a.id = b.id AND a.i64 = b.i64 AND a.s_hi = b.s_hi AND a.dt = b.dt AND a.ts = b.ts AND a.m = b.m AND a.m4 = b.m4;

-- wide_self_join_mixed_type_keys_with_duplicates
SELECT count(*), sum(a.id), sum(b.id) FROM t a JOIN t b ON a.g = b.g AND a.s_lo = b.s_lo AND a.b = b.b;

-- wide_left_join_three_keys
SELECT a.id, b.id FROM t a LEFT JOIN t b ON a.i32 = b.i16 AND a.g = b.g AND a.b = b.b;

-- wide_intersect_all_columns_nulls_equal
SELECT * FROM t INTERSECT SELECT * FROM t WHERE g < 5;

-- wide_except_all_columns_nulls_equal
SELECT * FROM t EXCEPT SELECT * FROM t WHERE b;

-- wide_union_dedup_many_columns
SELECT g, s_lo, b, dt FROM t WHERE id <= 600 UNION SELECT g, s_lo, b, dt FROM t WHERE id > 400;

-- wide_intersect_projection_with_nulls
SELECT i32, s_lo FROM t WHERE g < 6 INTERSECT SELECT i32, s_lo FROM t WHERE g >= 4;

-- wide_order_by_many_keys
SELECT g, b, s_lo, i32, d, id FROM t ORDER BY g DESC, b NULLS FIRST, s_lo DESC NULLS LAST, i32, d DESC, id;

-- wide_order_by_many_keys_limit
SELECT g, s_lo, dt, id FROM t ORDER BY s_lo NULLS FIRST, dt DESC NULLS FIRST, g, id LIMIT 25;

-- wide_join_then_group_on_both_sides
SELECT dm.cat, t.b, count(*), sum(t.m), min(dm.dname) FROM t JOIN dim dm ON t.g + 1 = dm.dk GROUP BY dm.cat, t.b;
