"""Differential tests of qmark parameters: each type binds as a value, NULL binds as
NULL (so `= ?` with None matches nothing), and one statement runs with different values."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

CASES = [
    ("int_eq", "SELECT id, i32 FROM t WHERE i32 = ?", [7]),
    ("int_range", "SELECT id FROM t WHERE i16 BETWEEN ? AND ?", [-20, 20]),
    ("bigint", "SELECT id, i64 FROM t WHERE i64 > ?", [900_000_000_000]),
    ("double", "SELECT id, d FROM t WHERE d > ?", [150.25]),
    ("decimal", "SELECT id, m FROM t WHERE m > ?", [Decimal("99000.50")]),
    ("string", "SELECT id FROM t WHERE s_lo = ?", ["日本語"]),
    ("string_like_pattern", "SELECT id, s_hi FROM t WHERE s_hi LIKE ?", ["%a_b%"]),
    ("empty_string", "SELECT id FROM t WHERE s_lo = ?", [""]),
    ("date", "SELECT id, dt FROM t WHERE dt < ?", [dt.date(1901, 1, 1)]),
    ("date_leap", "SELECT id FROM t WHERE dt = ?", [dt.date(2000, 2, 29)]),
    ("timestamp", "SELECT id FROM t WHERE ts < ?", [dt.datetime(1960, 6, 1, 12, 30)]),
    ("bool", "SELECT count(*) FROM t WHERE b = ?", [False]),
    ("null_matches_nothing", "SELECT id FROM t WHERE i32 = ?", [None]),
    ("null_is_null_in_select", "SELECT id, COALESCE(?, i32) FROM t WHERE id < 20", [None]),
    ("in_list", "SELECT id FROM t WHERE i32 IN (?, ?, ?)", [1, -1, 50]),
    ("select_list_arith", "SELECT id, i32 + ?, d * ? FROM t WHERE id <= 30", [10, 0.5]),
    ("group_having", "SELECT g, count(*) FROM t GROUP BY g HAVING count(*) > ?", [100]),
    ("limit_param", "SELECT id FROM t ORDER BY id LIMIT ?", [3]),
    ("join_filter", "SELECT f.fid, d.dname FROM fact f JOIN dim d ON f.fk = d.dk WHERE d.cat = ? AND f.qty > ?", ["A", 40]),
    ("subquery_param", "SELECT dk FROM dim WHERE dk IN (SELECT fk FROM fact WHERE qty = ?)", [50]),
]


@pytest.mark.parametrize("sql,params", [pytest.param(s, p, id=n) for n, s, p in CASES])
def test_param_query(check, sql, params):
    check(sql, params)


def test_same_statement_different_values(check):
    # A program cache keyed on the SQL text must not reuse the first call's values.
    for v in [3, -7, 42, None, 3]:
        check("SELECT id, i16 FROM t WHERE i32 = ?", [v])
    for s in ["apple", "", "a%b", None]:
        check("SELECT count(*) FROM t WHERE s_lo = ?", [s])
