"""Registering Parquet files, which tqp/io/parquet.py reads a slice of row groups at a time
(few-valued strings as Arrow dictionaries), gives DuckDB's rows over the same files: every
type, NULLs in some slices and files but not others, slices that split and join row groups."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import tqp
from tqp.io import parquet

N = 2000


def _table(seed: int, nulls: bool) -> pa.Table:
    rng = np.random.default_rng(seed)
    null = (rng.random(N) < 0.2) if nulls else np.zeros(N, bool)

    def arr(values, t=None):
        return pa.array(values, t, mask=null)
    days = rng.integers(-700_000, 2_900_000, N)
    return pa.table({
        "i8": arr(rng.integers(-128, 128, N).astype(np.int8)),
        "u16": arr(rng.integers(0, 65536, N).astype(np.uint16)),
        "i64": pa.array(rng.integers(-2**62, 2**62, N)),
        "u64": arr(rng.integers(0, 2**63 - 1, N, dtype=np.uint64)),
        "f32": arr(rng.normal(size=N).astype(np.float32)),
        "f64": arr(np.where(rng.random(N) < 0.1, np.nan, rng.normal(size=N))),
        "ok": arr(rng.random(N) < 0.5),
        "price": arr([Decimal(int(v)).scaleb(-2) for v in rng.integers(-10**12, 10**12, N)], pa.decimal128(15, 2)),
        "wide": arr([Decimal(int(v) * 10**15 + int(w)).scaleb(-4) for v, w in
                     zip(rng.integers(-10**9, 10**9, N), rng.integers(0, 10**15, N))], pa.decimal128(30, 4)),
        "small_wide": arr([Decimal(int(v)).scaleb(-3) for v in rng.integers(-10**6, 10**6, N)], pa.decimal128(25, 3)),
        "day": arr(days.astype(np.int32), pa.int32()).cast(pa.date32()),
        "stamp": pa.array(days * 86_400_000_000_000 // 1000 + rng.integers(0, 86_400_000_000, N), pa.timestamp("us")),
        "stamp_ns": arr(rng.integers(0, 2**62, N), pa.timestamp("ns")),
        "stamp_s": arr(rng.integers(-2**35, 2**35, N), pa.timestamp("s")),
        "flag": arr(rng.choice(["A", "N", "R", "été"], N)),
        "mode": pa.array(rng.choice(["MAIL", "SHIP", "AIR", "TRUCK", ""], N)),
        "comment": arr([f"c{seed}-{i}-{v:x}" for i, v in enumerate(rng.integers(0, 2**40, N))]),
        "view": arr(rng.choice(["x", "y"], N), pa.string_view()),
        "tags": arr([[int(v), None] if v % 3 else [] for v in rng.integers(0, 9, N)], pa.list_(pa.int64())),
    })


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("load")
    one = d / "one.parquet"
    pq.write_table(_table(1, nulls=True), one, row_group_size=700)
    folder = d / "parts"
    folder.mkdir()
    pq.write_table(_table(2, nulls=True), folder / "a.parquet", row_group_size=1000)
    pq.write_table(_table(3, nulls=False), folder / "b.parquet", row_group_size=90)
    pq.write_table(_table(4, nulls=False).slice(0, 0), folder / "c.parquet")
    pq.write_table(_table(5, nulls=True), folder / "d.parquet", row_group_size=1500)
    return one, folder


@pytest.fixture(params=[1 << 20, 800], ids=["one_slice", "many_slices"])
def slice_rows(request, monkeypatch):
    monkeypatch.setattr(parquet, "SLICE_ROWS", request.param)


def _rows(con, sql):
    return sorted(map(repr, con.execute(sql).fetchall()))  # (repr: NaN equals NaN)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("which", ["one", "folder"])
def test_register_gives_duckdb_rows(files, slice_rows, which, threads):
    path = str(files[0] if which == "one" else files[1] / "*.parquet")
    t, d = tqp.connect(threads=threads), duckdb.connect()
    t.register("t", path)
    d.execute(f"CREATE TABLE t AS SELECT * FROM read_parquet('{path}')")
    cols = [c[0] for c in d.execute("SELECT * FROM t LIMIT 0").description]
    for c in cols:  # one column at a time, so that a failure names it
        sql = f'SELECT "{c}" FROM t'
        assert _rows(t, sql) == _rows(d, sql), c
    grouped = "SELECT flag, mode, count(*), sum(price), min(day), max(comment) FROM t GROUP BY ALL"
    assert _rows(t, grouped) == _rows(d, grouped)
    # SQL's read_parquet takes the same path into columns
    sql = f"SELECT flag, view, count(*), sum(wide) FROM read_parquet('{path}') GROUP BY ALL"
    assert _rows(t, sql) == _rows(d, sql)


def test_few_valued_strings_are_read_as_dictionaries(files):
    """(so that the tests above cover both ways in)"""
    for path in (files[0], files[1] / "a.parquet"):
        meta = pq.read_metadata(path)
        found = parquet.few_valued_strings(meta, meta.schema.to_arrow_schema())
        assert "comment" not in found and {"flag", "mode", "view"} <= set(found)


def test_bad_values_name_the_column(tmp_path):
    path = tmp_path / "big.parquet"
    pq.write_table(pa.table({"k": [1, 2], "u": pa.array([1, 2**63 + 5], pa.uint64())}), path)
    with pytest.raises(tqp.DataError, match='column "u"'):
        tqp.connect().register("t", str(path))
    (tmp_path / "junk.parquet").write_bytes(b"PAR1 not really parquet")
    with pytest.raises(tqp.DataError, match="junk.parquet"):
        tqp.connect().register("t", str(tmp_path / "junk.parquet"))


def test_unsupported_types_name_the_column(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"a": [1], "t": pa.array([dt.time(1, 2)])}), path)
    with pytest.raises(tqp.NotSupportedError, match='column "t".*time64'):
        tqp.connect().register("t", str(path))


def test_dates_outside_years_1_to_9999_are_refused(tmp_path):
    path = tmp_path / "far.parquet"
    pq.write_table(pa.table({"d": pa.array([0, 3_000_000], pa.int32()).cast(pa.date32())}), path, row_group_size=1)
    with pytest.raises(tqp.DataError, match='column "d".*out of range'):
        tqp.connect().register("t", str(path))


def test_a_registered_file_is_a_copy(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"x": [1, 2], "day": [dt.date(2020, 1, 1), None]}), path)
    con = tqp.connect()
    con.register("t", str(path))
    pq.write_table(pa.table({"x": [7], "day": [None]}, schema=pq.read_schema(path)), path)
    assert con.execute("SELECT x, day FROM t ORDER BY x").fetchall() == [(1, dt.date(2020, 1, 1)), (2, None)]


@pytest.mark.parametrize("distinct", [True, False], ids=["plain", "dictionary"])
def test_invalid_utf8_is_refused(tmp_path, distinct):
    n = 5000
    text = b"".join(b"s%05d" % i if distinct else b"ab" for i in range(n - 1)) + b"\xff\xfe"
    sizes = [6 if distinct else 2] * (n - 1) + [2]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int32)
    bad = pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(text)])
    path = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"s": bad}), path)
    meta = pq.read_metadata(path)
    assert (parquet.few_valued_strings(meta, meta.schema.to_arrow_schema()) == ["s"]) != distinct
    with pytest.raises(tqp.DataError, match='column "s": invalid UTF-8'):
        tqp.connect().register("t", str(path))
