-- join_inner_dense_key
SELECT f.fid, f.fk, d.dname, d.price FROM fact f JOIN dim d ON f.fk = d.dk;

-- join_inner_reversed_sides
SELECT f.fid, d.dk, d.cat FROM dim d JOIN fact f ON d.dk = f.fk;

-- join_inner_aggregate
SELECT d.cat, count(*), sum(f.amount), sum(f.qty * d.price) FROM fact f JOIN dim d ON f.fk = d.dk GROUP BY d.cat;

-- join_left_missing_keys
SELECT f.fid, f.fk, d.dname FROM fact f LEFT JOIN dim d ON f.fk = d.dk;

-- join_left_anti_pattern
SELECT f.fid, f.fk FROM fact f LEFT JOIN dim d ON f.fk = d.dk WHERE d.dk IS NULL;

-- join_left_dim_unmatched
SELECT d.dk, count(f.fid), sum(f.qty) FROM dim d LEFT JOIN fact f ON f.fk = d.dk GROUP BY d.dk;

-- join_right
SELECT f.fid, d.dk, d.dname FROM fact f RIGHT JOIN dim d ON f.fk = d.dk;

-- join_full_outer
SELECT f.fid, f.fk, d.dk, d.dname FROM fact f FULL OUTER JOIN dim d ON f.fk = d.dk;

-- join_full_outer_counts
SELECT count(*), count(f.fid), count(d.dk), count(f.fk) FROM fact f FULL JOIN dim d ON f.fk = d.dk;

-- join_cross
SELECT d.dk, s.nn FROM dim d CROSS JOIN sets s;

-- join_cross_with_filter
SELECT d.dk, s.nn, d.dk * s.nn FROM dim d CROSS JOIN sets s WHERE d.dk + s.nn = 21;

-- join_comma_where
SELECT f.fid, d.dname FROM fact f, dim d WHERE f.fk = d.dk AND d.cat = 'A';

-- join_comma_three_tables
SELECT f.fid, d.dname, s.sval FROM fact f, dim d, sdim s WHERE f.fk = d.dk AND f.sk = s.skey AND f.qty > 40;

-- join_residual_non_equi
SELECT f.fid, d.dk FROM fact f JOIN dim d ON f.fk = d.dk AND f.qty > d.weight / 2;

-- join_residual_decimal
SELECT f.fid, d.dk, f.amount, d.price FROM fact f JOIN dim d ON f.fk = d.dk AND f.amount > d.price;

-- join_left_residual_in_on
SELECT f.fid, d.dk FROM fact f LEFT JOIN dim d ON f.fk = d.dk AND d.cat = 'B';

-- join_left_filter_in_where
SELECT f.fid, d.dk FROM fact f LEFT JOIN dim d ON f.fk = d.dk WHERE d.cat = 'B';

-- join_full_residual
SELECT f.fid, d.dk FROM fact f FULL JOIN dim d ON f.fk = d.dk AND f.qty < 10;

-- join_right_residual
SELECT f.fid, d.dk FROM fact f RIGHT JOIN dim d ON f.fk = d.dk AND f.fk2 = 1;

-- join_self
SELECT a.fid, b.fid FROM fact a JOIN fact b ON a.fk = b.fk AND a.fid < b.fid AND a.fk2 = b.fk2;

-- join_self_aggregate_large_fanout
SELECT count(*), sum(CAST(a.i16 AS BIGINT) * b.i16) FROM t a JOIN t b ON a.i32 = b.i32;

-- join_self_count_by_key
SELECT a.i32, count(*) FROM t a JOIN t b ON a.i32 = b.i32 GROUP BY a.i32;

-- join_multi_column_keys
SELECT f.fid, f.fk, f.fk2, d.label FROM fact f JOIN dim2 d ON f.fk = d.a AND f.fk2 = d.b;

-- join_multi_column_left
SELECT f.fid, d.label FROM fact f LEFT JOIN dim2 d ON f.fk = d.a AND f.fk2 = d.b;

-- join_multi_column_full
SELECT f.fid, d.a, d.b, d.label FROM fact f FULL JOIN dim2 d ON f.fk = d.a AND f.fk2 = d.b;

-- join_null_keys_never_match
SELECT count(*) FROM fact a JOIN fact b ON a.fk = b.fk WHERE a.fk IS NULL;

-- join_null_keys_left_preserved
SELECT a.fid, d.dk FROM fact a LEFT JOIN dim d ON a.fk = d.dk WHERE a.fk IS NULL;

-- join_string_keys
SELECT f.fid, f.sk, s.sval FROM fact f JOIN sdim s ON f.sk = s.skey;

-- join_string_keys_left
SELECT f.fid, f.sk, s.sval FROM fact f LEFT JOIN sdim s ON f.sk = s.skey;

-- join_string_keys_full
SELECT f.sk, s.skey, count(*) FROM fact f FULL JOIN sdim s ON f.sk = s.skey GROUP BY f.sk, s.skey;

-- join_string_to_other_dictionary
SELECT t.id, t.s_lo, s.sval FROM t JOIN sdim s ON t.s_lo = s.skey;

-- join_sparse_large_keys
SELECT l.lv, r.rv, l.k FROM sparse_l l JOIN sparse_r r ON l.k = r.k;

-- join_sparse_left
SELECT l.lv, r.rv FROM sparse_l l LEFT JOIN sparse_r r ON l.k = r.k;

-- join_sparse_full_counts
SELECT count(*), count(l.lv), count(r.rv) FROM sparse_l l FULL JOIN sparse_r r ON l.k = r.k;

-- join_using
SELECT k, lv, rv FROM sparse_l JOIN sparse_r USING (k);

-- join_mixed_int_widths
SELECT f.fid, d.dk FROM fact f JOIN dim d ON f.fk2 = d.dk;

-- join_int_to_decimal_key
SELECT f.qty, count(*), sum(t.m) FROM fact f JOIN t ON round(t.m, -3) = f.qty * 1000 GROUP BY f.qty;

-- join_on_expression
SELECT f.fid, d.dk FROM fact f JOIN dim d ON f.fk + 1 = d.dk;

-- join_on_date_key
SELECT f.fid, t.id FROM fact f JOIN t ON f.fdate = t.dt;

-- join_with_empty_inner
SELECT f.fid, e.dk FROM fact f JOIN empty_dim e ON f.fk = e.dk;

-- join_with_empty_left_preserved
SELECT f.fid, e.dname FROM fact f LEFT JOIN empty_dim e ON f.fk = e.dk;

-- join_empty_left_side
SELECT e.dk, f.fid FROM empty_dim e LEFT JOIN fact f ON f.fk = e.dk;

-- join_with_empty_full
SELECT f.fid, e.dk FROM fact f FULL JOIN empty_dim e ON f.fk = e.dk;

-- join_with_empty_cross
SELECT count(*) FROM dim CROSS JOIN empty_dim;

-- join_band_non_equi_only
SELECT a.dk, b.dk FROM dim a JOIN dim b ON a.dk < b.dk AND b.dk <= a.dk + 2;

-- join_inequality_only_left
SELECT s.nn, d.dk FROM sets s LEFT JOIN dim d ON d.dk > s.nn * 2;

-- join_or_condition
SELECT f.fid, d.dk FROM fact f JOIN dim d ON f.fk = d.dk OR f.fk2 = d.dk;

-- join_three_way_chain
SELECT f.fid, d.dname, d2.label FROM fact f JOIN dim d ON f.fk = d.dk JOIN dim2 d2 ON d.dk = d2.a AND f.fk2 = d2.b;

-- join_left_then_inner
SELECT f.fid, d.dk, s.sval FROM fact f LEFT JOIN dim d ON f.fk = d.dk JOIN sdim s ON f.sk = s.skey;

-- join_chain_left_left
SELECT f.fid, d.dk, s.sval FROM fact f LEFT JOIN dim d ON f.fk = d.dk LEFT JOIN sdim s ON f.sk = s.skey;

-- join_derived_tables
SELECT x.fk, x.c, d.dname FROM (SELECT fk, count(*) AS c FROM fact GROUP BY fk) x JOIN dim d ON x.fk = d.dk;

-- join_group_order_limit
SELECT d.dname, sum(f.amount) AS total FROM fact f JOIN dim d ON f.fk = d.dk GROUP BY d.dname ORDER BY total DESC, d.dname LIMIT 10;

-- join_duplicate_build_keys
SELECT f.fid, s.skey, s.sval FROM fact f JOIN sdim s ON f.sk = s.skey WHERE s.skey = 'beta';

-- join_select_star
SELECT * FROM dim2 d JOIN sdim s ON d.b = s.sval;

-- join_filter_both_sides
SELECT f.fid, d.dk FROM fact f JOIN dim d ON f.fk = d.dk WHERE f.qty > 25 AND d.weight < 50 AND f.sk IS NOT NULL;

-- join_coalesce_full_keys
SELECT COALESCE(l.k, r.k) AS k, count(*) FROM sparse_l l FULL JOIN sparse_r r ON l.k = r.k GROUP BY COALESCE(l.k, r.k);

-- join_tpch_style_four_tables
SELECT n.n_name, count(*) FROM customer c JOIN orders o ON c.c_custkey = o.o_custkey JOIN nation n ON c.c_nationkey = n.n_nationkey JOIN region r ON n.n_regionkey = r.r_regionkey WHERE r.r_name = 'EUROPE' GROUP BY n.n_name;
