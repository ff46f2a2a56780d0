"""TIME against DuckDB: literals and text forms, casts, Arrow time32/time64 columns in and out,
comparisons, sorting, grouping, joins and aggregates, interval arithmetic around midnight,
DATE + TIME, date parts and differences, make_time, tables, files and parameters."""
from __future__ import annotations

import datetime as dt
import random

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import tqp

US_DAY = 86_400_000_000


def _table() -> pa.Table:
    rng = random.Random(11)
    edges = [0, US_DAY - 1, US_DAY, 12 * 3_600_000_000, 1, 59_999_999, 3_600_000_000 - 1]
    micros = edges + [rng.randrange(US_DAY) for _ in range(120)] + [rng.randrange(24) * 3_600_000_000 for _ in range(20)]
    micros = [None if i % 11 == 3 else v for i, v in enumerate(micros)]
    n = len(micros)
    stamps = [None if i % 7 == 2 else dt.datetime(1990, 1, 1) + dt.timedelta(microseconds=rng.randrange(10**15))
              for i in range(n)]
    texts = ["10:11:12", "1:2:3", "23:59:59.999999", "24:00:00", "00:00", "2024-01-01 10:11:12.1234567",
             "10:11:12+05:30", " 07:08:09 ", "2024-02-29", "10:11:12Z", "10:11:12.", "9:5"]
    return pa.table({
        "id": pa.array(range(n), pa.int32()),
        "t": pa.array(micros, pa.int64()).cast(pa.time64("us")),
        "u": pa.array(list(reversed(micros)), pa.int64()).cast(pa.time64("us")),
        "ts": pa.array(stamps, pa.timestamp("us")),
        "d": pa.array([None if s is None else s.date() for s in stamps], pa.date32()),
        "ivu": pa.array([None if i % 5 == 1 else rng.randrange(-2 * US_DAY, 2 * US_DAY) for i in range(n)], pa.int64()),
        "s": pa.array([texts[i % len(texts)] if i % 13 != 6 else None for i in range(n)], pa.string()),
        "p": pa.array([["hour", "minute", "second", "millisecond", "microsecond", "epoch"][i % 6] for i in range(n)]),
        "h": pa.array([i % 24 for i in range(n)], pa.int64()),
        "m": pa.array([(i * 7) % 60 for i in range(n)], pa.int64()),
        "sec": pa.array([(i * 13 % 600) / 10 for i in range(n)], pa.float64()),
    })


@pytest.fixture(scope="module")
def cons():
    table = _table()
    t, d = tqp.connect(), duckdb.connect()
    t.register("tt", table)
    d.register("__tt", table)
    d.execute("CREATE TABLE tt AS SELECT * FROM __tt")
    yield t, d
    t.close()
    d.close()


def compare(cons, sql, params=None, ordered=True):
    t, d = cons
    want = d.execute(sql, params).fetchall()
    got = t.execute(sql, params).fetchall()
    if not ordered:
        want, got = sorted(want, key=repr), sorted(got, key=repr)
    assert got == want, sql


LITERALS = [
    "TIME '10:11:12'", "TIME '00:00:00'", "TIME '23:59:59.999999'", "TIME '24:00:00'", "TIME '10:11'",
    "CAST('1:2:3' AS TIME)", "CAST('10:11:12.1234567' AS TIME)", "CAST('2024-01-01 10:11:12' AS TIME)",
    "CAST('2024-01-01T10:11:12+05:30' AS TIME)", "CAST(' 10:11:12 ' AS TIME)", "CAST('10:11:12Z' AS TIME)",
    "CAST('2024-02-29' AS TIME)", "CAST('10:11:' AS TIME)", "CAST('10:11:12 +05' AS TIME)",
    "TRY_CAST('25:00:00' AS TIME)", "TRY_CAST('10:60' AS TIME)", "TRY_CAST('24:00:00.000001' AS TIME)",
    "TRY_CAST('10' AS TIME)", "TRY_CAST('10:11.5' AS TIME)", "TRY_CAST('10:11:12+5' AS TIME)",
    "CAST(TIME '10:11:12.5' AS VARCHAR)", "CAST(TIME '00:00:00.0001' AS VARCHAR)", "CAST(TIME '24:00' AS VARCHAR)",
    "typeof(TIME '10:00')", "CAST(TIMESTAMP '2024-01-01 10:11:12.5' AS TIME)", "CAST(CAST(NULL AS TIMESTAMP) AS TIME)",
    "TIME '10:00' < TIME '11:00'", "TIME '10:00' = '10:00:00'", "TIME '24:00:00' > TIME '23:59:59.999999'",
    "TIME '10:00' IN ('10:00', '11:00')", "TIME '10:00' BETWEEN '09:00' AND '11:00'",
    "COALESCE(NULL, TIME '10:00')", "CASE WHEN random() < 2 THEN TIME '10:00' ELSE '11:00' END",
    "greatest(TIME '10:00', TIME '11:00')", "least(TIME '10:00', '09:00')",
    "TIME '10:00' + INTERVAL 20 HOUR", "INTERVAL 1 HOUR + TIME '23:30'", "TIME '01:00' - INTERVAL 2 HOUR",
    "TIME '10:00' + INTERVAL 1 MONTH", "TIME '10:00' + INTERVAL '1 month 2 days 3 hours'",
    "TIME '10:00' - INTERVAL 26 HOUR", "TIME '24:00:00' + INTERVAL 0 HOUR", "TIME '24:00:00' - INTERVAL 1 HOUR",
    "TIME '10:00' + INTERVAL '1 microsecond'", "date_add(TIME '10:00', INTERVAL 90 MINUTE)",
    "DATE '2024-02-29' + TIME '10:11:12.5'", "TIME '24:00' + DATE '2024-12-31'",
    "extract(hour FROM TIME '10:11:12.345678')", "extract(minute FROM TIME '10:11:12.345678')",
    "extract(second FROM TIME '10:11:12.345678')", "extract(millisecond FROM TIME '10:11:12.345678')",
    "extract(microsecond FROM TIME '10:11:12.345678')", "extract(epoch FROM TIME '10:11:12.345678')",
    "hour(TIME '24:00'), minute(TIME '24:00'), epoch(TIME '24:00')", "second(TIME '10:11:12.9')",
    "millisecond(TIME '10:11:12.345')", "epoch_ms(TIME '10:00'), epoch_us(TIME '10:00:00.5'), epoch_ns(TIME '01:00')",
    "to_json(TIME '10:11:12.5')", "CAST(TIME '10:00' AS TIME_NS)",
    "time_bucket(INTERVAL 7 MINUTE, TIME '10:31'), time_bucket(INTERVAL 1 DAY, TIME '10:31')",
    "time_bucket(INTERVAL 7 MINUTE, TIME '10:31', INTERVAL 2 MINUTE), time_bucket(INTERVAL 7 HOUR, TIME '03:00')",
    "time_bucket(INTERVAL 1 MONTH, TIME '10:31'), time_bucket(INTERVAL 90 SECOND, TIME '24:00')",
    "time_bucket(INTERVAL 7 MINUTE, TIME '10:31', TIME '00:03'), time_bucket(INTERVAL 2 HOUR, TIME '00:30', TIME '23:00')", "microsecond(TIME '10:11:12.345')", "date_part('hour', TIME '10:11:12')",
    "date_part('epoch', TIME '10:11:12.5')", "datepart('second', TIME '10:11:12')",
    "date_diff('minute', TIME '10:00', TIME '11:30')", "date_sub('hour', TIME '11:30', TIME '10:00')",
    "date_diff('hour', TIME '11:30', TIME '10:00')", "date_diff('millisecond', TIME '10:00', TIME '10:00:00.0015')",
    "datediff('us', TIME '10:00', '12:00')", "date_diff('hours', TIME '10:59', TIME '11:00')",
    "make_time(10, 11, 12.5)", "make_time(23, 59, 60)", "make_time(0, 0, 60.5)", "make_time(1, 2, 3.0000015)",
    "make_time(NULL, 1, 2)", "make_time(24, 0, 0)", "make_time('1', 2, 3)", "typeof(make_time(1, 2, 3))",
    "typeof(current_localtime())", "current_localtime() = CAST(current_timestamp AS TIMESTAMP)::TIME",
]


@pytest.mark.parametrize("expr", LITERALS)
def test_constants(cons, expr):
    compare(cons, f"SELECT {expr}")


COLUMNS = [
    "t, CAST(t AS VARCHAR), typeof(t)", "CAST(CAST(t AS VARCHAR) AS TIME) = t", "TRY_CAST(s AS TIME), s",
    "CAST(ts AS TIME), CAST(CAST(ts AS TIME) AS VARCHAR)", "t < u, t = u, t >= u, t <> TIME '12:00'",
    "t + to_microseconds(ivu), t - to_microseconds(ivu), to_microseconds(ivu) + t", "t + INTERVAL 25 HOUR, t - INTERVAL 1 MICROSECOND, t + INTERVAL (h) MINUTE",
    "d + t, t + d", "hour(t), minute(t), second(t), millisecond(t), microsecond(t), epoch(t)",
    "extract(hour FROM u), date_part('minute', u)", "date_part(p, t)",
    "date_diff('second', t, u), date_sub('second', t, u), date_diff('hour', t, u), date_sub('millisecond', u, t)",
    "date_diff('microsecond', t, TIME '12:00')", "make_time(h, m, sec)",
    "CASE WHEN id % 2 = 0 THEN t ELSE u END", "{'a': t} = {'a': TIME '10:00'}, [t, '12:00'], list_contains([t, u], TIME '00:00')", "COALESCE(t, u, TIME '00:00')", "greatest(t, u), least(t, u)",
    "t IN (TIME '12:00', '00:00:00', u)", "time_bucket(INTERVAL 25 MINUTE, t), time_bucket(INTERVAL 2 HOUR, u, INTERVAL 5 MINUTE), time_bucket(INTERVAL 3 HOUR, t, u)", "t BETWEEN u AND TIME '20:00'", "t BETWEEN '06:00' AND '18:00'",
]


@pytest.mark.parametrize("cols", COLUMNS)
def test_columns(cons, cols):
    compare(cons, f"SELECT id, {cols} FROM tt ORDER BY id")


QUERIES = [
    "SELECT t FROM tt ORDER BY t, id", "SELECT t FROM tt ORDER BY t DESC NULLS FIRST, id",
    "SELECT t, count(*) FROM tt GROUP BY t ORDER BY t", "SELECT DISTINCT hour(t) FROM tt ORDER BY 1",
    "SELECT count(DISTINCT t), count(t), min(t), max(t), min(u), max(u) FROM tt",
    "SELECT h, min(t), max(t), first(t ORDER BY id), arg_min(t, id), arg_max(id, t) FROM tt GROUP BY h ORDER BY h",
    "SELECT any_value(t) FROM tt WHERE id = 4", "SELECT a.id, b.id FROM tt a JOIN tt b ON a.t = b.u ORDER BY 1, 2",
    "SELECT id FROM tt WHERE t > TIME '12:00' AND t < '18:00' ORDER BY id",
    "SELECT id FROM tt WHERE t IN (SELECT u FROM tt WHERE id < 40) ORDER BY id",
    "SELECT t FROM tt UNION SELECT u FROM tt ORDER BY 1", "SELECT max(t + INTERVAL 1 HOUR) FROM tt",
    "SELECT id, row_number() OVER (ORDER BY t, id) FROM tt ORDER BY id",
    "SELECT id, lag(t) OVER (ORDER BY id) FROM tt ORDER BY id",
    "SELECT a.id, b.id FROM tt a ASOF JOIN tt b ON a.h = b.h AND a.t >= b.u ORDER BY 1",
    "SELECT id, max(t) OVER (PARTITION BY h ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM tt ORDER BY id",
    "SELECT max_by(id, t), arg_max(t, id), count(DISTINCT (t, u)), quantile_disc(t, [0.1, 0.9]) FROM tt",
    "SELECT t, count(*) FROM tt GROUP BY ROLLUP (t) ORDER BY 1 NULLS LAST, 2",
    "SELECT avg(t), mean(u), avg(DISTINCT t) FROM tt",
    "SELECT id, count(*) OVER (ORDER BY t RANGE BETWEEN INTERVAL 1 HOUR PRECEDING AND CURRENT ROW) FROM tt ORDER BY id",
    "SELECT id, count(*) OVER (ORDER BY t DESC RANGE BETWEEN INTERVAL 2 HOUR PRECEDING AND INTERVAL 30 MINUTE FOLLOWING), "
    "sum(id) OVER (PARTITION BY h % 3 ORDER BY u RANGE BETWEEN CURRENT ROW AND INTERVAL 90 MINUTE FOLLOWING) FROM tt ORDER BY id", "SELECT h % 5, avg(t) FROM tt GROUP BY 1 HAVING avg(t) > '09:00' ORDER BY 1",
    "SELECT median(t), quantile_cont(t, 0.3), quantile_disc(u, 0.7), mode(hour(t)) FROM tt",
    "SELECT h, list(t ORDER BY id), {'first': min(t), 'all': list(u ORDER BY id)} FROM tt GROUP BY h ORDER BY h",
]


@pytest.mark.parametrize("sql", QUERIES)
def test_queries(cons, sql):
    compare(cons, sql)


def test_parameters(cons):
    for value in (dt.time(0, 0), dt.time(23, 59, 59, 999999), dt.time(10, 11, 12, 5)):
        compare(cons, "SELECT CAST(? AS VARCHAR), ? + INTERVAL 1 HOUR, typeof(?)", [value] * 3)
        compare(cons, "SELECT id FROM tt WHERE t >= ? ORDER BY id", [value])
        compare(cons, "SELECT hour(?), date_diff('second', ?, t) FROM tt ORDER BY id", [value, value])
    t, _ = cons
    # a prepared shape reused with another value reads that value
    assert t.execute("SELECT ? + INTERVAL 90 MINUTE", [dt.time(23, 0)]).fetchall() == [(dt.time(0, 30),)]
    assert t.execute("SELECT ? + INTERVAL 90 MINUTE", [dt.time(1, 0)]).fetchall() == [(dt.time(2, 30),)]
    with pytest.raises(tqp.NotSupportedError, match="tzinfo"):
        t.execute("SELECT ?", [dt.time(1, tzinfo=dt.timezone.utc)])


def test_arrow_round_trip(cons):
    t, d = cons
    got, want = t.execute("SELECT t, u FROM tt ORDER BY id").arrow(), d.sql("SELECT t, u FROM tt ORDER BY id").to_arrow_table()
    assert got.schema == want.schema and got.equals(want)
    units = pa.table({"s": pa.array([1, 86399, None], pa.time32("s")), "ms": pa.array([1500, None, 0], pa.time32("ms")),
                      "ns": pa.array([1999, 86_399_999_999_999, None], pa.time64("ns"))})
    t.register("units", units)
    rows = t.execute("SELECT s, ms, ns, typeof(s), CAST(ns AS VARCHAR) FROM units").fetchall()
    assert rows[0] == (dt.time(0, 0, 1), dt.time(0, 0, 1, 500000), dt.time(0, 0, 0, 1), "TIME", "00:00:00.000001")
    assert rows[1][:3] == (dt.time(23, 59, 59), None, dt.time(23, 59, 59, 999999))
    assert t.execute("SELECT t FROM tt").description[0][1] == "TIME"


def test_pandas_numpy_and_explain(cons):
    t, d = cons
    sql = "SELECT id, t FROM tt ORDER BY id"
    assert t.execute(sql).df()["t"].tolist() == d.execute(sql).df()["t"].tolist()
    mine, theirs = t.execute(sql).fetchnumpy()["t"], d.execute(sql).fetchnumpy()["t"]
    assert mine.tolist() == theirs.tolist() and mine.mask.tolist() == theirs.mask.tolist()
    assert "TIME '10:00:00.5'" in t.execute("EXPLAIN SELECT id FROM tt WHERE t > TIME '10:00:00.5'").fetchall()[0][0]


def test_tables_and_files(cons, tmp_path):
    t, d = cons
    for con in (t, d):
        con.execute("CREATE TABLE shifts (name VARCHAR, starts TIME, ends TIME)")
        con.execute("INSERT INTO shifts VALUES ('a', '08:00', TIME '16:30'), ('b', '22:00', '06:00:00.5'), ('c', NULL, '24:00')")
        con.execute("INSERT INTO shifts VALUES (?, ?, ?)", ["d", dt.time(1, 2, 3), dt.time(4, 5, 6, 7)])
        con.execute("UPDATE shifts SET ends = ends + INTERVAL 1 HOUR WHERE starts > '20:00'")
    compare(cons, "SELECT name, starts, ends, date_diff('minute', starts, ends) FROM shifts ORDER BY name")
    compare(cons, "DESCRIBE shifts")
    parquet, csv = str(tmp_path / "t.parquet"), str(tmp_path / "t.csv")
    d.execute(f"COPY (SELECT id, t FROM tt) TO '{parquet}' (FORMAT parquet)")
    assert pq.read_schema(parquet).field("t").type == pa.time64("us")
    compare(cons, f"SELECT id, t, typeof(t) FROM read_parquet('{parquet}') ORDER BY id")
    t.execute(f"COPY (SELECT id, t FROM tt) TO '{tmp_path / 'mine.parquet'}' (FORMAT parquet)")
    compare(cons, f"SELECT id, t FROM read_parquet('{tmp_path / 'mine.parquet'}') ORDER BY id")
    with open(csv, "w") as f:
        f.write("k,tm\n1,10:11:12\n2,\n3,23:59\n")
    compare(cons, f"SELECT k, tm, typeof(tm) FROM read_csv('{csv}') ORDER BY k")
    csv = str(tmp_path / "fractions.csv")
    with open(csv, "w") as f:  # with fractions of a second, which pyarrow alone reads as text
        f.write("k,tm,txt\n1,10:11:12.5,a\n2,,b\n3,24:00:00,c\n4,00:00:00.000001,d\n")
    compare(cons, f"SELECT k, tm, typeof(tm), txt FROM read_csv('{csv}') ORDER BY k")
    written = {}
    for name, con in (("tqp", t), ("duckdb", d)):
        path = tmp_path / f"{name}.csv"
        con.execute(f"COPY (SELECT id, t, u FROM tt ORDER BY id) TO '{path}'")
        written[name] = path.read_text()
    assert written["tqp"] == written["duckdb"]
    for con in (t, d):
        con.execute("DROP TABLE shifts")


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/New_York", "Australia/Lord_Howe"])
def test_instants_in_the_session_zone(zone):
    """An instant's TIME is its wall clock in the session's zone (DuckDB: through TIMETZ)."""
    stamps = pa.table({"z": pa.array([dt.datetime(2024, 3, 10, 6, 59, 59, 5, tzinfo=dt.timezone.utc),
                                      dt.datetime(2024, 3, 10, 7, 0, tzinfo=dt.timezone.utc), None,
                                      dt.datetime(1850, 6, 1, 23, 59, tzinfo=dt.timezone.utc)], pa.timestamp("us", tz="UTC"))})
    t, d = tqp.connect(), duckdb.connect()
    for con in (t, d):
        con.execute(f"SET TimeZone = '{zone}'")
    t.register("stamps", stamps)
    d.register("stamps", stamps)
    mine = t.execute("SELECT CAST(z AS TIME), CAST(TIMESTAMPTZ '2024-01-01 10:11:12+05' AS TIME), "
                     "current_time = CAST(CAST(now() AS TIMESTAMP) AS TIME) FROM stamps").fetchall()
    theirs = d.execute("SELECT CAST(CAST(z AS TIMETZ) AS TIME), CAST(CAST(TIMESTAMPTZ '2024-01-01 10:11:12+05' AS TIMETZ) "
                       "AS TIME), current_localtime() = CAST(CAST(now() AS TIMESTAMP) AS TIME) FROM stamps").fetchall()
    assert mine == theirs


ERRORS = [
    ("SELECT TIME '10:00' - TIME '09:00'", tqp.ProgrammingError), ("SELECT TIME '10:00' + 1", tqp.ProgrammingError),
    ("SELECT CAST(TIME '10:00' AS BIGINT)", tqp.ProgrammingError), ("SELECT CAST(DATE '2024-01-01' AS TIME)", tqp.ProgrammingError),
    ("SELECT TIME '10:00' = TIMESTAMP '2024-01-01 10:00'", tqp.ProgrammingError),
    ("SELECT CASE WHEN id > 0 THEN t ELSE ts END FROM tt", tqp.ProgrammingError),
    ("SELECT extract(day FROM TIME '10:00')", tqp.ProgrammingError), ("SELECT date_diff('day', t, u) FROM tt", tqp.ProgrammingError),
    ("SELECT sum(t) FROM tt", tqp.ProgrammingError),
    ("SELECT date_part(p, TIME '10:00') FROM (VALUES ('hour'), ('day')) v(p)", tqp.DataError),
    ("SELECT count(*) OVER (ORDER BY t RANGE BETWEEN 5 PRECEDING AND CURRENT ROW) FROM tt", tqp.ProgrammingError), ("SELECT -t FROM tt", tqp.ProgrammingError),
    ("SELECT CAST('25:00:00' AS TIME)", tqp.DataError), ("SELECT CAST(s || 'x' AS TIME) FROM tt", tqp.DataError),
    ("SELECT TIME '10:00' = 'garbage'", tqp.DataError), ("SELECT make_time(25, 0, 0)", tqp.DataError),
    ("SELECT make_time(h, m, sec + 60) FROM tt", tqp.DataError), ("SELECT make_time(1, 2, 'nan'::DOUBLE)", tqp.DataError),
]


@pytest.mark.parametrize("sql, error", ERRORS)
def test_errors(cons, sql, error):
    t, d = cons
    with pytest.raises(duckdb.Error):
        d.execute(sql).fetchall()
    with pytest.raises(error):
        t.execute(sql).fetchall()
