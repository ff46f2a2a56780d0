"""RETURNING on MERGE, INSERT, UPDATE and DELETE against DuckDB: `*`, expressions, qualified
columns and MERGE's merge_action; a statement whose RETURNING fails changes nothing."""
from __future__ import annotations

import duckdb
import pytest

import tqp
from tests.differential.pair import connect_pair

SETUP = ["CREATE TABLE t (k INTEGER PRIMARY KEY, v INTEGER, s VARCHAR)",
         "INSERT INTO t VALUES (1, 10, 'a'), (2, 20, NULL), (4, 40, 'd'), (6, NULL, 'f')",
         "CREATE TABLE src (k INTEGER, v INTEGER)",
         "INSERT INTO src VALUES (2, 5), (3, 7), (4, 0), (5, NULL), (6, 1)"]

MERGE = ("MERGE INTO t USING src AS s ON t.k = s.k "
         "WHEN MATCHED AND s.v > 0 THEN UPDATE SET v = coalesce(t.v, 0) + s.v, s = s || '!' "
         "WHEN MATCHED THEN DELETE WHEN NOT MATCHED THEN INSERT VALUES (s.k, s.v, 'new') ")

STATEMENTS = [
    MERGE + "RETURNING merge_action, *",
    MERGE + "RETURNING t.k, v * 2 AS twice, upper(s), merge_action = 'INSERT' AS fresh",
    "MERGE INTO t USING (SELECT 100 AS k) AS s ON t.k = s.k WHEN MATCHED THEN DELETE RETURNING *",
    "MERGE INTO t USING (SELECT 1 AS k) AS s ON t.k = s.k WHEN MATCHED THEN UPDATE SET v = NULL RETURNING v IS NULL, k",
    "INSERT INTO t VALUES (7, 70, 'g'), (8, NULL, NULL) RETURNING *, v + k",
    "INSERT INTO t (k, s) SELECT k + 10, 'x' FROM src WHERE v IS NOT NULL RETURNING s, k, v",
    "UPDATE t SET v = v * 10 WHERE k < 4 RETURNING *, v / 10",
    "UPDATE t SET s = 'z' FROM src WHERE src.k = t.k AND src.v > 0 RETURNING t.*",
    "DELETE FROM t WHERE v > 15 OR v IS NULL RETURNING k, coalesce(s, '-') || k",
]


@pytest.mark.parametrize("sql", STATEMENTS)
def test_returning_matches_duckdb(sql):
    t, d = connect_pair(SETUP)
    got, want = t.execute(sql), d.execute(sql)
    assert sorted(got.fetchall(), key=repr) == sorted(want.fetchall(), key=repr), sql
    after = "SELECT * FROM t ORDER BY k"
    assert t.execute(after).fetchall() == d.execute(after).fetchall()


def test_merge_returning_names_and_types():
    t, _ = connect_pair(SETUP)
    cur = t.cursor()
    cur.execute(MERGE + "RETURNING merge_action, k, v * 2 AS twice")
    assert [c[0] for c in cur.description] == ["merge_action", "k", "twice"]
    assert sorted(cur.fetchall()) == [("DELETE", 4, 80), ("INSERT", 3, 14), ("INSERT", 5, None),
                                      ("UPDATE", 2, 50), ("UPDATE", 6, 2)]


def test_failed_returning_changes_nothing():
    t, d = connect_pair(SETUP)
    sql = MERGE + "RETURNING CAST(s AS INTEGER)"  # 'a!' is no integer
    with pytest.raises(duckdb.Error):
        d.execute(sql)
    with pytest.raises(tqp.DataError):
        t.execute(sql)
    assert t.execute("SELECT * FROM t ORDER BY k").fetchall() == d.execute("SELECT * FROM t ORDER BY k").fetchall()


def test_source_columns_are_not_in_scope():
    t, d = connect_pair(SETUP)
    sql = MERGE + "RETURNING s.v"
    with pytest.raises(duckdb.BinderException):
        d.execute(sql)
    with pytest.raises(tqp.ProgrammingError):
        t.execute(sql)
    assert t.execute("SELECT count(*) FROM t").fetchall() == [(4,)]
