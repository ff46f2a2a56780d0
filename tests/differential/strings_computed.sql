-- computed_group_by_upper_merges_values
SELECT upper(s_lo), count(*) FROM t GROUP BY upper(s_lo);

-- computed_distinct_lower
SELECT DISTINCT lower(s_lo) FROM t;

-- computed_count_distinct_upper
SELECT count(DISTINCT upper(s_lo)), count(DISTINCT lower(s_hi)), count(DISTINCT substring(s_hi, 1, 2)) FROM t;

-- computed_group_by_substring
SELECT substring(s_hi, 1, 1) AS c, count(*), min(id) FROM t GROUP BY substring(s_hi, 1, 1);

-- computed_order_by_substring
SELECT substring(s_hi, 1, 2) AS p, id FROM t ORDER BY p, id;

-- computed_order_by_upper_then_original
SELECT s_lo, id FROM t ORDER BY upper(s_lo) NULLS FIRST, s_lo, id;

-- computed_group_by_concat
SELECT s_lo || '#' || CAST(g AS VARCHAR) AS k, count(*) FROM t GROUP BY s_lo || '#' || CAST(g AS VARCHAR);

-- computed_order_by_int_as_varchar
SELECT CAST(i32 AS VARCHAR) AS v, id FROM t ORDER BY v NULLS FIRST, id;

-- computed_min_max_upper
SELECT g, min(upper(s_hi)), max(lower(s_hi)) FROM t GROUP BY g;

-- computed_like_on_upper
SELECT id, upper(s_lo) FROM t WHERE upper(s_lo) LIKE 'A%';

-- computed_compare_upper_to_column
SELECT id FROM t WHERE upper(s_lo) = s_lo;

-- computed_case_mixing_two_columns
SELECT id, CASE WHEN b THEN s_lo ELSE s_hi END FROM t;

-- computed_group_by_case_strings
SELECT CASE WHEN g < 5 THEN s_lo ELSE 'other' END AS k, count(*) FROM t GROUP BY CASE WHEN g < 5 THEN s_lo ELSE 'other' END;

-- computed_coalesce_two_string_columns
SELECT id, COALESCE(s_lo, s_hi) FROM t;

-- computed_order_by_coalesce_strings
SELECT COALESCE(s_lo, s_hi) AS c, id FROM t ORDER BY c DESC, id;

-- computed_join_on_upper
SELECT f.fid, s.sval FROM fact f JOIN sdim s ON upper(f.sk) = upper(s.skey);

-- computed_join_string_columns_different_tables
SELECT s.skey, count(*), min(t.id) FROM t JOIN sdim s ON substring(t.s_hi, 1, 1) = substring(s.skey, 1, 1) GROUP BY s.skey;

-- computed_string_union_then_group
SELECT v, count(*) FROM (SELECT s_lo AS v FROM t UNION ALL SELECT sk FROM fact UNION ALL SELECT dname FROM dim) x GROUP BY v;

-- computed_string_in_list_of_computed
SELECT id FROM t WHERE lower(s_lo) IN ('apple', 'banana');

-- computed_length_group
SELECT length(s_hi) AS n, count(*), min(s_hi), max(s_hi) FROM t GROUP BY length(s_hi);

-- computed_string_literal_compare_column_order
SELECT id, s_lo FROM t WHERE 'b' > s_lo;

-- computed_string_max_of_concat
SELECT max(s_lo || s_hi), min(s_hi || s_lo) FROM t;

-- computed_nullif_then_group
SELECT NULLIF(s_lo, ''), count(*) FROM t GROUP BY NULLIF(s_lo, '');

-- computed_duplicate_output_columns
SELECT id, id, s_lo, s_lo FROM t WHERE g = 1;

-- computed_same_aggregate_twice
SELECT g, sum(i32), sum(i32) * 2, count(*), count(*) + sum(i32) FROM t GROUP BY g;
