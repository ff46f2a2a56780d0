"""Every registry function against DuckDB: over table t's columns (NULLs, '', non-ASCII text,
negative and fractional numbers), with constants, NULL arguments, non-constant arguments and
`?` parameters; errors where DuckDB raises; random()'s range. The docs table must be current."""
from __future__ import annotations

import pathlib

import pytest

from tqp import functions as F

# (name, SQL expression over t). Each runs as SELECT id, <expr> FROM t ORDER BY id.
STRINGS = [
    ("upper", "upper(s_hi)"), ("lower", "lcase(s_lo)"), ("length", "length(s_lo)"),
    ("char_length", "char_length(s_hi)"), ("strlen", "strlen(s_lo)"), ("bit_length", "bit_length(s_lo)"),
    ("trim_chars", "trim(s_hi, 'ab ')"), ("ltrim_chars", "ltrim(s_lo, 'a ')"), ("rtrim_chars", "rtrim(s_hi, 'z%')"),
    ("trim_both_from", "trim(both 'a' from s_lo)"), ("trim_col_chars", "trim(s_hi, s_lo)"),
    ("replace", "replace(s_lo, 'a', 'XY')"), ("replace_empty", "replace(s_lo, '', 'x')"),
    ("replace_cols", "replace(s_hi, s_lo, '#')"), ("replace_unicode", "replace(s_lo, 'ü', 'ue')"),
    ("reverse", "reverse(s_lo)"), ("left", "left(s_lo, 2)"), ("left_neg", "left(s_hi, -2)"),
    ("right", "right(s_lo, 3)"), ("right_neg", "right(s_hi, -1)"), ("left_col", "left(s_hi, g - 3)"),
    ("substring_cols", "substring(s_hi, g - 4, i32 % 4)"), ("substr_col_start", "substr(s_lo, g)"),
    ("strpos", "strpos(s_lo, 'a')"), ("instr", "instr(s_hi, 'b')"), ("position_in", "position('p' in s_lo)"),
    ("strpos_unicode", "strpos(s_lo, 'l')"), ("strpos_cols", "strpos(s_hi, s_lo)"),
    ("lpad", "lpad(s_lo, 8, '*')"), ("rpad", "rpad(s_lo, 4, 'xy')"), ("lpad_unicode", "lpad(s_hi, 12, 'é')"),
    ("lpad_col_width", "lpad(s_lo, g, '-')"), ("rpad_neg", "rpad(s_hi, -1, 'x')"),
    ("split_part", "split_part(s_hi, 'a', 2)"), ("split_part_neg", "split_part(s_lo, 'a', -1)"),
    ("split_part_zero", "split_part(s_lo, ' ', 0)"), ("split_part_empty_delim", "split_part(s_lo, '', 2)"),
    ("split_part_col", "split_part(s_hi, ' ', g - 5)"),
    ("starts_with", "starts_with(s_lo, 'a')"), ("caret_at", "s_lo ^@ 'A'"), ("ends_with", "ends_with(s_hi, 'a')"),
    ("starts_with_empty", "starts_with(s_lo, '')"), ("prefix_cols", "prefix(s_hi, s_lo)"),
    ("suffix", "suffix(s_lo, 'e')"), ("contains", "contains(s_hi, 'ab')"),
    ("repeat", "repeat(s_lo, 2)"), ("repeat_col", "repeat(s_lo, g - 5)"),
    ("ascii", "ascii(s_lo)"), ("chr", "chr(i32 + 100)"), ("chr_unicode", "chr(g * 1000 + 200)"),
    ("md5", "md5(s_lo)"), ("translate", "translate(s_hi, 'abc', 'xy')"),
    ("concat_ws", "concat_ws('-', s_lo, s_hi, NULL)"), ("concat_ws_col_sep", "concat_ws(s_lo, 'a', 'b')"),
    ("regexp_matches", "regexp_matches(s_hi, 'a.c')"), ("regexp_matches_i", "regexp_matches(s_lo, '^a', 'i')"),
    ("regexp_full_match", "regexp_full_match(s_hi, '[a-z ]+')"), ("regexp_tilde", "s_hi ~ '^[A-Z]'"),
    ("regexp_replace", "regexp_replace(s_hi, '[aeiou]', '#')"),
    ("regexp_replace_g", "regexp_replace(s_hi, '[aeiou]', '#', 'g')"),
    ("regexp_replace_group", "regexp_replace(s_lo, '(a)(.)', '\\2\\1', 'g')"),
    ("regexp_replace_col", "regexp_replace(s_hi, s_lo, '!')"),
    ("regexp_extract", "regexp_extract(s_hi, '[a-c]+')"), ("regexp_extract_group", "regexp_extract(s_hi, '(a)(b?)', 2)"),
    ("upper_of_replace", "upper(replace(s_lo, 'p', 'q')) || reverse(s_hi)"),
]
MATH = [
    ("power", "power(d, 2)"), ("pow_frac", "pow(abs(d), 0.5)"), ("power_neg", "power(-2, i32)"),
    ("starstar", "i32 ** 2"), ("sqrt", "sqrt(d)"), ("sqrt_int", "sqrt(i64)"), ("sqrt_dec", "sqrt(m)"),
    ("cbrt", "cbrt(d)"), ("exp", "exp(d / 100)"), ("ln", "ln(d)"), ("log", "log(m)"), ("log_base", "log(2, abs(d))"),
    ("log10", "log10(i64)"), ("log2", "log2(d)"), ("sign_d", "sign(d)"), ("sign_m", "sign(m)"),
    ("sign_i", "sign(i32)"), ("sin", "sin(d)"), ("cos", "cos(m)"), ("tan", "tan(i32)"), ("asin", "asin(d / 100)"),
    ("acos", "acos(d / 100)"), ("atan", "atan(d)"), ("atan2", "atan2(d, i32)"), ("cot", "cot(d)"),
    ("sinh", "sinh(d / 100)"), ("cosh", "cosh(d / 100)"), ("tanh", "tanh(d)"), ("asinh", "asinh(d)"),
    ("acosh", "acosh(abs(d))"), ("atanh", "atanh(d / 200)"), ("pi", "pi() * i32"),
    ("degrees", "degrees(d)"), ("radians", "radians(m)"), ("trunc_d", "trunc(d)"), ("trunc_m", "trunc(m)"),
    ("trunc_m_digits", "trunc(m4, 2)"), ("trunc_neg_digits", "trunc(m, -1)"), ("trunc_int", "trunc(i32, -1)"),
    ("trunc_d_digits", "trunc(d, 1)"), ("round_int_neg", "round(i32, -1)"), ("round_m", "round(m, 1)"),
    ("floor_m", "floor(m)"), ("ceil_d", "ceiling(d)"), ("abs", "abs(i32) + abs(m)"),
    ("gcd", "gcd(i32, g)"), ("gcd_big", "gcd(i64, 1000)"), ("lcm", "lcm(i16, g)"),
    ("bit_count", "bit_count(i32)"), ("bit_count_big", "bit_count(i64)"), ("bit_count_small", "bit_count(i16)"),
    ("isnan", "isnan(d)"), ("isinf", "isinf(d * 1e308)"), ("isfinite", "isfinite(d)"), ("isnan_int", "isnan(i32)"),
    ("mod", "mod(i32, 7)"), ("mod_dec", "mod(m, 3)"), ("factorial", "factorial(g + 10)"),
]


@pytest.mark.parametrize("expr", [pytest.param(e, id=n) for n, e in STRINGS + MATH])
def test_over_columns(check, expr):
    check(f"SELECT id, {expr} FROM t ORDER BY id")


CONSTANTS = [
    "replace('abc', 'b', 'xx')", "reverse('héllo')", "left('héllo', -2)", "right('', 3)", "strpos('abc', '')",
    "lpad('héllo', 3, 'ab')", "lpad('abc', -1, 'x')", "split_part('a,b,c', ',', 5)", "repeat('ab', -1)",
    "ascii('')", "ascii('€')", "chr(0)", "md5('')", "length('')", "strlen('é')", "trim('abcba', 'ab')",
    "trim('abc', '')", "regexp_replace('abc', '', '-', 'g')", "regexp_extract('abc', 'b', 5)",
    "regexp_extract('abc', '(x)?b', 1)", "regexp_matches('A\nb', 'a.b', 'is')", "regexp_replace('aBc', 'b', 'x', 'gi')",
    "regexp_replace('a.b.c', '.', 'x', 'gl')", "sqrt(-1)", "ln(0)", "log(0)", "log(1, 8)", "log(-2, 8)", "acos(2)",
    "exp(1000)", "power(0, -1)", "power(-8, 1.0 / 3)", "sign('nan'::DOUBLE)", "sign(-0.0)", "gcd(0, 0)", "lcm(0, 5)",
    "bit_count(-1)", "bit_count(-1::BIGINT)", "factorial(0)", "factorial(33)", "trunc(-2.5, 0)", "trunc(2.567, 2)",
    "cot(0)", "isinf('-inf'::DOUBLE)", "isnan('nan'::DOUBLE)", "trunc(25, -1)", "sqrt('4')", "pi()",
    "mod(-7, 3)", "mod(7.5, 2)",
    # NULL arguments, typed and untyped
    "replace(NULL, 'a', 'b')", "left('abc', NULL)", "lpad('abc', 5, NULL)", "strpos('abc', NULL)",
    "starts_with(NULL, 'a')", "md5(NULL)", "chr(NULL)", "ascii(NULL)", "split_part(NULL, ',', 1)",
    "regexp_matches(NULL, 'a')", "sqrt(NULL)", "power(2, NULL)", "atan2(NULL, 1)", "sign(NULL)", "gcd(NULL, 3)",
    "bit_count(CAST(NULL AS INTEGER))", "isnan(NULL)", "trunc(CAST(NULL AS DOUBLE))", "log(NULL, 2)",
    "concat_ws(NULL, 'a')", "reverse(CAST(NULL AS VARCHAR))",
]


@pytest.mark.parametrize("expr", CONSTANTS)
def test_constants(check, expr):
    check(f"SELECT {expr}")


@pytest.mark.parametrize("expr", CONSTANTS[:20])
def test_constants_on_rows(check, expr):
    """The same calls per row of a table (columns broadcast against constants)."""
    check(f"SELECT id, {expr}, s_lo FROM t WHERE id <= 20 ORDER BY id")


PARAMS = [
    ("replace(s_lo, ?, ?)", ["a", "-"]), ("left(s_hi, ?)", [3]), ("lpad(s_lo, ?, ?)", [6, "."]),
    ("split_part(?, ',', g)", ["a,b,c,d"]), ("strpos(s_hi, ?)", ["a"]), ("regexp_replace(s_hi, ?, ?, 'g')", ["[ab]", "_"]),
    ("regexp_extract(s_hi, ?, ?)", ["(a)(b)", 1]), ("chr(?)", [233]), ("power(d, ?)", [3]), ("log(?, abs(d))", [3]),
    ("trunc(m, ?)", [1]), ("gcd(i32, ?)", [6]), ("repeat(?, g)", ["ab"]), ("md5(?)", ["x"]),
]


@pytest.mark.parametrize("expr,params", PARAMS, ids=[p[0] for p in PARAMS])
def test_parameters(check, expr, params):
    check(f"SELECT id, {expr} FROM t ORDER BY id", params)


ERRORS = [
    "lpad('abc', 5, '')", "chr(-1)", "chr(1114112)", "factorial(-1)", "factorial(34)",
    "lcm(9223372036854775807, 2)", "regexp_matches('abc', '(')", "regexp_replace('abc', 'b', 'x', 'x')",
    "regexp_replace('abc', '(b)', '\\2')", "regexp_extract('aaa', 'a', -1)", "octet_length('abc')",
    "left('abc')", "upper(1)", "strpos(123, '2')", "sqrt('x')", "gcd(12.5, 3)", "chr(65.5)", "no_such_fn(1)",
]


@pytest.mark.parametrize("expr", ERRORS)
def test_errors_where_duckdb_raises(tqp_module, tqp_con, duck, expr):
    import duckdb
    with pytest.raises(duckdb.Error):
        duck.execute(f"SELECT {expr}").fetchall()
    with pytest.raises(tqp_module.Error) as err:
        tqp_con.execute(f"SELECT {expr}").fetchall()
    assert not isinstance(err.value, tqp_module.InternalError), err.value


def test_failing_values_only_fail_where_rows_reach_them(check):
    """lpad with an empty fill fails only for a row that needs padding; chr only for a bad code."""
    check("SELECT id, lpad(s_lo, 2, '') FROM t WHERE length(s_lo) >= 2 ORDER BY id")
    check("SELECT id, chr(CASE WHEN i32 < 0 THEN 65 ELSE i32 END) FROM t ORDER BY id")


def test_random_range(tqp_con):
    rows = tqp_con.execute("SELECT random() AS r, random() AS q FROM t").fetchall()
    values = [r for row in rows for r in row]
    assert all(0.0 <= v < 1.0 for v in values)
    assert len(set(values)) > len(values) // 2  # one value per row, not one constant


def test_unknown_function_suggests_a_registered_one(tqp_module, tqp_con):
    with pytest.raises(tqp_module.ProgrammingError, match='did you mean "split_part"'):
        tqp_con.execute("SELECT splt_part('a,b', ',', 1)")


def test_aggregate_result_types_come_from_the_registry(check):
    check("SELECT g, sum(m), sum(d), sum(i32), avg(i32), stddev(d), variance(m), count(s_lo), min(s_lo) "
          "FROM t GROUP BY g ORDER BY g")


def test_docs_table_is_current():
    path = pathlib.Path(__file__).resolve().parents[2] / "docs" / "functions.md"
    assert path.read_text(encoding="utf-8") == F.docs.markdown(), \
        "docs/functions.md is stale: run `python -m tqp.functions`"
