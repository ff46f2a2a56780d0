"""numpy views of Arrow buffers, and Arrow arrays made from numpy buffers.

pyarrow's own conversions (``pa.array``, ``Array.to_numpy``, ``fill_null``, ``pa.scalar``)
import pandas on first use, which costs more than a small query. These read and write the
buffers directly, needing only numpy and pyarrow (so any module can import them).

>>> import numpy as np, pyarrow as pa
>>> arr = from_numpy(np.array([3, 4, 5]), pa.int64(), np.array([True, False, True]))
>>> arr.to_pylist(), values(arr).tolist()[::2], validity(arr).tolist()
([3, None, 5], [3, 5], [True, False, True])
>>> filled(arr, -1).tolist(), strings(["b", "é"]).to_pylist()
([3, -1, 5], ['b', 'é'])
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa


def validity(arr: pa.Array) -> np.ndarray | None:
    """The validity bitmap of one Arrow array as bools, None without NULLs."""
    if arr.null_count == 0:
        return None
    if arr.buffers()[0] is None:  # a null-typed array: all NULL
        return np.zeros(len(arr), dtype=np.bool_)
    return bits(arr.buffers()[0], arr.offset, len(arr))


def bits(buf: pa.Buffer, offset: int, n: int) -> np.ndarray:
    """n bools from an Arrow bitmap, starting `offset` bits in."""
    return np.unpackbits(np.frombuffer(buf, dtype=np.uint8), count=offset + n, bitorder="little")[offset:].view(np.bool_)


def fixed(arr: pa.Array, dtype) -> np.ndarray:
    """The values buffer of a fixed-width Arrow array as `dtype`, shared rather than copied
    (booleans unpacked from their bits); NULL slots hold whatever the writer left there."""
    if not len(arr):
        return np.zeros(0, dtype=dtype)
    if dtype == np.bool_:
        return bits(arr.buffers()[1], arr.offset, len(arr))
    return np.frombuffer(arr.buffers()[1], dtype=dtype, count=arr.offset + len(arr))[arr.offset:]


def decimal_words(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A decimal128 array's (low, high) int64 words, both shared with Arrow."""
    words = fixed(arr, np.complex128).view(np.int64)
    return words[0::2], words[1::2]


def values(arr: pa.Array) -> np.ndarray | None:
    """The values of a fixed-width Arrow array as numpy (NULL slots hold whatever they held):
    integers, floats and booleans; dates and timestamps as datetime64; a DECIMAL's scaled
    integers when every one fits in int64. None for any other array."""
    t = arr.type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t):
        return fixed(arr, t.to_pandas_dtype())
    if pa.types.is_date32(t):
        return fixed(arr, np.int32).astype("datetime64[D]")
    if pa.types.is_timestamp(t):
        return fixed(arr, np.int64).view(f"datetime64[{t.unit}]")
    if pa.types.is_decimal128(t):
        lo, hi = decimal_words(arr)
        return lo if bool((hi == (lo >> 63)).all()) else None
    return None


def filled(arr: pa.Array, fill) -> np.ndarray:
    """values(arr), with `fill` in the NULL slots (a copy only when there are NULLs)."""
    out = values(arr)
    valid = validity(arr)
    return out if valid is None else np.where(valid, out, fill)


def from_numpy(data: np.ndarray, t: pa.DataType, valid: np.ndarray | None = None) -> pa.Array:
    """pa.array(data, t, mask=~valid), sharing data's buffer where no cast is needed. Values
    that do not fit t fail as pa.array's would (a safe cast)."""
    n = len(data)
    bitmap = None if valid is None else pa.py_buffer(np.packbits(valid, bitorder="little"))
    own = t if data.dtype == np.complex128 else pa.from_numpy_dtype(data.dtype)  # (complex: decimal words)
    buf = np.packbits(data, bitorder="little") if data.dtype == np.bool_ else np.ascontiguousarray(data)
    arr = pa.Array.from_buffers(own, n, [bitmap, pa.py_buffer(buf)], null_count=-1 if valid is not None else 0)
    return arr if arr.type == t else arr.cast(t)


def strings(items) -> pa.Array:
    """Python strings (no None) as an Arrow string array (large_string beyond 2 GiB): one
    encode per string, then buffers."""
    encoded = [v.encode() for v in items]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    big = offsets[-1] >= 2**31
    return pa.Array.from_buffers(pa.large_string() if big else pa.string(), len(encoded),
                                 [None, pa.py_buffer(offsets if big else offsets.astype(np.int32)),
                                  pa.py_buffer(bytearray().join(encoded))], null_count=0)  # (writable, as Arrow's own)
