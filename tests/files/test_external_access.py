"""enable_external_access = false stops every file read and write SQL can make, wherever the
file is named, and cannot be undone by SQL; allowed_directories / allowed_paths open exceptions;
Python's register(path) stays trusted."""
from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import tqp


@pytest.fixture
def files(tmp_path):
    secret = tmp_path / "secret"
    public = tmp_path / "public"
    secret.mkdir()
    public.mkdir()
    pq.write_table(pa.table({"x": [1, 2]}), secret / "s.parquet")
    (secret / "s.csv").write_text("x\n1\n")
    (secret / "s.json").write_text('{"x": 1}\n')
    pq.write_table(pa.table({"x": [3]}), public / "p.parquet")
    os.symlink(secret / "s.parquet", public / "link.parquet")
    return secret, public


def _sandboxed(public=None):
    con = tqp.connect("cpu")
    con.execute("CREATE TABLE t AS SELECT 1 AS x")
    if public is not None:
        con.execute(f"SET allowed_directories = ['{public}']")
    con.execute("SET enable_external_access = false")
    return con


def _refused_statements(secret):
    s = secret
    return [
        f"SELECT * FROM '{s}/s.parquet'",
        f"SELECT * FROM read_parquet('{s}/*.parquet')",
        f"SELECT * FROM read_parquet(['{s}/s.parquet'])",
        f"SELECT * FROM read_csv('{s}/s.csv')",
        f"SELECT * FROM read_csv_auto('{s}/s.csv')",
        f"SELECT * FROM read_json('{s}/s.json')",
        f"SELECT * FROM '{s}/../secret/s.csv'",
        f"WITH c AS (SELECT * FROM '{s}/s.parquet') SELECT * FROM c",
        f"SELECT * FROM t WHERE x IN (SELECT x FROM '{s}/s.parquet')",
        f"SELECT (SELECT max(x) FROM read_parquet('{s}/s.parquet')) AS m",
        f"SELECT * FROM t JOIN '{s}/s.csv' USING (x)",
        f"CREATE TABLE stolen AS SELECT * FROM '{s}/s.parquet'",
        f"INSERT INTO t SELECT * FROM '{s}/s.parquet'",
        f"CREATE VIEW sv AS SELECT * FROM '{s}/s.parquet'",
        f"COPY t FROM '{s}/s.csv'",
        f"COPY t TO '{s}/out.csv'",
        f"COPY (SELECT 1) TO '{s}/out.parquet' (FORMAT parquet)",
        f"EXPORT DATABASE '{s}/dump'",
        f"IMPORT DATABASE '{s}'",
        f"DESCRIBE SELECT * FROM '{s}/s.parquet'",
        f"UPDATE t SET x = s.x FROM '{s}/s.parquet' s",
    ]


def test_every_file_statement_is_refused(files):
    secret, _ = files
    con = _sandboxed()
    for sql in _refused_statements(secret):
        with pytest.raises(tqp.ProgrammingError, match="enable_external_access") as info:
            con.execute(sql)
        assert "permission denied" in str(info.value), sql
    assert sorted(os.listdir(secret)) == ["s.csv", "s.json", "s.parquet"]  # nothing written
    assert con.execute("SELECT * FROM t").fetchall() == [(1,)]  # nothing changed
    assert con.tables() == ["t"]


def test_the_same_statements_work_with_access_on(files, tmp_path):
    secret, _ = files
    con = tqp.connect("cpu")
    con.execute("CREATE TABLE t AS SELECT 1::BIGINT AS x")
    for sql in _refused_statements(secret):
        if "IMPORT" in sql:
            continue
        con.execute(sql)


def test_views_made_before_are_refused_after(files):
    secret, _ = files
    con = tqp.connect("cpu")
    con.execute(f"CREATE VIEW v AS SELECT * FROM '{secret}/s.parquet'")
    sql = "SELECT sum(x) FROM v"
    assert con.execute(sql).fetchall() == [(3,)]  # and its program is cached now
    con.execute("SET enable_external_access = false")
    with pytest.raises(tqp.ProgrammingError, match="enable_external_access"):
        con.execute(sql)


@pytest.mark.parametrize("sql", [
    "SET enable_external_access = true",
    "RESET enable_external_access",
    "SET allowed_directories = ['/']",
    "SET allowed_paths = ['/etc/passwd']",
    "RESET allowed_directories",
])
def test_sql_cannot_undo_the_sandbox(files, sql):
    con = _sandboxed(files[1])
    with pytest.raises(tqp.ProgrammingError, match="enable_external_access"):
        con.execute(sql)
    with pytest.raises(tqp.ProgrammingError, match="enable_external_access"):
        con.execute(f"SELECT * FROM '{files[0]}/s.parquet'")


def test_allowed_directories_and_paths(files, tmp_path):
    secret, public = files
    con = _sandboxed(public)
    assert con.execute(f"SELECT * FROM '{public}/p.parquet'").fetchall() == [(3,)]
    with pytest.raises(tqp.ProgrammingError, match="link.parquet"):
        con.execute(f"SELECT * FROM read_parquet('{public}/*.parquet')")  # the glob finds the symlink
    con.execute(f"COPY t TO '{public}/out.csv'")
    assert (public / "out.csv").exists()
    with pytest.raises(tqp.ProgrammingError, match="enable_external_access"):
        con.execute(f"SELECT * FROM '{public}/link.parquet'")  # a symlink out of the folder
    with pytest.raises(tqp.ProgrammingError, match="enable_external_access"):
        con.execute(f"SELECT * FROM '{public}/../secret/s.parquet'")
    with pytest.raises(tqp.ProgrammingError, match="enable_external_access"):
        con.execute(f"SELECT * FROM '{str(public) + 'x'}/p.parquet'")  # a sibling sharing the prefix
    only = tqp.connect("cpu", allowed_paths=[str(secret / "s.csv")], enable_external_access=False)
    assert only.execute(f"SELECT * FROM '{secret}/s.csv'").fetchall() == [(1,)]
    with pytest.raises(tqp.ProgrammingError, match="enable_external_access"):
        only.execute(f"SELECT * FROM '{secret}/s.parquet'")


def test_python_register_is_trusted(files):
    secret, _ = files
    con = _sandboxed()
    con.register("s", str(secret / "s.parquet"))
    assert con.execute("SELECT sum(x) FROM s").fetchall() == [(3,)]
