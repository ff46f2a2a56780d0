"""Replacement scans of the caller's Python variables (SET python_enable_replacements), checked
against DuckDB's own replacement scan of the same variables in the same frame."""
# ruff: noqa: F841 - the tests' variables are read by name, from SQL
import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads
import pytest
import torch

import tqp

Q = "SELECT k, count(*) AS n, sum(v) AS sv, min(s) AS ms FROM {} GROUP BY k ORDER BY k"


@pytest.fixture
def con(device):
    return tqp.connect(device=device, python_enable_replacements=True)


def _source(n=40, seed=0):
    rng = np.random.default_rng(seed)
    i = np.arange(n)
    return pa.table({"k": pa.array(i % 3), "v": pa.array(rng.normal(size=n)),
                     "s": pa.array([f"s{j % 5}" if j % 7 else None for j in i])})


def test_off_by_default_names_the_setting(device):
    con = tqp.connect(device=device)
    frame = _source().to_pandas()  # read by name from SQL
    with pytest.raises(tqp.ProgrammingError, match=r'table "frame" does not exist.*pandas\.DataFrame.*'
                                                   r"python_enable_replacements = true"):
        con.sql("SELECT * FROM frame")
    plain = 5  # not data: the usual message, no hint
    with pytest.raises(tqp.ProgrammingError, match='table "plain" not found') as err:
        con.sql("SELECT * FROM plain")
    assert "python_enable_replacements" not in str(err.value)
    with pytest.raises(tqp.ProgrammingError, match="python_enable_replacements"):
        con.execute("CREATE TABLE copy AS SELECT * FROM frame")
    assert con.tables() == []
    con.execute("SET python_enable_replacements = true")
    assert con.sql("SELECT count(*) FROM frame").fetchall() == [(40,)]
    con.execute("RESET python_enable_replacements")
    with pytest.raises(tqp.ProgrammingError, match="python_enable_replacements"):
        con.sql("SELECT count(*) FROM frame")


def _rounded(result):
    return [tuple(round(x, 9) if isinstance(x, float) else x for x in r) for r in result.fetchall()]


def test_every_kind_of_frame_matches_duckdb(con):
    src = _source()
    pl = pytest.importorskip("polars")
    a_pandas = src.to_pandas()
    a_polars = pl.from_arrow(src)
    a_lazy = pl.from_arrow(src).lazy()
    a_table = src
    a_batch = src.combine_chunks().to_batches()[0]
    a_dataset = pads.dataset(src)
    a_dict = {c: src.column(c).to_numpy(zero_copy_only=False) for c in ("k", "v")}
    a_dict["s"] = src.column("s").combine_chunks()
    a_struct = np.zeros(40, dtype=[("k", "i8"), ("v", "f8")])
    a_struct["k"], a_struct["v"] = a_dict["k"], a_dict["v"]
    duck = duckdb.connect()

    want = _rounded(duck.sql(Q.format("a_table")))  # DuckDB reads the same variable through its own scan
    for name in ("a_pandas", "a_polars", "a_lazy", "a_table", "a_batch", "a_dataset", "a_dict"):
        assert _rounded(con.sql(Q.format(name))) == want, name
    q = "SELECT k, sum(v) FROM a_struct GROUP BY k ORDER BY k"
    assert _rounded(con.sql(q)) == _rounded(duck.sql(q.replace("a_struct", "a_table")))  # DuckDB reads no structured array
    a_reader = src.to_reader()  # a reader is read once, as in DuckDB
    assert con.sql(Q.format("a_reader")).fetchall()[0][:2] == (0, 14)
    assert con.sql("SELECT count(*) FROM a_reader").fetchall() == [(0,)]


def test_tensors_and_arrays(con, device):
    g = torch.Generator().manual_seed(1)
    m = torch.randn(30, 2, generator=g, dtype=torch.float64).to(device)
    cols = {"i": torch.arange(30, device=device), "f": m[:, 0]}
    arr = m.cpu().numpy()
    got = con.sql("SELECT sum(column0 * column1) AS p FROM m").fetchall()[0][0]
    assert got == pytest.approx(float((m[:, 0] * m[:, 1]).sum()))
    assert con.sql("SELECT sum(column0 * column1) AS p FROM arr").fetchall()[0][0] == pytest.approx(got)
    frame = pd.DataFrame({"i": cols["i"].cpu().numpy(), "f": cols["f"].cpu().numpy()})
    assert con.sql("SELECT max(i), sum(f) FROM cols").fetchall()[0][0] == 29
    assert con.sql("SELECT max(i), sum(f) FROM cols").fetchall() == pytest.approx(
        duckdb.sql("SELECT max(i), sum(f) FROM frame").fetchall())
    stored = con._engine.catalog.python_sources.get("#python:cols")
    assert stored.columns[0].data.device.type == torch.device(device).type


def test_results_of_queries_are_frames(con):
    base = _source()
    res = con.sql("SELECT k, v FROM base WHERE v > 0")
    rel = duckdb.sql("SELECT k, v FROM base WHERE v > 0")
    want = duckdb.sql("SELECT k, count(*) FROM rel GROUP BY k ORDER BY k").fetchall()
    assert con.sql("SELECT k, count(*) FROM res GROUP BY k ORDER BY k").fetchall() == want
    assert con.sql("SELECT k, count(*) FROM rel GROUP BY k ORDER BY k").fetchall() == want


def test_registered_tables_ctes_and_views_win(con):
    shadow = pd.DataFrame({"x": [1, 2, 3]})
    con.register("shadow", {"x": [10]})
    assert con.sql("SELECT * FROM shadow").fetchall() == [(10,)]
    assert con.sql("WITH shadow AS (SELECT 5 AS x) SELECT * FROM shadow").fetchall() == [(5,)]
    con.unregister("shadow")
    assert con.sql("SELECT sum(x) FROM shadow").fetchall() == [(6,)]
    con.register("shadow", {"x": [20]})  # registering afresh wins over the cached program too
    assert con.sql("SELECT sum(x) FROM shadow").fetchall() == [(20,)]
    assert shadow["x"].sum() == 6


def test_non_frame_variables_are_ignored():
    con = tqp.connect(device="cpu", python_enable_replacements=True)
    for value in (5, "text", [1, 2], {"a": [1, 2]}, np.arange(3), torch.arange(3), pd.Series([1]), {}, pd.DataFrame):
        thing = value
        with pytest.raises(tqp.ProgrammingError, match='table "thing" not found'):
            con.sql("SELECT * FROM thing")


GLOBAL_FRAME = pd.DataFrame({"g": [1, 2]})


def test_locals_then_globals_then_outer_frames():
    con = tqp.connect(device="cpu", python_enable_replacements=True)
    assert con.sql("SELECT sum(g) FROM GLOBAL_FRAME").fetchall() == [(3,)]
    GLOBAL_FRAME = 7  # a non-frame local: the global is read instead
    caller_frame = pd.DataFrame({"o": [4, 5]})

    def inner(c):
        return c.sql("SELECT sum(o) FROM caller_frame").fetchall()

    with pytest.raises(tqp.ProgrammingError, match='table "caller_frame" not found'):
        inner(con)  # only the caller's frame, as DuckDB's default
    con.execute("SET python_scan_all_frames = true")
    assert inner(con) == [(9,)]
    with pytest.raises(duckdb.CatalogException):
        inner(duckdb.connect())
    assert inner(duckdb.connect(config={"python_scan_all_frames": True})) == [(9,)]


def test_each_execution_reads_the_variable_again(con):
    df = pd.DataFrame({"a": [1, 2, 3]})
    sql = "SELECT sum(a) FROM df"
    assert con.sql(sql).fetchall() == [(6,)]
    df.loc[0, "a"] = 100  # changed in place: seen, as in DuckDB
    assert con.sql(sql).fetchall() == duckdb.sql(sql).fetchall() == [(105,)]
    df = pd.DataFrame({"a": [0.5, 1.0], "b": ["x", "y"]})  # new columns: the cached program is planned again
    assert con.sql(sql).fetchall() == [(1.5,)]
    assert con.sql("SELECT * FROM df ORDER BY a").fetchall() == [(0.5, "x"), (1.0, "y")]
    df = pd.DataFrame({"a": [1, 2]})
    assert con.sql(sql).fetchall() == [(3,)]
    script = "CREATE TABLE log AS SELECT 1 AS x; INSERT INTO log VALUES (2); SELECT sum(a) FROM df"
    assert con.execute(script).fetchall() == [(3,)]
    con.execute("DROP TABLE log")
    assert con.execute(script).fetchall() == [(3,)]  # cached: the catalog changed between
    con.execute("DROP TABLE log")
    assert con.execute("SELECT 1; SELECT count(a) FROM df").fetchall() == [(2,)]
    df = pd.DataFrame({"a": ["x"]})
    with pytest.raises(tqp.OperationalError, match='columns of the Python variable "df" changed'):
        con.execute("SELECT 1; SELECT count(a) FROM df")  # planned earlier: a script is not run twice
    assert con.execute("SELECT 1; SELECT count(a) FROM df").fetchall() == [(1,)]
    df = pd.DataFrame({"a": [1, 2]})
    con.execute("CREATE TABLE kept AS SELECT a * 2 AS a2 FROM df")
    con.execute("CREATE VIEW over_df AS SELECT a FROM df")
    del df
    assert con.sql("SELECT * FROM kept ORDER BY a2").fetchall() == [(2,), (4,)]
    with pytest.raises(tqp.ProgrammingError, match='"df"'):
        con.sql(sql)
    df = pd.DataFrame({"a": [9]})  # a view reads the variable where it is used
    assert con.sql("SELECT * FROM over_df").fetchall() == [(9,)]
    with pytest.raises(tqp.ProgrammingError, match='"df" does not exist'):
        con.execute("INSERT INTO df VALUES (1)")


def test_sandboxed_connections_never_read_variables():
    secret = pd.DataFrame({"x": [1]})
    con = tqp.connect(device="cpu", python_enable_replacements=True, enable_external_access=False)
    with pytest.raises(tqp.ProgrammingError, match='table "secret" not found') as err:
        con.sql("SELECT * FROM secret")
    assert "python" not in str(err.value)


def test_bad_frames_give_clear_errors(con):
    dup = pd.DataFrame([[1, 2]], columns=["a", "A"])
    with pytest.raises(tqp.ProgrammingError, match='two columns named "A"'):
        con.sql("SELECT * FROM dup")
    with pytest.raises(tqp.ProgrammingError, match="unknown setting"):
        con.execute("SET python_enable_replacement = true")


def test_statements_that_read_variables_match_duckdb(con):
    df = pd.DataFrame({"a": [3, 1, 2], "s": ["x", None, "z"]})
    duck = duckdb.connect()
    for c in (con, duck):
        c.execute("CREATE TABLE u (a BIGINT, s VARCHAR)")
        c.execute("INSERT INTO u SELECT * FROM df WHERE a > 1")
        c.execute("CREATE TABLE v AS SELECT a * 10 AS a10 FROM main.df")
    for q in ("SELECT * FROM u ORDER BY a", "SELECT * FROM v ORDER BY a10", "DESCRIBE df",
              "SELECT (SELECT max(a) FROM df) AS m", "SELECT * FROM \"df\" AS d WHERE d.a > 1 ORDER BY 1",
              "WITH c AS (SELECT * FROM df WHERE a > 1) SELECT count(*) FROM c",
              "SELECT * FROM u WHERE a IN (SELECT a FROM df WHERE s IS NOT NULL) ORDER BY a"):
        assert con.execute(q).fetchall() == duck.execute(q).fetchall(), q
