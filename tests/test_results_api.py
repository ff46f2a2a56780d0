"""The results API (con.sql(), cursor conversions, the Arrow stream, display), registering
tensors / numpy / Polars / Arrow datasets, a light `import tqp`, and the README's examples.

Results are compared with DuckDB's for the same query on the same data.
"""
import datetime as dt
import pathlib
import re
import subprocess
import sys

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.dataset as pads
import pytest
import torch

import tqp

REPO = pathlib.Path(__file__).resolve().parents[1]
N = 50


@pytest.fixture(scope="module")
def source():
    rng = np.random.default_rng(11)
    i = np.arange(N)
    return pa.table({
        "id": pa.array(i, pa.int64()),
        "k": pa.array((i % 4).astype(np.int32)),
        "x": pa.array(rng.normal(size=N)),
        "xn": pa.array(rng.normal(size=N), mask=i % 5 == 0),
        "kn": pa.array((i % 7).astype(np.int64), mask=i % 6 == 0),
        "s": pa.array([f"s{v % 9}" if v % 8 else None for v in i]),
        "d": pa.array([dt.date(2024, 1, 1) + dt.timedelta(days=int(v)) for v in i], pa.date32()),
        "m": pa.array([f"{v}.25" for v in i]).cast(pa.decimal128(10, 2)),
        "b": pa.array(i % 3 == 0),
    })


@pytest.fixture
def con(device, source):
    c = tqp.connect(device=device)
    c.register("t", source)
    return c


@pytest.fixture(scope="module")
def duck(source):
    d = duckdb.connect()
    d.register("t", source)
    return d


QUERIES = [
    "SELECT * FROM t ORDER BY id",
    "SELECT k, count(*) AS n, sum(x) AS sx, avg(xn) AS axn, max(s) AS ms FROM t GROUP BY k ORDER BY k",
    "SELECT id, x * 2 AS x2, kn + 1 AS kn1, m * 2 AS m2, d + 1 AS d1 FROM t WHERE x > 0 ORDER BY id",
    "SELECT id FROM t WHERE id < 0",
]


# ------------------------------------------------------------------ con.sql and conversions


@pytest.mark.parametrize("q", QUERIES)
def test_sql_conversions_match_duckdb(con, duck, q):
    res = con.sql(q)
    want = duck.sql(q)
    assert res.columns == want.columns
    assert len(res) == len(want.fetchall()) and res.shape == (len(res), len(want.columns))
    assert res.fetchall() == want.fetchall()
    got_arrow, want_arrow = res.arrow(), want.arrow().read_all()
    assert got_arrow.to_pylist() == want_arrow.to_pylist()
    # pandas: same values (decimals are Decimal in tqp, float in DuckDB; both equal numerically)
    got_df, want_df = res.df(), want.df()
    assert list(got_df.columns) == list(want_df.columns) and len(got_df) == len(want_df)
    for c in got_df.columns:
        g, w = got_df[c].tolist(), want_df[c].tolist()
        assert [None if _na(v) else _plain(v) for v in g] == [None if _na(v) else _plain(v) for v in w], c
    # polars
    got_pl, want_pl = res.pl(), want.pl()
    assert got_pl.columns == want_pl.columns and got_pl.rows() == want_pl.rows()
    # numpy: masked where NULL, like DuckDB
    got_np, want_np = res.fetchnumpy(), want.fetchnumpy()
    assert list(got_np) == list(want_np)
    for c in got_np:
        g, w = got_np[c], want_np[c]
        assert np.array_equal(np.ma.getmaskarray(g), np.ma.getmaskarray(w)), c
        keep = ~np.ma.getmaskarray(w)
        gv, wv = np.asarray(np.ma.getdata(g))[keep], np.asarray(np.ma.getdata(w))[keep]
        if wv.dtype.kind == "M":
            gv, wv = gv.astype("datetime64[D]"), wv.astype("datetime64[D]")
        assert gv.tolist() == wv.tolist(), c


def _na(v):
    return v is None or (isinstance(v, float) and np.isnan(v)) or v is getattr(__import__("pandas"), "NaT")


def _plain(v):
    if hasattr(v, "to_pydatetime"):
        v = v.to_pydatetime()
    if isinstance(v, dt.datetime):
        return v.date()
    return float(v) if hasattr(v, "as_tuple") else v


def test_sql_without_rows_returns_none(con):
    assert con.sql("CREATE TABLE u AS SELECT 1 AS a") is None
    assert con.sql("SELECT a FROM u").fetchall() == [(1,)]
    with pytest.raises(tqp.ProgrammingError, match="syntax error"):
        con.sql("SELEC 1")
    with pytest.raises(tqp.ProgrammingError):
        con.sql("SELECT ? + 1", [])
    assert con.sql("SELECT ? + 1 AS v", [2]).fetchall() == [(3,)]


def test_torch_matches_duckdb(con, duck, device):
    q = "SELECT id, k, x, b, m FROM t ORDER BY id"
    got = con.sql(q).torch()
    want = duck.sql(q).torch()
    assert list(got) == list(want)
    for c in got:
        assert got[c].device.type == torch.device(device).type
        assert torch.equal(got[c].cpu(), want[c].to(got[c].dtype)), c
    assert got["m"].dtype == torch.float64 and got["k"].dtype == torch.int32


def test_torch_wide_decimals(con, duck):
    q = "SELECT m * 12345678901234567 AS w FROM t ORDER BY id"
    got, want = con.sql(q).torch()["w"], duck.sql(q).torch()["w"]
    assert got.dtype == torch.float64
    torch.testing.assert_close(got.cpu(), want, rtol=1e-15, atol=0)


def test_torch_nulls_dates_and_strings(con, source):
    got = con.sql("SELECT xn, d FROM t ORDER BY id").torch()
    xn = source.column("xn").to_numpy(zero_copy_only=False)
    assert np.array_equal(np.isnan(got["xn"].cpu().numpy()), np.isnan(xn))
    np.testing.assert_array_equal(got["xn"].cpu().numpy()[~np.isnan(xn)], xn[~np.isnan(xn)])
    days = source.column("d").cast(pa.int32()).to_numpy()
    assert got["d"].dtype == torch.int32 and got["d"].cpu().tolist() == days.tolist()
    with pytest.raises(tqp.DataError, match='"kn" has NULLs.*coalesce'):
        con.sql("SELECT kn FROM t").torch()
    assert con.sql("SELECT coalesce(kn, -1) AS kn FROM t ORDER BY id").torch()["kn"].tolist()[:2] == [-1, 1]
    with pytest.raises(tqp.NotSupportedError, match='"s" is VARCHAR'):
        con.sql("SELECT s FROM t").torch()
    for nested, kind in (("[id, k]", "BIGINT\\[\\]"), ("{'a': id}", "STRUCT"), ("MAP {'a': id}", "MAP")):
        with pytest.raises(tqp.NotSupportedError, match=f'"v" is {kind}.*no tensor form'):
            con.sql(f"SELECT {nested} AS v FROM t").torch()  # codes into a dictionary are no values
    assert list(con.sql("SELECT id, id FROM t").torch()) == ["id", "id_1"]


def test_torch_shares_results_but_never_a_table(con):
    stored = con._engine.catalog.tables["t"].columns[0].data
    res = con.sql("SELECT id FROM t")
    ids = res.torch()["id"]
    ids += 1000  # writing into the result...
    assert con.sql("SELECT max(id) FROM t").fetchall() == [(N - 1,)]  # ...leaves the table alone
    assert ids.untyped_storage().data_ptr() != stored.untyped_storage().data_ptr()
    computed = con.sql("SELECT id * 2 AS y FROM t")
    y = computed.torch()["y"]
    assert y.data_ptr() == computed._result.columns[0].data.data_ptr()  # handed over, no copy
    assert computed.torch()["y"].tolist() == [2 * i for i in range(N)]


def test_torch_stays_on_the_device(con, device, monkeypatch):
    """torch() reads the engine's columns where they are: never Arrow (the host), and on a GPU
    no wait on the device for columns that need no NULL check."""
    from tqp.engine import Result

    q = "SELECT id, x * 2 AS x2, xn, b FROM t ORDER BY id"  # a table's column, computed, NULL -> NaN
    want = con.sql(q).arrow()
    res, cur = con.sql(q), con.execute(q)
    monkeypatch.setattr(Result, "table", property(lambda self: pytest.fail("torch() went through Arrow")))
    if device == "cuda":
        torch.cuda.synchronize()
        torch.cuda.set_sync_debug_mode("error")
    try:
        got, from_cursor = res.torch(), cur.torch()
    finally:
        if device == "cuda":
            torch.cuda.set_sync_debug_mode("default")
    for out in (got, from_cursor):
        assert [v.device.type for v in out.values()] == [torch.device(device).type] * 4
        for name, v in out.items():
            expected = want.column(name).to_numpy(zero_copy_only=False)
            np.testing.assert_array_equal(v.cpu().numpy(), expected.astype(v.cpu().numpy().dtype))


def test_arrow_stream_consumers(con):
    res = con.sql("SELECT k, sum(x) AS sx FROM t GROUP BY k ORDER BY k")
    want = res.arrow()
    assert pa.table(res).equals(want)
    pl = pytest.importorskip("polars")
    assert pl.DataFrame(res).rows() == [tuple(r.values()) for r in want.to_pylist()]
    assert pl.from_arrow(res).struct.unnest().rows() == pl.DataFrame(res).rows()
    assert duckdb.sql("SELECT sum(sx) FROM res").fetchall()[0][0] == pytest.approx(sum(want.column("sx").to_pylist()))
    assert pa.RecordBatchReader.from_stream(res).read_all().equals(want)


def test_repr_and_html(con):
    small = con.sql("SELECT k, s FROM t WHERE id IN (0, 1) ORDER BY id")
    text = repr(small)
    assert "│ k " in text and "INTEGER" in text and "VARCHAR" in text and "NULL" in text
    assert text.endswith("2 rows, 2 columns")
    big = repr(con.sql("SELECT id FROM t ORDER BY id"))
    assert "…" in big and f"{N} rows, 1 column (20 shown)" in big and "│ 49 │" in big.replace("  ", "")
    html = con.sql("SELECT '<b>&' AS \"a<\"")._repr_html_()
    assert "&lt;b&gt;&amp;" in html and "a&lt;" in html and "<b>" not in html


# ------------------------------------------------------------------ cursor methods


def test_cursor_methods_take_remaining_rows(con, duck):
    q = "SELECT id, x FROM t ORDER BY id"
    want = duck.sql(q).fetchall()
    cur = con.execute(q)
    assert cur.fetchone() == want[0]
    assert cur.arrow().to_pylist()[0] == dict(zip(["id", "x"], want[1]))
    assert cur.fetchall() == []
    cur.execute(q)
    cur.fetchmany(3)
    t = cur.torch()
    assert t["id"].tolist() == [r[0] for r in want[3:]]
    cur.execute(q)
    cur.fetchmany(5)
    assert cur.fetchnumpy()["id"].tolist() == [r[0] for r in want[5:]]
    assert cur.execute(q).df()["x"].tolist() == [r[1] for r in want]
    assert cur.execute(q).pl().rows() == want
    assert pa.table(cur.execute(q)).num_rows == N
    assert duckdb.sql("SELECT count(*) FROM cur").fetchall()[0][0] == 0  # the stream was consumed
    cur.execute("CREATE TABLE v AS SELECT 1")
    for method in ("arrow", "df", "pl", "fetchnumpy", "torch"):
        with pytest.raises(tqp.ProgrammingError, match="no result set"):
            getattr(cur, method)()
    cur.close()
    with pytest.raises(tqp.InterfaceError):
        cur.torch()


def test_result_outlives_connection(source):
    c = tqp.connect(device="cpu")
    c.register("t", source)
    res = c.sql("SELECT id FROM t")
    c.close()
    assert res.torch()["id"].tolist() == list(range(N))


# ------------------------------------------------------------------ registering more kinds


def _same(con, duck, name, q="SELECT * FROM {} ORDER BY 1"):
    assert con.execute(q.format(name)).fetchall() == duck.sql(q.format(name)).fetchall()


def test_register_tensors(device):
    con = tqp.connect(device=device)
    duck = duckdb.connect()
    g = torch.Generator().manual_seed(0)
    cols = {"i": torch.arange(20), "f": torch.randn(20, generator=g, dtype=torch.float64),
            "h": torch.arange(20, dtype=torch.int16), "b": torch.arange(20) % 2 == 0}
    con.register("a", {k: v.to(device) for k, v in cols.items()})
    duck.register("a", pa.table({k: v.numpy() for k, v in cols.items()}))
    _same(con, duck, "a")
    assert [d[1] for d in con.execute("SELECT * FROM a").description] == ["BIGINT", "DOUBLE", "SMALLINT", "BOOLEAN"]
    stored = con._engine.catalog.tables["a"].columns[0].data
    assert stored.device.type == torch.device(device).type
    m = torch.randn(15, 3, generator=g)
    con.register("m", m.to(device), columns=["p", "q", "r"])
    duck.register("m", pa.table({"p": m[:, 0].numpy(), "q": m[:, 1].numpy(), "r": m[:, 2].numpy()}))
    _same(con, duck, "m", "SELECT p, q, r, p + q * r AS e FROM {} ORDER BY p")
    con.register("m0", m)
    assert con.execute("SELECT * FROM m0").description[2][0] == "column2"
    for bad, msg in [(torch.zeros(2, 2, 2), "1-D or 2-D"), ({"a": torch.zeros(2, 2)}, "1-D tensor"),
                     ({"a": torch.zeros(2), "b": torch.zeros(3)}, "different lengths")]:
        with pytest.raises(tqp.ProgrammingError, match=msg):
            con.register("bad", bad)
    with pytest.raises(tqp.ProgrammingError, match="needs 3"):
        con.register("bad", m, columns=["a"])
    with pytest.raises(tqp.NotSupportedError, match="complex"):
        con.register("bad", {"c": torch.zeros(2, dtype=torch.complex64)})
    assert "bad" not in con.tables()


def test_register_numpy_polars_and_arrow(con, duck):
    rng = np.random.default_rng(2)
    st = np.zeros(12, dtype=[("i", "i4"), ("f", "f8")])
    st["i"], st["f"] = np.arange(12), rng.normal(size=12)
    con.register("st", st)
    duck.register("st", pa.table({"i": st["i"], "f": st["f"]}))
    _same(con, duck, "st")
    arr = rng.normal(size=(10, 2))
    con.register("arr", arr, columns=["u", "v"])
    duck.register("arr", pa.table({"u": arr[:, 0], "v": arr[:, 1]}))
    _same(con, duck, "arr")
    src = pa.table({"a": [3, 1, 2], "s": ["x", None, "z"]})
    duck.register("src", src)
    pl = pytest.importorskip("polars")
    for name, obj in [("pdf", pl.from_arrow(src)), ("plz", pl.from_arrow(src).lazy().filter(pl.col("a") > 0)),
                      ("ads", pads.dataset(src)), ("rdr", src.to_reader())]:
        con.register(name, obj)
        assert con.execute(f"SELECT * FROM {name} ORDER BY a").fetchall() == \
            duck.sql("SELECT * FROM src ORDER BY a").fetchall(), name
    with pytest.raises(tqp.ProgrammingError, match="columns= names"):
        con.register("bad", src, columns=["a", "s"])


# ------------------------------------------------------------------ import weight and README


def test_import_tqp_stays_light():
    # pyarrow itself imports pandas (when installed) on its first pa.array call, so after a
    # query only polars and sklearn are checked.
    code = ("import sys, tqp; print(sorted(m for m in ('pandas', 'polars', 'sklearn', 'torch') if m in sys.modules)); "
            "con = tqp.connect(device='cpu'); con.sql('SELECT 1 AS a').arrow(); "
            "print(sorted(m for m in ('polars', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[]", "[]"]


def _readme_blocks():
    text = (REPO / "README.md").read_text()
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


_CLAIMED = re.compile(r"^(\s*)print\((.*)\)\s+#\s*((?:[\[({'\"]|\w+\().*)$", flags=re.MULTILINE)


def _checked(block: str) -> tuple[str, int]:
    """The block with each `print(x)  # value` line asserting that x prints as the comment
    begins (`# [(1, 10)]`, `# tensor([6., 9.]...), on con.device`), and how many it checks."""
    def claim(m):
        return f"{m.group(1)}__claim__({m.group(2)}, {m.group(3)!r})"
    return _CLAIMED.sub(claim, block), len(_CLAIMED.findall(block))


def _claim(value, comment: str) -> None:
    print(value)
    assert comment.startswith(str(value)), f"README claims {comment!r}, the code prints {value}"


def test_readme_claims_are_checked():
    checked = sum(_checked(b)[1] for b in _readme_blocks())
    assert checked >= 6  # the Python API's printed results: a rewritten comment cannot slip past


@pytest.mark.parametrize("index", range(len(_readme_blocks())))
def test_readme_python_blocks_run(index, tmp_path, monkeypatch):
    block = _readme_blocks()[index]
    for module in re.findall(r"^\s*(?:from|import) ([A-Za-z_][\w]*)", block, flags=re.M):
        pytest.importorskip(module)
    monkeypatch.chdir(tmp_path)
    code = compile(_checked(block)[0], f"README.md python block {index + 1}", "exec")
    exec(code, {"__name__": "__readme__", "__claim__": _claim})
