"""BLOB: bytes values held as VARCHAR's are, int32 codes into a dictionary (of Python bytes),
so =, <, ORDER BY, GROUP BY, DISTINCT, MIN/MAX and joins work on codes as for strings, in
DuckDB's byte order. Casts and functions run once per dictionary entry.

Text and BLOB convert as DuckDB's: '\\xAA' is the byte 0xAA and other characters must be
ASCII; a BLOB shows printable ASCII as itself and every other byte (and the backslash) as \\xHH.

>>> import tqp
>>> con = tqp.connect("cpu")
>>> con.execute("SELECT '\\\\xAAb'::BLOB, hex('\\\\xAAb'::BLOB), octet_length(unhex('0102'))").fetchall()
[(b'\\xaab', 'AA62', 2)]
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import torch
from sqlglot import exp

from .. import types as T
from ..column import Column, Dictionary, and_validity
from ..compile import expr as C
from ..errors import DataError, ProgrammingError
from ..kernels.selection import any_true, nonzero
from ..plan.nodes import Call, Lit
from . import FUNCTIONS, Function, lookup, register
from .signature import arity, is_null

_ESCAPE = re.compile(r"\\x([0-9A-Fa-f]{2})|\\")


def text_to_blob(text: str) -> bytes:
    """'a\\x01' -> b'a\\x01', refusing what DuckDB refuses (a stray backslash, non-ASCII)."""
    out, at = bytearray(), 0
    for m in _ESCAPE.finditer(text):
        out += _ascii(text, text[at:m.start()])
        if m.group(1) is None:
            raise DataError(f'invalid hex escape code in string -> blob conversion of "{text}"')
        out.append(int(m.group(1), 16))
        at = m.end()
    return bytes(out + _ascii(text, text[at:]))


def _ascii(text: str, part: str) -> bytes:
    try:
        return part.encode("ascii")
    except UnicodeEncodeError:
        raise DataError(f'invalid byte in string -> blob conversion of "{text}": non-ASCII characters must be '
                        'written as hex escapes (\\xAA)') from None


def blob_to_text(value: bytes) -> str:
    return "".join(chr(b) if 32 <= b < 127 and b != 92 else f"\\x{b:02X}" for b in value)


def cast_value(v, frm: T.SqlType, to: T.SqlType):
    """A constant's cast to or from BLOB (only VARCHAR meets BLOB, as in DuckDB)."""
    if frm.kind == to.kind:
        return v
    if frm.is_string and to.kind == "BLOB":
        return text_to_blob(v)
    if frm.kind == "BLOB" and to.is_string:
        return blob_to_text(v)
    raise ProgrammingError(f"cannot cast {frm} to {to}")


def blob_column(arr, device) -> Column:
    """A BLOB column from an Arrow binary array: codes into its distinct values."""
    from ..io import buffers as B
    arr = arr.cast(pa.binary())
    enc = pc.dictionary_encode(arr)
    valid = B.validity(arr)
    valid = None if valid is None else torch.from_numpy(valid.copy()).to(device)
    codes = B.filled(enc.indices, 0).astype(np.int32)
    values = np.empty(len(enc.dictionary), dtype=object)
    values[:] = enc.dictionary.to_pylist()
    return Column(T.BLOB, torch.from_numpy(codes).to(device), valid, Dictionary(values, is_sorted=False))


# ---------------------------------------------------------------- per-entry kernels

_MAPS: dict = {}  # name -> Python function of one dictionary entry (bytes or str)


def map_entries(col: Column, fn, out: T.SqlType, name: str) -> Column:
    """fn over each dictionary entry of `col`, gathered to the rows by code; an entry fn
    refuses (DataError) fails the statement only when a valid row holds it."""
    values = C.dict_values(col)
    results, bad = [], []
    for v in values:  # per distinct value
        try:
            results.append(fn(v))
        except DataError as err:
            results.append(None)
            bad.append(err)
    n = len(values)
    codes = C.gather_codes(col, n)
    if bad:
        failed = torch.tensor([r is None for r in results] or [False], device=col.device)
        hit = failed.index_select(0, codes.reshape(-1)).reshape(codes.shape)
        if col.validity is not None:
            hit = hit & col.validity
        if any_true(hit):
            entry = int(codes.reshape(-1)[nonzero(hit.reshape(-1))[0]])
            fn(values[entry])  # raises that entry's own error
    if out.uses_dictionary:
        store = np.empty(n, dtype=object)
        store[:] = [b"" if r is None and out.kind == "BLOB" else "" if r is None else r for r in results]
        return Column(out, col.data, col.validity, Dictionary(store, is_sorted=False, is_unique=False))
    table = torch.tensor([0 if r is None else r for r in results] or [0], dtype=out.torch_dtype, device=col.device)
    return Column(out, table.index_select(0, codes.reshape(-1)).reshape(codes.shape), col.validity)


@C.op("blob_map")
def _blob_map(args, e, ctx):
    return map_entries(args[0], _MAPS[e.params[0]], e.type, e.params[0])


def cast_column(col: Column, to: T.SqlType) -> Column:
    """CAST between VARCHAR and BLOB, once per dictionary entry."""
    fn = text_to_blob if to.kind == "BLOB" else blob_to_text
    return map_entries(col, fn, to, "cast")


@C.op("blob_concat")
def _blob_concat(args, e, ctx):
    """a || b over BLOBs: once per distinct pair of codes."""
    a, b = args
    shape = torch.broadcast_shapes(a.data.shape, b.data.shape)
    ca = C.gather_codes(a, len(C.dict_values(a))).expand(shape).reshape(-1)
    cb = C.gather_codes(b, len(C.dict_values(b))).expand(shape).reshape(-1)
    pairs, inverse = torch.unique(torch.stack([ca, cb]), dim=1, return_inverse=True)
    va, vb = C.dict_values(a), C.dict_values(b)
    store = np.empty(pairs.shape[1], dtype=object)
    store[:] = [bytes(va[i]) + bytes(vb[j]) if len(va) and len(vb) else b"" for i, j in pairs.T.tolist()]
    valid = and_validity(*(None if x.validity is None else x.validity.expand(shape) for x in (a, b)))
    return C._conform(Column(T.BLOB, inverse.to(torch.int32).reshape(shape), valid,
                             Dictionary(store, is_sorted=False)))


# ---------------------------------------------------------------- functions


def _unhex(text: str) -> bytes:
    try:
        return bytes.fromhex(text if len(text) % 2 == 0 else "0" + text)
    except ValueError:
        raise DataError(f"unhex(): invalid hex digits in {text!r}") from None


def _from_base64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise DataError(f"from_base64(): could not decode {text!r} as base64") from None


def _decode(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise DataError("decode(): the BLOB is not valid UTF-8") from None


_BLOB_FUNCTIONS = {  # name -> (argument kind, result type, fn, description, example)
    "octet_length": ("BLOB", T.BIGINT, len, "Number of bytes.", "octet_length('\\xAA\\xBB'::BLOB) → 2"),
    "encode": ("VARCHAR", T.BLOB, lambda s: s.encode("utf-8"), "The string's UTF-8 bytes.",
               "encode('é') → '\\xC3\\xA9'"),
    "decode": ("BLOB", T.VARCHAR, _decode, "UTF-8 bytes as a string (invalid UTF-8 is an error).",
               "decode('\\xC3\\xA9'::BLOB) → 'é'"),
    "to_base64": ("BLOB", T.VARCHAR, lambda b: base64.b64encode(b).decode("ascii"), "Base64 of the bytes.",
                  "to_base64('abc'::BLOB) → 'YWJj'"),
    "from_base64": ("VARCHAR", T.BLOB, _from_base64, "The bytes a base64 string encodes.",
                    "from_base64('YWJj') → 'abc'"),
    "sha256": ("ANY", T.VARCHAR, lambda v: hashlib.sha256(_bytes(v)).hexdigest(),
               "SHA-256 of a string's UTF-8 bytes or of a BLOB, as 64 hex digits.", "sha256('abc') → 'ba7816bf...'"),
    "sha1": ("ANY", T.VARCHAR, lambda v: hashlib.sha1(_bytes(v)).hexdigest(),
             "SHA-1 of a string's UTF-8 bytes or of a BLOB, as 40 hex digits.", "sha1('abc') → 'a9993e36...'"),
}
_ALIASES = {"to_base64": ("base64",)}
_NODES = {"encode": exp.Encode, "decode": exp.Decode, "to_base64": exp.ToBase64, "from_base64": exp.FromBase64,
          "sha256": exp.SHA2, "sha1": exp.SHA}  # (Encode/Decode's charset is DuckDB's only one, UTF-8)
_OVERLOADS = {  # functions defined elsewhere for VARCHAR: their BLOB forms
    "hex": (T.VARCHAR, lambda b: b.hex().upper()),
    "md5": (T.VARCHAR, lambda b: hashlib.md5(b).hexdigest()),
    "unhex": (T.BLOB, _unhex),
}


def _bytes(v) -> bytes:
    return v.encode("utf-8") if isinstance(v, str) else bytes(v)


def _argument(name: str, arg, kind: str):
    t = arg.type
    if kind == "BLOB" and t.is_string and isinstance(arg, Lit) and name != "octet_length":
        return _cast_lit(arg, T.BLOB)  # a string constant is read as a BLOB (octet_length: ambiguous in DuckDB)
    ok = t.kind == "BLOB" if kind == "BLOB" else t.is_string if kind == "VARCHAR" else t.kind in ("BLOB", "VARCHAR")
    if not ok:
        raise ProgrammingError(f"{name}() takes a {kind if kind != 'ANY' else 'VARCHAR or BLOB'}, not {t}")
    return arg


def _cast_lit(lit: Lit, to: T.SqlType):
    from ..sql.expressions import fold_cast
    return fold_cast(lit, to)


def _call(name: str, arg, out: T.SqlType):
    if isinstance(arg, Lit):
        try:  # a constant argument folds now (a bad one raises where a row reaches it)
            return Lit(None if arg.value is None else _MAPS[name](arg.value), out)
        except DataError:
            pass
    return Call("blob_map", (arg,), out, (name,))


def _bind(name: str, kind: str, out: T.SqlType):
    def bind(*args):
        arity(name, args, 1, 1)
        if is_null(args[0]):
            return Lit(None, out)
        return _call(name, _argument(name, args[0], kind), out)
    return bind


for _name, (_kind, _out, _fn, _description, _example) in _BLOB_FUNCTIONS.items():
    _MAPS[_name] = _fn
    FUNCTIONS.pop(_name, None)  # octet_length's VARCHAR-only refusal gives way to the BLOB form
    register(Function(_name, f"{_name}({_kind if _kind != 'ANY' else 'VARCHAR | BLOB'}) → {_out}", _description,
                      _example, _bind(_name, _kind, _out), aliases=_ALIASES.get(_name, ()),
                      nodes=(_NODES[_name],) if _name in _NODES else (), family="string"),
             node_args=lambda node, name=_name: (name, [node.this]))


def _overload(name: str, out: T.SqlType, fn):
    """The registry's entry `name` (and its aliases) taking a BLOB argument as well."""
    entry = lookup(name)
    key = "blob_" + name
    _MAPS[key] = fn

    def bind(*args):
        if name == "unhex":
            arity(name, args, 1, 1)
            if is_null(args[0]):
                return Lit(None, T.BLOB)
            return _call(key, _argument(name, args[0], "VARCHAR"), out)
        if len(args) == 1 and args[0].type.kind == "BLOB":
            return _call(key, args[0], out)
        return entry.bind(*args)
    new = replace(entry, bind=bind, signature=entry.signature.replace("VARCHAR)", "VARCHAR | BLOB)")
                  if name != "unhex" else "unhex(VARCHAR) → BLOB",
                  description=entry.description if name != "unhex" else "The bytes that hex digits spell.",
                  example=entry.example if name != "unhex" else "unhex('4142') → 'AB'")
    for k, v in list(FUNCTIONS.items()):
        if v is entry:
            FUNCTIONS[k] = new


for _name, (_out, _fn) in _OVERLOADS.items():
    _overload(_name, _out, _fn)

