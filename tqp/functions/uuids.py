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
from dataclasses import replace

import numpy as np
import torch
from sqlglot import exp

from .. import types as T
from ..column import Column, Dictionary
from ..compile import expr as C
from ..errors import DataError, ProgrammingError
from ..kernels import uuids as K
from ..plan.nodes import Call
from . import Function, register
from .signature import arity


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


def _uuid(args, e, ctx):
    n = e.params[-1]
    codes = torch.arange(n, dtype=torch.int32, device=ctx.device if ctx is not None else None)
    return Column(T.UUID, codes, None, Dictionary(None, K.random_v4(n), is_sorted=False, is_unique=True))


register(Function("uuid", "uuid() → UUID", "A random (version 4) UUID, one per row; not repeatable.",
                  "uuid() → 3cf1ea4f-2bb4-4cf2-8dd1-0a7ec1c7e4f9",
                  lambda *a: arity("uuid", a, 0, 0) or Call("uuid", (), T.UUID, (next(_uuid_ids),)), _uuid,
                  ("gen_random_uuid",), (exp.Uuid,), family="other"))
