"""Utility functions and pattern operators: typeof, hash, uuid, format / printf, to_base, hex,
bin, even, and the GLOB, SIMILAR TO and ~* operators.

format() and printf() run once per distinct tuple of their arguments (Python's str.format and
% operator, whose codes match fmt's and printf's for the common cases); hex, bin and to_base
once per distinct value; GLOB once per dictionary entry of a column.

>>> import tqp
>>> con = tqp.connect()
>>> con.execute("SELECT typeof(1), format('{} is {:.1f}', 'pi', pi()), printf('%05d', 42), "
...             "to_base(255, 16), hex('abc'), bin(5), even(2.5), 'abc' GLOB 'a*'").fetchall()
[('INTEGER', 'pi is 3.1', '00042', 'FF', '616263', '101', 4.0, True)]
"""
from __future__ import annotations

import hashlib
import itertools
import re

import numpy as np
import torch
from sqlglot import exp

from .. import types as T
from ..column import Column, Dictionary
from ..compile import expr as C
from ..errors import NotSupportedError, ProgrammingError
from ..kernels import strings as S
from ..plan.nodes import Call, Lit
from ..sql import expressions as X
from . import Function, node_arguments, register
from .signature import arity, coerce, is_null, strict
from .strings import _each, per_distinct


def _entry(name, signature, description, example, bind, kernel=None, aliases=(), nodes=(), node_args=None,
           raw=False, family="other", per_entry=False):
    register(Function(name, signature, description, example, bind, kernel, aliases, nodes, per_entry, raw, family),
             node_args)


# ---------------------------------------------------------------- typeof

_TYPE_NAMES = {"REAL": "FLOAT", "NULL": '"NULL"', "TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE"}


def type_name(t: T.SqlType) -> str:
    """A type as DuckDB's typeof() spells it."""
    return _TYPE_NAMES.get(t.kind, str(t))


_entry("typeof", "typeof(ANY) → VARCHAR", "The argument's type name (tqp's types: TINYINT is SMALLINT, UBIGINT "
       "and HUGEINT are BIGINT, uuid() is VARCHAR).", "typeof(1.5) → 'DECIMAL(2,1)'",
       lambda *a: arity("typeof", a, 1, 1) or Lit(type_name(a[0].type), T.VARCHAR), aliases=("pg_typeof",), nodes=(exp.Typeof,))


# ---------------------------------------------------------------- hash

_M = (1 << 64) - 1


def _signed(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


_GOLDEN, _NULL_HASH = _signed(0x9E3779B97F4A7C15), _signed(0xD6E8FEB86659FD93)


def _mix(x: torch.Tensor) -> torch.Tensor:
    """splitmix64's finalizer on int64 (wrapping multiplication; >> made logical by a mask)."""
    def shr(v, k):
        return (v >> k) & ((1 << (64 - k)) - 1)
    x = (x ^ shr(x, 30)) * _signed(0xBF58476D1CE4E5B9)
    x = (x ^ shr(x, 27)) * _signed(0x94D049BB133111EB)
    return x ^ shr(x, 31)


def _text_hash(values) -> np.ndarray:
    return np.array([int.from_bytes(hashlib.blake2b(str(v).encode("utf-8"), digest_size=8).digest(), "little",
                                    signed=True) for v in np.asarray(values, dtype=object).tolist()], dtype=np.int64)


def _value_hash(col: Column, e: Call, ctx) -> torch.Tensor:
    """int64 per row: a function of the value alone (strings and nested values hash their text)."""
    if col.type.uses_dictionary:
        values = C.dict_values(col)
        per_value = C._memo(col, ("hash",), lambda: torch.from_numpy(_text_hash(values)).to(col.device))
        return _mix(C.per_entry(col, per_value, T.BIGINT).data)
    data = col.data
    if data.is_floating_point():
        data = data.to(torch.float64)
        data = torch.where(data == 0, torch.zeros_like(data), data)  # -0.0 hashes as 0.0
        data = torch.where(torch.isnan(data), torch.full_like(data, float("nan")), data).view(torch.int64)
    return _mix(data.to(torch.int64) + _GOLDEN)


def _hash(args, e, ctx):
    out = torch.full((), 0, dtype=torch.int64, device=args[0].device)
    for a in args:
        h = _value_hash(a, e, ctx)
        if a.validity is not None:
            h = torch.where(a.validity, h, torch.full_like(h, _NULL_HASH))
        out = _mix(out * 31 + h)
    return Column(T.BIGINT, out & ((1 << 63) - 1))  # non-negative, as DuckDB's UBIGINT


def _hash_bind(*args):
    arity("hash", args, 1, 1 << 16)
    return Call("hash", tuple(Lit(None, T.INTEGER) if a.type.kind == "NULL" else a for a in args), T.BIGINT)


_entry("hash", "hash(ANY, ...) → BIGINT", "A 63-bit hash of the values (NULL hashes too): equal values hash "
       "equally, but the numbers are not DuckDB's (its UBIGINT hash; tqp's BIGINT is never negative).",
       "hash('a') = hash('a') → true", _hash_bind, _hash)


# ---------------------------------------------------------------- uuid

_uuid_ids = itertools.count()
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def random_uuids(n: int) -> np.ndarray:
    """n random version-4 UUIDs as text, built on byte arrays (no Python per value)."""
    raw = np.frombuffer(np.random.default_rng().bytes(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    digits = np.stack([_HEX[raw >> 4], _HEX[raw & 0x0F]], axis=2).reshape(n, 32)
    text = np.full((n, 36), ord("-"), dtype=np.uint8)
    for lo, hi, at in ((0, 8, 0), (8, 12, 9), (12, 16, 14), (16, 20, 19), (20, 32, 24)):
        text[:, at:at + hi - lo] = digits[:, lo:hi]
    return np.ascontiguousarray(text).view("S36").reshape(n).astype(str).astype(object)


def _uuid(args, e, ctx):
    n = e.params[-1]
    values = random_uuids(n)
    uniq, codes = S.remap(values) if n else (np.array([], dtype=object), np.zeros(0, np.int32))
    return Column(T.VARCHAR, torch.from_numpy(codes).to(ctx.device if ctx is not None else None), None,
                  Dictionary(uniq))


_entry("uuid", "uuid() → VARCHAR", "A random version-4 UUID per row, as text (DuckDB's type is UUID).",
       "uuid() → 'b8f4...'", lambda *a: arity("uuid", a, 0, 0) or Call("uuid", (), T.VARCHAR, (next(_uuid_ids),)),
       _uuid, aliases=("gen_random_uuid",), nodes=(exp.Uuid,))


# ---------------------------------------------------------------- format / printf

def _format_arg(e):
    """An argument as format() sees it: integers and DOUBLEs as numbers, the rest as its text."""
    t = e.type
    if t.kind == "NULL":
        return Lit(None, T.VARCHAR)
    if t.is_integer:
        return X.cast(e, T.BIGINT)
    if t.is_float or t.is_decimal:
        return X.cast(e, T.DOUBLE)
    return e if t.is_string else X.cast(e, T.VARCHAR)


def _formatter(name, apply, usage):
    def fn(fmt, *values):
        errors = []

        def one(f, *vs):
            try:
                return apply(f, vs)
            except (ValueError, TypeError, IndexError, KeyError) as err:
                errors.append(f"{name}(): {err} (format {f!r})")
                return None
        out = _each(one, fmt, *values)
        return (np.array(["" if v is None else v for v in out], dtype=object), np.array([v is None for v in out]),
                errors[0] if errors else "")

    def bind(*args):
        arity(name, args, 1, 1 << 16, usage)
        args = [coerce(name, 1, args[0], "VARCHAR")] + [_format_arg(a) for a in args[1:]]
        if any(is_null(a) for a in args):
            return Lit(None, T.VARCHAR)
        return Call(name, tuple(args), T.VARCHAR)
    return bind, per_distinct(fn, T.VARCHAR)


_CONVERSION = re.compile(r"%[-+ #0]*(?:\d+|\*)?(?:\.\d+)?([hlLqjzt]*)([a-zA-Z%])")


def _printf(f, vs):
    """C's printf: a negative integer printed by %x, %X or %o is its 64-bit two's complement,
    and length modifiers (%lld) are dropped, as DuckDB's fmt does."""
    vs, k = list(vs), 0
    for m in _CONVERSION.finditer(f):
        if m.group(2) != "%":
            if m.group(2) in "xXo" and k < len(vs) and isinstance(vs[k], int) and vs[k] < 0:
                vs[k] += 1 << 64
            k += 1
    return _CONVERSION.sub(lambda m: m.group(0)[:m.start(1) - m.start(0)] + m.group(2), f) % tuple(vs)


_entry("format", "format(VARCHAR fmt, ANY, ...) → VARCHAR", "fmt's {} placeholders ({}, {0}, {:05d}, {:.2f}, {:>8}, "
       "{:x}, {:,}) filled with the arguments; DECIMALs are formatted as DOUBLEs and other types as their text.",
       "format('{} is {:.1f}', 'pi', 3.14159) → 'pi is 3.1'",
       *_formatter("format", lambda f, vs: f.format(*vs), "format(fmt, args...)"), nodes=(exp.Format,))
_entry("printf", "printf(VARCHAR fmt, ANY, ...) → VARCHAR", "C printf's %-codes (%d %s %f %.2f %5s %-5s %x %e %c %%) "
       "filled with the arguments.", "printf('%05d|%-3s|', 42, 'a') → '00042|a  |'",
       *_formatter("printf", _printf, "printf(fmt, args...)"))


# ---------------------------------------------------------------- number bases

def _to_base(n, radix, min_length=0):
    n, radix = np.asarray(n, dtype=np.int64), np.asarray(radix, dtype=np.int64)
    bad_n, bad_radix = n < 0, (radix < 2) | (radix > 36)
    bad = np.broadcast_to(bad_n | bad_radix, np.broadcast(n, radix, np.asarray(min_length)).shape)
    message = ("'to_base' radix must be between 2 and 36" if bad_radix.any()
               else "'to_base' number must be greater than or equal to 0")
    out = _each(lambda v, r, w: np.base_repr(max(v, 0), min(max(r, 2), 36)).zfill(max(w, 0)),
                n, radix, min_length)
    return np.array(out, dtype=object), bad, message


_entry("to_base", "to_base(BIGINT n, INTEGER radix [, INTEGER min_length]) → VARCHAR",
       "n written in the radix (2 to 36, upper-case digits), zero-padded to min_length.",
       "to_base(255, 16) → 'FF'", strict("to_base", ("BIGINT", "INTEGER", "INTEGER?"), T.VARCHAR),
       per_distinct(_to_base, T.VARCHAR), family="math")


def _digits(fmt_int, per_byte):
    def fn(x):
        x = np.asarray(x)
        if x.dtype.kind in "iu":
            return np.array([format(int(v) & ((1 << 64) - 1), fmt_int) for v in x.reshape(-1).tolist()], dtype=object)
        return np.array(["".join(format(b, per_byte) for b in str(v).encode("utf-8"))
                         for v in np.asarray(x, dtype=object).reshape(-1).tolist()], dtype=object)
    return fn


def _radix_bind(name):
    def bind(*args):
        arity(name, args, 1, 1)
        x = args[0]
        if x.type.kind == "NULL":
            return Lit(None, T.VARCHAR)
        if not (x.type.is_string or x.type.is_numeric):
            raise ProgrammingError(f"{name}() takes a number or a VARCHAR, not {x.type}")
        return Call(name, (x if x.type.is_string else X.cast(x, T.BIGINT),), T.VARCHAR)
    return bind


_entry("hex", "hex(BIGINT | VARCHAR) → VARCHAR", "An integer in hexadecimal (two's complement in 64 bits when "
       "negative), or a string's UTF-8 bytes.", "hex(255) → 'FF'", _radix_bind("hex"),
       per_distinct(_digits("X", "02X"), T.VARCHAR), aliases=("to_hex",), nodes=(exp.Hex,), family="string")
_entry("bin", "bin(BIGINT | VARCHAR) → VARCHAR", "An integer in binary (two's complement in 64 bits when negative), "
       "or a string's UTF-8 bytes, 8 digits each.", "bin(5) → '101'", _radix_bind("bin"),
       per_distinct(_digits("b", "08b"), T.VARCHAR), aliases=("to_binary",), nodes=(exp.ToBinary,), family="string")


def _no_blob(name):
    def bind(*args):
        raise NotSupportedError(f"{name}() returns a BLOB, and tqp has no BLOB type")
    return bind


for _name, _aliases, _nodes in (("unhex", ("from_hex",), (exp.Unhex,)), ("from_binary", ("unbin",), ())):
    _entry(_name, f"{_name}(VARCHAR) → BLOB", "Refused: tqp has no BLOB type.", f"{_name}('41')", _no_blob(_name),
           aliases=_aliases, nodes=_nodes, family="string")


def _even(args, e, ctx):
    x = args[0].data
    r = torch.where(x >= 0, torch.ceil(x), torch.floor(x))
    odd = torch.remainder(r, 2) != 0
    return Column(T.DOUBLE, torch.where(odd, r + torch.sign(x), r), args[0].validity)


_entry("even", "even(DOUBLE) → DOUBLE", "x rounded away from zero to the next even integer.", "even(2.5) → 4.0",
       strict("even", ("DOUBLE",), T.DOUBLE), _even, family="math")


# ---------------------------------------------------------------- GLOB, SIMILAR TO, ~*

def glob_regex(pattern: str) -> re.Pattern | None:
    """A GLOB pattern (* any text, ? one character, [abc] / [a-z] / [!a] a set, \\ escapes) as a
    regular expression; None for an unclosed [ (which matches nothing, as DuckDB).

    >>> bool(glob_regex('a[!x]?*').fullmatch('aby'))
    True
    """
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        elif c == "[":
            j = i + 1
            negate = j < len(pattern) and pattern[j] == "!"
            j += negate
            start = j
            j += j < len(pattern) and pattern[j] == "]"  # a ] first is a member
            while j < len(pattern) and pattern[j] != "]":
                j += 1
            if j >= len(pattern):
                return None
            members = "".join("\\" + ch if ch in "\\^[]" else ch for ch in pattern[start:j])
            out.append(f"[{'^' if negate else ''}{members}]")
            i = j
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def _glob(s, pattern):
    def one(v, p):
        rx = glob_regex(p)
        return rx is not None and rx.fullmatch(v) is not None
    return np.array(_each(one, s, pattern), dtype=bool)


_entry("glob", "s GLOB pattern → BOOLEAN", "Whether the whole string matches the pattern: * any text, ? one "
       "character, [a-z] / [!a] a set of characters, \\ an escape; case-sensitive.", "'abc' GLOB 'a*' → true",
       strict("glob", ("VARCHAR", "VARCHAR"), T.BOOLEAN), per_distinct(_glob, T.BOOLEAN), nodes=(exp.Glob,),
       family="string", per_entry=True)
_entry("#similar_to", "s SIMILAR TO pattern → BOOLEAN", "regexp_full_match(s, pattern), as DuckDB reads it.",
       "'abc' SIMILAR TO 'a.c' → true", lambda *a: None, nodes=(exp.SimilarTo,),
       node_args=lambda node: ("regexp_full_match", [node.this, node.expression]), family="string")
_entry("#regexp_ilike", "s ~* pattern → BOOLEAN", "regexp_matches(s, pattern, 'i'): a match anywhere, ignoring case.",
       "'abc' ~* 'B' → true", lambda *a: None, nodes=(exp.RegexpILike,),
       node_args=lambda node: ("regexp_matches", node_arguments(node)[:2] + [exp.Literal.string("i")]),
       family="string")
