-- edge_select_all
SELECT * FROM edge;

-- edge_int64_limits_order
SELECT i, k FROM edge ORDER BY i NULLS FIRST, k;

-- edge_int64_limits_min_max_count
SELECT min(i), max(i), count(DISTINCT i), count(i) FROM edge;

-- edge_int64_limits_compare
SELECT k, i > 0, i = 9223372036854775807, i < -9223372036854775807, i BETWEEN -42 AND 42 FROM edge;

-- edge_int64_limits_group
SELECT i, count(*) FROM edge GROUP BY i;

-- edge_int64_limits_self_join
SELECT a.k, b.k FROM edge a JOIN edge b ON a.i = b.i;

-- edge_int64_small_arith
SELECT k, i // 2, i % 10, i // -3 FROM edge WHERE i BETWEEN -1000 AND 1000;

-- edge_int64_limits_to_double
SELECT k, CAST(i AS DOUBLE) FROM edge;

-- edge_double_specials_select
SELECT k, f, f * 2, -f, abs(f) FROM edge WHERE k NOT IN (5, 11);

-- edge_double_order_nan_inf
SELECT f, k FROM edge ORDER BY f, k;

-- edge_double_order_desc
SELECT f, k FROM edge ORDER BY f DESC NULLS FIRST, k;

-- edge_double_nan_compare
SELECT k, f = f, f > 1e300, f < 0, f IS NULL FROM edge;

-- edge_double_group_nan_signed_zero
SELECT f, count(*) FROM edge GROUP BY f;

-- edge_double_min_max
SELECT min(f), max(f) FROM edge WHERE k NOT IN (5, 11);

-- edge_double_min_max_with_nan
SELECT min(f), max(f), count(f), count(DISTINCT f) FROM edge;

-- edge_double_inf_arith
SELECT k, f + 1, f - f FROM edge WHERE k IN (3, 4, 6, 7, 8);

-- edge_double_division_by_zero
SELECT k, f / 0, 1 / f FROM edge WHERE k IN (1, 2, 9, 12);

-- edge_int_division_by_zero_double
SELECT k, i / 0 FROM edge WHERE k IN (3, 4, 5, 10);

-- edge_dates_extract
SELECT dd, EXTRACT(year FROM dd), EXTRACT(month FROM dd), EXTRACT(day FROM dd) FROM edge;

-- edge_dates_order
SELECT dd, k FROM edge ORDER BY dd NULLS FIRST;

-- edge_dates_interval
SELECT dd, CAST(dd + INTERVAL 1 MONTH AS DATE), CAST(dd - INTERVAL 1 YEAR AS DATE), dd + 1 FROM edge WHERE dd < DATE '9000-01-01' AND dd > DATE '0001-12-31';

-- edge_dates_days_since_epoch
SELECT dd, dd - DATE '1970-01-01' FROM edge;

-- edge_dates_to_varchar
SELECT k, CAST(dd AS VARCHAR) FROM edge;

-- edge_dates_min_max
SELECT min(dd), max(dd) FROM edge;

-- edge_strings_order
SELECT s, k FROM edge ORDER BY s NULLS FIRST;

-- edge_strings_functions
SELECT k, length(s), upper(s), lower(s), s || '|' FROM edge;

-- edge_strings_like_special
SELECT k, s LIKE '%\%%' ESCAPE '\', s LIKE '%\\%' ESCAPE '\', s LIKE '''', s = 'NULL', s LIKE '_' FROM edge;

-- edge_strings_empty_vs_null
SELECT k FROM edge WHERE s = '';

-- edge_strings_long_substring
SELECT k, substring(s, 295, 10), length(substring(s, 2, 500)) FROM edge WHERE length(s) > 100;

-- edge_strings_group_min_max
SELECT min(s), max(s), count(DISTINCT s) FROM edge;

-- edge_strings_compare_columns
SELECT a.k, b.k FROM edge a JOIN edge b ON a.s < b.s WHERE a.k < 5 AND b.k < 5;
