-- subq_scalar_uncorrelated_where
SELECT id, m FROM t WHERE m > (SELECT avg(m) FROM t) AND g = 3;

-- subq_scalar_uncorrelated_select
SELECT id, i32 - (SELECT max(i32) FROM t) FROM t WHERE id <= 50;

-- subq_scalar_empty_is_null
SELECT id, (SELECT max(dk) FROM empty_dim) FROM t WHERE id <= 5;

-- subq_scalar_in_arithmetic
SELECT (SELECT count(*) FROM fact) * 2 + (SELECT count(*) FROM dim);

-- subq_scalar_decimal_compare
SELECT fid, amount FROM fact WHERE amount > (SELECT sum(amount) / count(*) FROM fact);

-- subq_scalar_correlated_count_zero
SELECT d.dk, (SELECT count(*) FROM fact f WHERE f.fk = d.dk) AS c FROM dim d;

-- subq_scalar_correlated_sum_null
SELECT d.dk, (SELECT sum(f.qty) FROM fact f WHERE f.fk = d.dk) AS s FROM dim d;

-- subq_scalar_correlated_max_string
SELECT d.dk, (SELECT max(f.sk) FROM fact f WHERE f.fk = d.dk) FROM dim d;

-- subq_correlated_where_avg
SELECT f.fid, f.qty FROM fact f WHERE f.qty > (SELECT avg(f2.qty) FROM fact f2 WHERE f2.fk = f.fk);

-- subq_correlated_where_count
SELECT d.dk FROM dim d WHERE (SELECT count(*) FROM fact f WHERE f.fk = d.dk) > 12;

-- subq_correlated_where_count_zero
SELECT d.dk FROM dim d WHERE (SELECT count(*) FROM fact f WHERE f.fk = d.dk) = 0;

-- subq_correlated_two_keys
SELECT f.fid FROM fact f WHERE f.amount = (SELECT max(f2.amount) FROM fact f2 WHERE f2.fk = f.fk AND f2.fk2 = f.fk2);

-- subq_exists_correlated
SELECT d.dk, d.dname FROM dim d WHERE EXISTS (SELECT 1 FROM fact f WHERE f.fk = d.dk AND f.qty > 45);

-- subq_not_exists_correlated
SELECT d.dk FROM dim d WHERE NOT EXISTS (SELECT * FROM fact f WHERE f.fk = d.dk);

-- subq_exists_with_not_equal
SELECT f.fid, f.fk FROM fact f WHERE EXISTS (SELECT 1 FROM fact f2 WHERE f2.fk = f.fk AND f2.fid <> f.fid AND f2.fk2 = 0);

-- subq_not_exists_with_not_equal
SELECT f.fid, f.fk, f.fk2 FROM fact f WHERE NOT EXISTS (SELECT 1 FROM fact f2 WHERE f2.fk = f.fk AND f2.fk2 = f.fk2 AND f2.fid <> f.fid);

-- subq_exists_and_not_exists_q21_shape
SELECT f.fid FROM fact f WHERE EXISTS (SELECT * FROM fact f2 WHERE f2.fk = f.fk AND f2.fk2 <> f.fk2) AND NOT EXISTS (SELECT * FROM fact f3 WHERE f3.fk = f.fk AND f3.fk2 <> f.fk2 AND f3.qty > f.qty);

-- subq_exists_uncorrelated_true
SELECT count(*) FROM dim WHERE EXISTS (SELECT 1 FROM fact WHERE qty = 50);

-- subq_exists_uncorrelated_empty
SELECT count(*) FROM dim WHERE EXISTS (SELECT 1 FROM empty_dim);

-- subq_not_exists_uncorrelated_empty
SELECT count(*) FROM dim WHERE NOT EXISTS (SELECT 1 FROM empty_dim);

-- subq_in
SELECT id, i32 FROM t WHERE i32 IN (SELECT nn FROM sets);

-- subq_in_with_null_in_set
SELECT id, i32 FROM t WHERE i32 IN (SELECT wn FROM sets);

-- subq_not_in_without_nulls
SELECT id, i32 FROM t WHERE i32 NOT IN (SELECT nn FROM sets);

-- subq_not_in_with_null_no_rows
SELECT id FROM t WHERE i32 NOT IN (SELECT wn FROM sets);

-- subq_not_in_empty_set_all_rows
SELECT id, i32 FROM t WHERE i32 NOT IN (SELECT dk FROM empty_dim);

-- subq_in_empty_set_no_rows
SELECT id FROM t WHERE i32 IN (SELECT dk FROM empty_dim);

-- subq_in_select_list_three_valued
SELECT id, i32, i32 IN (SELECT wn FROM sets), i32 NOT IN (SELECT nn FROM sets) FROM t;

-- subq_in_strings
SELECT fid, sk FROM fact WHERE sk IN (SELECT skey FROM sdim WHERE sval > 3);

-- subq_not_in_strings_with_null
SELECT fid FROM fact WHERE sk NOT IN (SELECT skey FROM sdim);

-- subq_not_in_strings_filtered_nulls
SELECT fid, sk FROM fact WHERE sk NOT IN (SELECT skey FROM sdim WHERE skey IS NOT NULL);

-- subq_in_correlated
SELECT d.dk FROM dim d WHERE d.dk IN (SELECT f.fk FROM fact f WHERE f.fk2 = 3 AND f.qty > d.weight / 3);

-- subq_in_aggregated_subquery
SELECT fk, count(*) FROM fact WHERE fk IN (SELECT fk FROM fact GROUP BY fk HAVING sum(qty) > 300) GROUP BY fk;

-- subq_in_multiple_levels
SELECT dk FROM dim WHERE dk IN (SELECT fk FROM fact WHERE fk2 IN (SELECT nn FROM sets WHERE nn < 3));

-- subq_any_all
SELECT id, i32 FROM t WHERE i32 > ALL (SELECT nn FROM sets);

-- subq_any
SELECT id, i32 FROM t WHERE i32 = ANY (SELECT nn FROM sets WHERE nn > 10);

-- subq_derived_in_from_with_scalar
SELECT x.fk, x.total FROM (SELECT fk, sum(amount) AS total FROM fact GROUP BY fk) x WHERE x.total > (SELECT avg(amount) * 10 FROM fact);

-- subq_correlated_in_select_and_where
SELECT d.dk, (SELECT min(f.fdate) FROM fact f WHERE f.fk = d.dk) AS first FROM dim d WHERE d.dk IN (SELECT fk FROM fact WHERE qty > 48);

-- subq_scalar_correlated_decimal_q17_shape
SELECT sum(l.l_extendedprice) / 7.0 FROM lineitem l JOIN part p ON p.p_partkey = l.l_partkey WHERE p.p_brand = 'Brand#23' AND l.l_quantity < (SELECT 0.2 * avg(l2.l_quantity) FROM lineitem l2 WHERE l2.l_partkey = p.p_partkey);

-- subq_min_cost_q2_shape
SELECT ps.ps_partkey, ps.ps_suppkey, ps.ps_supplycost FROM partsupp ps WHERE ps.ps_supplycost = (SELECT min(ps2.ps_supplycost) FROM partsupp ps2 WHERE ps2.ps_partkey = ps.ps_partkey);

-- subq_exists_in_select_list
SELECT d.dk, EXISTS (SELECT 1 FROM fact f WHERE f.fk = d.dk) FROM dim d;

-- subq_cte_with_subquery
WITH big AS (SELECT fk FROM fact WHERE amount > 4700) SELECT dk, dname FROM dim WHERE dk IN (SELECT fk FROM big) AND NOT EXISTS (SELECT 1 FROM big WHERE big.fk = dim.dk + 1);

-- subq_correlated_non_equi_exists
SELECT s.nn FROM sets s WHERE EXISTS (SELECT 1 FROM dim d WHERE d.dk > s.nn * 3 AND d.cat = 'A');

-- subq_exists_in_or
SELECT d.dk FROM dim d WHERE d.cat = 'A' OR EXISTS (SELECT 1 FROM fact f WHERE f.fk = d.dk AND f.qty = 50);

-- subq_in_in_or
SELECT d.dk FROM dim d WHERE d.dk IN (SELECT fk FROM fact WHERE qty > 48) OR d.weight > 90;

-- subq_not_in_in_or_with_nulls
SELECT id, i32 FROM t WHERE i32 NOT IN (SELECT wn FROM sets) OR g = 0;

-- subq_scalar_in_case
SELECT d.dk, CASE WHEN (SELECT count(*) FROM fact f WHERE f.fk = d.dk) > 10 THEN 'busy' ELSE 'quiet' END FROM dim d;

-- subq_scalar_in_join_condition
SELECT f.fid, d.dk FROM fact f JOIN dim d ON f.fk = d.dk AND f.qty > (SELECT avg(qty) FROM fact);

-- subq_global_aggregate_over_empty_join
SELECT count(*), sum(f.qty), max(e.dname) FROM fact f JOIN empty_dim e ON f.fk = e.dk;

-- subq_correlated_scalar_on_empty_outer
SELECT e.dk, (SELECT count(*) FROM fact f WHERE f.fk = e.dk) FROM empty_dim e;

-- subq_exists_correlated_string_key
SELECT s.skey, s.sval FROM sdim s WHERE EXISTS (SELECT 1 FROM fact f WHERE f.sk = s.skey AND f.qty > 45);

-- subq_not_exists_correlated_null_key
SELECT s.skey, s.sval FROM sdim s WHERE NOT EXISTS (SELECT 1 FROM fact f WHERE f.sk = s.skey);

-- subq_in_tuple_multi_column
SELECT f.fid FROM fact f WHERE (f.fk, f.fk2) IN (SELECT a, b FROM dim2);
