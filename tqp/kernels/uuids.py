"""UUID values as tqp holds them: codes into a dictionary of their canonical text (32 lower-case
hex digits in 8-4-4-4-12 groups). Those texts sort as DuckDB orders UUIDs, by their unsigned
128-bit value, so comparisons, sorting, grouping and joins work on the codes as for VARCHAR.

DuckDB reads 32 hex digits of either case, dashes anywhere between them, optionally in braces.

>>> canonical('{A0EEBC99-9C0B4EF8-BB6D-6BB9BD380A11}')
'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'
>>> import numpy as np
>>> hex_texts(np.arange(16, dtype=np.uint8).reshape(1, 16)).to_pylist()
['00010203-0405-0607-0809-0a0b0c0d0e0f']
"""
from __future__ import annotations

import os
import re

import numpy as np
import pyarrow as pa

_TEXT = re.compile(r"\{?([0-9a-fA-F][0-9a-fA-F-]*[0-9a-fA-F])\}?")
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_DASHES = (8, 12, 16, 20)  # hex digits before each dash


def canonical(text: str) -> str:
    """A UUID's canonical text; ValueError when `text` is no UUID."""
    m = _TEXT.fullmatch(text)
    if m is None or (text[0] == "{") != (text[-1] == "}"):
        raise ValueError(text)
    digits = m[1].replace("-", "").lower()
    if len(digits) != 32:
        raise ValueError(text)
    return "-".join((digits[:8], digits[8:12], digits[12:16], digits[16:20], digits[20:]))


def hex_texts(raw: np.ndarray) -> pa.Array:
    """Canonical texts of an (n, 16) uint8 array of UUIDs' big-endian bytes, built in one pass."""
    n = len(raw)
    digits = np.empty((n, 32), dtype=np.uint8)
    digits[:, 0::2], digits[:, 1::2] = _HEX[raw >> 4], _HEX[raw & 15]
    text = np.insert(digits, _DASHES, ord("-"), axis=1)
    offsets = np.arange(0, 36 * (n + 1), 36, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(text))])


def uuid_array(texts: pa.Array) -> pa.Array:
    """Canonical texts as Arrow's arrow.uuid (16 big-endian bytes each), as DuckDB writes UUIDs
    to parquet: the inverse of hex_texts."""
    import pyarrow.compute as pc
    n = len(texts)
    filled = pc.replace_substring(texts.fill_null("0" * 32), "-", "").cast(pa.large_string())
    digits = np.frombuffer(filled.buffers()[2], dtype=np.uint8)[:32 * n].reshape(n, 32)
    nibbles = np.where(digits >= ord("a"), digits - (ord("a") - 10), digits - ord("0")).astype(np.uint8)
    raw = np.ascontiguousarray(nibbles[:, 0::2] << 4 | nibbles[:, 1::2])
    storage = pa.Array.from_buffers(pa.binary(16), n, [None, pa.py_buffer(raw)])
    if texts.null_count:
        storage = pc.if_else(texts.is_valid(), storage, pa.scalar(None, pa.binary(16)))
    return pa.ExtensionArray.from_storage(pa.uuid(), storage)


def random_uuids(n: int, version: int = 4, unix_ms: int = 0) -> pa.Array:
    """n random UUIDs' texts, as uuid() makes them (version 4), or uuidv7()'s (version 7: the
    first 48 bits count milliseconds since 1970)."""
    raw = np.frombuffer(os.urandom(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    if version == 7:
        raw[:, :6] = np.frombuffer(unix_ms.to_bytes(6, "big"), dtype=np.uint8)
    raw[:, 6] = raw[:, 6] & 0x0F | version << 4
    raw[:, 8] = raw[:, 8] & 0x3F | 0x80
    return hex_texts(raw)
