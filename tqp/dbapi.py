"""PEP 249 (DB-API 2.0) interface to tqp: connections, cursors, type objects and constructors.

>>> import tqp
>>> con = tqp.connect(device="cpu")
>>> con.register("t", {"x": [1, 2, 3]})
>>> cur = con.execute("SELECT x * 2 AS y FROM t WHERE x > ?", [1])
>>> cur.description[0][:2]
('y', 'BIGINT')
>>> cur.fetchall()
[(4,), (6,)]

Transactions: autocommit, as in DuckDB's Python API. Every statement takes effect when it
succeeds and a failed statement changes nothing. ``BEGIN`` (or ``START TRANSACTION``) opens a
transaction that ``COMMIT`` / ``commit()`` keeps and ``ROLLBACK`` / ``rollback()`` undoes;
outside one, ``commit()`` and ``rollback()`` have nothing to do. (A no-op rollback() is what
pools and ORMs that call it on release expect.)
"""
from __future__ import annotations

import datetime as _dt
import re
import time as _time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Iterable, Sequence

import pyarrow as pa

from .errors import (DatabaseError, DataError, Error, IntegrityError, InterfaceError,
                     InternalError, NotSupportedError, OperationalError, ProgrammingError, Warning)
from .io.python_scan import run_in_scope

__all__ = [
    "apilevel", "threadsafety", "paramstyle", "connect", "Connection", "Cursor",
    "Date", "Time", "Timestamp", "DateFromTicks", "TimeFromTicks", "TimestampFromTicks", "Binary",
    "STRING", "BINARY", "NUMBER", "DATETIME", "ROWID",
]

apilevel = "2.0"
threadsafety = 1  # as PEP 249 promises: the module; an Engine also serialises its statements,
# so threads that share a connection anyway wait for each other instead of losing writes
paramstyle = "qmark"  # the engine also accepts $1-style numbered parameters

# ---------------------------------------------------------------------------- constructors

Date = _dt.date
Time = _dt.time
Timestamp = _dt.datetime
Binary = bytes


def DateFromTicks(ticks: float) -> _dt.date:
    """The local date at `ticks` seconds since the epoch (PEP 249 uses local time)."""
    return Date(*_time.localtime(ticks)[:3])


def TimeFromTicks(ticks: float) -> _dt.time:
    return Time(*_time.localtime(ticks)[3:6])


def TimestampFromTicks(ticks: float) -> _dt.datetime:
    return Timestamp(*_time.localtime(ticks)[:6])


# ---------------------------------------------------------------------------- type objects

class _TypeObject(frozenset):
    """A set of type codes that compares equal to each of them: ``"VARCHAR" == STRING``."""

    def __new__(cls, name: str, codes: Iterable[str]):
        self = super().__new__(cls, codes)
        self.name = name
        return self

    def __eq__(self, other):
        if isinstance(other, str):
            return other in self
        return frozenset.__eq__(self, other)

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = frozenset.__hash__

    def __repr__(self) -> str:
        return f"{self.name}{{{', '.join(sorted(self))}}}"


# Type codes in cursor.description are SqlType kinds (tqp/types.py).
STRING = _TypeObject("STRING", {"VARCHAR"})
BINARY = _TypeObject("BINARY", {"BLOB"})  # tqp has no binary columns yet; reserved for them
NUMBER = _TypeObject("NUMBER", {"SMALLINT", "INTEGER", "BIGINT", "REAL", "DOUBLE", "DECIMAL"})
DATETIME = _TypeObject("DATETIME", {"DATE", "TIME", "TIMESTAMP", "TIMESTAMPTZ"})
ROWID = _TypeObject("ROWID", ())  # tqp tables have no row identifiers

# ---------------------------------------------------------------------------- errors at the boundary

def _translate(exc: Exception, what: str) -> Exception:
    """The PEP 249 exception for an unexpected `exc` raised while doing `what`.

    The engine raises tqp errors itself; this is the safety net so that nothing else escapes.
    """
    if isinstance(exc, (Error, Warning)):
        return exc
    name = type(exc).__name__
    if isinstance(exc, MemoryError) or "OutOfMemory" in name or _is_oom_message(str(exc)):
        return OperationalError(f"out of memory while {what}: {exc}")
    if isinstance(exc, RecursionError):
        return OperationalError(f"statement nested too deeply while {what}")
    return InternalError(f"internal error while {what} ({name}: {exc}); please report it")


def _is_oom_message(msg: str) -> bool:
    msg = msg.lower()
    return any(s in msg for s in ("out of memory", "not enough memory", "can't allocate memory",
                                  "defaultcpuallocator", "std::bad_alloc"))


def _guarded(fn, what: str, *args):
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - deliberately the catch-all boundary
        err = _translate(exc, what)
        if err is exc:
            raise
        raise err from exc


# ---------------------------------------------------------------------------- connect

_DEVICE_RE = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")


def _resolve_device(device: Any):
    import torch

    if isinstance(device, torch.device):
        device = str(device)
    if not isinstance(device, str) or not _DEVICE_RE.match(device.strip().lower()):
        raise ProgrammingError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}")
    device = device.strip().lower()
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cpu":
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise OperationalError(
            f"device {device!r} requested but CUDA is not available "
            f"(torch {torch.__version__} built {'with' if torch.version.cuda else 'without'} CUDA); "
            "use device='cpu' or 'auto'")
    dev = torch.device(device)
    count = torch.cuda.device_count()
    if dev.index is not None and dev.index >= count:
        raise OperationalError(f"device {device!r} requested but only {count} CUDA device(s) exist")
    return dev


def connect(device: str = "auto", *, threads: int | None = None, memory_limit=None,
            **settings) -> "Connection":
    """A new connection with its own empty in-memory catalog, running queries on `device`.

    `device` is "cpu", "cuda", "cuda:N" or "auto" (CUDA when available, else CPU). `threads`,
    `memory_limit` ('4GB', or bytes) and any other keyword set the connection's settings, as
    SET does (see tqp.settings).
    """
    if threads is not None:
        settings["threads"] = threads
    if memory_limit is not None:
        settings["memory_limit"] = memory_limit
    con = Connection(_resolve_device(device))
    for name, value in settings.items():
        con._engine.settings = con._engine.settings.with_value(name, value)
    return con


# ---------------------------------------------------------------------------- connection

class Connection:
    """One catalog of tables on one device. Statements from several threads run one at a time."""

    # PEP 249 optional extension: the exceptions as connection attributes.
    Warning = Warning
    Error = Error
    InterfaceError = InterfaceError
    DatabaseError = DatabaseError
    DataError = DataError
    OperationalError = OperationalError
    IntegrityError = IntegrityError
    InternalError = InternalError
    ProgrammingError = ProgrammingError
    NotSupportedError = NotSupportedError

    def __init__(self, device):
        # Imported here so that `import tqp` stays light and free of import cycles.
        from .engine import Engine
        from .exec.memory import keep_freed_memory

        keep_freed_memory()
        self._device = device
        self._engine = _guarded(Engine, "starting the engine", device)
        self._closed = False

    # -- state
    def _check_open(self) -> None:
        if self._closed:
            raise InterfaceError("connection is closed")

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def device(self):
        """The torch.device this connection's tables live on and its queries run on."""
        return self._device

    def __repr__(self) -> str:
        return f"<tqp.Connection device={self._device} {'closed' if self._closed else 'open'}>"

    # -- PEP 249
    def cursor(self) -> "Cursor":
        self._check_open()
        return Cursor(self)

    def close(self) -> None:
        """Close the connection and free its tables. Closing twice raises InterfaceError."""
        self._check_open()
        self._closed = True
        self._engine = None  # drop every registered table and cached program (GPU memory too)

    def commit(self) -> None:
        """Commit the transaction that BEGIN opened; outside one every statement is already
        committed when it returns (autocommit), and this does nothing."""
        self._check_open()
        with self._engine.lock:
            self._engine.transaction_control("commit", from_sql=False)

    def rollback(self) -> None:
        """Undo everything since BEGIN (tables, views, indexes, models, macros); outside a
        transaction there is nothing to undo, and this does nothing."""
        self._check_open()
        with self._engine.lock:
            self._engine.transaction_control("rollback", from_sql=False)

    def __enter__(self) -> "Connection":
        self._check_open()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if not self._closed:  # the block may already have closed it
            self.close()

    # -- shortcuts, as sqlite3 and duckdb have them
    def execute(self, sql: str, params: Sequence[Any] | None = None) -> "Cursor":
        """Run `sql` on a new cursor and return that cursor."""
        return self.cursor().execute(sql, params)

    def executemany(self, sql: str, seq_of_params: Iterable[Sequence[Any]]) -> "Cursor":
        return self.cursor().executemany(sql, seq_of_params)

    def sql(self, query: str, params: Sequence[Any] | None = None):
        """Run `query` and return its rows as a tqp.QueryResult (``.arrow()``, ``.df()``,
        ``.pl()``, ``.fetchnumpy()``, ``.torch()``, Arrow stream, notebook display), or None
        for a statement that returns no rows, as duckdb.sql does."""
        from .result import QueryResult

        cur = self.execute(query, params)
        return None if cur._result.names is None else QueryResult(cur._result, self)

    # -- catalog
    def register(self, name: str, obj: Any, *, columns: Sequence[str] | None = None) -> None:
        """Make `obj` queryable as table `name`, replacing any table of that name.

        `obj` is anything tqp.io.sources.to_arrow accepts: an Arrow table / batch / reader /
        dataset, a pandas or Polars DataFrame, a dict of columns, a numpy structured or 2-D
        array, a 2-D torch tensor, or a path to Parquet / CSV data. `columns` names the columns
        of a 2-D array or tensor (default column0, column1, ...). Torch tensors (a dict of 1-D
        ones, or one 2-D) go to the connection's device directly, never through the host.
        """
        self._check_open()
        if not isinstance(name, str) or not name:
            raise ProgrammingError(f"table name must be a non-empty str, got {name!r}")
        from .io.python_scan import read_columns

        names, cols, rows = _guarded(read_columns, f"reading the data for table {name!r}", obj, self._device, columns,
                                     self._engine.settings.value("threads"))
        _guarded(self._engine.store, f"registering table {name!r}", name, names, cols, rows)

    def unregister(self, name: str) -> None:
        """Remove table `name`; ProgrammingError if there is none."""
        self._check_open()
        _guarded(self._engine.unregister, f"unregistering table {name!r}", name)

    def tables(self) -> list[str]:
        """Names of the registered and created tables."""
        self._check_open()
        return _guarded(self._engine.tables, "listing tables")

    def create_function(self, name: str, function: Any, parameters: Any = None, return_type: Any = None, *,
                        type: str = "native") -> None:
        """Make a Python function callable from SQL as name(...), as DuckDB's create_function does.

        `parameters` and `return_type` are SQL type names. `type` says how it is called, always
        on whole columns: "native" (scalars, once per distinct argument tuple, never for a
        NULL), "arrow" (pyarrow arrays) or "torch" (tensors on the connection's device); see
        tqp.udf."""
        self._check_open()
        _guarded(self._engine.create_function, f"creating function {name!r}", name, function, parameters,
                 return_type, type)

    def remove_function(self, name: str) -> None:
        self._check_open()
        _guarded(self._engine.remove_function, f"removing function {name!r}", name)

    def register_model(self, name: str, model: Any) -> None:
        """Make a fitted model callable from SQL as PREDICT('name', ...) / PREDICT_PROBA(...).

        The model is converted once, here, into a torch program on the connection's device.
        `model` may also be a path: a joblib / pickle file (unpickling runs the file's code: only
        trusted files), a TorchScript or a torch.export (.pt2) file; see tqp.ml.load. SQL's
        CREATE MODEL name FROM 'path' does the same, under the file-access settings.
        """
        self._check_open()
        _guarded(self._engine.register_model, f"registering model {name!r}", name, model)

    def unregister_model(self, name: str) -> None:
        self._check_open()
        _guarded(self._engine.unregister_model, f"unregistering model {name!r}", name)

    def interrupt(self) -> None:
        """Cancel the statement this connection is running, from another thread: it raises
        OperationalError within about a second and the connection stays usable."""
        self._check_open()
        self._engine.interrupt()

    def models(self) -> list[str]:
        """Names of the registered models."""
        self._check_open()
        return sorted(self._engine.catalog.models)


# ---------------------------------------------------------------------------- rows out

# Rows are converted from Arrow to Python a slice at a time: fetchone on a huge result does not
# convert all of it, and no row is converted twice.
_CHUNK_ROWS = 65536


def _array_to_python(arr: pa.Array) -> list:
    """Python values of one Arrow array, converted column-wise through numpy where possible
    (from Arrow's buffers: pyarrow's to_numpy imports pandas)."""
    import numpy as np

    from .io import buffers

    t = arr.type
    n = len(arr)
    if pa.types.is_null(t):
        return [None] * n
    if pa.types.is_map(t):  # a dict per value, as DuckDB's Python client gives
        tuples = _holds_tuple(t)
        return [None if v is None else dict(_with_tuples(v, t) if tuples else v) for v in arr.to_pylist()]
    if pa.types.is_dictionary(t):
        if arr.null_count == n:  # also covers an empty dictionary, which has no code to fill with
            return [None] * n
        # Convert each distinct value once, then spread them to the rows by code.
        values = np.empty(len(arr.dictionary), dtype=object)
        values[:] = _array_to_python(arr.dictionary)
        return _with_nulls(values[buffers.filled(arr.indices, 0)].tolist(), arr)
    plain = pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t) or pa.types.is_date32(t) \
        or (pa.types.is_timestamp(t) and t.tz is None and t.unit in ("s", "ms", "us"))
    if plain:  # (datetime64 -> object gives datetime.date / datetime.datetime)
        values = buffers.values(arr)
        return _with_nulls((values if values.dtype.kind in "biuf" else values.astype(object)).tolist(), arr)
    if pa.types.is_decimal(t) and (scaled := buffers.values(arr)) is not None:
        exponent = f"E{-t.scale}"  # exact: Decimal parses text without rounding
        return _with_nulls([Decimal(f"{v}{exponent}") for v in scaled.tolist()], arr)
    if _holds_tuple(t):
        return [_with_tuples(v, t) for v in arr.to_pylist()]
    return arr.to_pylist()  # strings (as fast), wide decimals, zoned or ns timestamps, nested...: exact path


def _holds_tuple(t: pa.DataType) -> bool:
    from .io.arrow import is_tuple_type
    if is_tuple_type(t):
        return True
    if pa.types.is_struct(t):
        return any(_holds_tuple(t.field(i).type) for i in range(t.num_fields))
    if pa.types.is_map(t):
        return _holds_tuple(t.key_type) or _holds_tuple(t.item_type)
    return pa.types.is_list(t) and _holds_tuple(t.value_type)


def _with_tuples(v, t: pa.DataType):
    """A nested Python value with its unnamed STRUCTs (TUPLEs) as tuples, as DuckDB gives them."""
    from .io.arrow import is_tuple_type
    if v is None:
        return None
    if pa.types.is_struct(t):
        fields = [t.field(i) for i in range(t.num_fields)]
        if is_tuple_type(t):
            return tuple(_with_tuples(v[f.name], f.type) for f in fields)
        return {f.name: _with_tuples(v[f.name], f.type) for f in fields}
    if pa.types.is_map(t):
        return [(_with_tuples(k, t.key_type), _with_tuples(x, t.item_type)) for k, x in v]
    if pa.types.is_list(t):
        return [_with_tuples(x, t.value_type) for x in v]
    return v


def _with_nulls(values: list, arr: pa.Array) -> list:
    if arr.null_count:
        import numpy as np

        from .io.buffers import validity

        for i in np.flatnonzero(~validity(arr)).tolist():
            values[i] = None
    return values


def _rows(table: pa.Table) -> list[tuple]:
    if table.num_columns == 0:
        return [()] * table.num_rows
    columns = []
    for col in table.columns:
        values: list = []
        for chunk in col.chunks:
            values.extend(_array_to_python(chunk))
        columns.append(values)
    return list(zip(*columns))


def _description(result) -> list[tuple] | None:
    if result.names is None:
        return None
    types = list(result.types)
    desc = []
    for i, name in enumerate(result.names):
        sql_type = types[i] if i < len(types) else None
        if sql_type is None:
            code, precision, scale = _code_from_arrow(result.table.schema.field(i).type)
        else:
            code = str(sql_type) if sql_type.is_nested else sql_type.kind  # INTEGER[], STRUCT(a INTEGER)
            precision, scale = (sql_type.precision, sql_type.scale) if sql_type.is_decimal else (None, None)
        desc.append((name, code, None, None, precision, scale, True))
    return desc


def _code_from_arrow(t: pa.DataType) -> tuple[str, int | None, int | None]:
    """Type code for a column the engine gave no SqlType for (should not happen; be robust)."""
    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_decimal(t):
        return "DECIMAL", t.precision, t.scale
    for test, code in ((pa.types.is_boolean, "BOOLEAN"), (pa.types.is_int16, "SMALLINT"),
                       (pa.types.is_int32, "INTEGER"), (pa.types.is_integer, "BIGINT"),
                       (pa.types.is_float32, "REAL"), (pa.types.is_floating, "DOUBLE"),
                       (pa.types.is_date, "DATE"), (pa.types.is_timestamp, "TIMESTAMP"), (pa.types.is_duration, "INTERVAL"),
                       (pa.types.is_string, "VARCHAR"), (pa.types.is_large_string, "VARCHAR"),
                       (pa.types.is_null, "NULL")):
        if test(t):
            return code, None, None
    return str(t).upper(), None, None


# ---------------------------------------------------------------------------- cursor

class Cursor:
    """Runs statements on its connection and hands out their rows.

    Beyond PEP 249: ``execute`` returns the cursor (so calls chain), and the remaining rows come
    out as a pyarrow Table (``arrow()``, alias ``fetch_arrow()``), a pandas DataFrame (``df()``,
    alias ``fetch_df()``), a Polars DataFrame (``pl()``), numpy arrays (``fetchnumpy()``), torch
    tensors (``torch()``) or an Arrow PyCapsule stream (``pa.table(cursor)``); see tqp.result.
    """

    def __init__(self, connection: Connection):
        self._connection = connection
        self._closed = False
        self.arraysize = 1
        self.lastrowid = None  # tqp has no row ids
        self._reset()

    def _reset(self) -> None:
        self._result = None  # the engine's Result of the current statement
        self._description = None
        self._rowcount = -1
        self._pos = 0  # next row of _table to hand out
        self._buffer: list[tuple] = []  # converted rows _table[_buf_start : _buf_start+len]
        self._buf_start = 0

    # -- state
    def _check_open(self) -> None:
        if self._closed:
            raise InterfaceError("cursor is closed")
        if self._connection._closed:
            raise InterfaceError("connection is closed")

    def _check_result(self) -> pa.Table:
        """The current result set as Arrow (converted from the engine's columns on first use)."""
        result = self._check_rows()
        table = _guarded(lambda: result.table, "converting the result to Arrow")
        # Rows now leave through Arrow: let the engine's columns go (on CUDA, device memory);
        # a later torch() of the remaining rows reads them back from Arrow.
        result.columns = None
        return table

    def _check_rows(self):
        self._check_open()
        if self._result is None or self._result.names is None:
            raise ProgrammingError("no result set: execute a statement that returns rows first")
        return self._result

    @property
    def connection(self) -> Connection:
        return self._connection

    @property
    def description(self):
        """One (name, type_code, None, None, precision, scale, null_ok) per result column."""
        return self._description

    @property
    def rowcount(self) -> int:
        """Rows in the result (SELECT) or inserted (INSERT); -1 when not applicable."""
        return self._rowcount

    def close(self) -> None:
        """Release the result. Later use of the cursor raises InterfaceError."""
        self._closed = True
        self._reset()

    def __enter__(self) -> "Cursor":
        self._check_open()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close()

    # -- statements
    def execute(self, sql: str, params: Sequence[Any] | None = None) -> "Cursor":
        """Run one statement, binding `params` to its ``?`` (or ``$1``) placeholders."""
        self._check_open()
        self._reset()
        if not isinstance(sql, str):
            raise ProgrammingError(f"SQL must be a str, got {type(sql).__name__}")
        params = _check_params(params)
        engine = self._connection._engine
        result = _guarded(run_in_scope, "executing the statement", lambda: engine.execute(sql, params), sql)
        self._result = result
        self._rowcount = result.rowcount
        self._description = _guarded(_description, "describing the result", result)
        return self

    def executemany(self, sql: str, seq_of_params: Iterable[Sequence[Any]]) -> "Cursor":
        """Run `sql` once per parameter sequence; rowcount is the total over all runs.

        Result sets of the individual runs are discarded (PEP 249 leaves them undefined).
        """
        self._check_open()
        total = 0
        for params in seq_of_params:
            self.execute(sql, params)
            total = -1 if total < 0 or self._rowcount < 0 else total + self._rowcount
        self._reset()
        self._rowcount = total
        return self

    def setinputsizes(self, sizes) -> None:
        """No-op: parameters are typed from their Python values."""
        self._check_open()

    def setoutputsize(self, size, column=None) -> None:
        """No-op: results are fully materialized as Arrow."""
        self._check_open()

    # -- rows
    def _take(self, n: int | None) -> list[tuple]:
        """The next `n` rows (all remaining when None), converting only what is needed."""
        table = self._check_result()
        end = table.num_rows if n is None else min(self._pos + max(n, 0), table.num_rows)
        out: list[tuple] = []
        while self._pos < end:
            if self._pos >= self._buf_start + len(self._buffer):  # buffer used up: convert more
                size = end - self._pos if n is None else _CHUNK_ROWS
                self._buf_start = self._pos
                self._buffer = _guarded(_rows, "converting result rows", table.slice(self._pos, size))
            lo = self._pos - self._buf_start
            hi = min(end - self._buf_start, len(self._buffer))
            if lo == 0 and hi == len(self._buffer) and not out:
                # The whole buffer goes out: hand the list over rather than copy it, and forget
                # it so that a caller mutating the list cannot affect later fetches.
                out, self._buffer = self._buffer, []
                self._pos = self._buf_start + hi
                self._buf_start = self._pos
                continue
            out.extend(self._buffer[lo:hi])
            self._pos = self._buf_start + hi
        if self._pos >= table.num_rows:
            self._buffer = []  # everything handed out: let the Python rows go
        return out

    def fetchone(self) -> tuple | None:
        rows = self._take(1)
        return rows[0] if rows else None

    def fetchmany(self, size: int | None = None) -> list[tuple]:
        return self._take(self.arraysize if size is None else size)

    def fetchall(self) -> list[tuple]:
        return self._take(None)

    def __iter__(self):
        return self

    def __next__(self) -> tuple:
        row = self.fetchone()
        if row is None:
            raise StopIteration
        return row

    def fetch_arrow(self) -> pa.Table:
        """The remaining rows as a pyarrow.Table (no Python conversion)."""
        table = self._check_result()
        rest = table if self._pos == 0 else table.slice(self._pos)
        self._pos = table.num_rows
        self._buffer = []
        return rest

    arrow = fetch_arrow

    def _convert(self, fn, library: str, method: str):
        from .result import require

        self._check_result()
        require(library, method)  # before the rows are consumed
        return _guarded(fn, f"converting the result to {library}", self.fetch_arrow())

    def fetch_df(self):
        """The remaining rows as a pandas DataFrame (needs pandas)."""
        from .result import to_pandas

        return self._convert(to_pandas, "pandas", "df")

    df = fetch_df

    def pl(self):
        """The remaining rows as a Polars DataFrame (needs polars)."""
        from .result import to_polars

        return self._convert(to_polars, "polars", "pl")

    def fetchnumpy(self) -> dict:
        """The remaining rows as a dict of numpy arrays (masked arrays where there are NULLs)."""
        from .result import to_numpy

        return _guarded(to_numpy, "converting the result to numpy", self.fetch_arrow())

    def torch(self) -> dict:
        """The remaining rows as a dict of tensors on the connection's device (see tqp.result)."""
        from .engine import Result
        from .result import to_torch

        result = self._check_rows()
        start, n = self._pos, result.rowcount
        if start and result.columns is not None:
            result = Result(None, n - start, result.types, result.names,
                            [c.take(slice(start, n)) for c in result.columns])
        elif start:
            result = Result(self._check_result().slice(start), n - start, result.types)
        out = _guarded(to_torch, "converting the result to tensors", result, self._connection)
        self._pos, self._buffer = n, []
        return out

    def __arrow_c_stream__(self, requested_schema=None):
        """The remaining rows as an Arrow C stream (pa.table(cursor), pl.DataFrame(cursor))."""
        return self.fetch_arrow().__arrow_c_stream__(requested_schema)


def _check_params(params) -> tuple | None:
    if params is None:
        return None
    if isinstance(params, Mapping):
        raise ProgrammingError("tqp uses qmark (?) or numbered ($1) parameters: pass a sequence, not a mapping")
    if isinstance(params, (str, bytes)):
        raise ProgrammingError("parameters must be a sequence of values, not a single string")
    try:
        return tuple(params)
    except TypeError:
        raise ProgrammingError(
            f"parameters must be a sequence of values, got {type(params).__name__}") from None
