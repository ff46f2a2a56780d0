"""Reading the caller's Python variables as tables: DuckDB's replacement scan, off by default.

With ``SET python_enable_replacements = true`` (or ``tqp.connect(python_enable_replacements=True)``)
a table name that names no table, view or CTE is looked up among the variables of the Python
code that called tqp: its locals, then its globals, and with ``python_scan_all_frames`` the
frames further up the call stack. A variable is read when it holds data ``register()`` takes as
a whole table: a pandas or Polars DataFrame (or LazyFrame), a pyarrow Table, RecordBatch,
RecordBatchReader or Dataset, a numpy structured or 2-D array, a 2-D tensor, a dict of numpy
arrays / tensors / Arrow arrays, or anything with an Arrow C stream (a tqp or DuckDB result).
Any other variable is ignored. A registered table of the same name always wins.

Off (tqp's default, since a query should not see a program's variables unless it asks to), a
name that only such a variable holds fails with a ProgrammingError that says how to turn it on.
With ``enable_external_access = false`` the variables are never read, as in DuckDB.

The variable is read again at every execution (a DataFrame changed in place is seen), once per
statement: ``python_scope()``, opened around each statement by tqp.dbapi, remembers what it read.
A cached program planned for other columns raises `SourceChanged`, and the statement is run again.

>>> import tqp
>>> con = tqp.connect(device="cpu", python_enable_replacements=True)
>>> frame = {"x": __import__("numpy").arange(4)}
>>> con.sql("SELECT sum(x) AS s FROM frame").fetchall()
[(6,)]
"""
from __future__ import annotations

import contextvars
import os
import sys
from contextlib import contextmanager
from typing import Any

from .. import settings
from ..errors import OperationalError, ProgrammingError

PYTHON_PREFIX = "#python:"  # catalog keys of Python variables; no unquoted name can spell them

_READ: contextvars.ContextVar[dict | None] = contextvars.ContextVar("tqp_python_scan", default=None)


class SourceChanged(OperationalError):
    """A cached program meets a variable whose columns are not those it was planned for."""


@contextmanager
def python_scope():
    """One statement's reads of Python variables: each variable is converted once, and a
    statement whose cached program met changed columns is run again (once), planned afresh."""
    token = _READ.set({})
    try:
        yield
    finally:
        _READ.reset(token)


def run_in_scope(run, sql: str):
    """`run()` (executing `sql`) inside a python_scope, again once when it raised SourceChanged
    and `sql` is one statement: that failed statement changed nothing, and the catalog's new
    version makes it plan again. (In a script, the statements before it have run.)"""
    with python_scope():
        try:
            return run()
        except SourceChanged:
            if not _one_statement(sql):
                raise
    with python_scope():
        return run()


def _one_statement(sql: str) -> bool:
    from ..errors import Error
    from ..sql.parse import parse
    try:
        return len(parse(sql)) == 1
    except Error:
        return False


def _is_frame(obj: Any) -> bool:
    """Whether `obj` is data that register() reads as one table (not a scalar, list, module...)."""
    np, torch = sys.modules.get("numpy"), sys.modules.get("torch")
    if np is not None and isinstance(obj, np.ndarray):
        return obj.dtype.names is not None and obj.ndim == 1 or obj.dtype.names is None and obj.ndim == 2
    if torch is not None and isinstance(obj, torch.Tensor):
        return obj.dim() == 2
    if isinstance(obj, dict):
        import pyarrow as pa
        arrays = tuple(t for t in (getattr(np, "ndarray", None), getattr(torch, "Tensor", None), pa.Array,
                                   pa.ChunkedArray) if t is not None)
        return bool(obj) and all(isinstance(k, str) for k in obj) and all(isinstance(v, arrays) for v in obj.values())
    if isinstance(obj, type):
        return False
    kinds = {"pandas": ("DataFrame",), "polars": ("DataFrame", "LazyFrame"),
             "pyarrow": ("Table", "RecordBatch", "RecordBatchReader"), "pyarrow.dataset": ("Dataset", "Scanner")}
    for module, names in kinds.items():
        m = sys.modules.get(module)
        if m is not None and isinstance(obj, tuple(getattr(m, n) for n in names)):
            return True
        if m is not None and isinstance(obj, getattr(m, "Series", ())):  # one column streams, but is no table
            return False
    return hasattr(obj, "__arrow_c_stream__")


def _caller_frames():
    """The frames of the code that called tqp, innermost first: past tqp's own frames."""
    frame = sys._getframe(1)
    while frame is not None and _in_tqp(frame):
        frame = frame.f_back
    while frame is not None:
        yield frame
        frame = frame.f_back


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _in_tqp(frame) -> bool:
    return frame.f_code.co_filename.startswith(_PACKAGE)


def find_variable(name: str, all_frames: bool) -> Any:
    """The data a variable called `name` holds in the caller's locals, then globals (and the
    frames above with `all_frames`); None when there is none."""
    for frame in _caller_frames():
        for scope in (frame.f_locals, frame.f_globals):
            value = scope.get(name)
            if value is not None and _is_frame(value):
                return value
        if not all_frames:
            return None
    return None


def _describe(obj: Any) -> str:
    t = type(obj)
    return f"{t.__module__.split('.')[0]}.{t.__qualname__}" if t.__module__ != "builtins" else t.__qualname__


def python_source(catalog, name: str) -> str | None:
    """The catalog key of the Python variable `name` when the settings let SQL read it (its
    rows are read now, for binding); None when no variable of that name holds data. With the
    scan off, a variable that would be read is a ProgrammingError saying how to turn it on."""
    s = settings.current()
    if not s.enable_external_access:
        return None
    value = find_variable(name, s.python_scan_all_frames)
    if value is None:
        return None
    if not s.python_enable_replacements:
        raise ProgrammingError(
            f'table "{name}" does not exist; the Python variable "{name}" holds a {_describe(value)}, '
            f"which SQL reads only after SET python_enable_replacements = true (or "
            f'tqp.connect(python_enable_replacements=True)); or con.register("{name}", {name})')
    key = PYTHON_PREFIX + name
    catalog.python_sources.get(key, planning=True)
    return key


def read_columns(obj: Any, device, columns=None, threads: int | None = None) -> tuple[list[str], list, int]:
    """(names, columns on `device`, rows) of anything register() takes (files: with up to
    `threads` threads)."""
    from .arrow import from_arrow
    from .sources import file_columns, to_arrow
    from .tensors import tensor_columns, to_columns

    found = tensor_columns(obj, columns)
    if found is not None:
        names, cols = found[0], to_columns(found[1], device)
    elif (read := file_columns(obj, columns, device, threads)) is not None:
        return read
    else:
        import pyarrow as pa
        table = to_arrow(obj, columns)
        try:
            names, cols = list(table.column_names), from_arrow(table, device)
        except (ValueError, TypeError, pa.ArrowException) as err:
            raise ProgrammingError(f"cannot read the {_describe(obj)}: {err}") from None
    return names, cols, len(cols[0]) if cols else 0


class PythonSources:
    """The Python variables a catalog's statements read, by key; the columns each was planned
    with, so that a cached program never reads a variable whose columns changed."""

    def __init__(self, catalog):
        self.catalog = catalog
        self.schemas: dict = {}  # key -> (names, types) the latest plan was made for

    def get(self, key: str, planning: bool = False):
        import torch

        from ..catalog import StoredTable

        read = _READ.get()
        if read is not None and key in read:
            return read[key]
        name = key[len(PYTHON_PREFIX):]
        value = find_variable(name, settings.current().python_scan_all_frames)
        if value is None:
            raise ProgrammingError(f'table "{name}" does not exist: the Python variable "{name}" '
                                   "the statement was planned with is gone")
        names, cols, rows = read_columns(value, self.catalog.device or torch.device("cpu"))
        seen = set()
        for n in names:
            if n.lower() in seen:
                raise ProgrammingError(f'the Python variable "{name}" has two columns named "{n}"')
            seen.add(n.lower())
        stored = StoredTable(names, [c.type for c in cols], cols, rows).collect_stats()
        schema = (tuple(names), tuple(stored.types))
        old = self.schemas.setdefault(key, schema)
        if old != schema:
            self.schemas[key] = schema
            self.catalog.bump()  # programs planned for the old columns must not serve
            if not planning:
                raise SourceChanged(f'the columns of the Python variable "{name}" changed since the '
                                    "statement was planned; run it again")
        if read is not None:
            read[key] = stored
        return stored
