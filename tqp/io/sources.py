"""Turn what a user hands to ``Connection.register`` into one ``pyarrow.Table``.

Accepted: a pyarrow Table, RecordBatch, RecordBatchReader or Dataset; any object speaking the
Arrow PyCapsule stream protocol (DuckDB relations, ...); a pandas DataFrame; a Polars DataFrame
or LazyFrame; a dict of column name -> numpy array / list / torch tensor / pyarrow array; a numpy
structured array; a 2-D numpy array or torch tensor (columns named by `columns`, else column0,
column1, ...); a path (str or pathlib) to a .parquet or .csv file, a directory of them, or a glob
pattern. (Connection.register moves tensors to its device without Arrow: tqp.io.tensors.)

>>> to_arrow({"a": [1, 2], "b": ["x", "y"]}).num_rows
2

Arrow data is passed through untouched (dictionary-encoded columns included: the engine decides
how to hold them), so large tables and numeric numpy/tensor columns are not copied here.
"""
from __future__ import annotations

import glob
import os
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..errors import DataError, NotSupportedError, OperationalError, ProgrammingError
from .tensors import _is_tensor, check_names, tensor_columns

__all__ = ["to_arrow"]

_PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
# pyarrow's CSV reader decompresses by extension, so compressed CSVs come for free.
_CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.zst", ".csv.lz4")


def to_arrow(obj: Any, columns: list[str] | None = None) -> pa.Table:
    """A pyarrow.Table holding the data of `obj`; raises a tqp error naming what went wrong.
    `columns` names the columns of a 2-D array or tensor."""
    np = sys.modules.get("numpy")
    if np is not None and isinstance(obj, np.ndarray):
        return _from_numpy(obj, columns)
    if _is_tensor(obj):
        names, tensors = tensor_columns(obj, columns)
        return _from_arrays(names, [_column(n, t) for n, t in zip(names, tensors)])
    if columns is not None:
        raise ProgrammingError("columns= names the columns of a 2-D array or tensor, "
                               f"not of a {_type_name(obj)}")
    if isinstance(obj, pa.Table):
        return obj
    if isinstance(obj, pa.RecordBatch):
        return pa.Table.from_batches([obj])
    if isinstance(obj, pa.RecordBatchReader):
        return _arrow_call(obj.read_all, "reading the RecordBatchReader")
    if isinstance(obj, (str, os.PathLike)):
        return _from_path(obj)
    if isinstance(obj, dict):
        return _from_dict(obj)
    dataset = sys.modules.get("pyarrow.dataset")
    if dataset is not None and isinstance(obj, (dataset.Dataset, dataset.Scanner)):
        return _arrow_call(obj.to_table, f"reading the {_type_name(obj)}")
    pl = sys.modules.get("polars")
    if pl is not None and isinstance(obj, (pl.DataFrame, pl.LazyFrame)):
        frame = obj.collect() if isinstance(obj, pl.LazyFrame) else obj
        return _arrow_call(frame.to_arrow, f"converting the {_type_name(obj)}")
    if _is_pandas_dataframe(obj):
        # The index is dropped as DuckDB does: SQL tables have no row labels.
        return _arrow_call(lambda: pa.Table.from_pandas(obj, preserve_index=False),
                           "converting the pandas DataFrame")
    if hasattr(obj, "__arrow_c_stream__"):
        return _arrow_call(lambda: pa.RecordBatchReader.from_stream(obj).read_all(),
                           f"reading the Arrow stream of a {_type_name(obj)}")
    # ProgrammingError, not NotSupportedError: passing an int or None here is a caller's mistake.
    raise ProgrammingError(
        f"cannot register an object of type {_type_name(obj)}; expected a pyarrow Table, "
        "RecordBatch, RecordBatchReader or Dataset, a pandas or Polars DataFrame, a dict of "
        "columns, a numpy array or torch tensor, or a path to a .parquet/.csv file or directory")


def _type_name(obj: Any) -> str:
    t = type(obj)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _is_pandas_dataframe(obj: Any) -> bool:
    # If pandas was never imported, obj cannot be a DataFrame: do not pay for importing it.
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(obj, pd.DataFrame)


def _arrow_call(fn, what: str):
    """Run a pyarrow conversion, turning its exceptions into tqp errors that say `what`."""
    try:
        return fn()
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError,
            ValueError, OverflowError) as exc:
        raise DataError(f"{what}: {exc}") from exc
    except MemoryError as exc:
        raise OperationalError(f"out of memory {what}") from exc
    except OSError as exc:
        raise OperationalError(f"{what}: {exc}") from exc


# ---------------------------------------------------------------------------- dict of columns

def _from_dict(columns: dict) -> pa.Table:
    names, arrays = [], []
    for name, values in columns.items():
        if not isinstance(name, str):
            raise ProgrammingError(f"column names must be str, got {_type_name(name)} {name!r}")
        names.append(name)
        arrays.append(_column(name, values))
    return _from_arrays(names, arrays)


def _from_arrays(names: list[str], arrays: list) -> pa.Table:
    lengths = {len(a) for a in arrays}
    if len(lengths) > 1:
        detail = ", ".join(f"{n}={len(a)}" for n, a in zip(names, arrays))
        raise ProgrammingError(f"columns have different lengths: {detail}")
    return pa.Table.from_arrays(arrays, names=names)


def _from_numpy(arr, columns: list[str] | None) -> pa.Table:
    if arr.dtype.names is not None:  # a structured array: its fields are the columns
        if arr.ndim != 1 or columns is not None:
            raise ProgrammingError("a structured array must be 1-D, and its fields name its columns")
        names = list(arr.dtype.names)
        return _from_arrays(names, [_column(n, arr[n]) for n in names])
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ProgrammingError(f"an array to register must be 1-D or 2-D [rows, columns], got shape {arr.shape}")
    names = check_names(columns, arr.shape[1])
    return _from_arrays(names, [_column(n, arr[:, j]) for j, n in enumerate(names)])


def _column(name: str, values: Any) -> pa.Array | pa.ChunkedArray:
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values
    if _is_tensor(values):
        values = _tensor_to_numpy(name, values)
    np = sys.modules.get("numpy")
    if np is not None and isinstance(values, np.ndarray) and values.ndim != 1:
        raise ProgrammingError(f"column {name!r}: expected a 1-D array, got shape {values.shape}")
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise ProgrammingError(
            f"column {name!r}: expected a sequence of values, got {_type_name(values)}")
    # pa.array wraps numeric numpy arrays without copying.
    return _arrow_call(lambda: pa.array(values), f"converting column {name!r}")


def _tensor_to_numpy(name: str, t):
    import torch

    if t.dim() != 1:
        raise ProgrammingError(f"column {name!r}: expected a 1-D tensor, got shape {tuple(t.shape)}")
    t = t.detach()
    if t.device.type != "cpu":
        t = t.cpu()
    if t.dtype in (torch.bfloat16,):  # numpy has no bfloat16; float32 holds every value exactly
        t = t.float()
    try:
        return t.numpy()  # shares memory with the tensor: no copy for CPU tensors
    except TypeError as exc:  # complex, quantized, ... dtypes numpy or Arrow cannot take
        raise NotSupportedError(f"column {name!r}: tensors of dtype {t.dtype} are not supported") from exc


# ---------------------------------------------------------------------------- files

def _format_of(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(_PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(_CSV_SUFFIXES):
        return "csv"
    return None


def file_columns(obj: Any, columns: list[str] | None, device, threads: int | None = None) -> tuple | None:
    """(names, tqp columns, row count) of the files a path names (to_arrow's files, converted
    on the way in without one whole Arrow table), or None when `obj` is not a path."""
    if columns is not None or not isinstance(obj, (str, os.PathLike)):
        return None
    from .files import read_columns

    files, fmt, what = _files_of(obj)
    return read_columns(_spec(fmt, what), device, [str(f) for f in files], trusted=True, threads=threads)


def _from_path(source: str | os.PathLike) -> pa.Table:
    from .files import read

    files, fmt, what = _files_of(source)
    return read(_spec(fmt, what), [str(f) for f in files], trusted=True)


def _files_of(source: str | os.PathLike) -> tuple[list[Path], str, str]:
    """(files, format, how the user named them) for a path, a directory or a glob."""
    path = Path(os.fsdecode(os.fspath(source))).expanduser()
    if path.is_dir():
        return _from_directory(path)
    if path.is_file():
        fmt = _format_of(path)
        if fmt is None:
            raise NotSupportedError(
                f"cannot read {str(path)!r}: only .parquet and .csv files are supported")
        return [path], fmt, str(path)
    pattern = str(path)
    if glob.has_magic(pattern):
        matches = sorted(Path(p) for p in glob.glob(pattern, recursive=True) if Path(p).is_file())
        if not matches:
            raise ProgrammingError(f"no files match {pattern!r}")
        return matches, _single_format(matches, pattern), pattern
    raise ProgrammingError(f"no such file or directory: {str(path)!r}")


def _from_directory(directory: Path) -> tuple[list[Path], str, str]:
    files = []
    for root, dirs, names in os.walk(directory):
        # Hidden and underscore entries are writer bookkeeping (_SUCCESS, .crc): skip them,
        # as pyarrow.dataset's own discovery does.
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        for n in sorted(names):
            if not n.startswith((".", "_")) and _format_of(Path(n)) is not None:
                files.append(Path(root) / n)
    if not files:
        raise ProgrammingError(f"directory {str(directory)!r} holds no .parquet or .csv files")
    return files, _single_format(files, str(directory)), str(directory)


def _single_format(files: list[Path], what: str) -> str:
    formats = {_format_of(f) for f in files}
    if None in formats:
        bad = next(f for f in files if _format_of(f) is None)
        raise NotSupportedError(f"cannot read {str(bad)!r}: only .parquet and .csv files are supported")
    if len(formats) > 1:
        raise ProgrammingError(f"{what!r} mixes .parquet and .csv files; register them separately")
    return formats.pop()


def _spec(fmt: str, what: str):
    from .files import FileSpec

    # The reader SQL's read_parquet / read_csv use: same types and hive keys. A quoted "" stays
    # the empty string, so that pyarrow.csv.write_csv's NULL and "" come back apart.
    return FileSpec(fmt, (what,), (("allow_quoted_nulls", False),) if fmt == "csv" else ())
