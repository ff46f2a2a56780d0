-- union_all_basic
SELECT id, s_lo FROM t WHERE g = 1 UNION ALL SELECT id, s_lo FROM t WHERE g = 2;

-- union_all_keeps_duplicates
SELECT g FROM t WHERE id <= 20 UNION ALL SELECT g FROM t WHERE id <= 10;

-- union_dedups
SELECT g FROM t UNION SELECT g + 5 FROM t;

-- union_dedups_nulls
SELECT i32 FROM t WHERE i32 IS NULL OR i32 < -45 UNION SELECT i32 FROM t WHERE i32 IS NULL OR i32 < -48;

-- union_strings
SELECT s_lo FROM t UNION SELECT skey FROM sdim;

-- union_type_widening
SELECT i16 AS v FROM t WHERE id < 50 UNION ALL SELECT i64 FROM t WHERE id > 980;

-- union_int_decimal
SELECT i32 AS v FROM t WHERE id < 10 UNION ALL SELECT m FROM t WHERE id > 995;

-- union_with_order_limit
SELECT id, 'a' AS src FROM t WHERE id <= 5 UNION ALL SELECT dk, 'b' FROM dim WHERE dk <= 3 ORDER BY 1, 2 LIMIT 6;

-- union_order_by_name
SELECT s_lo AS s FROM t UNION SELECT dname FROM dim ORDER BY s NULLS FIRST;

-- union_three_way
SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT 2 UNION SELECT 3;

-- union_with_empty
SELECT id, s_lo FROM t WHERE id <= 10 UNION ALL SELECT id, s_lo FROM empty;

-- union_dates
SELECT dt FROM t WHERE id <= 30 UNION SELECT fdate FROM fact WHERE fid <= 30;

-- intersect_basic
SELECT i32 FROM t WHERE g < 5 INTERSECT SELECT i32 FROM t WHERE g >= 5;

-- intersect_with_nulls
SELECT i32 FROM t WHERE i32 IS NULL OR i32 < 0 INTERSECT SELECT wn FROM sets;

-- intersect_multi_column
SELECT g, b FROM t WHERE i32 > 0 INTERSECT SELECT g, b FROM t WHERE i32 < 0;

-- intersect_strings
SELECT sk FROM fact INTERSECT SELECT skey FROM sdim;

-- except_basic
SELECT i32 FROM t WHERE g = 1 EXCEPT SELECT i32 FROM t WHERE g = 2;

-- except_with_nulls
SELECT wn FROM sets EXCEPT SELECT nn FROM sets;

-- except_all_removed
SELECT dk FROM dim EXCEPT SELECT dk FROM dim;

-- except_strings
SELECT skey FROM sdim EXCEPT SELECT sk FROM fact;

-- except_from_empty
SELECT g FROM empty EXCEPT SELECT g FROM t;

-- setop_nested_parentheses
(SELECT g FROM t WHERE g < 6 EXCEPT SELECT g FROM t WHERE g = 2) UNION (SELECT 42);

-- setop_in_subquery_aggregated
SELECT count(*), sum(v) FROM (SELECT i32 AS v FROM t UNION ALL SELECT qty FROM fact);

-- cte_simple
WITH pos AS (SELECT id, i32 FROM t WHERE i32 > 0) SELECT count(*), sum(i32) FROM pos;

-- cte_multiple
WITH a AS (SELECT g, sum(m) AS sm FROM t GROUP BY g), b AS (SELECT g, count(*) AS c FROM t WHERE b GROUP BY g) SELECT a.g, a.sm, b.c FROM a JOIN b ON a.g = b.g;

-- cte_chained
WITH a AS (SELECT id, i32 FROM t WHERE i32 IS NOT NULL), b AS (SELECT i32, count(*) AS c FROM a GROUP BY i32), c AS (SELECT * FROM b WHERE c > 10) SELECT * FROM c;

-- cte_used_twice
WITH s AS (SELECT g, avg(d) AS ad FROM t GROUP BY g) SELECT x.g, y.g FROM s x JOIN s y ON x.ad < y.ad;

-- cte_shadowing_table_name
WITH t AS (SELECT dk AS id FROM dim) SELECT count(*), max(id) FROM t;

-- cte_with_order_limit
WITH ranked AS (SELECT id, d FROM t WHERE d IS NOT NULL) SELECT id, d FROM ranked ORDER BY d DESC, id LIMIT 5;

-- cte_column_list
WITH c(a, b) AS (SELECT g, count(*) FROM t GROUP BY g) SELECT a, b FROM c WHERE b > 90;

-- derived_table_aggregate_then_filter
SELECT * FROM (SELECT s_lo, count(*) AS c, sum(i32) AS s FROM t GROUP BY s_lo) sub WHERE c > 60;

-- derived_table_nested
SELECT max(s) FROM (SELECT g, sum(v) AS s FROM (SELECT g, i32 * 2 AS v FROM t) x GROUP BY g) y;

-- derived_table_join
SELECT a.g, a.c, b.c FROM (SELECT g, count(*) AS c FROM t WHERE b GROUP BY g) a JOIN (SELECT g, count(*) AS c FROM t WHERE NOT b GROUP BY g) b ON a.g = b.g;

-- derived_table_projection_rename
SELECT x + y AS z FROM (SELECT i32 AS x, i16 AS y FROM t) AS s;

-- derived_table_distinct
SELECT count(*) FROM (SELECT DISTINCT s_lo FROM t) x;

-- values_clause
SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (NULL, 'c')) v(x, y);

-- select_without_from
SELECT 1 AS a, 'x' AS b, DATE '2020-02-29' AS c, 1.50 AS d, NULL AS e;

-- cte_read_in_from_and_scalar_subquery
WITH rev AS (SELECT g, sum(m) AS total FROM t GROUP BY g) SELECT g, total FROM rev WHERE total = (SELECT max(total) FROM rev);

-- cte_read_three_times
WITH k AS (SELECT fk, count(*) AS c FROM fact WHERE fk IS NOT NULL GROUP BY fk) SELECT a.fk, a.c FROM k a JOIN k b ON a.fk = b.fk + 1 WHERE a.c > (SELECT avg(c) FROM k) ORDER BY a.fk;

-- cte_read_in_in_and_exists
WITH big AS (SELECT fk FROM fact WHERE amount > 4000) SELECT dk FROM dim WHERE dk IN (SELECT fk FROM big) AND NOT EXISTS (SELECT 1 FROM big WHERE big.fk = dim.dk + 2) ORDER BY dk;

-- cte_nested_reads_shared
WITH a AS (SELECT g, i32 FROM t WHERE i32 IS NOT NULL), b AS (SELECT g, max(i32) AS mx FROM a GROUP BY g) SELECT a.g, count(*) FROM a JOIN b ON a.g = b.g AND a.i32 = b.mx GROUP BY a.g ORDER BY a.g;

-- repeated_subplan_union_all
SELECT g, count(*) FROM (SELECT g FROM t WHERE i32 > 0 UNION ALL SELECT g FROM t WHERE i32 > 0) u GROUP BY g;

-- repeated_subplan_self_join
SELECT a.g, count(*) FROM (SELECT g, id FROM t WHERE d > 0) a JOIN (SELECT g, id FROM t WHERE d > 0) b ON a.g = b.g AND a.id < b.id GROUP BY a.g;

-- repeated_subplan_scalar_and_from
SELECT g, sum(m) AS s FROM t WHERE i32 > 0 GROUP BY g HAVING sum(m) > (SELECT avg(s2) FROM (SELECT g, sum(m) AS s2 FROM t WHERE i32 > 0 GROUP BY g) x);

-- union_chain_distinct_then_all
SELECT g FROM t WHERE id <= 30 UNION SELECT g FROM t WHERE id <= 20 UNION ALL SELECT g FROM t WHERE id <= 5;

-- union_chain_all_then_distinct
SELECT g FROM t WHERE id <= 30 UNION ALL SELECT g FROM t WHERE id <= 20 UNION SELECT g + 1 FROM t WHERE id <= 5;

-- union_chain_types_widen_across_branches
SELECT i16 AS v FROM t WHERE id < 5 UNION ALL SELECT i32 FROM t WHERE id > 995 UNION ALL SELECT m FROM t WHERE id BETWEEN 500 AND 503 UNION ALL SELECT i64 FROM t WHERE id = 7;

-- union_chain_null_branches_then_typed
SELECT NULL AS v UNION ALL SELECT NULL UNION ALL SELECT s_lo FROM t WHERE id < 4;

-- union_chain_parenthesised_branch_keeps_its_limit
(SELECT id FROM t ORDER BY id DESC LIMIT 2) UNION ALL SELECT id FROM t WHERE id < 3 UNION ALL (SELECT id FROM t ORDER BY id LIMIT 1);

-- union_chain_right_nested
SELECT g FROM t WHERE id < 4 UNION ALL (SELECT g FROM t WHERE id < 3 UNION SELECT g FROM t WHERE id < 6);

-- union_chain_then_intersect
(SELECT g FROM t UNION ALL SELECT g + 1 FROM t UNION ALL SELECT g + 2 FROM t) INTERSECT SELECT g FROM t;
