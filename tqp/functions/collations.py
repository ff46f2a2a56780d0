"""Collations: `x COLLATE nocase` (and noaccent, nfc, or several joined by dots) is x's
collation key, computed once per dictionary entry: ORDER BY, GROUP BY and DISTINCT use it, and a
comparison with a collated operand collates the other operand the same way, as DuckDB does.
tqp's one difference: the collated expression shown in a SELECT list is its key (lower case
for nocase), where DuckDB shows the original text.

>>> import tqp
>>> con = tqp.connect()
>>> con.register("t", {"s": ["b", "A", "a", "É"]})
>>> con.execute("SELECT s FROM t WHERE s COLLATE NOCASE = 'a' ORDER BY s").fetchall()
[('A',), ('a',)]
>>> con.execute("SELECT count(*) FROM t WHERE s COLLATE nocase.noaccent = 'e'").fetchall()
[(1,)]
"""
from __future__ import annotations

import unicodedata

import numpy as np
from sqlglot import exp

from .. import types as T
from ..errors import ProgrammingError
from ..plan.nodes import Call, Lit
from ..sql.scope import suggest
from . import Function, register
from .signature import coerce, is_null
from .strings import _each, per_distinct


def _noaccent(v: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", v) if not unicodedata.combining(c))


_COLLATIONS = {"nocase": str.lower, "noaccent": _noaccent, "nfc": lambda v: unicodedata.normalize("NFC", v),
               "binary": None, "c": None, "posix": None}


def collation_name(node: exp.Expression) -> str:
    """A COLLATE clause's name as written: NOCASE, "nocase.noaccent", 'nfc', nocase.noaccent."""
    if isinstance(node, exp.Column):
        return ".".join(p.name for p in node.parts)
    return node.name


def _parts(name: str) -> tuple[str, ...]:
    parts = tuple(p for p in name.lower().split(".") if p)
    for p in parts or ("",):
        if p not in _COLLATIONS:
            raise ProgrammingError(f'collation "{name}" does not exist (tqp has nocase, noaccent, nfc, binary)'
                                   + suggest(p, list(_COLLATIONS)))
    return tuple(p for p in parts if _COLLATIONS[p] is not None)


def collate(e, name: str):
    """e's collation key under the named collation (e itself for binary)."""
    e = coerce("COLLATE", 1, e, "VARCHAR")
    parts = _parts(name)
    if not parts or is_null(e):
        return e
    if isinstance(e, Lit):
        return Lit(_key(parts, e.value), T.VARCHAR)
    return Call("collate", (e,), T.VARCHAR, parts)


def _key(parts, v: str) -> str:
    for p in parts:
        v = _COLLATIONS[p](v)
    return v


def _kernel(args, e, ctx):
    parts = e.params
    return per_distinct(lambda s: np.array(_each(lambda v: _key(parts, v), s), dtype=object), T.VARCHAR)(args, e, ctx)


def bind_pair(b, left: exp.Expression, right: exp.Expression):
    """The operands of a comparison where one (or both) is collated: both under its collation."""
    names = [collation_name(n.expression) for n in (left, right) if isinstance(n, exp.Collate)]
    out = []
    for node in (left, right):
        e = b.bind(node)
        if not isinstance(node, exp.Collate) and (e.type.is_string or e.type.kind == "NULL"):
            for name in names:
                e = collate(e, name)
        out.append(e)
    return out


register(Function("collate", "x COLLATE nocase | noaccent | nfc | binary (or several: nocase.noaccent) → VARCHAR",
                  "x's collation key: ORDER BY, GROUP BY, DISTINCT and comparisons with it ignore case (nocase) or "
                  "accents (noaccent), or compare Unicode-normalized text (nfc).", "name COLLATE NOCASE = 'bob'",
                  lambda b, nodes: collate(b.bind(nodes[0]), collation_name(nodes[1])), _kernel,
                  nodes=(exp.Collate,), raw=True, family="string", per_entry=True),
         lambda node: ("collate", [node.this, node.expression]))
