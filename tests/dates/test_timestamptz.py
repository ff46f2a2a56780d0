"""TIMESTAMP WITH TIME ZONE against DuckDB, both sessions in the same `TimeZone`: literals with
offsets and zone names, casts to and from VARCHAR, TIMESTAMP and DATE, date parts and
date_trunc on the zone's calendar across DST changes, intervals, comparisons, AT TIME ZONE,
Arrow columns with a zone in and out, and parameters."""
from __future__ import annotations

import datetime as dt
import random
import zoneinfo

import duckdb
import pyarrow as pa
import pytest

import tqp

ZONES = ["UTC", "America/New_York", "Asia/Kolkata", "Europe/Berlin", "Australia/Lord_Howe"]


def _instants() -> list:
    rng = random.Random(5)
    edges = ["2024-03-10 06:59:59", "2024-03-10 07:00:00", "2024-11-03 05:30:00", "2024-11-03 06:30:00",
             "2024-03-31 00:59:59", "2024-03-31 01:00:00", "2024-10-27 00:30:00", "1850-06-01 12:00:00",
             "1969-12-31 23:59:59.5", "2000-02-29 23:00:00", "2040-07-01 03:15:00"]
    out = [dt.datetime.fromisoformat(e).replace(tzinfo=dt.timezone.utc) for e in edges]
    base = dt.datetime(1900, 1, 1, tzinfo=dt.timezone.utc)
    out += [base + dt.timedelta(seconds=rng.randrange(0, 200 * 365 * 86400), microseconds=rng.randrange(10**6))
            for _ in range(150)]
    return [None if i % 13 == 4 else v for i, v in enumerate(out)]


def _table() -> pa.Table:
    instants = _instants()
    local = [None if v is None else v.replace(tzinfo=None) for v in reversed(instants)]
    return pa.table({"id": pa.array(range(len(instants)), pa.int32()),
                     "z": pa.array(instants, pa.timestamp("us", tz="UTC")),
                     "ts": pa.array(local, pa.timestamp("us")),
                     "k": pa.array([i % 97 - 40 for i in range(len(instants))], pa.int32())})


@pytest.fixture(scope="module", params=ZONES)
def cons(request):
    table = _table()
    t, d = tqp.connect(), duckdb.connect()
    for con in (t, d):
        con.execute(f"SET TimeZone = '{request.param}'")
    t.register("zt", table)
    d.register("__zt", table)
    d.execute("CREATE TABLE zt AS SELECT * FROM __zt")
    yield t, d
    t.close()
    d.close()


def _instant(v):
    """Aware datetimes compare as instants; the zone they carry must be the session's too."""
    return ("instant", v.astimezone(dt.timezone.utc), v.utcoffset()) if isinstance(v, dt.datetime) \
        and v.tzinfo is not None else v


def compare(cons, sql, params=None):
    t, d = cons
    want = [tuple(map(_instant, r)) for r in d.execute(sql, params).fetchall()]
    got = [tuple(map(_instant, r)) for r in t.execute(sql, params).fetchall()]
    assert got == want, sql


LITERALS = [
    "TIMESTAMPTZ '2024-01-01 10:00:00+02'", "TIMESTAMPTZ '2024-01-01 10:00:00.123456+05:30'",
    "TIMESTAMPTZ '2024-01-01 10:00Z'", "TIMESTAMPTZ '2024-01-01 10:00 Europe/Paris'", "TIMESTAMPTZ '2024-01-01'",
    "TIMESTAMPTZ '2024-03-10 02:30'", "TIMESTAMPTZ '2024-11-03 01:30'", "TIMESTAMPTZ '2024-03-31 02:30'",
    "CAST('2024-07-01 12:00:00-07' AS TIMESTAMP WITH TIME ZONE)", "'2024-01-01 10:00+02'::TIMESTAMPTZ::VARCHAR",
    "CAST(TIMESTAMPTZ '1850-01-01 10:00' AS VARCHAR)", "TIMESTAMPTZ '2024-01-01 10:00+02' = TIMESTAMPTZ '2024-01-01 08:00Z'",
    "TIMESTAMPTZ '2024-01-01 10:00' = TIMESTAMP '2024-01-01 10:00'", "TIMESTAMPTZ '2024-01-01 10:00' > '2024-01-01 09:00'",
    "CAST(TIMESTAMP '2024-03-10 02:30' AS TIMESTAMPTZ)",
    "CAST(CAST(TIMESTAMP '2024-11-03 01:30' AS TIMESTAMPTZ) AS VARCHAR)",
    "CAST(TIMESTAMPTZ '2024-01-01 03:00+00' AS DATE)", "CAST(TIMESTAMPTZ '2024-01-01 03:00+00' AS TIMESTAMP)",
    "CAST(DATE '2024-07-01' AS TIMESTAMPTZ)", "TIMESTAMPTZ '2024-03-10 12:00' - INTERVAL 1 DAY",
    "TIMESTAMPTZ '2024-03-10 12:00' - INTERVAL '24 hours'", "TIMESTAMPTZ '2024-03-10 12:00' - INTERVAL '1 day 1 hour'",
    "TIMESTAMPTZ '2024-01-31 12:00' + INTERVAL 1 MONTH", "TIMESTAMPTZ '2024-03-10 12:00' - TIMESTAMPTZ '2024-03-09 12:00'",
    "TIMESTAMPTZ '2024-03-10 12:00' - TIMESTAMP '2024-03-09 12:00'",
    "TIMESTAMP '2024-01-01 10:00' AT TIME ZONE 'UTC'", "TIMESTAMPTZ '2024-01-01 10:00+00' AT TIME ZONE 'Asia/Tokyo'",
    "timezone('America/Los_Angeles', TIMESTAMPTZ '2024-07-01 10:00+00')", "DATE '2024-01-01' AT TIME ZONE 'UTC'",
    "date_trunc('day', TIMESTAMPTZ '2024-11-03 12:30')", "date_trunc('hour', TIMESTAMPTZ '2024-11-03 01:30-05')",
    "extract(hour FROM TIMESTAMPTZ '2024-01-01 10:00+00')", "epoch(TIMESTAMPTZ '2024-01-01 03:00+00')",
    "epoch_ms(TIMESTAMPTZ '2024-01-01 00:00+00')", "date_diff('hour', TIMESTAMPTZ '2024-03-10 00:00', TIMESTAMPTZ '2024-03-10 12:00')",
    "date_diff('day', TIMESTAMPTZ '2024-03-10 00:00', TIMESTAMPTZ '2024-03-11 00:30')", "to_timestamp(1704078000)",
    "greatest(TIMESTAMPTZ '2024-01-01 10:00', TIMESTAMP '2024-01-01 12:00')", "NULL::TIMESTAMPTZ",
    "last_day(TIMESTAMPTZ '2024-01-31 22:00-05')", "dayname(TIMESTAMPTZ '2024-01-31 23:30:00-05')",
    "strftime(TIMESTAMPTZ '2024-01-01 03:00+00', '%Y-%m-%d %H:%M')", "julian(TIMESTAMPTZ '2024-01-01 03:00+00')",
]


@pytest.mark.parametrize("expr", LITERALS)
def test_constants(cons, expr):
    compare(cons, f"SELECT {expr}")


COLUMNS = [
    "z, z::VARCHAR, z::DATE, z::TIMESTAMP", "ts::TIMESTAMPTZ, ts::TIMESTAMPTZ::VARCHAR, CAST(ts::VARCHAR AS TIMESTAMPTZ)",
    "year(z), month(z), day(z), hour(z), minute(z), dayofweek(z), isodow(z), week(z), epoch(z), epoch_us(z)",
    "date_trunc('day', z), date_trunc('month', z), date_trunc('hour', z), date_trunc('week', z)",
    "z + INTERVAL 1 DAY, z - INTERVAL '2 months 3 hours', z + INTERVAL (k) HOUR, z + INTERVAL 90 MINUTE",
    "z - TIMESTAMPTZ '2000-01-01 00:00+00', z > ts, z = ts::TIMESTAMPTZ, z < '2000-06-01 12:00'",
    "date_diff('day', z, ts::TIMESTAMPTZ), date_diff('minute', z, TIMESTAMPTZ '2024-01-01 10:00+00'), date_diff('month', z, ts)",
    "z AT TIME ZONE 'Asia/Tokyo', ts AT TIME ZONE 'America/Chicago', timezone('UTC', z)",
    "strftime(z, '%Y-%m-%d %H:%M:%S'), last_day(z), monthname(z)",
    "z - ts, ts::TIMESTAMPTZ - z, age(z, ts), z - TIMESTAMPTZ '2024-03-10 12:00'",
    "coalesce(z, ts), CASE WHEN k > 0 THEN z ELSE ts END, lag(z) OVER (ORDER BY z), max(z) OVER (PARTITION BY k % 3)",
]


@pytest.mark.parametrize("exprs", COLUMNS)
def test_columns(cons, exprs):
    compare(cons, f"SELECT id, {exprs} FROM zt ORDER BY id")


@pytest.mark.parametrize("sql", [
    "SELECT min(z), max(z), count(DISTINCT z::DATE) FROM zt",
    "SELECT z::DATE AS day, count(*) FROM zt WHERE z > '1990-01-01' GROUP BY ALL ORDER BY day NULLS FIRST LIMIT 20",
    "SELECT id FROM zt WHERE z BETWEEN TIMESTAMPTZ '1950-01-01 00:00+01' AND '2010-01-01' ORDER BY id",
    "SELECT a.id, b.id FROM zt a JOIN zt b ON a.z = b.ts::TIMESTAMPTZ ORDER BY 1, 2",
    "SELECT z, count(*) FROM zt GROUP BY z ORDER BY z NULLS LAST LIMIT 5",
    "SELECT z FROM zt UNION SELECT ts FROM zt ORDER BY 1 LIMIT 5",
])
def test_queries(cons, sql):
    compare(cons, sql)


def test_parameters(cons):
    aware = dt.datetime(2024, 3, 10, 3, 30, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    compare(cons, "SELECT CAST(? AS VARCHAR), ? + INTERVAL 1 DAY, count(*) FROM zt WHERE z < ?", [aware, aware, aware])


def test_arrow_out_carries_the_session_zone():
    con = tqp.connect()
    con.execute("SET TimeZone = 'Asia/Kolkata'")
    table = con.execute("SELECT TIMESTAMPTZ '2024-01-01 00:00+00' AS z").arrow()
    assert table.schema.field("z").type == pa.timestamp("us", tz="Asia/Kolkata")
    assert table.column("z")[0].as_py() == dt.datetime(2024, 1, 1, 5, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Kolkata"))


def test_zoned_arrow_column_gives_local_dates():
    """A registered timestamp[tz] column keeps its instants, and CAST(.. AS DATE) is the
    session zone's date (issue 9's silent UTC date)."""
    con = tqp.connect()
    con.execute("SET TimeZone = 'America/New_York'")
    when = pa.array([dt.datetime(2020, 1, 2, 4, 30)], pa.timestamp("us", tz="UTC"))
    con.register("zoned", pa.table({"when": when.cast(pa.timestamp("ms", tz="Europe/Paris"))}))
    assert con.execute("SELECT CAST(\"when\" AS DATE), hour(\"when\") FROM zoned").fetchall() == [(dt.date(2020, 1, 1), 23)]


def test_settings_and_errors():
    con = tqp.connect()
    con.execute("SET timezone TO 'europe/berlin'")
    assert con.execute("SELECT CAST(TIMESTAMPTZ '2024-07-01 12:00+00' AS VARCHAR)").fetchall() \
        == [("2024-07-01 14:00:00+02",)]
    with pytest.raises(tqp.ProgrammingError, match="unknown time zone 'Nowhere/Foo'"):
        con.execute("SET TimeZone = 'Nowhere/Foo'")
    with pytest.raises(tqp.DataError, match="could not convert"):
        con.execute("SELECT TIMESTAMPTZ '2024-01-01 10:00 Nowhere/Foo'")
    with pytest.raises(tqp.ProgrammingError, match="unknown time zone"):
        con.execute("SELECT TIMESTAMP '2024-01-01' AT TIME ZONE 'Mars/Base'")
    con.execute("RESET TimeZone")
    assert con.execute("SELECT CAST(TIMESTAMPTZ '2024-07-01 12:00+00' AS VARCHAR)").fetchall() \
        == [("2024-07-01 12:00:00+00",)]
