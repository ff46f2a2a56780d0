"""MERGE INTO against DuckDB: every WHEN kind and action, conditions, first-clause-wins, bare
UPDATE/INSERT by position, INSERT BY NAME, USING (col), subquery sources, and atomicity: a MERGE
that breaks a constraint or matches a row twice changes nothing."""
from __future__ import annotations

import duckdb
import pytest

import tqp
from tqp.errors import DataError, IntegrityError, ProgrammingError

SETUP = [
    "CREATE TABLE t (id INTEGER, v INTEGER, w VARCHAR)",
    "INSERT INTO t VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, NULL), (NULL, 0, 'n')",
    "CREATE TABLE s (v INTEGER, id INTEGER, w VARCHAR)",
    "INSERT INTO s VALUES (100, 1, 'x'), (400, 4, 'y'), (300, 3, 'z'), (500, NULL, 'q')",
]

MERGES = [
    "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v, s.w)",
    "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE WHEN NOT MATCHED THEN INSERT",
    "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *",
    "MERGE INTO t USING s USING (id) WHEN MATCHED THEN DO NOTHING WHEN NOT MATCHED THEN INSERT BY NAME",
    "MERGE INTO t AS tt USING (SELECT 1 AS id) AS src ON tt.id = src.id WHEN MATCHED THEN UPDATE SET v = tt.v + 1",
    "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED AND s.v > 200 THEN DELETE WHEN MATCHED THEN UPDATE SET w = s.w || t.w "
    "WHEN NOT MATCHED AND s.v > 300 THEN INSERT (id, w) VALUES (s.id, s.w) "
    "WHEN NOT MATCHED BY SOURCE AND t.id = 2 THEN DELETE WHEN NOT MATCHED BY SOURCE THEN UPDATE SET v = -1",
    "MERGE INTO t USING (SELECT * FROM s WHERE v > 1000) AS x ON t.id = x.id WHEN NOT MATCHED BY SOURCE THEN DELETE",
    "MERGE INTO t USING s ON t.id = s.id AND s.v < 350 WHEN MATCHED THEN DELETE",
    "MERGE INTO t USING (SELECT id, count(*) AS c FROM s GROUP BY id) AS g ON t.id = g.id "
    "WHEN MATCHED THEN UPDATE SET v = v + g.c, w = upper(w) WHEN NOT MATCHED BY TARGET THEN INSERT (id) VALUES (g.id)",
    "MERGE INTO t USING s ON false WHEN NOT MATCHED THEN INSERT (w, id) VALUES (s.w, s.id + 100)",
]


def _fresh():
    t, d = tqp.connect("cpu"), duckdb.connect()
    for s in SETUP:
        t.execute(s)
        d.execute(s)
    return t, d


def _rows(con, sql="SELECT * FROM t"):
    return sorted(con.execute(sql).fetchall(), key=repr)


@pytest.mark.parametrize("sql", MERGES)
def test_same_table_as_duckdb(sql):
    t, d = _fresh()
    count = t.execute(sql).rowcount
    assert count == d.execute(sql).fetchone()[0], sql
    assert _rows(t) == _rows(d), sql


def test_a_row_matched_twice_is_an_error_and_changes_nothing():
    t, _ = _fresh()
    t.execute("INSERT INTO s VALUES (111, 1, 'dup')")
    before = _rows(t)
    with pytest.raises(DataError, match="more than one source row"):
        t.execute("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v "
                  "WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v, s.w)")
    assert _rows(t) == before


def test_a_constraint_violation_changes_nothing():
    t = tqp.connect("cpu")
    t.execute("CREATE TABLE k (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)")
    t.execute("INSERT INTO k VALUES (1, 1), (2, 2)")
    with pytest.raises(IntegrityError):
        t.execute("MERGE INTO k USING (SELECT 1 AS id, 5 AS v UNION ALL SELECT 3, 3) AS s ON k.id = s.id "
                  "WHEN MATCHED THEN UPDATE SET id = 2 WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)")
    with pytest.raises(IntegrityError):
        t.execute("MERGE INTO k USING (SELECT 7 AS id) AS s ON k.id = s.id WHEN NOT MATCHED THEN INSERT (id) VALUES (s.id)")
    assert _rows(t, "SELECT * FROM k") == [(1, 1), (2, 2)]


@pytest.mark.parametrize("sql", [
    "MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN DELETE",
    "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN INSERT VALUES (1, 2, 'x')",
    "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET nope = 1",
    "MERGE INTO nope USING s ON nope.id = s.id WHEN MATCHED THEN DELETE",
    "MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (1, 2)",
])
def test_bad_merge_is_refused(sql):
    t, _ = _fresh()
    with pytest.raises(ProgrammingError):
        t.execute(sql)
