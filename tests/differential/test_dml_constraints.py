"""Constraints, upserts, indexes, UPDATE and DELETE, differentially against DuckDB.

Each script runs statement by statement on tqp and on DuckDB. A statement must succeed on both
or fail on both, with the same PEP 249 class (DuckDB's ConstraintException is an IntegrityError);
rows a statement returns (RETURNING, SELECT) must agree, and after every statement each table
the script names must hold the same rows on both, so a failed statement visibly changed nothing.
"""
from __future__ import annotations

import pathlib
import time
import warnings

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from tpch.verify import compare

_PEP249 = ("IntegrityError", "DataError", "NotSupportedError", "ProgrammingError", "OperationalError")


def _statements(text: str) -> list[str]:
    return [s.strip() for s in text.split(";\n") if s.strip()]


class Pair:
    def __init__(self, tq, tqp_mod):
        self.tq, self.tqp, self.dk = tq, tqp_mod, duckdb.connect()

    def run(self, sql: str) -> tuple[str, object]:
        """('ok', rows table or None) or ('error', PEP 249 class name) on each side."""
        out = []
        for side in ("duck", "tqp"):
            try:
                if side == "duck":
                    rel = self.dk.execute(sql)
                    with warnings.catch_warnings():  # the copy it warns about is what this test wants
                        warnings.simplefilter("ignore")
                        rows = rel.to_arrow_table() if rel.description else rel.fetchall() and None
                else:
                    cur = self.tq.execute(sql)
                    rows = cur.fetch_arrow() if cur.description else None
                out.append(("ok", rows))
            except duckdb.Error as e:
                out.append(("error", next((c for c in _PEP249 if isinstance(e, getattr(duckdb, c))), type(e).__name__)))
            except self.tqp.Error as e:
                assert not isinstance(e, self.tqp.InternalError), f"{sql}: {e}"
                assert str(e), "error message must not be empty"
                out.append(("error", type(e).__name__))
        return out[0], out[1]

    def script(self, text: str, tables=()):
        for sql in _statements(text):
            (dk, dv), (tk, tv) = self.run(sql)
            assert (dk, dv if dk == "error" else None) == (tk, tv if tk == "error" else None), \
                f"{sql}\n  duckdb: {dk} {dv if dk == 'error' else ''}\n  tqp:    {tk} {tv if tk == 'error' else ''}"
            returns_rows = sql.upper().startswith("SELECT") or "RETURNING" in sql.upper()
            if dk == "ok" and returns_rows:
                msg = compare(dv, tv, ordered=False)
                assert msg is None, f"{msg}\nSQL: {sql}"
            for t in tables:
                if self.dk.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [t]).fetchall()[0][0]:
                    self.same(f"SELECT * FROM {t}")

    def same(self, sql: str):
        msg = compare(self.dk.sql(sql).to_arrow_table(), self.tq.execute(sql).fetch_arrow(), ordered=False)
        assert msg is None, f"{msg}\nSQL: {sql}"

    def close(self):
        self.dk.close()
        self.tq.close()


@pytest.fixture
def pair(device, connect, tqp_module):
    p = Pair(connect(device), tqp_module)
    yield p
    p.close()


def test_primary_key_unique_not_null_on_insert(pair):
    pair.script("""
        CREATE TABLE t (x INTEGER PRIMARY KEY, y VARCHAR NOT NULL, z INT UNIQUE, w DOUBLE);
        INSERT INTO t VALUES (1, 'a', 1, 0.5), (2, 'b', 2, NULL);
        INSERT INTO t VALUES (1, 'c', 3, 1);
        INSERT INTO t VALUES (3, 'c', 3, 1), (4, 'd', 4, 1), (3, 'e', 5, 1);
        INSERT INTO t VALUES (NULL, 'c', 5, 1);
        INSERT INTO t VALUES (5, NULL, 6, 1);
        INSERT INTO t (x, z) VALUES (5, 6);
        INSERT INTO t VALUES (5, 'c', NULL, 1), (6, 'd', NULL, 1), (7, 'e', 1, 1);
        INSERT INTO t VALUES (5, 'c', NULL, 1), (6, 'd', NULL, 1);
        INSERT INTO t VALUES (8, 'c', 1, 1);
        INSERT INTO t SELECT x + 10, y, z FROM t;
        INSERT INTO t SELECT x + 10, y, z + 10, w FROM t;
        INSERT INTO t SELECT * FROM t WHERE x > 10;
        INSERT INTO t SELECT x + 100, y, z + 100, w FROM t UNION ALL SELECT 150, 'q', 150, 0
    """, tables=["t"])


def test_multi_column_and_table_level_keys(pair):
    pair.script("""
        CREATE TABLE b (x INT, y INT, s VARCHAR, PRIMARY KEY (x, y), UNIQUE (s, y), CONSTRAINT u2 UNIQUE (y, x));
        INSERT INTO b VALUES (1, 1, 'a'), (1, 2, 'a'), (2, 1, NULL), (3, 1, NULL);
        INSERT INTO b VALUES (1, NULL, 'z');
        INSERT INTO b VALUES (1, 1, 'z');
        INSERT INTO b VALUES (4, 4, 'a'), (4, 4, 'b');
        INSERT INTO b VALUES (5, 2, 'a');
        INSERT INTO b VALUES (5, 5, 'n'), (6, 5, 'n');
        INSERT INTO b VALUES (5, 5, 'n'), (6, 6, 'n'), (7, 7, NULL), (8, 7, NULL);
        CREATE TABLE e (x INT PRIMARY KEY, PRIMARY KEY (x));
        CREATE TABLE e2 (x INT, PRIMARY KEY (nope));
        CREATE TABLE e3 (x INT, UNIQUE (nope))
    """, tables=["b"])


def test_keys_compare_values_not_codes(pair):
    """String keys arrive with their own dictionaries; float keys fold -0.0 into 0.0."""
    pair.script("""
        CREATE TABLE s (k VARCHAR PRIMARY KEY, v INT);
        INSERT INTO s VALUES ('m', 1), ('a', 2), ('z', 3);
        INSERT INTO s VALUES ('b', 4), ('a', 5);
        INSERT INTO s VALUES ('b', 4), ('c', 5), ('', 6);
        INSERT INTO s VALUES ('', 7);
        INSERT INTO s SELECT k || 'x', v FROM s;
        INSERT INTO s SELECT upper(k), v FROM s WHERE k <> '';
        CREATE TABLE h (x DOUBLE PRIMARY KEY, d DATE UNIQUE, m DECIMAL(10, 2) UNIQUE);
        INSERT INTO h VALUES (0.0, DATE '2000-01-01', 1.50), (1.5, NULL, NULL);
        INSERT INTO h VALUES (-0.0, NULL, NULL);
        INSERT INTO h VALUES (2.5, DATE '2000-01-01', NULL);
        INSERT INTO h VALUES (2.5, DATE '2000-01-02', 1.5);
        INSERT INTO h VALUES (2.5, DATE '2000-01-02', 1.51)
    """, tables=["s", "h"])


def test_defaults_and_checks(pair):
    pair.script("""
        CREATE TABLE p (id INTEGER PRIMARY KEY, name VARCHAR DEFAULT 'anon', score DECIMAL(10, 2) DEFAULT 1.5
                        CHECK (score >= 0), n INT NOT NULL DEFAULT 7, CHECK (id < 1000));
        INSERT INTO p (id) VALUES (1), (2);
        INSERT INTO p (id, score) VALUES (3, -1);
        INSERT INTO p (id, score) VALUES (3, NULL);
        INSERT INTO p (id) VALUES (1000);
        INSERT INTO p (id, n) VALUES (4, NULL);
        INSERT INTO p DEFAULT VALUES;
        INSERT INTO p BY NAME SELECT 10 AS id, 'ten' AS name;
        INSERT INTO p BY NAME SELECT 'x' AS name, 11 AS id;
        UPDATE p SET score = -5 WHERE id = 1;
        UPDATE p SET id = id + 990;
        UPDATE p SET n = NULL WHERE id = 2;
        CREATE TABLE bad (x INT CHECK (nope > 0))
    """, tables=["p"])


def test_insert_or_replace_and_ignore(pair):
    pair.script("""
        CREATE TABLE t (x INT PRIMARY KEY, y VARCHAR, z INT);
        INSERT INTO t VALUES (1, 'a', 10), (2, 'b', 20);
        INSERT OR REPLACE INTO t VALUES (1, 'r', 11), (3, 'new', 30);
        INSERT OR REPLACE INTO t (x, z) VALUES (2, 22), (4, 40);
        INSERT OR REPLACE INTO t VALUES (5, 'first', 1), (5, 'second', 2);
        INSERT OR REPLACE INTO t VALUES (1, 'p', 1), (1, 'q', 2);
        INSERT OR IGNORE INTO t VALUES (1, 'ignored', 0), (6, 'kept', 60), (6, 'dup', 61);
        INSERT OR IGNORE INTO t SELECT x + 5, y, z FROM t;
        INSERT OR IGNORE INTO t VALUES (NULL, 'null key', 0);
        CREATE TABLE plain (x INT, y INT);
        INSERT OR REPLACE INTO plain VALUES (1, 2);
        INSERT OR IGNORE INTO plain VALUES (1, 2);
        CREATE TABLE two (x INT PRIMARY KEY, z INT UNIQUE);
        INSERT INTO two VALUES (1, 1), (2, 2);
        INSERT OR REPLACE INTO two VALUES (1, 5);
        INSERT OR IGNORE INTO two VALUES (1, 7), (8, 2), (9, 9)
    """, tables=["t", "plain", "two"])


def test_on_conflict(pair):
    pair.script("""
        CREATE TABLE t (x INT PRIMARY KEY, y VARCHAR, z INT UNIQUE);
        INSERT INTO t VALUES (1, 'a', 1), (2, 'b', 2), (3, 'c', NULL);
        INSERT INTO t VALUES (1, 'v', 7) ON CONFLICT (x) DO UPDATE SET y = excluded.y || t.y, z = excluded.z;
        INSERT INTO t VALUES (1, 'w', 2) ON CONFLICT (x) DO UPDATE SET z = excluded.z;
        INSERT INTO t VALUES (40, 'w', 2) ON CONFLICT (z) DO UPDATE SET y = excluded.y WHERE t.x > 1;
        INSERT INTO t VALUES (40, 'w', 2) ON CONFLICT (z) DO UPDATE SET y = excluded.y WHERE t.x > 100;
        INSERT INTO t VALUES (41, 'w', 2), (42, 'q', 100) ON CONFLICT DO NOTHING;
        INSERT INTO t VALUES (44, 'w', 2) ON CONFLICT (x) DO NOTHING;
        INSERT INTO t VALUES (2, 'w', 45) ON CONFLICT (x) DO NOTHING;
        INSERT INTO t VALUES (44, 'w', 2) ON CONFLICT (y) DO NOTHING;
        INSERT INTO t VALUES (44, 'w', 2) ON CONFLICT DO UPDATE SET y = 'q';
        INSERT INTO t VALUES (1, 'v', 7) ON CONFLICT (x) DO UPDATE SET y = excluded.nope;
        INSERT INTO t VALUES (1, 'v', 7) ON CONFLICT (x) DO UPDATE SET nope = 1;
        INSERT INTO t VALUES (3, 'x', 3), (3, 'y', 4), (5, 'z', 5) ON CONFLICT (x) DO UPDATE SET y = excluded.y;
        INSERT INTO t VALUES (3, 'x', 3) ON CONFLICT (x) DO UPDATE SET z = NULL, y = upper(y);
        INSERT INTO t SELECT x, 'sel', NULL FROM t WHERE x < 3 ON CONFLICT (x) DO UPDATE SET y = excluded.y;
        INSERT INTO t VALUES (NULL, 'n', 0) ON CONFLICT DO NOTHING
    """, tables=["t"])


def test_returning(pair):
    pair.script("""
        CREATE TABLE t (x INT PRIMARY KEY, y VARCHAR, z INT);
        INSERT INTO t VALUES (1, 'a', 10), (2, 'b', 20) RETURNING x, y || '!' AS yy;
        INSERT INTO t VALUES (1, 'q', 0) RETURNING *;
        INSERT INTO t VALUES (2, 'u', 0), (3, 'n', 0) ON CONFLICT DO UPDATE SET z = excluded.z + t.z RETURNING *;
        UPDATE t SET z = z + 1 WHERE x > 1 RETURNING x, z;
        DELETE FROM t WHERE x = 3 RETURNING *
    """, tables=["t"])


def test_indexes(pair):
    pair.script("""
        CREATE TABLE u (x INT, y INT, s VARCHAR);
        INSERT INTO u VALUES (1, 2, 'a'), (1, 3, 'b'), (NULL, 4, 'c'), (NULL, 5, 'c');
        CREATE INDEX ui ON u(x);
        CREATE INDEX ui ON u(y);
        CREATE INDEX IF NOT EXISTS ui ON u(y);
        CREATE INDEX ue ON u(x + 1);
        CREATE INDEX bad ON u(nope);
        CREATE INDEX bad ON nope(x);
        CREATE UNIQUE INDEX ux ON u(x);
        CREATE UNIQUE INDEX us ON u(s);
        CREATE UNIQUE INDEX uxy ON u(x, y);
        CREATE UNIQUE INDEX uy ON u(y);
        INSERT INTO u VALUES (7, 2, 'z');
        INSERT INTO u VALUES (7, 8, 'z'), (7, 8, 'z');
        INSERT INTO u VALUES (7, NULL, 'z'), (7, NULL, 'z');
        INSERT INTO u VALUES (1, 2, 'q') ON CONFLICT (y) DO UPDATE SET s = excluded.s;
        INSERT OR REPLACE INTO u VALUES (9, 3, 'r');
        UPDATE u SET y = 2 WHERE s = 'c';
        DROP INDEX uy;
        INSERT INTO u VALUES (7, 2, 'z');
        DROP INDEX uy;
        DROP INDEX IF EXISTS uy;
        DROP INDEX ui;
        CREATE UNIQUE INDEX uy ON u(y);
        DROP TABLE u;
        CREATE TABLE u (x INT);
        CREATE INDEX ui ON u(x);
        CREATE UNIQUE INDEX uxy ON u(x);
        INSERT INTO u VALUES (1), (1)
    """, tables=[])


def test_update_and_delete(pair, tables):
    src = tables["t"].select(["id", "g", "i32", "m", "s_lo", "dt"]).slice(0, 200)
    pair.tq.register("src", src)
    pair.dk.register("src_arrow", src)
    pair.dk.execute("CREATE TABLE src AS SELECT * FROM src_arrow")
    pair.script("""
        CREATE TABLE d (id BIGINT PRIMARY KEY, g INT, v INT, m DECIMAL(15, 2), s VARCHAR, dt DATE);
        INSERT INTO d SELECT * FROM src;
        UPDATE d SET v = v * 2, s = upper(s) WHERE g = 1;
        UPDATE d SET s = s || '-' || CAST(g AS VARCHAR), m = m + 1 WHERE s LIKE 'a%' OR s IS NULL;
        UPDATE d SET dt = dt + 1, v = NULL WHERE id IN (SELECT id FROM src WHERE i32 > 40);
        UPDATE d SET m = (SELECT max(m) FROM src) WHERE id < 5;
        UPDATE d SET g = src.g + 100 FROM src WHERE d.id = src.id AND src.g = 2;
        UPDATE d SET id = 1;
        UPDATE d SET id = id + 1000;
        UPDATE d SET id = NULL WHERE g = 3;
        UPDATE d SET nope = 1;
        UPDATE d SET v = 'x';
        DELETE FROM d WHERE g > 100;
        DELETE FROM d WHERE id IN (SELECT id + 1000 FROM src WHERE g = 0);
        DELETE FROM d USING src WHERE d.id = src.id + 1000 AND src.i32 < 10;
        INSERT INTO d SELECT id + 1000, g, i32, m, s_lo, dt FROM src WHERE g = 0;
        DELETE FROM d WHERE false;
        DELETE FROM nope;
        TRUNCATE d;
        INSERT INTO d SELECT * FROM src
    """, tables=["d"])


def test_insert_into_large_key_is_vectorised(pair, tqp_module):
    """200k keys checked in one pass: fast, and the one duplicate among them is found."""
    n = 200_000
    keys = np.random.default_rng(5).permutation(n).astype(np.int64) * 3
    big = pa.table({"k": keys, "v": np.arange(n)})
    con = pair.tq
    con.register("big", big)
    con.execute("CREATE TABLE kt (k BIGINT PRIMARY KEY, v BIGINT)")
    start = time.perf_counter()
    con.execute("INSERT INTO kt SELECT * FROM big")
    con.execute("INSERT INTO kt SELECT k + 1, v FROM big")
    assert time.perf_counter() - start < 5
    with pytest.raises(tqp_module.IntegrityError, match="primary key"):
        con.execute("INSERT INTO kt SELECT k + 2, v FROM big UNION ALL SELECT 5, 0")
    assert con.execute("SELECT count(*), count(DISTINCT k) FROM kt").fetchall() == [(2 * n, 2 * n)]


EVIDENCE = pathlib.Path("/work/shared/sqllogictest/evidence")


@pytest.mark.parametrize("name", ["slt_lang_dropindex", "slt_lang_reindex", "slt_lang_replace", "slt_lang_update"])
def test_sqllogictest_evidence(name, connect, tqp_module):
    """SQLite's own statement files for these statements: each `statement ok/error` as written,
    each query's values (these files hold no hashed results)."""
    path = EVIDENCE / f"{name}.test"
    if not path.exists():
        pytest.skip(f"{path} is not available")
    con = connect("cpu")
    con.execute("SET integer_division = true")
    records = path.read_text().split("\n\n")
    for record in records:
        lines = [l for l in record.strip().split("\n") if l and not l.startswith("#")]
        while lines and lines[0].startswith(("skipif", "hash-threshold")):
            lines = lines[1:]
        if not lines or lines[0].startswith("onlyif"):
            continue
        head, body = lines[0].split(), lines[1:]
        if head[0] == "halt":
            break
        sql_lines = body[:body.index("----")] if "----" in body else body
        sql = "\n".join(sql_lines)
        if head[0] == "statement" and head[1] == "error":
            with pytest.raises(tqp_module.Error):
                con.execute(sql)
            continue
        cur = con.execute(sql)
        if head[0] == "query":
            got = ["NULL" if v is None else str(v) for row in cur.fetchall() for v in row]
            want = body[len(sql_lines) + 1:]
            assert sorted(got) == sorted(want), sql


def test_create_table_as_with_declared_constraints(connect, device, tqp_module):
    """DuckDB's parser refuses CREATE TABLE t (<typed columns>) AS SELECT; tqp takes it and the
    query's rows must obey the declared types and constraints, as an INSERT's would."""
    con = connect(device)
    con.execute("CREATE TABLE c (a INT PRIMARY KEY, b VARCHAR NOT NULL, d DOUBLE) AS SELECT 1, 'x', 2")
    assert con.execute("SELECT * FROM c").fetchall() == [(1, "x", 2.0)]
    with pytest.raises(tqp_module.IntegrityError, match="primary key"):
        con.execute("INSERT INTO c VALUES (1, 'y', 0)")
    with pytest.raises(tqp_module.IntegrityError, match="primary key"):
        con.execute("CREATE TABLE c1 (a INT PRIMARY KEY, b VARCHAR) AS SELECT 1, 'x' UNION ALL SELECT 1, 'y'")
    with pytest.raises(tqp_module.IntegrityError, match="NOT NULL"):
        con.execute("CREATE TABLE c1 (a INT, b VARCHAR NOT NULL) AS SELECT 1, NULL")
    with pytest.raises(tqp_module.ProgrammingError):
        con.execute("CREATE TABLE c1 (a INT, b VARCHAR) AS SELECT 1")
    assert "c1" not in con.tables()
