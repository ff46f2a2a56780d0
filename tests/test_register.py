"""Every source Connection.register accepts round-trips through `SELECT * FROM t`; bad sources
raise the right PEP 249 error and leave the catalog as it was."""
import datetime as dt
import decimal

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import torch

import tqp
from tqp.io.sources import to_arrow

ROWS = [(1, "a", 1.5), (2, "b", None), (3, None, -0.25)]


@pytest.fixture
def con():
    c = tqp.connect(device="cpu")
    yield c
    if not c.closed:
        c.close()


def sample_table() -> pa.Table:
    ids, names, vals = zip(*ROWS)
    return pa.table({"id": pa.array(ids, pa.int64()), "name": pa.array(names, pa.string()),
                     "val": pa.array(vals, pa.float64())})


def select_all(con, name="t"):
    return con.execute(f"SELECT * FROM {name} ORDER BY id").fetchall()


# ---------------------------------------------------------------------------- in-memory sources

def test_arrow_table(con):
    con.register("t", sample_table())
    assert select_all(con) == ROWS


def test_record_batch(con):
    con.register("t", sample_table().to_batches()[0])
    assert select_all(con) == ROWS


def test_record_batch_reader(con):
    t = sample_table()
    reader = pa.RecordBatchReader.from_batches(t.schema, t.to_batches(max_chunksize=1))
    con.register("t", reader)
    assert select_all(con) == ROWS


def test_arrow_stream_protocol_object(con):
    class Producer:  # any library exporting the Arrow C stream interface (polars, ...)
        def __arrow_c_stream__(self, requested_schema=None):
            return sample_table().__arrow_c_stream__(requested_schema)

    con.register("t", Producer())
    assert select_all(con) == ROWS


def test_pandas_dataframe_index_dropped(con):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"id": [1, 2, 3], "name": ["a", "b", None], "val": [1.5, None, -0.25]},
                      index=pd.Index([10, 20, 30], name="label"))
    con.register("t", df)
    cur = con.execute("SELECT * FROM t ORDER BY id")
    assert [d[0] for d in cur.description] == ["id", "name", "val"]
    assert cur.fetchall() == ROWS


def test_pandas_categorical_is_dictionary_encoded(con):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"id": [1, 2, 3], "name": pd.Categorical(["b", "a", "b"])})
    assert pa.types.is_dictionary(to_arrow(df).schema.field("name").type)
    con.register("t", df)
    assert con.execute("SELECT name FROM t ORDER BY id").fetchall() == [("b",), ("a",), ("b",)]


def test_dict_of_numpy(con):
    con.register("t", {"id": np.array([1, 2, 3], dtype=np.int64),
                       "val": np.array([1.5, 2.5, -0.25]), "flag": np.array([True, False, True])})
    assert select_all(con) == [(1, 1.5, True), (2, 2.5, False), (3, -0.25, True)]


def test_dict_of_lists(con):
    ids, names, vals = (list(c) for c in zip(*ROWS))
    con.register("t", {"id": ids, "name": names, "val": vals})
    assert select_all(con) == ROWS


def test_dict_of_tensors(con):
    con.register("t", {"id": torch.tensor([1, 2, 3]), "val": torch.tensor([0.5, 1.0, 2.0]),
                       "small": torch.tensor([7, 8, 9], dtype=torch.int32),
                       "flag": torch.tensor([True, False, True])})
    cur = con.execute("SELECT * FROM t ORDER BY id")
    assert [d[1] for d in cur.description] == ["BIGINT", "REAL", "INTEGER", "BOOLEAN"]
    assert cur.fetchall() == [(1, 0.5, 7, True), (2, 1.0, 8, False), (3, 2.0, 9, True)]


def test_dictionary_encoded_column_passes_through(con):
    t = pa.table({"id": [1, 2, 3, 4], "name": pa.array(["x", "y", None, "x"]).dictionary_encode()})
    assert to_arrow(t) is t
    con.register("t", t)
    assert select_all(con) == [(1, "x"), (2, "y"), (3, None), (4, "x")]


def test_register_replaces(con):
    con.register("t", {"id": [1]})
    con.register("t", sample_table())
    assert select_all(con) == ROWS
    assert con.tables().count("t") == 1


def test_typed_columns_round_trip(con):
    t = pa.table({
        "id": pa.array([1, 2], pa.int32()),
        "price": pa.array([decimal.Decimal("12.34"), None], pa.decimal128(15, 2)),
        "day": pa.array([dt.date(1998, 12, 1), dt.date(1970, 1, 1)], pa.date32()),
        "ts": pa.array([dt.datetime(2001, 2, 3, 4, 5, 6, 7), None], pa.timestamp("us")),
    })
    con.register("t", t)
    cur = con.execute("SELECT * FROM t ORDER BY id")
    assert [d[1] for d in cur.description] == ["INTEGER", "DECIMAL", "DATE", "TIMESTAMP"]
    assert cur.description[1][4:6] == (15, 2)
    assert cur.fetchall() == [
        (1, decimal.Decimal("12.34"), dt.date(1998, 12, 1), dt.datetime(2001, 2, 3, 4, 5, 6, 7)),
        (2, None, dt.date(1970, 1, 1), None)]


# ---------------------------------------------------------------------------- files

def test_parquet_file_str_and_path(con, tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(sample_table(), path)
    con.register("t", str(path))
    assert select_all(con) == ROWS
    con.register("u", path)
    assert select_all(con, "u") == ROWS


def test_parquet_directory(con, tmp_path):
    t = sample_table()
    d = tmp_path / "data"
    d.mkdir()
    pq.write_table(t.slice(0, 2), d / "part-0.parquet")
    pq.write_table(t.slice(2), d / "part-1.parquet")
    (d / "_SUCCESS").write_text("")  # writer bookkeeping is ignored
    con.register("t", d)
    assert select_all(con) == ROWS


def test_hive_partitioned_directory(con, tmp_path):
    t = sample_table()
    for year, part in ((2020, t.slice(0, 1)), (2021, t.slice(1))):
        sub = tmp_path / f"year={year}"
        sub.mkdir()
        pq.write_table(part, sub / "data.parquet")
    con.register("t", tmp_path)
    rows = con.execute("SELECT id, year FROM t ORDER BY id").fetchall()
    assert rows == [(1, 2020), (2, 2021), (3, 2021)]


def test_csv_file(con, tmp_path):
    path = tmp_path / "t.csv"
    pacsv.write_csv(sample_table(), path)
    con.register("t", path)
    # CSV cannot tell an empty string from NULL; pyarrow reads an empty field as NULL.
    assert select_all(con) == ROWS


def test_csv_directory_and_glob(con, tmp_path):
    t = sample_table()
    pacsv.write_csv(t.slice(0, 1), tmp_path / "a.csv")
    pacsv.write_csv(t.slice(1), tmp_path / "b.csv")
    con.register("t", tmp_path)
    assert select_all(con) == ROWS
    con.register("g", str(tmp_path / "*.csv"))
    assert select_all(con, "g") == ROWS


# ---------------------------------------------------------------------------- errors

def test_missing_file_names_path_and_keeps_catalog(con, tmp_path):
    con.register("t", sample_table())
    missing = tmp_path / "nope.parquet"
    with pytest.raises(tqp.ProgrammingError, match="nope.parquet"):
        con.register("t", missing)
    with pytest.raises(tqp.ProgrammingError, match="nope.parquet"):
        con.register("other", str(missing))
    assert con.tables() == ["t"]
    assert select_all(con) == ROWS  # the old table is still there, unchanged


def test_unsupported_object_names_type_and_keeps_catalog(con):
    before = con.tables()
    for obj, name in (({1, 2, 3}, "set"), (42, "int"), (None, "NoneType"), ([1, 2], "list"),
                      (object(), "object")):
        with pytest.raises(tqp.ProgrammingError, match=name):
            con.register("t", obj)
    assert con.tables() == before


def test_empty_directory(con, tmp_path):
    with pytest.raises(tqp.ProgrammingError, match="no .parquet or .csv"):
        con.register("t", tmp_path)
    assert con.tables() == []


def test_glob_matching_nothing(con, tmp_path):
    with pytest.raises(tqp.ProgrammingError, match="no files match"):
        con.register("t", str(tmp_path / "*.parquet"))


def test_mixed_directory(tmp_path):
    pq.write_table(sample_table(), tmp_path / "a.parquet")
    pacsv.write_csv(sample_table(), tmp_path / "b.csv")
    with pytest.raises(tqp.ProgrammingError, match="mixes"):
        to_arrow(tmp_path)


def test_unknown_file_format(tmp_path):
    path = tmp_path / "t.json"
    path.write_text("{}")
    with pytest.raises(tqp.NotSupportedError, match="t.json"):
        to_arrow(path)


def test_malformed_csv_is_data_error(con, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n3\n")
    with pytest.raises(tqp.DataError, match="bad.csv"):
        con.register("t", path)
    assert con.tables() == []


def test_bad_dict_columns():
    with pytest.raises(tqp.ProgrammingError, match="different lengths"):
        to_arrow({"a": [1, 2], "b": [1]})
    with pytest.raises(tqp.ProgrammingError, match="1-D"):
        to_arrow({"a": np.zeros((2, 2))})
    with pytest.raises(tqp.ProgrammingError, match="1-D"):
        to_arrow({"a": torch.zeros(2, 2)})
    with pytest.raises(tqp.ProgrammingError, match="column names"):
        to_arrow({1: [1]})
    with pytest.raises(tqp.ProgrammingError, match="sequence"):
        to_arrow({"a": "abc"})
    with pytest.raises(tqp.DataError, match="'a'"):
        to_arrow({"a": [1, "x"]})


def test_bad_table_name(con):
    with pytest.raises(tqp.ProgrammingError):
        con.register("", sample_table())
    with pytest.raises(tqp.ProgrammingError):
        con.register(None, sample_table())


# ---------------------------------------------------------------------------- zero copy

def test_numeric_inputs_are_not_copied():
    ints = np.arange(1000, dtype=np.int64)
    t = to_arrow({"a": ints})
    assert t.column("a").chunks[0].buffers()[1].address == ints.ctypes.data
    tensor = torch.arange(1000, dtype=torch.float32)
    t = to_arrow({"a": tensor})
    assert t.column("a").chunks[0].buffers()[1].address == tensor.data_ptr()
    assert t.column("a").type == pa.float32()


def test_bfloat16_tensor_widens():
    t = to_arrow({"a": torch.tensor([1.5, 2.0], dtype=torch.bfloat16)})
    assert t.column("a").to_pylist() == [1.5, 2.0]


def test_csv_null_and_empty_string(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('id,name\n1,\n2,""\n3,NA\n')
    assert to_arrow(path).column("name").to_pylist() == [None, "", "NA"]


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string(), pa.string_view()])
def test_mostly_distinct_strings(con, kind):
    """A comment-like column (most values distinct, no NULLs, of each Arrow string type):
    values, order, equality and grouping all stay exact over its first-seen dictionary."""
    rng = np.random.default_rng(4)
    words = ["ab", "abc", "b", "é", "zz", "", "a b", "aé"]
    vals = ["".join(rng.choice(words, 3)) + str(int(i)) for i in rng.integers(0, 3000, 5000)]
    con.register("cm", pa.table({"c": pa.array(vals, kind), "i": np.arange(5000)}))
    got = con.execute("SELECT c FROM cm ORDER BY i").fetchall()
    assert [r[0] for r in got] == vals
    got = con.execute("SELECT c, count(*) FROM cm GROUP BY c ORDER BY c").fetchall()
    expect = sorted({v: vals.count(v) for v in vals}.items(), key=lambda kv: kv[0].encode())
    assert got == expect
    x = vals[17]
    n = con.execute("SELECT count(*) FROM cm WHERE c < ? OR c = ?", [x, x]).fetchone()[0]
    assert n == sum(v.encode() <= x.encode() for v in vals)
