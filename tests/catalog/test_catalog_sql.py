"""DESCRIBE, SHOW TABLES, information_schema, ALTER TABLE and temporary tables, against DuckDB."""
from __future__ import annotations

import warnings

import duckdb
import pytest

import tqp

SETUP = [
    "CREATE TABLE t (a INTEGER PRIMARY KEY, b BIGINT UNIQUE, c SMALLINT DEFAULT 7, d DOUBLE, e REAL, "
    "f DECIMAL(18,3), g VARCHAR NOT NULL, h DATE, i TIMESTAMP, j BOOLEAN)",
    "INSERT INTO t VALUES (1, 10, 1, 1.5, 2.5, 3.125, 'x', '2020-01-01', '2020-01-01 10:00:00', true), "
    "(2, NULL, NULL, NULL, NULL, NULL, 'y', NULL, NULL, NULL)",
    "CREATE TABLE other (k VARCHAR, t_a INTEGER)",
    "CREATE VIEW v AS SELECT a, g, d * 2 AS dd FROM t",
    "CREATE TEMP TABLE scratch (x INTEGER)",
]


@pytest.fixture
def both():
    con, duck = tqp.connect("cpu"), duckdb.connect()
    for sql in SETUP:
        con.execute(sql)
        duck.execute(sql)
    yield con, duck
    con.close()


def same(con, duck, sql):
    """Both give the same rows (statements without rows in tqp, such as INSERT, just run on both)."""
    cur, want = con.execute(sql), duck.execute(sql).fetchall()
    if cur.description is not None:
        assert cur.fetchall() == want, sql


@pytest.mark.parametrize("sql", [
    "DESCRIBE t",
    "DESCRIBE other",
    "SHOW TABLES",
    "SHOW ALL TABLES",
    "SELECT * FROM information_schema.tables ORDER BY table_name",
    "SELECT * FROM information_schema.columns ORDER BY table_name, ordinal_position",
    "SELECT * FROM information_schema.schemata ORDER BY ALL",
    "SELECT table_name, column_name FROM information_schema.columns WHERE data_type = 'VARCHAR' ORDER BY ALL",
    "SELECT t.table_type, count(*) AS n FROM information_schema.tables t JOIN information_schema.columns c "
    "ON t.table_name = c.table_name GROUP BY ALL ORDER BY ALL",
    "SELECT column_name FROM information_schema.columns WHERE table_name = 't' AND is_nullable = 'NO' ORDER BY 1",
])
def test_catalog_queries_match_duckdb(both, sql):
    same(*both, sql)


@pytest.mark.parametrize("sql", [
    "DESCRIBE v",
    "DESCRIBE SELECT a + 1 AS a1, g, avg(d) OVER () AS w FROM t",
    "DESCRIBE SELECT * FROM t JOIN other ON a = t_a",
])
def test_describe_queries_give_duckdb_names_and_types(both, sql):
    con, duck = both
    # Nullability of derived columns is not tracked: tqp says YES where DuckDB may know better.
    assert [r[:2] for r in con.execute(sql).fetchall()] == [r[:2] for r in duck.execute(sql).fetchall()]


@pytest.mark.parametrize("steps", [
    ["ALTER TABLE t ADD COLUMN k INTEGER DEFAULT 42", "SELECT * FROM t ORDER BY a", "DESCRIBE t",
     "INSERT INTO t (a, g) VALUES (3, 'z')", "SELECT a, k FROM t ORDER BY a"],
    ["ALTER TABLE t ADD COLUMN s VARCHAR", "SELECT a, s FROM t ORDER BY a"],
    ["ALTER TABLE t ADD COLUMN IF NOT EXISTS g INTEGER", "DESCRIBE t"],
    ["ALTER TABLE t DROP COLUMN d", "SELECT * FROM t ORDER BY a", "DESCRIBE t",
     "SELECT * FROM information_schema.columns WHERE table_name = 't' ORDER BY ordinal_position"],
    ["ALTER TABLE t DROP COLUMN IF EXISTS nope", "DESCRIBE t"],
    ["ALTER TABLE t RENAME COLUMN g TO name", "SELECT name FROM t ORDER BY 1", "DESCRIBE t"],
    ["ALTER TABLE other RENAME TO renamed", "SHOW TABLES", "SELECT * FROM renamed"],
    ["DESCRIBE scratch", "INSERT INTO scratch VALUES (5)", "SELECT * FROM scratch"],
    ["DROP TABLE scratch", "CREATE TABLE scratch (y VARCHAR)", "SELECT * FROM information_schema.tables ORDER BY table_name"],
])
def test_alter_table_matches_duckdb(both, steps):
    for sql in steps:
        same(*both, sql)


@pytest.mark.parametrize("sql, error", [
    ("ALTER TABLE t DROP COLUMN a", tqp.ProgrammingError),  # the primary key needs it
    ("ALTER TABLE t DROP COLUMN nope", tqp.ProgrammingError),
    ("ALTER TABLE t ADD COLUMN a INTEGER", tqp.ProgrammingError),
    ("ALTER TABLE t ADD COLUMN z INTEGER NOT NULL", tqp.IntegrityError),  # rows exist, no default
    ("ALTER TABLE t RENAME COLUMN a TO b", tqp.ProgrammingError),
    ("ALTER TABLE t RENAME TO other", tqp.ProgrammingError),
    ("ALTER TABLE missing ADD COLUMN z INTEGER", tqp.ProgrammingError),
    ("SELECT * FROM information_schema.nope", tqp.ProgrammingError),
])
def test_bad_catalog_statements_fail_and_change_nothing(both, sql, error):
    con, duck = both
    with pytest.raises(error):
        con.execute(sql)
    with pytest.raises(duckdb.Error):
        duck.execute(sql)
    same(con, duck, "DESCRIBE t")
    same(con, duck, "SHOW TABLES")


def test_check_constraints_follow_a_renamed_column():
    con = tqp.connect("cpu")
    con.execute("CREATE TABLE c (x INTEGER CHECK (x > 0), z INTEGER)")
    con.execute("ALTER TABLE c RENAME COLUMN x TO y")
    with pytest.raises(tqp.IntegrityError):
        con.execute("INSERT INTO c VALUES (-1, 0)")
    con.execute("INSERT INTO c VALUES (1, 0)")
    with pytest.raises(tqp.ProgrammingError, match="CHECK"):
        con.execute("ALTER TABLE c DROP COLUMN y")
    con.execute("CREATE SCHEMA IF NOT EXISTS main")
    con.execute("CREATE SCHEMA s")
    with pytest.raises(tqp.ProgrammingError, match='schema "s" already exists'):
        con.execute("CREATE SCHEMA s")


def test_pandas_to_sql_and_read_sql_round_trip():
    """pandas drives any DB-API connection but sqlite3's through its SQLite fallback (it reads
    sqlite_master, writes SQLite types): tqp gives the frames sqlite3 gives. SQLite's REAL and
    INTEGER are FLOAT and INTEGER (32-bit) in tqp, as in DuckDB, so values must fit those."""
    import sqlite3

    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"i": [1, 2, 3], "s": ["a", None, "c"], "f": [0.5, 1.5, None]})
    out = []
    for con in (tqp.connect("cpu"), sqlite3.connect(":memory:")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # pandas warns about any DB-API but sqlite3's
            assert frame.to_sql("frame", con, index=False) == 3
            frame.to_sql("frame", con, index=False, if_exists="append")
            back = pd.read_sql("SELECT * FROM frame ORDER BY i", con)
            with pytest.raises(ValueError, match="already exists"):
                frame.to_sql("frame", con, index=False)
            frame.to_sql("frame", con, index=False, if_exists="replace")
            again = pd.read_sql("SELECT count(*) AS n FROM frame", con)
        out.append((back, again))
    pd.testing.assert_frame_equal(out[0][0], out[1][0])
    pd.testing.assert_frame_equal(out[0][1], out[1][1])
