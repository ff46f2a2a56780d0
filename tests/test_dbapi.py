"""The PEP 249 surface of tqp beyond what the dbapi20 suite checks: type codes, fetch variants,
parameters, closing, Arrow/pandas output, Python value types and the error boundary."""
import datetime as dt
import decimal
import time

import pyarrow as pa
import pytest
import torch

import tqp
import tqp.dbapi as dbapi


@pytest.fixture
def con():
    c = tqp.connect(device="cpu")
    yield c
    if not c.closed:
        c.close()


TYPED = pa.table({
    "i": pa.array([1, 2, None], pa.int32()),
    "b": pa.array([10, None, 30], pa.int64()),
    "s": pa.array([1, 2, 3], pa.int16()),
    "f": pa.array([0.5, None, 2.25], pa.float64()),
    "r": pa.array([0.5, 1.5, None], pa.float32()),
    "d": pa.array([decimal.Decimal("1.25"), None, decimal.Decimal("-3.10")], pa.decimal128(15, 2)),
    "v": pa.array(["x", None, "zz"], pa.string()),
    "dt": pa.array([dt.date(1998, 12, 1), None, dt.date(1970, 1, 1)], pa.date32()),
    "ts": pa.array([dt.datetime(2001, 2, 3, 4, 5, 6, 789), None, dt.datetime(1970, 1, 1)],
                   pa.timestamp("us")),
    "ok": pa.array([True, False, None], pa.bool_()),
})


@pytest.fixture
def typed(con):
    con.register("typed", TYPED)
    return con


@pytest.fixture
def nums(con):
    con.register("nums", {"n": list(range(10))})
    return con


# ---------------------------------------------------------------------------- module

def test_module_globals():
    assert tqp.apilevel == "2.0"
    assert tqp.threadsafety == 1
    assert tqp.paramstyle == "qmark"
    for name in dbapi.__all__:
        assert getattr(tqp, name) is getattr(dbapi, name)


def test_type_objects_compare_with_codes():
    assert "VARCHAR" == tqp.STRING and tqp.STRING == "VARCHAR"
    assert tqp.STRING != "INTEGER" and "INTEGER" != tqp.STRING
    for code in ("SMALLINT", "INTEGER", "BIGINT", "REAL", "DOUBLE", "DECIMAL"):
        assert code == tqp.NUMBER
    assert "DATE" == tqp.DATETIME and "TIMESTAMP" == tqp.DATETIME
    assert "BOOLEAN" != tqp.NUMBER and "VARCHAR" != tqp.ROWID and "VARCHAR" != tqp.BINARY
    assert len({tqp.STRING, tqp.NUMBER, tqp.DATETIME}) == 3  # hashable
    assert "STRING" in repr(tqp.STRING)


def test_constructors():
    assert tqp.Date(2002, 12, 25) == dt.date(2002, 12, 25)
    assert tqp.Time(13, 45, 30) == dt.time(13, 45, 30)
    assert tqp.Timestamp(2002, 12, 25, 13, 45, 30) == dt.datetime(2002, 12, 25, 13, 45, 30)
    ticks = time.mktime((2002, 12, 25, 13, 45, 30, 0, 0, -1))
    assert tqp.DateFromTicks(ticks) == dt.date(2002, 12, 25)
    assert tqp.TimeFromTicks(ticks) == dt.time(13, 45, 30)
    assert tqp.TimestampFromTicks(ticks) == dt.datetime(2002, 12, 25, 13, 45, 30)
    assert tqp.Binary(b"ab") == b"ab"


# ---------------------------------------------------------------------------- connect

def test_connect_devices():
    with tqp.connect(device="cpu") as c:
        assert c.device == torch.device("cpu")
    with tqp.connect() as c:  # auto
        assert c.device.type == ("cuda" if torch.cuda.is_available() else "cpu")
    with tqp.connect(device=torch.device("cpu")) as c:
        assert c.device == torch.device("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA message")
def test_connect_cuda_without_cuda():
    for dev in ("cuda", "cuda:0"):
        with pytest.raises(tqp.OperationalError, match="CUDA is not available"):
            tqp.connect(device=dev)


def test_connect_bad_device():
    for dev in ("gpu", "cuda:x", "", 3):
        with pytest.raises(tqp.ProgrammingError, match="device must be"):
            tqp.connect(device=dev)


def test_exceptions_on_connection(con):
    for name in tqp.errors.__all__:
        assert getattr(con, name) is getattr(tqp, name)
    assert issubclass(tqp.InterfaceError, tqp.Error)


# ---------------------------------------------------------------------------- description, rowcount

def test_description_codes_precision_scale(typed):
    cur = typed.execute("SELECT * FROM typed")
    desc = cur.description
    assert [d[0] for d in desc] == TYPED.column_names
    assert [d[1] for d in desc] == ["INTEGER", "BIGINT", "SMALLINT", "DOUBLE", "REAL", "DECIMAL",
                                    "VARCHAR", "DATE", "TIMESTAMP", "BOOLEAN"]
    assert all(len(d) == 7 for d in desc)
    by_name = {d[0]: d for d in desc}
    assert by_name["d"][4:6] == (15, 2)
    assert by_name["i"][4:6] == (None, None)
    assert by_name["v"][1] == tqp.STRING and by_name["d"][1] == tqp.NUMBER
    assert by_name["dt"][1] == tqp.DATETIME and by_name["ts"][1] == tqp.DATETIME


def test_description_of_expressions(nums):
    cur = nums.execute("SELECT n + 1 AS m, CAST(n AS DOUBLE) AS x FROM nums")
    assert [d[:2] for d in cur.description] == [("m", "BIGINT"), ("x", "DOUBLE")]


def test_description_none_without_result(con):
    cur = con.cursor()
    assert cur.description is None and cur.rowcount == -1
    cur.execute("CREATE TABLE t (a INTEGER, b VARCHAR(10))")
    assert cur.description is None
    assert cur.rowcount in (-1, 0)


def test_rowcount(con):
    cur = con.cursor()
    cur.execute("CREATE TABLE t (a INTEGER)")
    cur.execute("INSERT INTO t VALUES (1), (2), (3)")
    assert cur.rowcount == 3
    assert cur.description is None
    cur.execute("SELECT a FROM t WHERE a > 1")
    assert cur.rowcount == 2


# ---------------------------------------------------------------------------- fetching

def test_fetch_variants(nums):
    cur = nums.execute("SELECT n FROM nums ORDER BY n")
    assert cur.arraysize == 1
    assert cur.fetchone() == (0,)
    assert cur.fetchmany() == [(1,)]
    assert cur.fetchmany(3) == [(2,), (3,), (4,)]
    cur.arraysize = 2
    assert cur.fetchmany() == [(5,), (6,)]
    assert cur.fetchall() == [(7,), (8,), (9,)]
    assert cur.fetchone() is None
    assert cur.fetchmany(5) == []
    assert cur.fetchall() == []


def test_iteration(nums):
    cur = nums.cursor()
    assert [r[0] for r in cur.execute("SELECT n FROM nums ORDER BY n")] == list(range(10))
    cur.execute("SELECT n FROM nums ORDER BY n")
    next(cur)
    assert [r[0] for r in cur] == list(range(1, 10))


def test_empty_result(nums):
    cur = nums.execute("SELECT n FROM nums WHERE n > 100")
    assert cur.rowcount == 0
    assert cur.description[0][0] == "n"
    assert cur.fetchone() is None and cur.fetchall() == [] and list(cur) == []


def test_fetchmany_converts_each_row_once(nums, monkeypatch):
    converted = []
    real_rows = dbapi._rows

    def counting_rows(table):
        converted.append(table.num_rows)
        return real_rows(table)

    monkeypatch.setattr(dbapi, "_rows", counting_rows)
    monkeypatch.setattr(dbapi, "_CHUNK_ROWS", 4)  # small slices, so fetches cross them
    cur = nums.execute("SELECT n FROM nums ORDER BY n")
    got = cur.fetchone() + tuple(r[0] for r in cur.fetchmany(2))
    assert converted == [4]  # the first slice only
    got += tuple(r[0] for r in cur.fetchmany(3)) + tuple(r[0] for r in cur.fetchall())
    assert got == tuple(range(10))
    assert sum(converted) == 10


def test_fetchall_result_is_callers_to_mutate(nums):
    cur = nums.execute("SELECT n FROM nums ORDER BY n")
    rows = cur.fetchall()
    rows.clear()
    assert cur.fetchall() == []


def test_fetch_without_result_set(con):
    cur = con.cursor()
    with pytest.raises(tqp.ProgrammingError):
        cur.fetchone()
    cur.execute("CREATE TABLE t (a INTEGER)")
    for fetch in (cur.fetchone, cur.fetchall, cur.fetchmany, cur.fetch_arrow, cur.fetch_df):
        with pytest.raises(tqp.ProgrammingError):
            fetch()
    cur.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(tqp.ProgrammingError):
        cur.fetchall()


def test_fetch_arrow_and_df(nums):
    cur = nums.execute("SELECT n FROM nums ORDER BY n")
    cur.fetchmany(3)
    rest = cur.fetch_arrow()
    assert isinstance(rest, pa.Table) and rest.column("n").to_pylist() == list(range(3, 10))
    assert cur.fetchall() == []
    pd = pytest.importorskip("pandas")
    df = nums.execute("SELECT n FROM nums ORDER BY n").fetch_df()
    assert isinstance(df, pd.DataFrame) and df["n"].tolist() == list(range(10))


def test_python_value_types(typed):
    rows = typed.execute("SELECT * FROM typed").fetchall()
    assert rows[0] == (1, 10, 1, 0.5, 0.5, decimal.Decimal("1.25"), "x", dt.date(1998, 12, 1),
                       dt.datetime(2001, 2, 3, 4, 5, 6, 789), True)
    assert rows[1] == (2, None, 2, None, 1.5, None, None, None, None, False)
    assert rows[2] == (None, 30, 3, 2.25, None, decimal.Decimal("-3.10"), "zz",
                       dt.date(1970, 1, 1), dt.datetime(1970, 1, 1), None)
    expected = (int, int, int, float, float, decimal.Decimal, str, dt.date, dt.datetime, bool)
    for value, kind in zip(rows[0], expected):
        assert type(value) is kind
    assert all(type(r) is tuple for r in rows)


# ---------------------------------------------------------------------------- conversion unit tests

@pytest.mark.parametrize("arr", [
    pa.array([1, None, 3], pa.int32()),
    pa.array([True, None, False]),
    pa.array([1.5, None, float("inf")]),
    pa.array(["a", None, "b"]),
    pa.array(["a", None, "b"], pa.large_string()),
    pa.array(["a", None, "a"]).dictionary_encode(),
    pa.array([decimal.Decimal("1.10"), None], pa.decimal128(10, 2)),
    pa.array([0, None, -1], pa.date32()),
    pa.array([0, None, 1_000_001], pa.timestamp("us")),
    pa.array([0, None], pa.timestamp("ns")),
    pa.array([0, None], pa.timestamp("us", tz="UTC")),
    pa.array([None, None], pa.null()),
    pa.array([], pa.int64()),
    pa.array([], pa.string()).dictionary_encode(),
    pa.DictionaryArray.from_arrays(pa.array([None, None], pa.int32()), pa.array([], pa.string())),
    pa.array([1, None, 1, 2], pa.int64()).dictionary_encode(),
])
def test_array_to_python_matches_arrow(arr):
    got = dbapi._array_to_python(arr)
    assert got == arr.to_pylist()
    assert [type(v) for v in got] == [type(v) for v in arr.to_pylist()]


# ---------------------------------------------------------------------------- parameters

def test_qmark_and_numbered_params(nums):
    assert nums.execute("SELECT n FROM nums WHERE n > ? AND n < ? ORDER BY n", (6, 9)).fetchall() \
        == [(7,), (8,)]
    assert nums.execute("SELECT n FROM nums WHERE n > $2 AND n < $1 ORDER BY n", [9, 6]).fetchall() \
        == [(7,), (8,)]
    assert nums.execute("SELECT n FROM nums WHERE n = $1 OR n = $1 + 1 ORDER BY n", [3]).fetchall() \
        == [(3,), (4,)]


def test_param_types_round_trip(con):
    values = (7, 2.5, "it's", decimal.Decimal("1.25"), dt.date(2020, 2, 29), True)
    row = con.execute("SELECT ?, ?, ?, ?, ?, ?", values).fetchone()
    assert row == values
    assert con.execute("SELECT ? IS NULL", [None]).fetchone() == (True,)


def test_wrong_param_count(nums):
    with pytest.raises(tqp.ProgrammingError):
        nums.execute("SELECT n FROM nums WHERE n > ?", ())
    with pytest.raises(tqp.ProgrammingError):
        nums.execute("SELECT n FROM nums WHERE n > ?", (1, 2))
    with pytest.raises(tqp.ProgrammingError):
        nums.execute("SELECT n FROM nums WHERE n > ?")  # no parameters at all
    with pytest.raises(tqp.ProgrammingError):
        nums.execute("SELECT n FROM nums WHERE n > $2", (1,))


def test_params_must_be_a_sequence(nums):
    with pytest.raises(tqp.ProgrammingError, match="mapping"):
        nums.execute("SELECT n FROM nums WHERE n > ?", {"a": 1})
    with pytest.raises(tqp.ProgrammingError, match="string"):
        nums.execute("SELECT n FROM nums WHERE n = ?", "1")
    with pytest.raises(tqp.ProgrammingError, match="sequence"):
        nums.execute("SELECT n FROM nums WHERE n = ?", 1)


def test_executemany(con):
    cur = con.cursor()
    cur.execute("CREATE TABLE t (a INTEGER, b VARCHAR)")
    assert cur.executemany("INSERT INTO t VALUES (?, ?)", [(1, "x"), (2, "y"), (3, None)]) is cur
    assert cur.rowcount == 3
    assert cur.description is None
    assert con.execute("SELECT a, b FROM t ORDER BY a").fetchall() == [(1, "x"), (2, "y"), (3, None)]
    cur.executemany("INSERT INTO t VALUES (?, ?)", iter([]))
    assert cur.rowcount == 0
    assert con.executemany("INSERT INTO t VALUES (?, ?)", [(4, "z")]).rowcount == 1


def test_bad_sql_is_programming_error(con):
    with pytest.raises(tqp.ProgrammingError):
        con.execute("SELEC 1")
    with pytest.raises(tqp.ProgrammingError):
        con.execute("SELECT * FROM no_such_table")
    with pytest.raises(tqp.ProgrammingError):
        con.execute(b"SELECT 1")


# ---------------------------------------------------------------------------- closing

def test_closed_cursor(nums):
    cur = nums.execute("SELECT n FROM nums")
    cur.close()
    cur.close()  # closing a cursor twice is harmless
    for call in (lambda: cur.execute("SELECT 1"), cur.fetchone, cur.fetchall, cur.fetch_arrow,
                 lambda: cur.executemany("SELECT 1", [()]), lambda: cur.setinputsizes([1])):
        with pytest.raises(tqp.InterfaceError):
            call()


def test_closed_connection(nums):
    cur = nums.execute("SELECT n FROM nums")
    nums.close()
    assert nums.closed
    for call in (nums.cursor, nums.commit, nums.rollback, nums.tables, nums.close,
                 lambda: nums.execute("SELECT 1"), lambda: nums.register("x", {"a": [1]}),
                 lambda: nums.unregister("nums"), lambda: cur.execute("SELECT 1"), cur.fetchone):
        with pytest.raises(tqp.InterfaceError):
            call()
    assert issubclass(tqp.InterfaceError, tqp.Error)


def test_context_managers():
    with tqp.connect(device="cpu") as c:
        with c.cursor() as cur:
            assert cur.connection is c
            assert cur.execute("SELECT 1 AS one").fetchall() == [(1,)]
        with pytest.raises(tqp.InterfaceError):
            cur.execute("SELECT 1")
    assert c.closed
    with tqp.connect(device="cpu") as c:
        c.close()  # closing inside the block is fine; __exit__ does not close twice
    with pytest.raises(ZeroDivisionError):
        with tqp.connect(device="cpu") as c:
            1 / 0
    assert c.closed


def test_commit_and_rollback_are_noops(con):
    con.register("t", {"a": [1]})
    con.commit()
    con.execute("CREATE TABLE u (a INTEGER)")
    con.rollback()  # autocommit: there is nothing pending, so the table stays
    assert sorted(con.tables()) == ["t", "u"]


# ---------------------------------------------------------------------------- catalog

def test_tables_and_unregister(con):
    assert con.tables() == []
    con.register("a", {"x": [1]})
    con.register("b", {"x": [2]})
    assert sorted(con.tables()) == ["a", "b"]
    con.unregister("a")
    assert con.tables() == ["b"]
    with pytest.raises(tqp.ProgrammingError):
        con.unregister("a")
    with pytest.raises(tqp.ProgrammingError):
        con.execute("SELECT * FROM a")


def test_connections_are_isolated():
    with tqp.connect(device="cpu") as a, tqp.connect(device="cpu") as b:
        a.register("t", {"x": [1]})
        assert b.tables() == []


# ---------------------------------------------------------------------------- error boundary

@pytest.mark.parametrize("raised, expected", [
    (RuntimeError("boom"), tqp.InternalError),
    (IndexError("index 5 is out of bounds"), tqp.InternalError),
    (KeyError("k"), tqp.InternalError),
    (MemoryError(), tqp.OperationalError),
    (RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB"), tqp.OperationalError),
    (RuntimeError("DefaultCPUAllocator: not enough memory"), tqp.OperationalError),
    (RecursionError("maximum recursion depth exceeded"), tqp.OperationalError),
])
def test_unexpected_engine_errors_are_wrapped(con, monkeypatch, raised, expected):
    def boom(*args, **kwargs):
        raise raised

    monkeypatch.setattr(con._engine, "execute", boom)
    with pytest.raises(expected) as info:
        con.execute("SELECT 1")
    assert info.value.__cause__ is raised
    monkeypatch.setattr(con._engine, "store", boom)
    with pytest.raises(expected):
        con.register("t", {"a": [1]})


def test_tqp_errors_pass_through_unchanged(con, monkeypatch):
    err = tqp.DataError("division by zero")

    def boom(*args, **kwargs):
        raise err

    monkeypatch.setattr(con._engine, "execute", boom)
    with pytest.raises(tqp.DataError) as info:
        con.execute("SELECT 1/0")
    assert info.value is err
