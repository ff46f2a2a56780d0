"""ENUM: CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy'), or ENUM('a', 'b') written in place.
A value is held as its label's position (int32), so ORDER BY, <, MIN/MAX, GROUP BY and joins
between values of one ENUM follow the labels' order with integer kernels. As in DuckDB, an ENUM
meeting text (a string constant, a VARCHAR, another ENUM) is compared and combined as its label,
string functions read the label, and a label not in the type is a conversion error.

>>> import tqp
>>> con = tqp.connect("cpu")
>>> _ = con.execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')")
>>> con.execute("SELECT m FROM (VALUES ('happy'), ('sad')) v(x), LATERAL (SELECT x::mood AS m) ORDER BY m").fetchall()
[('sad',), ('happy',)]
>>> con.execute("SELECT enum_range(NULL::mood), enum_code('ok'::mood)").fetchall()
[(['sad', 'ok', 'happy'], 1)]
"""
from __future__ import annotations

import numpy as np
import torch
from sqlglot import exp

from .. import types as T
from ..column import Column, Dictionary, NestedValue
from ..compile import expr as C
from ..errors import DataError, NotSupportedError, ProgrammingError
from ..plan.nodes import Call, Lit
from . import Function, register
from .signature import arity


def type_of(node: exp.DataType) -> T.SqlType:
    """The SqlType of ENUM('a', ...) or of a name CREATE TYPE made."""
    if node.this == exp.DataType.Type.ENUM:
        return labels_type([e.this if isinstance(e, exp.Literal) else e.name for e in node.expressions])
    from ..catalog import user_type
    name = node.args.get("kind")
    name = name if isinstance(name, str) else getattr(name, "name", str(name))
    found = user_type(name)
    if found is None:
        raise NotSupportedError(f'type "{name}" does not exist (CREATE TYPE {name} AS ENUM (...) makes one)')
    return found


def labels_type(labels) -> T.SqlType:
    labels = [str(v) for v in labels]
    seen = set()
    for v in labels:
        if v in seen:
            raise ProgrammingError(f"an ENUM cannot hold the label {v!r} twice")
        seen.add(v)
    return T.ENUM(labels)


def _position(t: T.SqlType, label: str) -> int:
    try:
        return t.fields.index(label)
    except ValueError:
        raise DataError(f"could not convert string {label!r} to {t}") from None


def cast_value(v, frm: T.SqlType, to: T.SqlType):
    """A constant's cast between an ENUM and text (or another ENUM, through its label)."""
    if frm.kind == "ENUM":
        v, frm = frm.fields[v], T.VARCHAR
        if to.is_string:
            return v
    if frm.is_string and to.kind == "ENUM":
        return _position(to, v)
    raise ProgrammingError(f"cannot cast {frm} to {to}")


def cast_column(col: Column, to: T.SqlType) -> Column:
    frm = col.type
    if frm.kind == "ENUM":  # the labels as a dictionary the positions index
        labels = np.empty(len(frm.fields), dtype=object)
        labels[:] = frm.fields
        text = Column(T.VARCHAR, col.data, col.validity, Dictionary(labels, is_sorted=False))
        return text if to.is_string else cast_column(text, to)
    if not frm.is_string:
        raise ProgrammingError(f"cannot cast {frm} to {to}")
    from .blobs import map_entries  # once per dictionary entry
    return map_entries(col, lambda label: _position(to, label), to, "cast")


# ---------------------------------------------------------------- functions


def _enum_argument(name: str, args, count: int = 1):
    arity(name, args, count, count)
    for a in args:
        if a.type.kind != "ENUM":
            raise ProgrammingError(f"{name}() takes an ENUM value (NULL::type gives one), not {a.type}")
    return args[0].type


def _labels(values) -> Lit:
    return Lit(NestedValue(list(values)), T.LIST(T.VARCHAR))


def _range_boundary(a, b):
    t = _enum_argument("enum_range_boundary", [x for x in (a, b) if x.type.kind != "NULL"] or [a], 1) \
        if a.type.kind == "NULL" or b.type.kind == "NULL" else _enum_argument("enum_range_boundary", [a, b], 2)
    if not all(isinstance(x, Lit) for x in (a, b)):
        raise NotSupportedError("enum_range_boundary() with non-constant arguments")
    lo = 0 if a.value is None else a.value
    hi = len(t.fields) - 1 if b.value is None else b.value
    return _labels(t.fields[lo:hi + 1])


def _code(args, e, ctx):
    x = args[0]
    return Column(T.INTEGER, x.data.to(torch.int32), x.validity)


register(Function("enum_range", "enum_range(ENUM) → VARCHAR[]", "Every label of the argument's ENUM type, in order.",
                  "enum_range(NULL::mood) → ['sad', 'ok', 'happy']",
                  lambda *a: _labels(_enum_argument("enum_range", a).fields), family="other"))
register(Function("enum_first", "enum_first(ENUM) → VARCHAR", "The first label of the argument's ENUM type.",
                  "enum_first(NULL::mood) → 'sad'",
                  lambda *a: Lit(_enum_argument("enum_first", a).fields[0], T.VARCHAR), family="other"))
register(Function("enum_last", "enum_last(ENUM) → VARCHAR", "The last label of the argument's ENUM type.",
                  "enum_last(NULL::mood) → 'happy'",
                  lambda *a: Lit(_enum_argument("enum_last", a).fields[-1], T.VARCHAR), family="other"))
register(Function("enum_code", "enum_code(ENUM) → INTEGER", "The value's position among its type's labels, from 0.",
                  "enum_code('ok'::mood) → 1",
                  lambda *a: _enum_argument("enum_code", a) and (
                      Lit(a[0].value, T.INTEGER) if isinstance(a[0], Lit) else Call("enum_code", a, T.INTEGER)),
                  _code, family="other"))
register(Function("enum_range_boundary", "enum_range_boundary(ENUM, ENUM) → VARCHAR[]",
                  "The labels from the first to the second (NULL: from the first label / to the last).",
                  "enum_range_boundary('sad'::mood, 'ok'::mood) → ['sad', 'ok']", _range_boundary, family="other"))
