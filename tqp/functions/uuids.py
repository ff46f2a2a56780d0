"""UUID, DuckDB's 128-bit identifier: casts to and from text, uuid() / gen_random_uuid(). A UUID
is held as a code into a dictionary of canonical texts (tqp/kernels/uuids.py), which order as
DuckDB orders UUIDs; it leaves for Arrow as that text (DuckDB's default export) and for Python
as a uuid.UUID.

>>> import tqp
>>> con = tqp.connect()
>>> con.execute("SELECT CAST('{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}' AS UUID), typeof(uuid()), "
...             "uuid() <> uuid()").fetchall()
[(UUID('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'), 'UUID', True)]
"""
from __future__ import annotations

import itertools
import time
from dataclasses import replace

import numpy as np
import torch
from sqlglot import exp

from .. import types as T
from ..column import Column, Dictionary
from ..compile import expr as C
from ..errors import DataError, ProgrammingError
from ..kernels import uuids as K
from ..plan.nodes import Call, Lit
from ..sql import expressions as X
from . import Function, register
from .signature import arity, is_null
from .strings import per_distinct


def castable(frm: T.SqlType, to: T.SqlType) -> bool:
    """DuckDB casts a UUID to and from text only."""
    return frm.is_string or to.is_string or frm.kind == "NULL"


def cast_value(v, frm: T.SqlType, to: T.SqlType):
    """CAST of one constant to or from UUID (ValueError for text that is no UUID)."""
    if not castable(frm, to):
        raise ProgrammingError(f"cannot cast {frm} to {to}")
    return K.canonical(v) if frm.is_string else v


def cast_column(a: Column, to: T.SqlType, failed) -> Column:
    """A UUID column as text (the same dictionary), or text read as UUIDs once per distinct
    string; a string that is no UUID raises where a row holds it, or (TRY_CAST, `failed` a
    list) becomes NULL."""
    if a.type.kind == "UUID":
        return replace(a, type=to)
    texts, bad = [], []
    for s in C.dict_values(a):
        try:
            texts.append(K.canonical(s))
            bad.append(False)
        except ValueError:
            texts.append(s)
            bad.append(True)
    if any(bad):
        hit = C.per_entry(a, np.array(bad), T.BOOLEAN)
        if failed is not None:
            failed.append(hit.data)
        else:
            rows = hit.data if hit.validity is None else hit.data & hit.validity
            if C.any_true(rows):
                culprit = C.dict_values(a)[int(C.gather_codes(a, len(bad)).reshape(-1)[rows.reshape(-1)][0])]
                raise DataError(f"could not convert '{culprit}' to UUID")
    return C.map_dictionary(replace(a, type=T.UUID), np.array(texts, dtype=object))


_uuid_ids = itertools.count()  # each call its own expression: two uuid() in a query differ


def _generator(name: str):
    return lambda *a: arity(name, a, 0, 0) or Call(name, (), T.UUID, (next(_uuid_ids),))


def _uuid(args, e, ctx):
    n = e.params[-1]
    texts = K.random_uuids(n) if e.op == "uuid" else K.random_uuids(n, 7, time.time_ns() // 1_000_000)
    codes = torch.arange(n, dtype=torch.int32, device=ctx.device if ctx is not None else None)
    return Column(T.UUID, codes, None, Dictionary(None, texts, is_sorted=False, is_unique=True))


def _of_uuid(name: str, out: T.SqlType):
    def bind(*args):
        arity(name, args, 1, 1)
        x = X.cast(args[0], T.UUID) if args[0].type.is_string and isinstance(args[0], Lit) else args[0]
        if x.type.kind not in ("UUID", "NULL"):
            raise ProgrammingError(f"{name}() takes a UUID, not {x.type}")
        return Lit(None, out) if is_null(x) else Call(name, (x,), out)
    return bind


def _per_text(fn, out: T.SqlType):
    """A kernel running fn once per distinct UUID, on its canonical text."""
    inner = per_distinct(fn, out)
    return lambda args, e, ctx: inner([replace(args[0], type=T.VARCHAR)], e, ctx)


def _version(texts):
    # DuckDB reads the version digit as a decimal one: versions a..f (none is defined) give 49..54
    return np.array([ord(str(s)[14]) - ord("0") for s in texts], dtype=np.int64)


def _timestamp(texts):
    """A version 7 UUID's milliseconds since 1970, as the instant's microseconds."""
    texts = [str(s) for s in texts]
    bad = np.array([s[14] != "7" for s in texts])
    micros = np.array([0 if b else int(s[:8] + s[9:13], 16) * 1000 for s, b in zip(texts, bad)], dtype=np.int64)
    return micros, bad, "uuid_extract_timestamp(): the UUID is not of version 7"


register(Function("uuid", "uuid() → UUID", "A random (version 4) UUID, one per row; not repeatable.",
                  "uuid() → 3cf1ea4f-2bb4-4cf2-8dd1-0a7ec1c7e4f9", _generator("uuid"), _uuid,
                  ("gen_random_uuid", "uuidv4"), (exp.Uuid,), family="other"))
register(Function("uuidv7", "uuidv7() → UUID", "A random version 7 UUID, one per row: its first 48 bits are "
                  "the milliseconds since 1970.", "uuidv7() → 019ad0b2-5c39-7f4e-9a3d-8c6a2b1e0f47",
                  _generator("uuidv7"), _uuid, family="other"))
register(Function("uuid_extract_version", "uuid_extract_version(UUID) → BIGINT", "The UUID's version number.",
                  "uuid_extract_version(uuid()) → 4", _of_uuid("uuid_extract_version", T.BIGINT),
                  _per_text(_version, T.BIGINT), family="other"))
register(Function("uuid_extract_timestamp", "uuid_extract_timestamp(UUID) → TIMESTAMP WITH TIME ZONE",
                  "The instant a version 7 UUID was made (to the millisecond); DataError for other versions.",
                  "uuid_extract_timestamp(uuidv7())", _of_uuid("uuid_extract_timestamp", T.TIMESTAMPTZ),
                  _per_text(_timestamp, T.TIMESTAMPTZ), family="other"))
