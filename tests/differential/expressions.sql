-- arith_int_add_sub_mul
SELECT id, i32 + i16, i32 - i16, i32 * i16, CAST(i16 AS INTEGER) * i16 FROM t;

-- arith_int64_mix
SELECT id, i64 + i32, i64 - i16, i64 * 3, i64 + id FROM t;

-- arith_int_div_gives_double
SELECT id, i32 / 7, i16 / 3, id / 4 FROM t;

-- arith_intdiv_mod_negative_literals
SELECT 7 // 2, -7 // 2, 7 // -2, -7 // -2, 7 % 3, -7 % 3, 7 % -3, -7 % -3;

-- arith_intdiv_mod_negative_columns
SELECT id, i32 // 7, i32 % 7, i16 // -4, i16 % -4, i64 // 1000, i64 % 1000 FROM t;

-- arith_intdiv_mod_by_column
SELECT id, i16 // NULLIF(i32, 0), i16 % NULLIF(i32, 0) FROM t;

-- arith_div_by_column
SELECT id, i16 / NULLIF(i32, 0), d / NULLIF(i32, 0) FROM t;

-- arith_double_ops
SELECT id, d + 1.5, d * d, d - i32, d / 3, d * i16 FROM t;

-- arith_unary_minus_abs
SELECT id, -i32, -d, -m, -i64, abs(i16), abs(d), abs(m), abs(m4) FROM t;

-- arith_precedence
SELECT id, i32 + i16 * 2 - g % 3, (i32 + i16) * 2, -i32 * -2, 100 - g - 1 FROM t;

-- arith_constant_only
SELECT 1 + 2 * 3, (1 + 2) * 3, 2.5 * 4, 1 / 4, 10 - 3 - 2, 2 * -3;

-- arith_null_propagation
SELECT id, i32 + NULL, NULL * d, i16 - CAST(NULL AS INTEGER) FROM t;

-- arith_mixed_int_widths
SELECT id, i16 + i32 + i64, g * i16, i16 * 100 FROM t;

-- decimal_add_sub
SELECT id, m + m, m - 1.25, m + 0.01, 1000 - m FROM t;

-- decimal_mul_int
SELECT id, m * 2, m * i32, m4 * g FROM t;

-- decimal_mul_decimal_scale
SELECT id, m * m4, m * 1.1, m4 * m4 FROM t;

-- decimal_mixed_scale_add
SELECT id, m + m4, m4 - m, m4 + 0.00005 FROM t;

-- decimal_div_gives_double
SELECT id, m / 3, m / NULLIF(m4, 0), m4 / 7 FROM t;

-- decimal_int_add
SELECT id, m + i16, i32 - m4, m + id FROM t;

-- decimal_compare_columns
SELECT id, m > m4, m = m4, m4 <= 0, m < i32 FROM t;

-- decimal_literal_exact
SELECT 0.1 + 0.2, 0.1 + 0.2 = 0.3, 1.10 * 3, 123.45 - 0.45;

-- decimal_tpch_price_expr
SELECT id, m * (1 - 0.05), m * (1 - 0.05) * (1 + 0.08) FROM t;

-- cast_int_to_double
SELECT id, CAST(i32 AS DOUBLE), CAST(i64 AS DOUBLE), CAST(i16 AS DOUBLE) / 2 FROM t;

-- cast_double_to_int_rounds_half_even
SELECT id, d, CAST(d AS INTEGER), CAST(d * 4 AS BIGINT) FROM t;

-- cast_double_to_int_literals
SELECT CAST(2.5 AS DOUBLE)::INTEGER, CAST(-2.5 AS DOUBLE)::INTEGER, CAST(3.5 AS DOUBLE)::INTEGER, CAST(0.49 AS DOUBLE)::INTEGER;

-- cast_decimal_to_int
SELECT id, CAST(m AS INTEGER), CAST(m4 AS BIGINT) FROM t;

-- cast_int_to_decimal
SELECT id, CAST(i32 AS DECIMAL(15, 2)), CAST(i16 AS DECIMAL(12, 4)) FROM t;

-- cast_decimal_to_double
SELECT id, CAST(m AS DOUBLE), CAST(m4 AS DOUBLE) FROM t;

-- cast_double_to_decimal
SELECT id, CAST(d AS DECIMAL(15, 2)), CAST(d AS DECIMAL(18, 4)) FROM t;

-- cast_decimal_rescale
SELECT id, CAST(m AS DECIMAL(18, 4)), CAST(m4 AS DECIMAL(15, 2)), CAST(m4 AS DECIMAL(10, 1)) FROM t;

-- cast_int_to_varchar
SELECT id, CAST(i32 AS VARCHAR), CAST(i64 AS VARCHAR), CAST(i16 AS VARCHAR) FROM t;

-- cast_varchar_to_int
SELECT CAST('42' AS INTEGER), CAST('-17' AS BIGINT), CAST(' 7 ' AS INTEGER), CAST('0' AS SMALLINT);

-- cast_varchar_column_roundtrip
SELECT id, CAST(CAST(i32 AS VARCHAR) AS INTEGER) = i32 FROM t;

-- cast_decimal_to_varchar
SELECT id, CAST(m AS VARCHAR), CAST(m4 AS VARCHAR) FROM t;

-- cast_double_to_varchar
SELECT id, CAST(CAST(i32 AS DOUBLE) / 4 AS VARCHAR) FROM t;

-- cast_varchar_to_decimal_double
SELECT CAST('12.345' AS DECIMAL(15, 2)), CAST('-0.5' AS DOUBLE), CAST('1e3' AS DOUBLE), CAST('99.99' AS DECIMAL(12, 4));

-- cast_date_to_varchar
SELECT id, CAST(dt AS VARCHAR) FROM t;

-- cast_varchar_to_date
SELECT CAST('2024-02-29' AS DATE), CAST('1969-12-31' AS DATE), CAST('1900-03-01' AS DATE), DATE '2000-02-29';

-- cast_timestamp_to_date
SELECT id, CAST(ts AS DATE) FROM t;

-- cast_date_to_timestamp
SELECT id, CAST(dt AS TIMESTAMP) FROM t;

-- cast_bool_int
SELECT id, CAST(b AS INTEGER), CAST(g % 2 AS BOOLEAN) FROM t;

-- compare_int_ops
SELECT id, i32 = i16, i32 <> i16, i32 < i16, i32 <= i16, i32 > i16, i32 >= i16, i32 != g FROM t;

-- compare_mixed_numeric
SELECT id, i32 < d, d >= i16, m > i32, m4 = m, i64 > d FROM t;

-- compare_strings
SELECT id, s_lo < 'b', s_lo = 'apple', s_lo >= 'Banana', s_hi > s_lo, s_lo <> '' FROM t;

-- compare_dates_timestamps
SELECT id, dt < DATE '1970-01-01', dt = DATE '2000-02-29', dt >= DATE '1999-12-31', ts < TIMESTAMP '2000-01-01 00:00:00', CAST(ts AS DATE) = dt FROM t;

-- compare_bool
SELECT id, b = true, b <> false, b < true FROM t;

-- logic_three_valued_columns
SELECT id, b AND i32 > 0, b OR i32 > 0, NOT b, (i32 > 0) AND NULL, (i32 > 0) OR NULL, NOT (i32 > 0) FROM t;

-- logic_truth_table
SELECT x.a, y.b, x.a AND y.b, x.a OR y.b, NOT x.a FROM (VALUES (true), (false), (NULL)) x(a), (VALUES (true), (false), (NULL)) y(b);

-- logic_nested
SELECT id, (b OR i16 > 100) AND NOT (i32 < -20 OR d IS NULL), NOT NOT b FROM t;

-- is_null_not_null
SELECT id, i32 IS NULL, i32 IS NOT NULL, s_lo IS NULL, d IS NOT NULL, m IS NULL, dt IS NULL, b IS NULL FROM t;

-- is_true_false
SELECT id, b IS TRUE, b IS NOT TRUE, b IS FALSE, b IS NOT FALSE, (i32 > 0) IS TRUE FROM t;

-- is_distinct_from
SELECT id, i32 IS DISTINCT FROM i16, i32 IS NOT DISTINCT FROM NULL, s_lo IS DISTINCT FROM 'apple' FROM t;

-- between_ints
SELECT id, i32 BETWEEN -10 AND 10, i32 NOT BETWEEN -10 AND 10, i16 BETWEEN i32 AND 100 FROM t;

-- between_mixed
SELECT id, d BETWEEN i16 AND i32, m BETWEEN -100 AND 100.5, dt BETWEEN DATE '1960-01-01' AND DATE '1980-12-31', s_lo BETWEEN 'a' AND 'c' FROM t;

-- in_list_ints
SELECT id, i32 IN (1, 2, 3, -5), i32 NOT IN (1, 2, 3), g IN (0) FROM t;

-- in_list_with_null
SELECT id, i32 IN (1, NULL), i32 NOT IN (1, NULL), i32 IN (NULL) FROM t;

-- in_list_strings_dates
SELECT id, s_lo IN ('apple', '', '日本語', 'a_b'), dt IN (DATE '2000-02-29', DATE '1970-01-01'), m IN (0.00, 1234.56) FROM t;

-- in_list_expressions
SELECT id, i32 IN (i16, g, id % 10) FROM t;

-- case_searched
SELECT id, CASE WHEN i32 > 0 THEN 'pos' WHEN i32 < 0 THEN 'neg' ELSE 'zero or null' END FROM t;

-- case_simple
SELECT id, CASE g WHEN 1 THEN 'one' WHEN 2 THEN 'two' WHEN 3 THEN 'three' END FROM t;

-- case_simple_null_operand
SELECT id, CASE i32 WHEN 0 THEN 'zero' WHEN NULL THEN 'never' ELSE 'other' END FROM t;

-- case_no_else_null
SELECT id, CASE WHEN b THEN i32 END, CASE WHEN NULL THEN 1 ELSE 2 END FROM t;

-- case_numeric_promotion
SELECT id, CASE WHEN b THEN i32 ELSE d END, CASE WHEN g < 5 THEN m ELSE i16 END FROM t;

-- case_nested
SELECT id, CASE WHEN i32 IS NULL THEN -1 WHEN i32 > 0 THEN CASE WHEN g > 4 THEN 1 ELSE 2 END ELSE 0 END FROM t;

-- case_dates_decimals
SELECT id, CASE WHEN dt < DATE '1970-01-01' THEN m ELSE -m END, CASE WHEN b THEN dt ELSE DATE '2000-01-01' END FROM t;

-- coalesce_basic
SELECT id, COALESCE(i32, i16, -1), COALESCE(s_lo, 'none'), COALESCE(b, false), COALESCE(dt, DATE '1900-01-01') FROM t;

-- coalesce_numeric_promotion
SELECT id, COALESCE(d, i32), COALESCE(m, m4), COALESCE(i16, i64) FROM t;

-- coalesce_all_null
SELECT id, COALESCE(NULL, i32), COALESCE(CAST(NULL AS INTEGER), NULL) FROM t;

-- nullif_basic
SELECT id, NULLIF(i32, 0), NULLIF(s_lo, ''), NULLIF(g, 3), NULLIF(m, 0) FROM t;

-- round_double
SELECT id, round(d, 2), round(d), round(d, 0), round(d, 1) FROM t;

-- round_decimal
SELECT id, round(m, 1), round(m4, 2), round(m, 0), round(m4, 3) FROM t;

-- round_negative_digits
SELECT id, round(d, -1), round(m, -2) FROM t;

-- floor_ceil
SELECT id, floor(d), ceil(d), floor(m), ceil(m4) FROM t;

-- string_upper_lower
SELECT id, upper(s_lo), lower(s_lo), upper(s_hi), lower(s_hi) FROM t;

-- string_length
SELECT id, length(s_lo), length(s_hi), length('') FROM t;

-- string_substring
SELECT id, substring(s_lo, 2, 3), substring(s_hi, 1, 1), substring(s_lo, 2), substring(s_hi, 5, 10) FROM t;

-- string_substring_non_ascii
SELECT substring('日本語abc', 2, 3), substring('ümlaut', 1, 2), length('naïve'), upper('naïve');

-- string_concat
SELECT id, s_lo || '-' || s_hi, s_lo || CAST(g AS VARCHAR), 'x' || s_lo FROM t;

-- string_concat_null
SELECT id, s_lo || NULL, NULL || s_hi, concat(s_lo, s_hi) FROM t;

-- like_prefix_suffix
SELECT id, s_lo LIKE 'a%', s_lo LIKE '%e', s_lo LIKE '%an%', s_hi LIKE '%a%b%' FROM t;

-- like_underscore
SELECT id, s_lo LIKE 'a_b', s_lo LIKE '_____', s_hi LIKE '_', s_lo LIKE '' FROM t;

-- like_escape
SELECT id, s_lo LIKE 'a\%b' ESCAPE '\', s_lo LIKE 'a\_b' ESCAPE '\', s_lo LIKE '%\%' ESCAPE '\', s_hi LIKE '%\_%' ESCAPE '\' FROM t;

-- like_special_chars_unescaped
SELECT id, s_lo LIKE '%%%', s_lo LIKE '100%', s_hi LIKE '%_%' FROM t;

-- not_like
SELECT id, s_lo NOT LIKE 'a%', s_hi NOT LIKE '%z%' FROM t;

-- like_non_ascii
SELECT id, s_lo LIKE '%本%', s_lo LIKE '_mlaut', s_lo LIKE 'na_ve', s_hi LIKE '%é%' FROM t;

-- ilike
SELECT id, s_lo ILIKE 'apple%', s_lo ILIKE '%BAN%', s_hi NOT ILIKE 'a%' FROM t;

-- extract_date_parts
SELECT id, EXTRACT(year FROM dt), EXTRACT(month FROM dt), EXTRACT(day FROM dt) FROM t;

-- extract_timestamp_parts
SELECT id, EXTRACT(year FROM ts), EXTRACT(month FROM ts), EXTRACT(day FROM ts), EXTRACT(hour FROM ts) FROM t;

-- extract_special_dates
SELECT EXTRACT(year FROM DATE '1969-12-31'), EXTRACT(day FROM DATE '2000-02-29'), EXTRACT(month FROM DATE '1900-03-01'), EXTRACT(day FROM DATE '1904-02-29');

-- date_plus_interval_day
SELECT id, CAST(dt + INTERVAL 1 DAY AS DATE), CAST(dt - INTERVAL 30 DAY AS DATE), CAST(dt + INTERVAL 365 DAY AS DATE) FROM t;

-- date_plus_interval_month
SELECT id, CAST(dt + INTERVAL 1 MONTH AS DATE), CAST(dt - INTERVAL 3 MONTH AS DATE), CAST(dt + INTERVAL 13 MONTH AS DATE) FROM t;

-- date_plus_interval_year
SELECT id, CAST(dt + INTERVAL 1 YEAR AS DATE), CAST(dt - INTERVAL 10 YEAR AS DATE) FROM t;

-- date_interval_month_end_clamp
SELECT DATE '2024-01-31' + INTERVAL 1 MONTH, DATE '2000-02-29' + INTERVAL 1 YEAR, DATE '2023-03-31' - INTERVAL 1 MONTH, DATE '1900-01-31' + INTERVAL 1 MONTH;

-- date_interval_tpch_style
SELECT DATE '1998-12-01' - INTERVAL '90' DAY, DATE '1994-01-01' + INTERVAL '1' YEAR, DATE '1995-09-01' + INTERVAL '1' MONTH;

-- date_plus_integer
SELECT id, dt + 30, dt - 1 FROM t;

-- date_minus_date
SELECT id, dt - DATE '1970-01-01', DATE '2030-01-01' - dt FROM t;

-- date_literal_compare
SELECT DATE '2000-02-29' < DATE '2000-03-01', DATE '1969-12-31' < DATE '1970-01-01', DATE '2024-02-29' = CAST('2024-02-29' AS DATE);

-- timestamp_interval
SELECT id, ts + INTERVAL 1 DAY, ts - INTERVAL 2 MONTH FROM t;

-- one_row_all_types
SELECT id + 1, i16 * 2, i32 - 1, i64 // 7, d * 2, m * 2, m4 + 1, dt + 1, s_lo || s_hi, NOT b FROM one;

-- empty_table_projection
SELECT id + 1, upper(s_lo), m * 2 FROM empty;

-- select_star
SELECT * FROM t;

-- select_star_one
SELECT * FROM one;

-- select_qualified_star_and_alias
SELECT x.*, x.i32 AS again FROM t AS x;

-- select_constants_with_table
SELECT 1, 'a', NULL, id FROM t;

-- select_column_aliases
SELECT id AS k, i32 AS "Mixed Case", d AS "with space" FROM t;
