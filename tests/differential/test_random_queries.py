"""Randomly generated queries over the suite's table `t`, compared with DuckDB.

The hand-written fixtures test each feature once; these combine them: nested predicates
mixing every type, three-valued logic over NULL-bearing columns, and grouped aggregates
under those filters.  Generation is derandomized, so a failure reproduces; hypothesis
shrinks a failing query to a small one before reporting it.

Generated expressions stay inside what DuckDB accepts without error (no int16 products
that overflow, no division), so any failure is a real disagreement.
"""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SETTINGS = settings(
    max_examples=60, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

INT_COLS = ["g", "i16", "i32", "id"]
STRINGS = ["apple", "Banana", "", "日本語", "a_b", "100%", "zeta", "nope"]
PATTERNS = ["a%", "%a%", "%e", "_", "a\\_b' ESCAPE '\\", "%\\%' ESCAPE '\\", "%本%", "A%"]
DATES = ["1900-03-01", "1969-12-31", "1970-01-01", "2000-02-29", "2010-06-15"]

ints = st.integers(-60, 60)


@st.composite
def int_expr(draw, depth=0):
    choice = draw(st.integers(0, 4 if depth < 2 else 1))
    if choice == 0:
        return draw(st.sampled_from(INT_COLS))
    if choice == 1:
        return str(draw(ints))
    if choice == 2:
        op = draw(st.sampled_from(["+", "-"]))
        return f"({draw(int_expr(depth + 1))} {op} {draw(int_expr(depth + 1))})"
    if choice == 3:
        return f"({draw(st.sampled_from(['g', 'i32']))} * {draw(st.integers(-9, 9))})"
    return f"COALESCE({draw(st.sampled_from(['i16', 'i32']))}, {draw(ints)})"


@st.composite
def atom(draw):
    kind = draw(st.integers(0, 11))
    cmp = draw(st.sampled_from(["=", "<>", "<", "<=", ">", ">="]))
    if kind == 0:
        return f"{draw(int_expr())} {cmp} {draw(int_expr())}"
    if kind == 1:
        return f"d {cmp} {draw(st.integers(-200, 200))}.5"
    if kind == 2:
        return f"m {cmp} {draw(st.integers(-100000, 100000))}.{draw(st.integers(0, 99)):02d}"
    if kind == 3:
        return f"s_lo {cmp} '{draw(st.sampled_from(STRINGS))}'"
    if kind == 4:
        neg = draw(st.sampled_from(["", "NOT "]))
        return f"s_{draw(st.sampled_from(['lo', 'hi']))} {neg}LIKE '{draw(st.sampled_from(PATTERNS))}'"
    if kind == 5:
        return f"dt {cmp} DATE '{draw(st.sampled_from(DATES))}'"
    if kind == 6:
        col = draw(st.sampled_from(["i32", "d", "s_lo", "dt", "b", "m"]))
        return f"{col} IS {draw(st.sampled_from(['', 'NOT ']))}NULL"
    if kind == 7:
        return draw(st.sampled_from(["b", "NOT b", "b IS TRUE", "b IS NOT FALSE"]))
    if kind == 8:
        lo, hi = sorted(draw(st.lists(ints, min_size=2, max_size=2)))
        return f"{draw(st.sampled_from(['i16', 'i32']))} {draw(st.sampled_from(['', 'NOT ']))}BETWEEN {lo} AND {hi}"
    if kind == 9:
        items = draw(st.lists(st.one_of(ints.map(str), st.just("NULL")), min_size=1, max_size=4))
        return f"i32 {draw(st.sampled_from(['', 'NOT ']))}IN ({', '.join(items)})"
    if kind == 10:
        items = draw(st.lists(st.sampled_from(STRINGS), min_size=1, max_size=3))
        return "s_lo IN (" + ", ".join(f"'{x}'" for x in items) + ")"
    return f"EXTRACT(year FROM dt) {cmp} {draw(st.integers(1900, 2030))}"


@st.composite
def predicate(draw, depth=0):
    choice = draw(st.integers(0, 3 if depth < 3 else 0))
    if choice == 0:
        return draw(atom())
    if choice == 1:
        return f"({draw(predicate(depth + 1))} AND {draw(predicate(depth + 1))})"
    if choice == 2:
        return f"({draw(predicate(depth + 1))} OR {draw(predicate(depth + 1))})"
    return f"NOT ({draw(predicate(depth + 1))})"


GROUP_KEYS = ["g", "s_lo", "b", "i32 % 5", "EXTRACT(year FROM dt) // 10", "dt", "s_hi IS NULL", "g, b"]
AGGREGATES = [
    "count(*)", "count(i32)", "sum(i32)", "sum(m)", "sum(i64)", "min(s_lo)", "max(s_hi)", "min(dt)",
    "max(m4)", "avg(d)", "avg(i16)", "count(DISTINCT s_lo)", "sum(d)", "min(i16)", "max(i64)",
]


@SETTINGS
@given(st.lists(st.one_of(int_expr(), atom()), min_size=1, max_size=3), predicate())
def test_random_filter_project(check, exprs, where):
    check(f"SELECT id, {', '.join(exprs)} FROM t WHERE {where}")


@SETTINGS
@given(st.sampled_from(GROUP_KEYS), st.lists(st.sampled_from(AGGREGATES), min_size=1, max_size=4), predicate())
def test_random_group_by(check, key, aggs, where):
    check(f"SELECT {key}, {', '.join(aggs)} FROM t WHERE {where} GROUP BY {key}")


@SETTINGS
@given(st.lists(st.sampled_from(AGGREGATES), min_size=1, max_size=4), predicate())
def test_random_global_aggregate(check, aggs, where):
    check(f"SELECT {', '.join(aggs)} FROM t WHERE {where}")


@SETTINGS
@given(predicate(), st.sampled_from(["dm.weight", "dm.price", "dm.dk"]), st.sampled_from(["JOIN", "LEFT JOIN"]))
def test_random_join_filter(check, where, col, join):
    # The predicate's columns come from `t`; on a join of t with dim, the filter meets
    # both sides' NULLs, including those the outer join adds.
    check(
        f"SELECT t.g, count(*), count(dm.dk), sum({col}) "
        f"FROM t {join} dim dm ON t.g + 1 = dm.dk AND dm.cat IS NOT NULL WHERE {where} GROUP BY t.g"
    )
