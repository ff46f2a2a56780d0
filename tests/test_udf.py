"""Python UDFs (tqp.udf): the same functions registered on tqp and on DuckDB give the same
answers; native functions run once per distinct argument tuple and never see a NULL; torch
functions get tensors; errors are PEP 249 errors and a UDF cannot shadow a built-in."""
from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest
import torch

import tqp
from tqp.errors import DataError, NotSupportedError, ProgrammingError

ROWS = pa.table({"x": [1, 2, None, 4, 2], "s": ["a", "bb", None, "a", "ccc"], "f": [0.5, 1.5, 2.5, None, -1.0]})
NATIVE = [
    ("twice", lambda x: 2 * x, ["BIGINT"], "BIGINT", "SELECT twice(x), twice(3) FROM r"),
    ("shout", lambda s: s.upper() + "!", ["VARCHAR"], "VARCHAR", "SELECT shout(s), count(*) FROM r GROUP BY 1"),
    ("mix", lambda s, x: f"{s}:{x}", ["VARCHAR", "BIGINT"], "VARCHAR", "SELECT mix(s, x) FROM r WHERE x > 1"),
    ("pos", lambda f: f > 0, ["DOUBLE"], "BOOLEAN", "SELECT f FROM r WHERE pos(f)"),
]
ARROW = [
    ("addf", lambda a, b: pc.add(a, b), ["DOUBLE", "DOUBLE"], "DOUBLE", "SELECT addf(f, x) FROM r"),
    ("lens", lambda s: pc.utf8_length(s), ["VARCHAR"], "BIGINT", "SELECT s, lens(s) FROM r"),
]


def _pair():
    t, d = tqp.connect("cpu"), duckdb.connect()
    t.register("r", ROWS)
    d.register("r_arrow", ROWS)
    d.execute("CREATE TABLE r AS SELECT * FROM r_arrow")
    return t, d


@pytest.mark.parametrize("name, fn, params, ret, sql", NATIVE + ARROW, ids=[c[0] for c in NATIVE + ARROW])
def test_same_as_duckdb(name, fn, params, ret, sql):
    t, d = _pair()
    kind = "arrow" if (name, fn, params, ret, sql) in ARROW else "native"
    t.create_function(name, fn, params, ret, type=kind)
    d.create_function(name, fn, params, ret, type=kind)
    assert sorted(t.execute(sql).fetchall(), key=repr) == sorted(d.execute(sql).fetchall(), key=repr)


def test_native_runs_once_per_distinct_tuple_and_never_on_null():
    t, _ = _pair()
    calls = []
    t.create_function("seen", lambda s: calls.append(s) or len(s), ["VARCHAR"], "BIGINT")
    t.execute("SELECT seen(s) FROM r").fetchall()
    assert sorted(calls) == ["a", "bb", "ccc"]


def test_torch_function_gets_tensors():
    t, _ = _pair()
    t.create_function("sig", lambda v: torch.sigmoid(v), ["DOUBLE"], "DOUBLE", type="torch")
    got = t.execute("SELECT sig(f) FROM r").fetchall()
    want = [None if v is None else float(torch.sigmoid(torch.tensor(v, dtype=torch.float64))) for v in ROWS["f"].to_pylist()]
    assert [g[0] is None for g in got] == [w is None for w in want]
    assert [g[0] for g in got if g[0] is not None] == pytest.approx([w for w in want if w is not None])



def test_torch_function_gets_wide_decimals_as_their_value():
    t, d = _pair()
    sql = "SELECT CAST(v AS DECIMAL(30, 2)) AS v FROM (VALUES (12345678901234567890.25), (-1.5)) AS q(v)"
    t.create_function("half", lambda v: v / 2, ["DECIMAL(30, 2)"], "DOUBLE", type="torch")
    got = [r[0] for r in t.execute(f"SELECT half(v) FROM ({sql})").fetchall()]
    want = [float(r[0]) / 2 for r in d.execute(sql).fetchall()]
    assert got == pytest.approx(want)

def test_errors():
    t, _ = _pair()
    with pytest.raises(ProgrammingError, match="already exists"):
        t.create_function("upper", lambda s: s, ["VARCHAR"], "VARCHAR")
    t.create_function("boom", lambda x: 1 // 0, ["BIGINT"], "BIGINT")
    with pytest.raises(DataError, match="ZeroDivisionError"):
        t.execute("SELECT boom(x) FROM r")
    t.create_function("short", lambda a: pa.array([1]), ["BIGINT"], "BIGINT", type="arrow")
    with pytest.raises(DataError, match="returned 1 values"):
        t.execute("SELECT short(x) FROM r")
    with pytest.raises(NotSupportedError):
        t.create_function("d", lambda x: x, ["DATE"], "DATE")
    with pytest.raises(ProgrammingError, match="takes 1 arguments"):
        t.execute("SELECT boom(x, x) FROM r")
    t.remove_function("boom")
    with pytest.raises(ProgrammingError, match="does not exist"):
        t.execute("SELECT boom(x) FROM r")
    with pytest.raises(ProgrammingError):
        t.remove_function("boom")
