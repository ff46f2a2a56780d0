"""COPY ... TO / FROM and EXPORT / IMPORT DATABASE, checked against DuckDB doing the same."""
from __future__ import annotations

import os

import duckdb
import pyarrow.parquet as pq
import pytest

import tqp

SETUP = [
    "CREATE TABLE t (a INTEGER PRIMARY KEY, s VARCHAR NOT NULL, d DATE DEFAULT DATE '2020-01-01', "
    "x DECIMAL(10,2), ts TIMESTAMP, f DOUBLE, b BOOLEAN CHECK (a > 0))",
    "INSERT INTO t VALUES (1, 'plain', '2021-01-02', 1.5, '2020-01-01 10:00:00.25', 0.5, true), "
    "(2, 'with,comma', NULL, NULL, NULL, NULL, NULL), (3, 'with \"quote\"', '1969-07-20', -2.05, "
    "'1999-12-31 23:59:59', -1e10, false), (4, '', '2024-02-29', 0, '2024-02-29 00:00:00', 1.25, NULL)",
    "CREATE VIEW v AS SELECT a, s FROM t WHERE a > 1",
]


@pytest.fixture
def both(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    con, duck = tqp.connect("cpu"), duckdb.connect()
    for sql in SETUP:
        con.execute(sql)
        duck.execute(sql)
    yield con, duck, tmp_path
    con.close()


def _run_both(con, duck, tmp_path, sql):
    """Run a COPY ... TO on both, into files named tqp_* and duck_*."""
    con.execute(sql.format(f="tqp_"))
    duck.execute(sql.format(f="duck_"))


@pytest.mark.parametrize("sql", [
    "COPY t TO '{f}out.csv'",
    "COPY t TO '{f}out.csv' (HEADER false, DELIMITER ';')",
    "COPY (SELECT a, s, ts FROM t WHERE a <> 2 ORDER BY a DESC) TO '{f}out.csv' (FORMAT csv)",
    "COPY t (s, a) TO '{f}out.csv'",
    "COPY v TO '{f}out.csv'",
])
def test_copy_to_csv_writes_what_duckdb_writes(both, sql):
    con, duck, d = both
    _run_both(con, duck, d, sql)
    assert (d / "tqp_out.csv").read_text() == (d / "duck_out.csv").read_text()


@pytest.mark.parametrize("sql", [
    "COPY t TO '{f}out.parquet'",
    "COPY (SELECT a, x, d FROM t ORDER BY a) TO '{f}out.parquet' (FORMAT parquet)",
    "COPY t TO '{f}out.parquet' (FORMAT parquet, COMPRESSION zstd)",
])
def test_copy_to_parquet_reads_back_as_duckdb(both, sql):
    con, duck, d = both
    _run_both(con, duck, d, sql)
    ours, theirs = (duck.execute(f"SELECT * FROM '{p}' ORDER BY ALL").fetchall() for p in ("tqp_out.parquet", "duck_out.parquet"))
    assert ours == theirs
    assert [f.name for f in pq.read_schema(d / "tqp_out.parquet")] == [f.name for f in pq.read_schema(d / "duck_out.parquet")]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_copy_from_appends_like_duckdb(both, fmt):
    con, duck, d = both
    duck.execute(f"COPY (SELECT a + 10 AS a, s, d, x, ts, f, b FROM t) TO 'src.{fmt}'")
    for c in (con, duck):
        c.execute("CREATE TABLE u AS SELECT * FROM t WHERE a = 1")
    assert con.execute(f"COPY u FROM 'src.{fmt}'").rowcount == 4
    duck.execute(f"COPY u FROM 'src.{fmt}'")
    assert con.execute("SELECT * FROM u ORDER BY a").fetchall() == duck.execute("SELECT * FROM u ORDER BY a").fetchall()


def test_copy_from_csv_parses_by_the_tables_types(both):
    con, duck, d = both
    (d / "codes.csv").write_text("code;n\n007;1\n010;2\n")
    for c in (con, duck):
        c.execute("CREATE TABLE codes (code VARCHAR, n SMALLINT)")
        c.execute("COPY codes FROM 'codes.csv' (DELIMITER ';', HEADER)")
    (d / "ncol.csv").write_text("n\n1\n2\n")
    for c in (con, duck):
        c.execute("CREATE TABLE part (n INTEGER, note VARCHAR DEFAULT 'none')")
        c.execute("COPY part (n) FROM 'ncol.csv'")
    for sql in ("SELECT * FROM codes", "SELECT * FROM part"):
        assert con.execute(sql).fetchall() == duck.execute(sql).fetchall()


def test_copy_from_is_atomic_and_checked(both):
    con, _, d = both
    (d / "dup.csv").write_text("a,s,d,x,ts,f,b\n5,ok,,,,,\n1,again,,,,,\n")
    before = con.execute("SELECT * FROM t ORDER BY a").fetchall()
    with pytest.raises(tqp.IntegrityError):
        con.execute("COPY t FROM 'dup.csv'")
    (d / "nulls.csv").write_text("a,s,d,x,ts,f,b\n6,,,,,,\n")
    with pytest.raises(tqp.IntegrityError):
        con.execute("COPY t FROM 'nulls.csv'")  # s is NOT NULL
    (d / "bad.csv").write_text("a,s,d,x,ts,f,b\nnot-a-number,x,,,,,\n")
    with pytest.raises(tqp.DataError):
        con.execute("COPY t FROM 'bad.csv'")
    assert con.execute("SELECT * FROM t ORDER BY a").fetchall() == before


def test_export_and_import_database_round_trip(both):
    con, duck, d = both
    con.execute("CREATE UNIQUE INDEX t_s ON t (s)")
    con.execute("EXPORT DATABASE 'dump'")
    assert {"schema.sql", "load.sql", "t.csv"} <= set(os.listdir(d / "dump"))
    fresh = tqp.connect("cpu")
    fresh.execute("IMPORT DATABASE 'dump'")
    for sql in ("SELECT * FROM t ORDER BY a", "SELECT * FROM v ORDER BY a", "DESCRIBE t"):
        assert fresh.execute(sql).fetchall() == con.execute(sql).fetchall()
    with pytest.raises(tqp.IntegrityError):
        fresh.execute("INSERT INTO t VALUES (9, 'plain', NULL, NULL, NULL, NULL, NULL)")  # the index came back
    # DuckDB reads tqp's export as its own.
    duck2 = duckdb.connect()
    duck2.execute("IMPORT DATABASE 'dump'")
    assert duck2.execute("SELECT * FROM t ORDER BY a").fetchall() == duck.execute("SELECT * FROM t ORDER BY a").fetchall()


def test_export_parquet_and_failed_import_changes_nothing(both):
    con, _, d = both
    con.execute("EXPORT DATABASE 'pq' (FORMAT parquet)")
    assert (d / "pq" / "t.parquet").exists()
    other = tqp.connect("cpu")
    other.execute("CREATE TABLE keep (z INTEGER)")
    other.execute("IMPORT DATABASE 'pq'")
    assert other.execute("SELECT count(*) FROM t").fetchall() == [(4,)]
    (d / "pq" / "load.sql").write_text((d / "pq" / "load.sql").read_text() + "COPY nowhere FROM 'x.csv';\n")
    third = tqp.connect("cpu")
    third.execute("CREATE TABLE keep (z INTEGER)")
    with pytest.raises(tqp.ProgrammingError):
        third.execute("IMPORT DATABASE 'pq'")
    assert third.tables() == ["keep"]


def test_copy_errors_name_the_problem(both):
    con, _, d = both
    with pytest.raises(tqp.ProgrammingError, match="not found"):
        con.execute("COPY nope TO 'x.csv'")
    with pytest.raises(tqp.ProgrammingError, match="no such directory"):
        con.execute("COPY t TO 'missing/dir/x.csv'")
    with pytest.raises(tqp.NotSupportedError, match="format"):
        con.execute("COPY t TO 'x.xlsx' (FORMAT xlsx)")
    assert not (d / "x.csv").exists()
