"""Arrow in, Arrow out: the boundary between pyarrow tables and tqp columns.

>>> import pyarrow as pa, torch
>>> cols = from_arrow(pa.table({"s": ["b", "a", None]}), torch.device("cpu"))
>>> cols[0].data[:2].tolist(), list(cols[0].dictionary.values), cols[0].validity.tolist()
([0, 1], ['b', 'a'], [True, True, False])
>>> cols[0].with_sorted_dictionary().data[:2].tolist()
[1, 0]
>>> to_arrow(["s"], cols).column(0).to_pylist()
['b', 'a', None]

LIST and STRUCT columns become codes into a dictionary of their distinct values, found by
vectorised Arrow and numpy passes (never per row):

>>> col = column_from_arrow(pa.array([[2], [1, None], [2], None]), torch.device("cpu"))
>>> col.type, col.data.tolist(), list(col.dictionary.values)
(BIGINT[], [1, 0, 1, 0], [[1, None], [2]])
>>> column_to_arrow(col).to_pylist()
[[2], [1, None], [2], None]
"""
from __future__ import annotations

import warnings
from contextlib import contextmanager

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import torch

from .. import types as T
from ..column import Column, Dictionary, nested_values
from ..errors import DataError, NotSupportedError
from ..kernels import dates as D
from ..settings import current as current_settings
from . import buffers as B

_US_PER = {"s": 1_000_000, "ms": 1000, "us": 1, "ns": None}


def sql_type_of(t: pa.DataType) -> T.SqlType:
    """The SQL type a pyarrow type is held as."""
    if pa.types.is_dictionary(t):
        return sql_type_of(t.value_type)
    if pa.types.is_boolean(t):
        return T.BOOLEAN
    if pa.types.is_int8(t) or pa.types.is_int16(t) or pa.types.is_uint8(t):
        return T.SMALLINT
    if pa.types.is_int32(t) or pa.types.is_uint16(t):
        return T.INTEGER
    if pa.types.is_integer(t):
        return T.BIGINT
    if pa.types.is_float32(t):
        return T.REAL
    if pa.types.is_floating(t):
        return T.DOUBLE
    if pa.types.is_decimal(t):
        if t.precision > T.MAX_DECIMAL_DIGITS:
            raise NotSupportedError(f"column type {t} is not supported: DECIMAL holds at most 38 digits")
        return T.DECIMAL(t.precision, t.scale)
    if pa.types.is_date(t):
        return T.DATE
    if pa.types.is_timestamp(t):
        return T.TIMESTAMP if t.tz is None else T.TIMESTAMPTZ
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return T.VARCHAR
    if pa.types.is_null(t):
        return T.INTEGER
    if pa.types.is_map(t):
        return T.MAP(sql_type_of(t.key_type), sql_type_of(t.item_type))
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t) \
            or pa.types.is_list_view(t) or pa.types.is_large_list_view(t):
        return T.LIST(sql_type_of(t.value_type))
    if pa.types.is_struct(t):
        if t.num_fields == 0:
            raise NotSupportedError("a STRUCT without fields is not supported")
        if is_tuple_type(t):
            return T.TUPLE([sql_type_of(t.field(i).type) for i in range(t.num_fields)])
        return T.STRUCT([(t.field(i).name, sql_type_of(t.field(i).type)) for i in range(t.num_fields)])
    raise NotSupportedError(f"column type {t} is not supported")


TUPLE_MARK = {b"tqp": b"tuple"}


def is_tuple_type(t: pa.DataType) -> bool:
    """Whether an Arrow struct type is a TUPLE (an unnamed STRUCT) leaving tqp."""
    return pa.types.is_struct(t) and t.num_fields > 0 and t.field(0).metadata == TUPLE_MARK


def _decimal_data(chunks: list[pa.Array], t: pa.DataType) -> np.ndarray:
    """Scaled values of decimal128 chunks: int64 when every value fits, else the decimal128
    words as they are, viewed as complex128 (kernels/wide.py's layout)."""
    fits = True
    for chunk in chunks:
        if len(chunk):
            lo, hi = B.decimal_words(chunk)
            ok = hi == (lo >> 63)
            valid = B.validity(chunk)
            fits = fits and bool((ok if valid is None else ok | ~valid).all())
    if fits:
        return _concat([B.decimal_words(c)[0] for c in chunks], np.int64)
    if t.precision <= T.INT64_DECIMAL_DIGITS:
        raise DataError(f"decimal value out of range for {t}")
    return _concat([B.fixed(c, np.complex128) for c in chunks], np.complex128)


def _concat(parts: list[np.ndarray], dtype) -> np.ndarray:
    """One array of `dtype` from per-chunk arrays: shared when there is one part of that type,
    else one copy (never a combined Arrow copy first)."""
    if len(parts) == 1 and parts[0].dtype == dtype:
        return parts[0]
    out = empty(sum(len(p) for p in parts), dtype)
    return np.concatenate(parts, out=out, casting="unsafe") if parts else out


def empty(n: int, dtype) -> np.ndarray:
    """An uninitialised numpy array in memory from torch's allocator. numpy asks the kernel
    for transparent huge pages on large arrays; where the kernel defragments memory for them
    on demand, first touching a fresh array then costs several times the copy itself."""
    return torch.empty(n, dtype=_TORCH_DTYPE[np.dtype(dtype)]).numpy()


_TORCH_DTYPE = {np.dtype(k): v for k, v in [
    (np.bool_, torch.bool), (np.int8, torch.int8), (np.uint8, torch.uint8), (np.int16, torch.int16),
    (np.int32, torch.int32), (np.int64, torch.int64), (np.float16, torch.float16), (np.float32, torch.float32),
    (np.float64, torch.float64), (np.complex128, torch.complex128)]}


def _one_array(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    if not isinstance(arr, pa.ChunkedArray):
        return arr
    if arr.num_chunks == 1:
        return arr.chunk(0)
    if pa.types.is_string(arr.type) or pa.types.is_string_view(arr.type) or pa.types.is_large_string(arr.type):
        # each chunk to string, then one concatenation: a string_view concatenation copies
        # the views first and the cast copies the bytes again
        return concat_strings([c if pa.types.is_string(c.type) else c.cast(pa.string()) for c in arr.chunks])
    return arr.combine_chunks()


def concat_strings(chunks: list[pa.Array]) -> pa.Array:
    """One Arrow string array holding string `chunks`, which it empties as it copies them:
    the chunks and the whole are never all held at once."""
    spans = [_string_offsets(c) for c in chunks]
    total = sum(int(o[-1] - o[0]) for o in spans)
    if len(chunks) <= 1 or total >= 2**31:  # (beyond 32-bit offsets: as Arrow does it)
        return pa.concat_arrays(chunks) if chunks else pa.nulls(0, pa.string())
    n = sum(len(c) for c in chunks)
    offsets, data, valid = empty(n + 1, np.int32), empty(total, np.uint8), None
    offsets[0] = row = at = 0
    for i, o in enumerate(spans):
        chunk, chunks[i] = chunks[i], None
        m, size = len(chunk), int(o[-1] - o[0])
        if size:
            data[at:at + size] = np.frombuffer(chunk.buffers()[2], dtype=np.uint8, count=int(o[-1]))[o[0]:]
        np.add(o[1:], at - o[0], out=offsets[row + 1:row + m + 1])
        mask = B.validity(chunk)
        if mask is not None and valid is None:
            valid = empty(n, np.bool_)
            valid[:row] = True
        if valid is not None:
            valid[row:row + m] = True if mask is None else mask
        row, at = row + m, at + size
    bitmap = None if valid is None else pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(pa.string(), n, [bitmap, pa.py_buffer(offsets), pa.py_buffer(data)])


def _string_offsets(arr: pa.Array) -> np.ndarray:
    if arr.buffers()[1] is None:
        return np.zeros(1, dtype=np.int32)
    return np.frombuffer(arr.buffers()[1], dtype=np.int32, count=arr.offset + len(arr) + 1)[arr.offset:]


def column_from_arrow(arr: pa.Array | pa.ChunkedArray, device: torch.device, utf8_checked: bool = False) -> Column:
    """A tqp column holding `arr`'s values. Fixed-width values are read from the chunks'
    buffers into one array (no Arrow concatenation, no pandas import); strings and nested
    values become codes into a dictionary. `utf8_checked`: plain strings were found to be
    valid UTF-8 already (valid_utf8)."""
    t = arr.type
    st = sql_type_of(t)
    if pa.types.is_null(t):
        n = len(arr)
        return Column(st, torch.zeros(n, dtype=torch.int32, device=device),
                      torch.zeros(n, dtype=torch.bool, device=device))
    if st.is_string:
        return _string_column(_one_array(arr), device, utf8_checked)
    if st.is_nested:
        return nested_column(_one_array(arr), device)
    if pa.types.is_dictionary(t):
        arr, t = arr.cast(t.value_type), t.value_type
    return fixed_column(st, *fixed_values(t, arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]), device)


def is_fixed(t: pa.DataType) -> bool:
    """Whether fixed_values takes arrays of type t, giving the same storage dtype whatever the
    values (a DECIMAL of over 18 digits is held as one or two words depending on them)."""
    return (pa.types.is_boolean(t) or pa.types.is_integer(t) or pa.types.is_floating(t)
            or pa.types.is_date(t) or pa.types.is_timestamp(t)
            or pa.types.is_decimal(t) and t.precision <= T.INT64_DECIMAL_DIGITS)


def fixed_values(t: pa.DataType, chunks: list[pa.Array]) -> tuple[np.ndarray, np.ndarray | None]:
    """(values in tqp's storage dtype, validity or None) of fixed-width chunks of type t (not a
    dictionary), read from their buffers: shared with Arrow where no conversion is needed.
    NULL slots hold 0 (or false), whatever the file held there."""
    st = sql_type_of(t)
    if pa.types.is_decimal(t) and not pa.types.is_decimal128(t):  # decimal32/64/256 of at most 38 digits
        chunks = [c.cast(pa.decimal128(t.precision, t.scale)) for c in chunks]
    masks = [B.validity(c) for c in chunks]
    valid = None if all(m is None for m in masks) else \
        _concat([np.ones(len(c), np.bool_) if m is None else m for c, m in zip(chunks, masks)], np.bool_)
    if st.is_decimal:
        data = _decimal_data(chunks, t)
    elif pa.types.is_date64(t):
        data = (_concat([B.fixed(c, np.int64) for c in chunks], np.int64) // 86_400_000).astype(np.int32)
    elif pa.types.is_date32(t):
        data = _concat([B.fixed(c, np.int32) for c in chunks], np.int32)
    elif st.kind in ("TIMESTAMP", "TIMESTAMPTZ"):  # (Arrow's zoned values count from 1970 UTC too)
        raw = _concat([B.fixed(c, np.int64) for c in chunks], np.int64)
        per = _US_PER[t.unit]
        data = raw // 1000 if per is None else raw * per
    else:
        data = _concat([B.fixed(c, t.to_pandas_dtype()) for c in chunks], _NP_STORAGE[st.kind])
        if pa.types.is_uint64(t) and len(data) and (data if valid is None else data[valid]).min() < 0:
            raise DataError("UBIGINT value out of range for BIGINT")
    if valid is not None:
        if not data.flags.writeable:  # Arrow's own buffer
            data = _concat([data, data[:0]], data.dtype)
        np.copyto(data, np.zeros((), data.dtype), where=~valid)
    if st.is_temporal:
        _check_date_range(data, valid, st.kind != "DATE")
    return data, valid


def fixed_column(st: T.SqlType, data: np.ndarray, valid: np.ndarray | None, device: torch.device) -> Column:
    col = Column(st, torch.from_numpy(np.ascontiguousarray(data)).to(device))
    return col if valid is None else col.with_validity(torch.from_numpy(valid).to(device))


def _check_date_range(data: np.ndarray, valid, is_timestamp: bool) -> None:
    """tqp's dates are those of years 1 to 9999 (Python's datetime; results are checked too)."""
    per = D.US_PER_DAY if is_timestamp else 1
    values = data if valid is None else data[valid]
    if len(values) and (values.min() < D.MIN_DAY * per or values.max() >= (D.MAX_DAY + 1) * per):
        raise DataError(f"{'timestamp' if is_timestamp else 'date'} out of range: tqp holds years 1 to 9999")


_NP_STORAGE = {"BOOLEAN": np.bool_, "SMALLINT": np.int16, "INTEGER": np.int32, "BIGINT": np.int64,
               "REAL": np.float32, "DOUBLE": np.float64}


def valid_utf8(arr: pa.Array) -> pa.Array:
    """Arrow trusts whoever built a string array; tqp's string kernels need real UTF-8."""
    try:
        arr.validate(full=True)
    except pa.ArrowInvalid as err:
        raise DataError(f"invalid UTF-8 in a string column ({err})") from None
    return arr


def _string_column(arr: pa.Array, device: torch.device, utf8_checked: bool = False) -> Column:
    """Codes into a dictionary (see tqp/column.py). A mostly-distinct column without NULLs (a
    comment) is its own dictionary, row i being entry i: finding its distinct strings by hash
    would cost as much as the rest of the load, and LIKE or output never need them. Any other
    gets a unique dictionary in Arrow's first-seen order. Sorting waits for a query to ask."""
    unique = not pa.types.is_dictionary(arr.type)
    if unique:
        if not pa.types.is_string(arr.type):
            arr = arr.cast(pa.string())
        arr = arr if utf8_checked else valid_utf8(arr)
        if arr.null_count == 0 and _mostly_distinct(arr):
            codes = torch.arange(len(arr), dtype=torch.int32, device=device)
            return Column(T.VARCHAR, codes, None, _first_seen(pa.concat_arrays([arr]) if arr.offset else arr, False))
        arr = pc.dictionary_encode(arr)
    values = arr.dictionary
    if not pa.types.is_string(values.type):
        values = values.cast(pa.string())
    if values.null_count:  # a NULL entry: rows pointing at it are NULL rows
        return _string_column(arr.cast(pa.string()), device)
    indices = arr.indices
    if not unique and len(values) > 1 and pc.count_distinct(values).as_py() < len(values):
        # Arrow allows repeated entries; a unique dictionary must not have them.
        again = pc.dictionary_encode(values)
        indices, values = pc.take(again.indices, indices), again.dictionary
    values = valid_utf8(values)
    valid = B.validity(indices)
    codes = B.fixed(indices, indices.type.to_pandas_dtype()).astype(np.int32, copy=False)
    if valid is not None:
        codes = np.where(valid, codes, 0).astype(np.int32, copy=False)
    col = Column(T.VARCHAR, torch.from_numpy(codes).to(device), None, _first_seen(values, True))
    if valid is not None:
        col = col.with_validity(torch.from_numpy(valid).to(device))
    return col


def _first_seen(values: pa.Array, unique: bool) -> Dictionary:
    """A Dictionary over Arrow strings (no NULLs) in their order: marked sorted (and unique)
    when they strictly ascend, found by one pass of comparisons."""
    def ascending(part):
        return pc.all(pc.less(part.slice(0, len(part) - 1), part.slice(1))).as_py() is not False
    in_order = len(values) <= 1 or ascending(values[:64]) and ascending(values)
    return Dictionary(None, values, is_sorted=in_order, is_unique=unique or in_order)


def _mostly_distinct(arr: pa.Array, sample: int = 20_000) -> bool:
    """Whether more than half of a leading sample of the strings are distinct."""
    n = min(len(arr), sample)
    return n >= 1000 and pc.count_distinct(arr.slice(0, n)).as_py() > n // 2


def nested_column(arr: pa.Array, device: torch.device) -> Column:
    """A LIST / STRUCT Arrow array as codes into a sorted dictionary of its distinct values.
    Equal values are found by vectorised ids (_value_ids); only the distinct values become
    Python objects, to be sorted in DuckDB's order."""
    st = sql_type_of(arr.type)
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    if pa.types.is_map(arr.type):  # held as the LIST of STRUCT(key, value) it is
        arr = pa.ListArray.from_arrays(arr.offsets, arr.values, mask=arr.is_null() if arr.null_count else None)
    ids = _value_ids(arr)
    uniq, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    distinct = arr.take(pa.array(first)).cast(arrow_type_of(st), safe=False)
    present = np.flatnonzero(distinct.is_valid().to_numpy(zero_copy_only=False))
    distinct = distinct.take(pa.array(present))
    values = nested_values(distinct.to_pylist())
    order = np.argsort(values, kind="stable")
    code = np.zeros(len(uniq), dtype=np.int32)
    code[present[order]] = np.arange(len(order), dtype=np.int32)
    valid = B.validity(arr)
    col = Column(st, torch.from_numpy(code[inverse.reshape(-1)]).to(device), None,
                 Dictionary(values[order], distinct.take(pa.array(order))))
    return col if valid is None else col.with_validity(torch.from_numpy(valid).to(device))


def _value_ids(arr: pa.Array) -> np.ndarray:
    """int64 ids with equal ids for equal values (NULL being one more value) of any Arrow
    array: a list's ids are those of its element ids' byte strings, a struct's those of its
    field ids' rows."""
    n = len(arr)
    t = arr.type
    if pa.types.is_dictionary(t):
        arr, t = arr.cast(t.value_type), t.value_type
    if sql_type_of(t).kind == "LIST":
        arr = arr.cast(pa.list_(t.value_type))
        offsets = arr.offsets.to_numpy().astype(np.int64)
        child = _value_ids(arr.values)
        keys = pa.Array.from_buffers(pa.large_binary(), n, [None, pa.py_buffer(offsets * 8),
                                                             pa.py_buffer(child.tobytes())])
        ids = pc.dictionary_encode(keys).indices.to_numpy().astype(np.int64)
    elif pa.types.is_struct(t):
        parts = np.stack([_value_ids(f) for f in arr.flatten()], axis=1)
        ids = np.unique(parts, axis=0, return_inverse=True)[1].reshape(-1).astype(np.int64)
    else:
        col = shared_column(arr, torch.device("cpu")).with_unique_dictionary()
        ids = np.unique(col.data.numpy(), return_inverse=True)[1].reshape(-1).astype(np.int64)
    valid = B.validity(arr)
    if valid is not None:
        ids = np.where(valid, ids, n)  # NULL: an id no value has
    return ids


def shared_column(arr: pa.Array, device: torch.device) -> Column:
    """column_from_arrow, sharing Arrow's read-only buffers (tqp never writes into a column)."""
    with sharing_buffers():
        return column_from_arrow(arr, device)


def from_arrow(table: pa.Table, device: torch.device) -> list[Column]:
    out = []
    with sharing_buffers():
        for i, name in enumerate(table.column_names):
            with named_errors(name):
                out.append(column_from_arrow(table.column(i), device))
    return out


@contextmanager
def named_errors(name: str):
    """Errors converting column `name` say which column."""
    try:
        yield
    except (NotSupportedError, DataError) as err:
        raise type(err)(f'column "{name}": {err}') from None


@contextmanager
def sharing_buffers():
    """Arrow buffers are read-only; tqp never writes into a stored column, so torch's warning
    about tensors sharing them is noise."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        yield


# ---------------------------------------------------------------- out


def arrow_type_of(t: T.SqlType, zone: str | None = None) -> pa.DataType:
    """The Arrow type a column of type t leaves as; an instant (TIMESTAMPTZ) is shown in `zone`,
    by default the session's. Inside tqp a MAP is its LIST of STRUCT(key, value); results turn
    it into an Arrow map."""
    if t.kind == "TIMESTAMPTZ":
        return pa.timestamp("us", tz=zone or current_settings().timezone)
    if t.kind in ("LIST", "MAP"):
        return pa.list_(arrow_type_of(t.element))
    if t.is_tuple:  # named as DuckDB's Arrow names them, marked for the Python rows (tuples)
        return pa.struct([pa.field(n, arrow_type_of(ft), metadata=TUPLE_MARK) for n, ft in t.fields])
    if t.kind == "STRUCT":
        return pa.struct([(n, arrow_type_of(ft)) for n, ft in t.fields])
    return {
        "BOOLEAN": pa.bool_(), "SMALLINT": pa.int16(), "INTEGER": pa.int32(), "BIGINT": pa.int64(),
        "REAL": pa.float32(), "DOUBLE": pa.float64(), "DATE": pa.date32(),
        "TIMESTAMP": pa.timestamp("us"), "INTERVAL": pa.duration("us"), "VARCHAR": pa.string(), "NULL": pa.int32(),
    }.get(t.kind) or pa.decimal128(max(t.precision, t.scale, 1), t.scale)


def column_to_arrow(col: Column, zone: str | None = None) -> pa.Array:
    """A column as Arrow, built from its buffers (pa.array would import pandas)."""
    data = col.data.cpu().numpy()
    valid = None if col.validity is None else col.validity.cpu().numpy()
    t = col.type
    if t.kind == "NULL":
        return pa.nulls(len(data), pa.int32())
    if t.uses_dictionary:
        values = dictionary_arrow(col.dictionary, t)
        if len(values) == 0:
            return pa.nulls(len(data), values.type)
        return pc.take(values, B.from_numpy(data, pa.int32(), valid))
    if t.is_decimal:
        if data.dtype == np.complex128:  # wide: already decimal128's words
            words = data
        else:
            words = np.empty(2 * len(data), dtype=np.int64)
            words[0::2] = data
            words[1::2] = data >> 63
        return B.from_numpy(words.view(np.complex128), arrow_type_of(t), valid)
    if t.kind == "DATE":
        return B.from_numpy(data, pa.int32(), valid).cast(pa.date32())
    if t.kind in ("TIMESTAMP", "TIMESTAMPTZ"):
        return B.from_numpy(data, pa.int64(), valid).cast(arrow_type_of(t, zone))
    if t.kind == "INTERVAL":
        return B.from_numpy(data, pa.int64(), valid).cast(pa.duration("us"))
    return B.from_numpy(data, arrow_type_of(t), valid)


def dictionary_arrow(d, t: T.SqlType = T.VARCHAR) -> pa.Array:
    """A dictionary's values as Arrow of type t's, made once per dictionary (a result that names
    a comment column would otherwise convert all its distinct values on every query)."""
    want = arrow_type_of(t)
    if d is None:
        return pa.nulls(0, want)
    out = d.derived.get("arrow_out")
    if out is None:
        if d.arrow is not None:
            out = d.arrow if d.arrow.type.equals(want, check_metadata=True) else d.arrow.cast(want)  # (TUPLE marks)
        elif t.is_nested:
            out = pa.array([v.value for v in d.values], want)
        elif pa.types.is_string(want):
            out = B.strings(d.values)
        else:
            out = pa.array(d.values.tolist(), want)
        d.derived["arrow_out"] = out
    return out


def to_arrow(names: list[str], columns: list[Column], zone: str | None = None) -> pa.Table:
    arrays = [map_array(column_to_arrow(c, zone)) if c.type.kind == "MAP" else column_to_arrow(c, zone) for c in columns]
    # Duplicate output names are legal SQL; Arrow tables allow them too.
    return pa.Table.from_arrays(arrays, names=list(names)) if arrays else pa.table({})


def map_array(arr: pa.Array) -> pa.Array:
    """A MAP column's LIST of STRUCT(key, value) as an Arrow map."""
    arr = arr.cast(pa.list_(arr.type.value_type)) if pa.types.is_large_list(arr.type) else arr
    entries = arr.values
    return pa.MapArray.from_arrays(arr.offsets, entries.field(0), entries.field(1),
                                   mask=arr.is_null() if arr.null_count else None)
