"""Bitwise operators, GLOB / SIMILAR TO / ~*, typeof, hash, uuid, format / printf, to_base / hex /
bin, even, to_days .. to_millennia, calendar months of a column, time_bucket, era, ORDER BY inside
aggregates and COLLATE, against DuckDB over columns with NULLs (constants and columns in every
argument), and DuckDB's errors where it raises."""
from __future__ import annotations

import datetime as dt
import math
import random

import duckdb
import pyarrow as pa
import pytest

import tqp


def _table() -> pa.Table:
    rng = random.Random(7)
    n = 240
    words = ["apple", "Apple", "APPLE", "banana", "Éclair", "eclair", "cherry", "a*b", "a?c", "[x]", "", "Zoë",
             "zoe", "abc", "ABC", "a.c"]
    patterns = ["a*", "A*", "*e", "?b?", "[a-c]*", "[!a]*", "a[*]b", "*", "", "[", "\\*b", "[Éé]*"]

    def maybe(v, i, k):
        return None if i % k == 3 else v
    return pa.table({
        "id": pa.array(range(n), pa.int32()),
        "a": pa.array([maybe(rng.randint(-300, 300), i, 13) for i in range(n)], pa.int32()),
        "b": pa.array([maybe(rng.choice([rng.randint(-2**62, 2**62), rng.randint(-9, 9), 2**63 - 1, -2**63]), i, 11)
                       for i in range(n)], pa.int64()),
        "sm": pa.array([maybe(rng.randint(-2**15, 2**15 - 1), i, 7) for i in range(n)], pa.int16()),
        "sh": pa.array([maybe(rng.randint(0, 70), i, 17) for i in range(n)], pa.int32()),
        "s": pa.array([maybe(rng.choice(words), i, 9) for i in range(n)]),
        "pat": pa.array([maybe(rng.choice(patterns), i, 19) for i in range(n)]),
        "x": pa.array([maybe(rng.choice([rng.uniform(-50, 50), rng.randint(-5, 5) + 0.5, 0.0, -0.0]), i, 10)
                       for i in range(n)], pa.float64()),
        "g": pa.array([rng.randint(0, 5) for _ in range(n)], pa.int32()),
        "n": pa.array([maybe(rng.randint(-30, 30), i, 8) for i in range(n)], pa.int32()),
        "d": pa.array([maybe(dt.date(1990, 1, 1) + dt.timedelta(days=rng.randint(0, 15000)), i, 12)
                       for i in range(n)], pa.date32()),
        "ts": pa.array([maybe(dt.datetime(1995, 1, 31) + dt.timedelta(microseconds=rng.randrange(10**15)), i, 14)
                        for i in range(n)], pa.timestamp("us")),
    })


@pytest.fixture(scope="module")
def cons(connect, device):
    table = _table()
    t = connect(device)
    t.register("m", table)
    d = duckdb.connect()
    d.register("__m", table)
    d.execute("CREATE TABLE m AS SELECT * FROM __m")
    yield t, d
    t.close()
    d.close()


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or math.isclose(a, b, rel_tol=1e-12) or math.isnan(a) and math.isnan(b)
    return type(a) is type(b) and a == b


def compare(cons, sql):
    t, d = cons
    want = d.execute(sql).fetchall()
    got = t.execute(sql).fetchall()
    assert len(got) == len(want), sql
    for g, w in zip(got, want):
        assert len(g) == len(w) and all(_same(x, y) for x, y in zip(g, w)), f"{sql}\n tqp:    {g}\n duckdb: {w}"


def both_fail(cons, sql, words=""):
    t, d = cons
    with pytest.raises(duckdb.Error):
        d.execute(sql).fetchall()
    with pytest.raises(tqp.Error) as info:
        t.execute(sql).fetchall()
    assert not isinstance(info.value, tqp.InternalError)
    assert words.lower() in str(info.value).lower(), str(info.value)


BITWISE = [
    "a & b, a | b, xor(a, b), ~a, ~b, ~sm",
    "sm & sm, sm | a, xor(sm, b), a & 255, 5 & a, xor(a, NULL), typeof(sm & sm), typeof(sm | a), typeof(xor(sm, b))",
    "a >> sh, b >> sh, sm >> sh, a >> -1, b >> 64, sm >> 15, -8 >> sh",
    "abs(a) << (sh % 20), (b & 65535) << (sh % 40), (sm & 127)::SMALLINT << (sh % 8), 0 << sh, typeof(sm << 1)",
    "1 << 30, 1::BIGINT << 62, 4611686018427387903 << 1, 0 << 99, 7 >> 2, -7 >> 1",
]


@pytest.mark.parametrize("items", BITWISE)
def test_bitwise(cons, items):
    compare(cons, f"SELECT id, {items} FROM m ORDER BY id")


@pytest.mark.parametrize("sql, words", [
    ("SELECT 1 << 31", "overflow in left shift"), ("SELECT 3 << 30", "overflow"),
    ("SELECT 1::BIGINT << 63", "overflow"), ("SELECT -1 << 2", "negative number"),
    ("SELECT 1 << -1", "negative number"), ("SELECT 1 << 40", "out of range"),
    ("SELECT a << 31 FROM m WHERE a > 0", "overflow"), ("SELECT 5.5 & 3", "integer"), ("SELECT 'a' | 1", ""),
])
def test_bitwise_errors(cons, sql, words):
    both_fail(cons, sql, words)


def test_shift_errors_only_on_rows_reached(cons):
    compare(cons, "SELECT id, CASE WHEN a > 0 AND a < 1000 THEN a << 20 END FROM m ORDER BY id")


PATTERNS = [
    "s GLOB pat, s NOT GLOB pat, s GLOB 'a*', s GLOB '?????', s GLOB '[A-Z]*', s GLOB '*[!a-z]*'",
    "s SIMILAR TO 'a.*', s NOT SIMILAR TO '[A-Z].*', s SIMILAR TO '(apple|banana)', s ~ 'an', s !~ '^a'",
    "s ~* 'APP', s !~* 'e$', 'x' GLOB pat, s GLOB 'a\\*b', s GLOB '[]]', s GLOB '[^x]*'",
]


@pytest.mark.parametrize("items", PATTERNS)
def test_patterns(cons, items):
    compare(cons, f"SELECT id, {items} FROM m ORDER BY id")


def test_similar_to_bad_pattern(cons):
    both_fail(cons, "SELECT 'ab' SIMILAR TO '(a'")


def test_typeof(cons):
    compare(cons, "SELECT typeof(a), typeof(b), typeof(sm), typeof(s), typeof(x), typeof(d), typeof(ts), "
                  "typeof(NULL), typeof(1.5), typeof(a + 1.5), typeof([a]), typeof({'k': s}), typeof(d - d), "
                  "typeof(ts - ts), typeof(a > 1), typeof(123456789012) FROM m LIMIT 1")


def test_hash(cons):
    # DuckDB's hash values are not tqp's; what both promise: equal values, equal hashes
    compare(cons, "SELECT count(DISTINCT hash(s)), count(DISTINCT hash(a)), count(DISTINCT hash(a, s)), "
                  "count(DISTINCT hash(x)), bool_and(hash(s) = hash(lower(s) || '') OR s <> lower(s)), "
                  "bool_and(hash(a, s) = hash(a, s)), count(DISTINCT hash(NULL)), count(hash(NULL)) FROM m")
    t, _ = cons
    assert t.execute("SELECT min(hash(b)) >= 0, count(*) = count(hash(s)) FROM m").fetchall() == [(True, True)]


def test_uuid(cons):
    compare(cons, "SELECT count(DISTINCT uuid()::VARCHAR), count(DISTINCT gen_random_uuid()::VARCHAR), "
                  "bool_and(regexp_full_match(uuid()::VARCHAR, "
                  "'[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}')), "
                  "bool_or(uuid()::VARCHAR = uuid()::VARCHAR) FROM range(2000)")


FORMATS = [
    "format('{} and {}', s, a), format('{:>8}|{:<3}|', s, a), format('{:.2f}', x), format('{}', x)",
    "format('{1}-{0}', a, s), format('{:05d}', a), format('{:x}', abs(b % 1000000)), format('{}', d), format('{}', a > 0)",
    "printf('%s=%d', s, a), printf('%5.1f|', x), printf('%-6s|', s), printf('%x', abs(a)), printf('%d%%', a)",
    "format(pat, a), printf('%s %s', s, pat), format('{}', NULL), printf(NULL, a)",
]


@pytest.mark.parametrize("items", FORMATS)
def test_format_printf(cons, items):
    compare(cons, f"SELECT id, {items} FROM m WHERE pat NOT LIKE '%[%' AND pat NOT LIKE '%*%' OR pat IS NULL "
                  "ORDER BY id")


@pytest.mark.parametrize("sql", ["SELECT format('{} {}', 1)", "SELECT format('{:d}', s) FROM m",
                                 "SELECT printf('%d', 'x')"])
def test_format_errors(cons, sql):
    both_fail(cons, sql)


def test_number_bases(cons):
    compare(cons, "SELECT id, to_base(abs(a), 2), to_base(abs(a), 16, 6), to_base(abs(b) // 2, 36), hex(a), hex(b), "
                  "hex(s), bin(a), bin(sm), bin(s), to_base(abs(sm), 2 + sh % 35), hex(x::BIGINT) FROM m "
                  "WHERE b > -9223372036854775807 OR b IS NULL ORDER BY id")
    both_fail(cons, "SELECT to_base(-1, 16)", "greater than or equal to 0")
    both_fail(cons, "SELECT to_base(a, 37) FROM m", "radix")


def test_even(cons):
    compare(cons, "SELECT id, even(x), even(a), even(-x), even(0.5), even(-0.5) FROM m ORDER BY id")


INTERVALS = [
    "to_days(a), to_hours(a), to_minutes(b % 100000), to_seconds(x), to_milliseconds(x), to_microseconds(b % 1000000)",
    "to_weeks(n), to_months(n), to_years(n), to_quarters(n), to_decades(n), to_centuries(n), to_millennia(sm % 10)",
    "d + to_months(n), d - to_years(n), ts + to_months(n), ts - to_quarters(n), to_months(n) + d",
    "d + INTERVAL (n) MONTH, ts - INTERVAL (n) YEAR, d + to_months(n) * 2, d + to_days(n), ts + to_hours(n)",
    "era(d), era(ts), date_sub('month', d, ts), date_sub('year', ts, d)",
]


@pytest.mark.parametrize("items", INTERVALS)
def test_intervals(cons, items):
    compare(cons, f"SELECT id, {items} FROM m ORDER BY id")


@pytest.mark.parametrize("sql, words", [
    ("SELECT to_days(2147483648)", "range"), ("SELECT to_hours(9223372036854775807)", "out of range"),
    ("SELECT to_seconds(1e300)", "out of range"), ("SELECT to_days(1.5)", "integer"),
])
def test_interval_errors(cons, sql, words):
    both_fail(cons, sql, words)


BUCKETS = [
    "time_bucket(INTERVAL '1 hour', ts), time_bucket(INTERVAL '15 minutes', ts), time_bucket(INTERVAL '3 days', d)",
    "time_bucket(INTERVAL '1 week', d), time_bucket(INTERVAL '1 month', ts), time_bucket(INTERVAL '5 months', d)",
    "time_bucket(INTERVAL '1 year', d), time_bucket(INTERVAL '2 hours', d), time_bucket(INTERVAL '10 seconds', ts)",
    "time_bucket(INTERVAL '1 day', ts, TIMESTAMP '2000-01-01 06:30'), time_bucket(INTERVAL '7 days', d, DATE '2024-01-02')",
    "time_bucket(INTERVAL '1 month', d, DATE '2001-03-17'), time_bucket(INTERVAL '3 months', ts, INTERVAL '5 days 1 hour')",
    ("time_bucket(INTERVAL '1 hour', ts, INTERVAL '30 minutes'), time_bucket(INTERVAL '1 day', d, ts), "
     "time_bucket(INTERVAL '2 days', ts, d)"),
]


@pytest.mark.parametrize("items", BUCKETS)
def test_time_bucket(cons, items):
    compare(cons, f"SELECT id, {items} FROM m ORDER BY id")


@pytest.mark.parametrize("sql", ["SELECT time_bucket(INTERVAL '1 month 1 day', d) FROM m",
                                 "SELECT time_bucket(INTERVAL '0 days', d) FROM m",
                                 "SELECT time_bucket(INTERVAL '-1 hour', ts) FROM m"])
def test_time_bucket_errors(cons, sql):
    both_fail(cons, sql)


AGGREGATES = [
    "first(s ORDER BY id), last(s ORDER BY id), first(s ORDER BY a DESC NULLS FIRST, id), last(a ORDER BY s, id)",
    "list(s ORDER BY id DESC), array_agg(a ORDER BY a NULLS FIRST, id), list(x ORDER BY s DESC, id)",
    "arg_max(s, a ORDER BY id), arg_min(s, g ORDER BY id DESC), max_by(a, g ORDER BY id), any_value(s ORDER BY id DESC)",
    "sum(a ORDER BY s), avg(x ORDER BY id), count(DISTINCT s ORDER BY s), min(s ORDER BY a), bool_or(a > 0 ORDER BY id)",
    "string_agg(s, '|' ORDER BY id DESC), corr(a, x ORDER BY id), median(a ORDER BY s), mode(g ORDER BY id)",
    "arg_max(s, a), arg_min(s, a), arg_max(a, s)",
]


@pytest.mark.parametrize("items", AGGREGATES)
def test_aggregate_order_by(cons, items):
    compare(cons, f"SELECT g, {items} FROM m GROUP BY g ORDER BY g")
    compare(cons, f"SELECT {items} FROM m")


def test_collate(cons):
    compare(cons, "SELECT s FROM m ORDER BY s COLLATE NOCASE, s, id")
    compare(cons, "SELECT id, s COLLATE NOCASE = 'apple', 'ECLAIR' = s COLLATE NOCASE.NOACCENT, "
                  "s COLLATE NOACCENT = 'Eclair', s COLLATE NOCASE < 'B', s COLLATE nfc = s FROM m ORDER BY id")
    compare(cons, "SELECT count(DISTINCT s COLLATE NOCASE), count(DISTINCT s COLLATE \"nocase.noaccent\") FROM m")
    both_fail(cons, "SELECT s FROM m ORDER BY s COLLATE nosuch", "collation")
