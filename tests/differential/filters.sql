-- where_int_eq
SELECT id, i32 FROM t WHERE i32 = 7;

-- where_int_range
SELECT id, i16 FROM t WHERE i16 > -50 AND i16 <= 50;

-- where_int64_large
SELECT id, i64 FROM t WHERE i64 > 500000000000 OR i64 < -900000000000;

-- where_double
SELECT id, d FROM t WHERE d > 100.5;

-- where_double_negative
SELECT id, d FROM t WHERE d < -150 OR d = 0;

-- where_decimal_literal_same_scale
SELECT id, m FROM t WHERE m >= 50000.00;

-- where_decimal_literal_other_scale
SELECT id, m FROM t WHERE m > 99.995 AND m < 5000.1;

-- where_decimal_vs_int
SELECT id, m, m4 FROM t WHERE m4 > 1000 AND m < 0;

-- where_decimal_eq
SELECT id FROM t WHERE m4 = m4 AND m = CAST(m AS DECIMAL(18, 4));

-- where_date_range
SELECT id, dt FROM t WHERE dt BETWEEN DATE '1968-01-01' AND DATE '1972-12-31';

-- where_date_pre_epoch
SELECT id, dt FROM t WHERE dt < DATE '1970-01-01' AND dt >= DATE '1900-02-28';

-- where_date_leap_day
SELECT id, dt FROM t WHERE EXTRACT(month FROM dt) = 2 AND EXTRACT(day FROM dt) = 29;

-- where_date_interval
SELECT id, dt FROM t WHERE dt >= DATE '1994-01-01' AND dt < DATE '1994-01-01' + INTERVAL 1 YEAR;

-- where_timestamp
SELECT id, ts FROM t WHERE ts >= TIMESTAMP '1999-06-01 12:00:00' AND ts < TIMESTAMP '2001-01-01 00:00:00';

-- where_string_eq
SELECT id, s_lo FROM t WHERE s_lo = 'apple';

-- where_string_empty
SELECT id, s_lo FROM t WHERE s_lo = '';

-- where_string_non_ascii
SELECT id, s_lo FROM t WHERE s_lo = '日本語' OR s_lo = 'ümlaut';

-- where_string_range
SELECT id, s_hi FROM t WHERE s_hi >= 'm' AND s_hi < 'q';

-- where_like
SELECT id, s_hi FROM t WHERE s_hi LIKE '%ab%';

-- where_like_escape_percent
SELECT id, s_lo FROM t WHERE s_lo LIKE '%\%%' ESCAPE '\';

-- where_not_like
SELECT id, s_lo FROM t WHERE s_lo NOT LIKE '%a%';

-- where_in_strings
SELECT id, s_lo FROM t WHERE s_lo IN ('a_b', 'a%b', '100%');

-- where_not_in_ints
SELECT id, i32 FROM t WHERE i32 NOT IN (0, 1, 2, 3, 4, 5) AND i32 > -3;

-- where_not_in_with_null_list
SELECT id FROM t WHERE i32 NOT IN (1, 2, NULL);

-- where_bool_column
SELECT id FROM t WHERE b;

-- where_not_bool_column
SELECT id FROM t WHERE NOT b;

-- where_bool_is_not_true
SELECT id, b FROM t WHERE b IS NOT TRUE;

-- where_null_literal
SELECT id FROM t WHERE NULL;

-- where_eq_null_no_rows
SELECT id FROM t WHERE i32 = NULL;

-- where_is_null
SELECT id, i32 FROM t WHERE i32 IS NULL;

-- where_is_not_null_multi
SELECT id FROM t WHERE i32 IS NOT NULL AND d IS NOT NULL AND s_lo IS NOT NULL AND m IS NOT NULL;

-- where_or_with_nulls
SELECT id FROM t WHERE i32 > 40 OR d > 200;

-- where_three_valued_not
SELECT id FROM t WHERE NOT (i32 > 0 AND d > 0);

-- where_column_vs_column
SELECT id, i32, i16 FROM t WHERE i32 * 2 > i16;

-- where_mod
SELECT id, i32 FROM t WHERE i32 % 3 = -1;

-- where_case_expression
SELECT id FROM t WHERE CASE WHEN g < 3 THEN i32 > 0 ELSE i32 < 0 END;

-- where_coalesce
SELECT id FROM t WHERE COALESCE(i32, 0) = 0;

-- where_always_false
SELECT id, s_lo FROM t WHERE 1 = 0;

-- where_always_true
SELECT count(*) FROM t WHERE 1 = 1;

-- where_id_dense_range
SELECT id, i32 FROM t WHERE id BETWEEN 100 AND 120;

-- where_on_empty
SELECT id, s_lo FROM empty WHERE i32 > 0;

-- where_on_one
SELECT id, s_lo FROM one WHERE s_lo LIKE 'a\_b' ESCAPE '\';

-- where_many_conjuncts
SELECT id FROM t WHERE g > 1 AND g < 8 AND i32 > -40 AND i16 < 250 AND d > -200 AND s_lo <> 'zeta' AND b IS NOT NULL;

-- where_between_symmetric_reversed
SELECT id FROM t WHERE i32 BETWEEN 10 AND -10;

-- where_length
SELECT id, s_hi FROM t WHERE length(s_hi) >= 9;

-- where_upper
SELECT id, s_lo FROM t WHERE upper(s_lo) = 'APPLE';

-- where_substring
SELECT id, s_hi FROM t WHERE substring(s_hi, 1, 1) = 'a';

-- where_extract_year
SELECT id, dt FROM t WHERE EXTRACT(year FROM dt) = 2000;

-- where_in_many_ints
SELECT id, i32 FROM t WHERE i32 IN (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -1, -2);

-- where_in_strings_absent_and_null
SELECT id, s_lo FROM t WHERE s_lo IN ('a_b', 'no such value', NULL) OR s_lo NOT IN ('a%b', 'zzz');

-- where_in_doubles_and_decimals
SELECT id FROM t WHERE d IN (100.5, 0, -150) OR m IN (50000.00, 99.99);
