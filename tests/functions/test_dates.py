"""Date and time functions against DuckDB: over DATE and TIMESTAMP columns (NULLs, 0001-01-01,
9999-12-31, leap days, month ends, times before 1970), with constants, non-constant part
arguments paired per row, `?` parameters, INTERVAL results (compared as the timedeltas both
hand to Python), and errors where DuckDB raises."""
from __future__ import annotations

import datetime as dt
import math
import random

import duckdb
import pyarrow as pa
import pytest

EDGE_DATES = [dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(2024, 2, 29), dt.date(2023, 2, 28),
              dt.date(2024, 12, 31), dt.date(2025, 1, 1), dt.date(1969, 12, 31), dt.date(1970, 1, 1),
              dt.date(2024, 1, 31), dt.date(2024, 3, 31), dt.date(2020, 12, 28), dt.date(2021, 1, 3),
              dt.date(1, 1, 7), dt.date(9999, 12, 27)]


def _table() -> pa.Table:
    rng = random.Random(11)
    n = 300
    days = [rng.randint(-719_162, 2_932_896) if i % 3 else rng.randint(-30_000, 30_000) for i in range(n)]
    dates = EDGE_DATES + [dt.date(1970, 1, 1) + dt.timedelta(days=d) for d in days]
    dates2 = [dt.date(1970, 1, 1) + dt.timedelta(days=rng.randint(-40_000, 40_000)) for _ in dates]
    dates2[:4] = [dt.date(2024, 2, 29), dt.date(2025, 2, 28), dt.date(2024, 3, 31), dt.date(2023, 12, 31)]

    def stamp(d):
        return dt.datetime.combine(d, dt.time()) + dt.timedelta(microseconds=rng.randrange(86_400_000_000))
    ts = [stamp(d) for d in dates]
    ts2 = [stamp(d) for d in dates2]
    ts[8] = dt.datetime(2024, 1, 31, 23, 59, 59, 999_999)
    rows = len(dates)
    null = [i % 17 == 5 for i in range(rows)]
    null2 = [i % 13 == 7 for i in range(rows)]
    return pa.table({
        "id": pa.array(range(rows), pa.int32()),
        "d": pa.array([None if z else x for x, z in zip(dates, null)], pa.date32()),
        "d2": pa.array([None if z else x for x, z in zip(dates2, null2)], pa.date32()),
        "ts": pa.array([None if z else x for x, z in zip(ts, null2)], pa.timestamp("us")),
        "ts2": pa.array([None if z else x for x, z in zip(ts2, null)], pa.timestamp("us")),
        "k": pa.array([None if i % 11 == 3 else rng.randint(-400, 400) for i in range(rows)], pa.int32()),
        "y": pa.array([rng.randint(1, 9999) for _ in range(rows)], pa.int64()),
        "mo": pa.array([rng.randint(1, 12) for _ in range(rows)], pa.int64()),
        "dd": pa.array([rng.randint(1, 28) for _ in range(rows)], pa.int64()),
        "sec": pa.array([rng.randint(0, 59_999_999) / 1e6 for _ in range(rows)], pa.float64()),
        "part": pa.array([rng.choice(["year", "month", "day", "hour", "week", "quarter"]) for _ in range(rows)]),
    })


@pytest.fixture(scope="module")
def cons(connect, device):
    table = _table()
    t = connect(device)
    t.register("dt", table)
    d = duckdb.connect()
    d.execute("SET TimeZone = 'UTC'")  # (tqp's default; DuckDB's is the machine's zone)
    d.register("__dt", table)
    d.execute("CREATE TABLE dt AS SELECT * FROM __dt")
    yield t, d
    t.close()
    d.close()


def _norm(v):
    if isinstance(v, dt.datetime) and v.tzinfo is not None:  # TIMESTAMP WITH TIME ZONE: the instant
        return ("instant", v.astimezone(dt.timezone.utc).replace(tzinfo=None))
    return v


def _same(a, b) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple):
        return a == b
    if isinstance(a, float) and isinstance(b, float):
        return a == b or math.isclose(a, b, rel_tol=1e-15) or math.isnan(a) and math.isnan(b)
    return type(a) is type(b) and a == b


def compare(cons, sql, params=None):
    t, d = cons
    want = [tuple(_norm(v) for v in row) for row in d.execute(sql, params).fetchall()]
    got = t.execute(sql, params).fetchall() if params is not None else t.execute(sql).fetchall()
    got = [tuple(_norm(v) for v in row) for row in got]
    assert len(got) == len(want), sql
    for g, w in zip(got, want):
        assert all(_same(x, y) for x, y in zip(g, w)), f"{sql}\n tqp:    {g}\n duckdb: {w}"


TRUNC_PARTS = ["millennium", "century", "decade", "year", "quarter", "month", "week", "day", "hour", "minute",
               "second", "millisecond", "microsecond", "isoyear"]
EXTRACT_PARTS = ["year", "month", "day", "quarter", "dow", "isodow", "doy", "week", "isoyear", "yearweek",
                 "decade", "century", "millennium", "hour", "minute", "second", "millisecond", "microsecond",
                 "epoch", "julian", "dayofweek", "dayofyear", "weekday"]
DIFF_PARTS = ["millennium", "century", "decade", "year", "quarter", "month", "week", "day", "hour", "minute",
              "second", "millisecond", "microsecond", "isoyear"]


@pytest.mark.parametrize("part", TRUNC_PARTS)
def test_date_trunc(cons, part):
    # (the millennium of years 1-999 is year 0, which DuckDB holds and tqp refuses)
    compare(cons, f"SELECT id, date_trunc('{part}', d), datetrunc('{part}', ts) FROM dt "
                  "WHERE year(d) >= 1000 AND year(ts) >= 1000 ORDER BY id")


@pytest.mark.parametrize("part", EXTRACT_PARTS)
def test_date_part(cons, part):
    compare(cons, f"SELECT id, date_part('{part}', d), extract({part} FROM ts), datepart('{part}', ts2) "
                  "FROM dt ORDER BY id")


@pytest.mark.parametrize("part", DIFF_PARTS)
def test_date_diff_and_date_sub(cons, part):
    compare(cons, f"SELECT id, date_diff('{part}', d, d2), datediff('{part}', ts, ts2), date_sub('{part}', d, d2), "
                  f"datesub('{part}', ts2, ts), date_sub('{part}', d, ts) FROM dt ORDER BY id")


FUNCTIONS = [
    "year(d), month(ts), day(d), quarter(ts), dayofweek(d), isodow(ts), dayofyear(d), week(ts), weekofyear(d)",
    "isoyear(d), yearweek(ts), decade(d), century(ts), millennium(d), hour(ts), minute(ts), second(ts)",
    "millisecond(ts), microsecond(ts), epoch(d), epoch(ts), julian(ts), dayofmonth(d)",
    "last_day(d), last_day(ts), dayname(d), monthname(ts), dayname(ts2)",
    "epoch_ms(d), epoch_ms(ts), epoch_us(ts), epoch_us(d), epoch_ns(ts2)",
    "make_date(y, mo, dd), make_timestamp(y, mo, dd, mo + 5, dd * 2, sec), make_timestamp(epoch_us(ts))",
    "epoch_ms(epoch_ms(ts)), to_timestamp(k * 1000.5)",
    "strftime(d, '%Y-%m-%d %j %U %W %V %G %u %w %a %b'), strftime(ts, '%d/%m/%y %H:%M:%S.%f %p %I %-m %-d %c')",
    "strftime(ts, '%A, %B %-d %Y %g %n %x %X %%'), strptime(strftime(ts, '%Y-%m-%d %H:%M:%S'), '%Y-%m-%d %H:%M:%S')",
    "strptime(strftime(d, '%d/%m/%Y'), '%d/%m/%Y')",
    "d - d2, ts - ts2, d - ts2, ts2 - d, age(ts, ts2), age(d, d2), age(ts2, d)",
    "greatest(d, d2), least(d, d2), greatest(ts, d2), least(ts, ts2, d)",
    "INTERVAL '1 day' * k, INTERVAL (k) WEEK, epoch(ts - ts2), extract(epoch FROM ts - ts2)",
]


@pytest.mark.parametrize("exprs", FUNCTIONS)
def test_functions_over_columns(cons, exprs):
    compare(cons, f"SELECT id, {exprs} FROM dt ORDER BY id")


NEAR = "WHERE year(d) BETWEEN 100 AND 9000 AND year(ts) BETWEEN 100 AND 9000"
SHIFTS = [
    "d + k, d - k, k + d, date_add(d, k)",
    "d + INTERVAL (k) DAY, ts - INTERVAL (k) HOUR, ts + INTERVAL (k) MINUTE, d + INTERVAL (k) SECOND",
    "(ts - ts2) * 2, -(ts - ts2), ts - (ts - ts2), d + (ts2 - ts), (ts - ts2) > INTERVAL '3 days'",
    "d + INTERVAL 1 MONTH, d - INTERVAL '1 year', ts + INTERVAL '1 month 2 days 03:04:05', INTERVAL 3 DAY + d",
    "date_add(d, INTERVAL 1 MONTH), date_add(ts, INTERVAL '2 weeks'), d + INTERVAL '1 month' * 3",
    "ts - INTERVAL '1.5 days', d + INTERVAL '1' QUARTER, ts + 2 * INTERVAL 1 YEAR, d + (INTERVAL 1 DAY + INTERVAL 1 HOUR)",
]


@pytest.mark.parametrize("exprs", SHIFTS)
def test_interval_arithmetic(cons, exprs):
    compare(cons, f"SELECT id, {exprs} FROM dt {NEAR} ORDER BY id")


CONSTANTS = [
    "date_trunc('week', DATE '0001-01-01')", "date_trunc('month', TIMESTAMP '9999-12-31 23:59:59.999999')",
    "date_diff('month', DATE '2024-01-31', DATE '2024-02-01')", "date_sub('month', DATE '2024-01-31', DATE '2024-02-29')",
    "date_sub('year', DATE '2024-02-29', DATE '2025-02-28')", "date_sub('month', TIMESTAMP '2024-02-29 10:00', TIMESTAMP '2024-01-31 11:00')",
    "date_diff('hour', TIMESTAMP '1969-12-31 23:30', TIMESTAMP '1970-01-01 00:30')", "date_diff('week', DATE '2024-01-07', DATE '2024-01-08')",
    "extract(epoch FROM DATE '2024-01-01')", "extract(epoch FROM TIMESTAMP '1969-12-31 23:59:59.5')", "julian(DATE '0001-01-01')",
    "yearweek(DATE '2024-12-30')", "week(DATE '2021-01-03')", "isoyear(DATE '2021-01-03')", "century(DATE '2000-12-31')",
    "millennium(DATE '2001-01-01')", "last_day(DATE '2023-02-10')", "last_day(DATE '9999-12-31')", "dayname(DATE '0001-01-01')",
    "make_date(2024, 2, 29)", "make_timestamp(2024, 1, 2, 3, 4, 5.5)", "make_timestamp(1700000000000000)",
    "make_timestamp(2024, 2, 3, 23, 59, 60)", "to_timestamp(1.5)", "to_timestamp(-1.0000005)", "epoch_ms(1000)", "epoch_ms(-1)",
    "epoch_ms(TIMESTAMP '1969-12-31 23:59:59.9995')", "strftime(DATE '0001-01-01', '%Y %y %j')",
    "strptime('2024-02-01 10:11:12.5', '%Y-%m-%d %H:%M:%S.%f')", "strptime('02/29/2024', '%m/%d/%Y')",
    "TIMESTAMP '2024-03-01 01:00' - TIMESTAMP '2024-01-01'", "DATE '2024-03-01' - DATE '2024-02-01'",
    "age(TIMESTAMP '2024-03-05', TIMESTAMP '2023-01-01 10:00')", "age(DATE '2024-01-01', DATE '2024-03-01')",
    "age(TIMESTAMP '2024-03-31', TIMESTAMP '2024-02-29 12:00')", "INTERVAL '1 day' * 3", "INTERVAL 1 MONTH",
    "INTERVAL '1 year 2 months 3 days 04:05:06.5'", "INTERVAL 1 MONTH = INTERVAL 30 DAYS", "INTERVAL '3 day' / 2",
    "-INTERVAL 1 DAY", "INTERVAL 1 DAY + INTERVAL 2 HOUR", "DATE '2024-01-31' + INTERVAL 1 MONTH",
    "DATE '2024-02-29' + INTERVAL 1 YEAR", "TIMESTAMP '2024-01-31 10:00' - INTERVAL 1 MONTH",
    "(TIMESTAMP '2024-01-01' - TIMESTAMP '2024-01-02 00:00:01.000123')::VARCHAR",
    "(TIMESTAMP '2024-03-03' - TIMESTAMP '2020-01-03 10:00:00')::VARCHAR",
    "greatest(DATE '2024-01-01', TIMESTAMP '2024-01-01 10:00')", "least(DATE '2024-01-01', DATE '2023-12-31', NULL)",
    "date_trunc('month', NULL::DATE)", "date_part(NULL, DATE '2024-01-01')", "date_diff('day', NULL, DATE '2024-01-01')",
    "make_date(NULL, 1, 1)", "strftime(NULL::DATE, '%Y')", "age(NULL::TIMESTAMP, TIMESTAMP '2024-01-01')",
    "last_day(NULL::DATE)", "dayname(NULL::DATE)", "to_timestamp(NULL)", "epoch_ms(NULL::TIMESTAMP)",
    "DATE '2024-01-01' + NULL::INTEGER", "year(NULL::DATE)", "date_trunc('quarter', '2024-05-17'::DATE)",
]


@pytest.mark.parametrize("expr", CONSTANTS)
def test_constants(cons, expr):
    compare(cons, f"SELECT {expr}")


PARAMS = [
    ("d + INTERVAL (?) DAY", [3]), ("d + INTERVAL (?) MONTH", [2]), ("ts - INTERVAL (?) HOUR", [5]),
    ("date_trunc(?, ts)", ["quarter"]), ("date_diff(?, d, d2)", ["month"]), ("date_part(?, d)", ["isodow"]),
    ("strftime(d, ?)", ["%d.%m.%Y"]), ("make_date(?, mo, dd)", [2024]), ("d + INTERVAL (?) DAY", ["7"]),
    ("date_sub(?, ts, ts2)", ["year"]), ("INTERVAL '1 day' * ?", [3]), ("d > CAST(? AS DATE)", ["2000-01-01"]),
]


@pytest.mark.parametrize("expr,params", PARAMS, ids=[p[0] for p in PARAMS])
def test_parameters(cons, expr, params):
    compare(cons, f"SELECT id, {expr} FROM dt {NEAR} ORDER BY id", params)


ERRORS = ["make_date(2024, 2, 30)", "make_timestamp(2024, 2, 3, 25, 0, 0)", "strptime('2024-02-01', '%Y-%m-%d %H')",
          "date_trunc('fortnight', DATE '2024-01-01')", "date_part('nope', DATE '2024-01-01')",
          "strftime(DATE '2024-01-01', '%Q')", "date_diff('day', 1, 2)",
          "to_timestamp(1e20)", "make_date(2024, 13, 1)"]


@pytest.mark.parametrize("expr", ERRORS)
def test_errors_where_duckdb_raises(cons, tqp_module, expr):
    t, d = cons
    with pytest.raises(duckdb.Error):
        d.execute(f"SELECT {expr}").fetchall()
    with pytest.raises(tqp_module.Error) as err:
        t.execute(f"SELECT {expr}").fetchall()
    assert not isinstance(err.value, tqp_module.InternalError), err.value


def test_current_time_is_one_value_per_statement(cons):
    t, _ = cons
    rows = t.execute("SELECT now(), current_timestamp, current_date, today(), get_current_timestamp() FROM dt").fetchall()
    assert len(set(rows)) == 1
    now, now2, today, today2, now3 = rows[0]
    assert isinstance(now, dt.datetime) and isinstance(today, dt.date) and not isinstance(today, dt.datetime)
    assert now == now2 == now3 and today == today2 == now.date()
    assert abs(now - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(hours=1)  # (an instant, shown in UTC)
    assert t.execute("SELECT age(current_date::TIMESTAMP) = INTERVAL 0 DAY").fetchall() == [(True,)]
