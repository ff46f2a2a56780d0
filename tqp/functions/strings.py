"""String functions, each run once per distinct input (DuckDB's semantics; lengths and
positions count characters).

A function whose VARCHAR subject is a column and whose other arguments are constants runs once
per entry of the column's dictionary (memoized there) and reaches the rows by a gather on the
codes; with non-constant arguments it runs once per distinct tuple of argument values, found by
torch.unique. Either way the per-value work is numpy's vectorized string routines (or, for
regular expressions and md5, Python over the distinct values), never per row.

>>> import tqp
>>> con = tqp.connect()
>>> con.execute("SELECT lpad('7', 3, '0'), split_part('a,b,c', ',', 2), strpos('héllo', 'l')").fetchall()
[('007', 'b', 3)]
"""
from __future__ import annotations

import hashlib
import re

import numpy as np
import torch
from sqlglot import exp

from .. import types as T
from ..column import Column, Dictionary, and_validity
from ..compile import expr as C
from ..errors import DataError, ProgrammingError
from ..kernels import strings as S
from ..plan.nodes import Call, Lit
from . import Function, node_arguments, register
from .signature import arity, strict

_STR = np.dtypes.StringDType()


def per_distinct(fn, out_type: T.SqlType):
    """A kernel running fn(*values) once per dictionary entry or distinct argument tuple. fn
    takes numpy arrays (StringDType for VARCHAR, int64/float64 otherwise; constants arrive as
    Python scalars) and returns an array aligned with them, or (array, bad, message) where
    `bad` marks the values it cannot take: only a row that reaches one fails (a dictionary
    may hold entries no row refers to any more)."""
    def kernel(args: list[Column], e: Call, ctx) -> Column:
        valid = and_validity(*[a.validity for a in args])
        if any(C.is_scalar(a) and a.validity is not None and not bool(a.validity) for a in args):
            return _all_null(args, out_type)
        subject = args[0]
        if subject.type.is_string and not C.is_scalar(subject) and all(C.is_scalar(a) for a in args[1:]):
            out = _on_dictionary(subject, e, tuple(_scalar(a) for a in args[1:]), fn, out_type)
        else:
            out = _on_tuples(args, fn, out_type, valid)
        return C._conform(Column(out_type, out.data, valid, out.dictionary))
    return kernel


def _all_null(args, out_type):
    shape = torch.broadcast_shapes(*[a.data.shape for a in args])
    dev = args[0].device
    return Column(out_type, torch.zeros(shape, dtype=out_type.torch_dtype, device=dev),
                  torch.zeros(shape, dtype=torch.bool, device=dev),
                  Dictionary(np.array([], dtype=object)) if out_type.is_string else None)


def _scalar(col: Column):
    return str(C.dict_values(col)[0]) if col.type.is_string else col.data.item()


def _call(fn, values: list, n: int, out_type):
    """(result array, bad mask or None, message) of fn over n distinct values."""
    if n == 0:
        return np.zeros(0, dtype=object if out_type.is_string else np.float64), None, None
    out = fn(*values)
    if isinstance(out, tuple):
        out, bad, message = out
        return out, (np.asarray(bad, dtype=bool) if np.any(bad) else None), message
    return out, None, None


def _on_dictionary(col: Column, e: Call, consts: tuple, fn, out_type) -> Column:
    def compute():
        vals = np.asarray(C.dict_values(col), dtype=object).astype(_STR)
        out, bad, message = _call(fn, [vals, *consts], len(vals), out_type)
        bad = None if bad is None else torch.from_numpy(np.broadcast_to(bad, (len(vals),)).copy()).to(col.device)
        if out_type.is_string:
            return C._dictionary_map(col, np.asarray(out, dtype=object)), bad, message
        return torch.from_numpy(np.asarray(out)).to(col.device), bad, message
    result, bad, message = C._memo(col, (e.op, e.params, consts), compute)
    if bad is not None:
        C._out_of_range(C.per_entry(col, bad, T.BOOLEAN).data, col.validity, message)
    return C._recode(col, *result) if out_type.is_string else C.per_entry(col, result, out_type)


def _on_tuples(args: list[Column], fn, out_type, valid) -> Column:
    """fn once per distinct tuple of argument values (a NULL row's numbers count as zeros)."""
    shape = torch.broadcast_shapes(*[a.data.shape for a in args])
    dev = args[0].device
    key, parts = None, []
    for a in args:
        if a.type.is_string:
            vals = C.dict_values(a)
            inv = C.gather_codes(a, len(vals)).expand(shape).reshape(-1).long()
            parts.append((inv, np.asarray(vals, dtype=object).astype(_STR)))
            n = max(len(vals), 1)
        else:
            data = a.data if valid is None else torch.where(valid, a.data, torch.zeros_like(a.data))
            flat = data.expand(shape).reshape(-1)
            floats = flat.is_floating_point()  # distinct by bits: -0.0 prints apart from 0.0
            uniq, inv = torch.unique(flat.to(torch.float64).view(torch.int64) if floats else flat, return_inverse=True)
            parts.append((inv, (uniq.view(torch.float64) if floats else uniq).cpu().numpy()))
            n = max(len(uniq), 1)
        key = torch.unique(inv if key is None else key * n + inv, return_inverse=True)[1]  # dense: < rows**2
    ndistinct = int(key.max()) + 1 if key.numel() else 0
    first = torch.full((ndistinct,), key.numel(), dtype=torch.int64, device=dev).scatter_reduce(
        0, key, torch.arange(key.numel(), device=dev), reduce="amin")
    at = first.cpu().numpy()
    out, bad, message = _call(fn, [v[inv.cpu().numpy()[at]] for inv, v in parts], ndistinct, out_type)
    key = key.reshape(shape)
    if bad is not None:
        C._out_of_range(torch.from_numpy(bad.copy()).to(dev)[key], valid, message)  # (bad may be a read-only broadcast)
    if out_type.is_string:
        uniq, mapping = S.remap(np.asarray(out, dtype=object)) if ndistinct else (np.array([], dtype=object), np.zeros(1, np.int32))
        return Column(T.VARCHAR, torch.from_numpy(mapping).to(dev)[key], None, Dictionary(uniq))
    data = torch.from_numpy(np.asarray(out)).to(dev) if ndistinct else torch.zeros(1, dtype=out_type.torch_dtype, device=dev)
    return Column(out_type, data[key].to(out_type.torch_dtype))


# ---------------------------------------------------------------- value functions

def _chars(s) -> np.ndarray:
    return np.strings.str_len(s).astype(np.int64)


def _clip(x):
    return np.clip(np.asarray(x, dtype=np.int64), -(2**40), 2**40)  # no overflow in start + length


def _slice(s, begin0, end0):
    """Characters [begin0, end0) (0-based, arrays or scalars, clipped to each string)."""
    n = _chars(s)
    begin0 = np.clip(begin0, 0, n)
    return np.strings.slice(s, begin0, np.clip(np.maximum(end0, begin0), 0, n))


def substring(s, start, length=None):
    n = _chars(s)
    start = _clip(start)
    start = np.where(start < 0, n + start + 1, start)  # negative: from the end
    if length is None:
        begin, end = start, n + 1
    else:
        length = _clip(length)
        begin, end = np.where(length >= 0, start, start + length), np.where(length >= 0, start + length, start)
    return _slice(s, np.maximum(begin, 1) - 1, np.minimum(end, n + 1) - 1)


def left(s, k):
    k, n = _clip(k), _chars(s)
    return _slice(s, 0, np.where(k >= 0, np.minimum(n, k), n + k))


def right(s, k):
    k, n = _clip(k), _chars(s)
    return _slice(s, np.where(k >= 0, n - k, -k), n)


def _trim(strip, method):
    def trim(s, chars=" "):
        if np.ndim(chars) == 0 and str(chars).isascii():
            return strip(s, chars) if chars else s
        # (numpy's strip misses non-ASCII characters to remove: Python per distinct value)
        return np.array(_each(lambda v, c: getattr(v, method)(c) if c else v, s, chars), dtype=object)
    return trim


def reverse(s):
    return np.asarray(S.reverse(np.asarray(s, dtype=object)), dtype=object)


def strpos(s, needle):
    return (np.strings.find(s, needle) + 1).astype(np.int64)


def replace(s, old, new):
    return np.where(np.strings.str_len(old) > 0, np.strings.replace(s, np.where(old == "", "\0", old), new), s)


def _pad(left_side):
    def pad(s, width, fill):
        width, n = np.maximum(_clip(width), 0), _chars(s)
        need = np.maximum(width - n, 0)
        flen = np.strings.str_len(fill).astype(np.int64)
        bad = (need > 0) & (flen == 0)
        fill = np.where(flen == 0, " ", fill)  # (the values that fail get a placeholder)
        reps = need // np.maximum(flen, 1) + 1
        padding = _slice(np.strings.multiply(fill, reps), 0, need)
        cut = _slice(s, 0, width)
        out = np.strings.add(padding, cut) if left_side else np.strings.add(cut, padding)
        return out, bad, f"Insufficient padding in {'LPAD' if left_side else 'RPAD'}"
    return pad


def split_part(s, delimiter, index):
    """The index-th part (1-based; negative counts from the end); '' past the ends. An empty
    delimiter splits into characters."""
    def one(v, d, i):
        parts = v.split(d) if d else list(v) or [""]
        k = i - 1 if i > 0 else len(parts) + i
        return parts[k] if i != 0 and 0 <= k < len(parts) else ""
    return np.array(_each(one, s, delimiter, index), dtype=object)


def repeat(s, times):
    times = np.maximum(_clip(times), 0)
    if np.any(_chars(s) * times > 2**31):
        raise DataError("repeat() result is too large")
    return np.strings.multiply(s, times)


def ascii(s):
    """The first character's code point (0 for ''), as DuckDB's ascii()."""
    first = np.asarray(_slice(s, 0, 1), dtype=object)
    return np.array([ord(c) if c else 0 for c in first.tolist()], dtype=np.int32)


def chr_(code):
    code = np.asarray(code, dtype=np.int64)
    bad = (code < 0) | (code > 0x10FFFF) | ((code >= 0xD800) & (code <= 0xDFFF))
    first_bad = int(code.reshape(-1)[np.argmax(bad.reshape(-1))]) if bad.any() else 0
    out = np.array([chr(c) for c in np.where(bad, 32, code).reshape(-1).tolist()], dtype=object)
    return out, bad, f"Invalid UTF8 Codepoint {first_bad}"


def md5(s):
    return np.array([hashlib.md5(v.encode("utf-8")).hexdigest() for v in np.asarray(s, dtype=object).tolist()],
                    dtype=object)


def _one_letter(c: str, method: str) -> str:
    """Unicode's simple (one-letter) case mapping of c, which DuckDB's upper/lower use where
    Python's full mapping gives several letters ('ß'.upper() is 'SS'; DuckDB gives 'ẞ')."""
    full = getattr(c, method)()
    if len(full) == 1:
        return full
    if c == "ß":
        return "ẞ"
    if c == "İ":
        return "i"
    title = c.title()  # the Greek letters with iota subscript map to their title case forms
    return title if method == "upper" and len(title) == 1 else c


def _simple_case(method: str):
    full = getattr(np.strings, method)

    def fn(s):
        out = full(s)
        odd = np.strings.str_len(out) != np.strings.str_len(s)  # only a several-letter mapping changes lengths
        if method == "lower":  # ... or Python's final sigma, which DuckDB does not make
            odd = odd | (np.strings.find(s, "Σ") >= 0)
        if odd.any():
            out = np.asarray(out, dtype=object)
            out[odd] = ["".join(_one_letter(c, method) for c in v) for v in np.asarray(s, dtype=object)[odd].tolist()]
        return out
    return fn


def _bytes(s):
    return np.array([len(v.encode("utf-8")) for v in np.asarray(s, dtype=object).tolist()], dtype=np.int64)


# ---------------------------------------------------------------- regular expressions

_FLAGS = {"c": 0, "i": re.IGNORECASE, "s": re.DOTALL, "m": 0, "n": 0, "p": 0, "l": 0, "g": 0}


def _regex(pattern: str, options: str = "", allow_global: bool = False) -> re.Pattern:
    flags = 0
    for ch in options:
        if ch not in _FLAGS or ch == "g" and not allow_global:
            raise DataError(f"Unrecognized Regex option {ch}")
        flags = flags & ~re.IGNORECASE if ch == "c" else flags | _FLAGS[ch]
    try:
        return re.compile(re.escape(pattern) if "l" in options else pattern, flags)
    except re.error as err:
        raise DataError(f"invalid regular expression {pattern!r}: {err}") from None


def _rewrite(replacement: str, groups: int):
    """DuckDB's (RE2's) replacement string, \\0 to \\9 naming groups, as a match -> text function."""
    parts, i = [], 0
    while i < len(replacement):
        ch = replacement[i]
        if ch == "\\" and i + 1 < len(replacement):
            nxt = replacement[i + 1]
            if nxt.isdigit():
                if int(nxt) > groups:
                    raise DataError(f"Invalid replacement string for regexp_replace: it names group {nxt}, "
                                    f"but the pattern has {groups}")
                parts.append(int(nxt))
            else:
                parts.append(nxt)
            i += 2
            continue
        parts.append(ch)
        i += 1
    return lambda m: "".join(p if isinstance(p, str) else m.group(p) or "" for p in parts)


def _each(fn, *arrays):
    """fn over the broadcast distinct value tuples (Python per distinct tuple, not per row)."""
    cols = np.broadcast_arrays(*[np.asarray(a, dtype=object) for a in arrays])
    return [fn(*t) for t in zip(*[c.reshape(-1).tolist() for c in cols])]


def regexp_matches(s, pattern, options=""):
    return np.array(_each(lambda v, p, o: _regex(p, o).search(v) is not None, s, pattern, options), dtype=bool)


def regexp_full_match(s, pattern, options=""):
    return np.array(_each(lambda v, p, o: _regex(p, o).fullmatch(v) is not None, s, pattern, options), dtype=bool)


def regexp_replace(s, pattern, replacement, options=""):
    def one(v, p, r, o):
        rx = _regex(p, o, allow_global=True)
        return rx.sub(_rewrite(r, rx.groups), v, count=0 if "g" in o else 1)
    return np.array(_each(one, s, pattern, replacement, options), dtype=object)


def regexp_extract(s, pattern, group=0, options=""):
    def one(v, p, g, o):
        if not 0 <= g <= 9:
            raise DataError("Group index must be between 0 and 9!")
        m = _regex(p, o).search(v)
        return (m.group(g) or "") if m is not None and g <= len(m.groups()) else ""
    return np.array(_each(one, s, pattern, group, options), dtype=object)


def _regexp_extract_bind(*args):
    """regexp_extract(s, pattern [, group | [names]] [, options]): a list of names gives a
    STRUCT of the groups; a string third argument is the options."""
    arity("regexp_extract", args, 2, 4)
    args = list(args)
    if len(args) == 3 and args[2].type.is_string:
        args = [args[0], args[1], Lit(0, T.INTEGER), args[2]]
    if len(args) > 2 and isinstance(args[2], Lit) and args[2].value is None:  # a NULL group: '', as DuckDB gives
        from ..sql import expressions as X
        subject = X.cast(args[0], V) if args[0].type.kind == "NULL" else args[0]
        return X.case([Call("is_null", (subject,), BOOL)], [Lit(None, V), Lit("", V)])
    if len(args) > 2 and isinstance(args[2], Lit) and args[2].type.kind == "LIST":
        names = [] if args[2].value is None else args[2].value.value
        if not names or not all(isinstance(n, str) for n in names):
            raise ProgrammingError("regexp_extract() takes a list of group names as strings")
        if isinstance(args[1], Lit) and isinstance(args[1].value, str):
            options = args[3].value if len(args) > 3 and isinstance(args[3], Lit) and isinstance(args[3].value, str) else ""
            if _regex(args[1].value, options).groups < len(names):
                raise ProgrammingError(f"Not enough capturing groups for the {len(names)} names given")
        groups = [_plain_extract(args[0], args[1], Lit(i + 1, T.INTEGER), *args[3:]) for i in range(len(names))]
        t = T.STRUCT([(n, V) for n in names])
        if any(isinstance(g, Lit) and g.value is None for g in groups):
            return Lit(None, t)
        return Call("#struct_unless_null", (args[0], *groups), t)
    return _plain_extract(*args)



# ---------------------------------------------------------------- entries

V, B, I, BOOL = T.VARCHAR, T.BIGINT, T.INTEGER, T.BOOLEAN
_S1 = ("VARCHAR",)
_S2 = ("VARCHAR", "VARCHAR")


def _entry(name, params, result, fn, description, example, aliases=(), nodes=(), node_args=None, bind=None):
    register(Function(name, _signature(name, params, result), description, example,
                      bind or strict(name, params, result), per_distinct(fn, result), aliases, nodes,
                      per_entry=params[0] == "VARCHAR", family="string"), node_args)


def _signature(name, params, result) -> str:
    shown = ", ".join(f"[{p[:-1]}]" if p.endswith("?") else p for p in params)
    return f"{name}({shown}) → {result}"


def _named(chooser):
    """node_args for a sqlglot class that stands for several functions."""
    return lambda node: (chooser(node), node_arguments(node))


def _checked_pattern(name, params, result, allow_global=False):
    """strict binding that also compiles a constant pattern, so a bad one fails over no rows too."""
    bind = strict(name, params, result)

    def checked(*args):
        out = bind(*args)
        p, o = args[1] if len(args) > 1 else None, args[len(params) - 1] if len(args) == len(params) else None
        if isinstance(p, Lit) and isinstance(p.value, str) and params[-1] == "VARCHAR?":
            opts = o.value if isinstance(o, Lit) and isinstance(o.value, str) else ""
            _regex(p.value, opts, allow_global)
        elif isinstance(p, Lit) and isinstance(p.value, str):
            _regex(p.value)
        return out
    return checked


_entry("upper", _S1, V, _simple_case("upper"), "Upper case (Unicode's one-letter mappings: 'ß' becomes 'ẞ', as in DuckDB).",
       "upper('Hello') → 'HELLO'", ("ucase",), (exp.Upper,))
_entry("lower", _S1, V, _simple_case("lower"), "Lower case (Unicode's one-letter mappings).", "lower('Hello') → 'hello'",
       ("lcase",), (exp.Lower,))
_entry("length", _S1, B, _chars, "Number of characters (code points).", "length('héllo') → 5",
       ("char_length", "character_length", "len"), (exp.Length,))
_entry("strlen", _S1, B, _bytes, "Number of bytes in UTF-8.", "strlen('héllo') → 6")
_entry("bit_length", _S1, B, lambda s: _bytes(s) * 8, "Number of bits in UTF-8.", "bit_length('abc') → 24",
       nodes=(exp.BitLength,))
_entry("octet_length", _S1, B, _bytes, "Bytes of a BLOB; tqp has no BLOB, and DuckDB refuses a VARCHAR here too.",
       "octet_length(blob)", bind=lambda *a: (_ for _ in ()).throw(
           ProgrammingError("octet_length() takes a BLOB; strlen() gives a VARCHAR's bytes")))
_entry("substring", ("VARCHAR", "BIGINT", "BIGINT?"), V, substring,
       "Characters from a 1-based start (negative: from the end), optionally that many.",
       "substring('hello', 2, 3) → 'ell'", ("substr",), (exp.Substring,),
       bind=strict("substring", ("VARCHAR", "BIGINT", "BIGINT?"), V, "substring(string, start[, length])"))
_entry("left", ("VARCHAR", "BIGINT"), V, left, "The first n characters (n < 0: all but the last -n).",
       "left('hello', 2) → 'he'", nodes=(exp.Left,))
_entry("right", ("VARCHAR", "BIGINT"), V, right, "The last n characters (n < 0: all but the first -n).",
       "right('hello', 2) → 'lo'", nodes=(exp.Right,))
_entry("trim", ("VARCHAR", "VARCHAR?"), V, _trim(np.strings.strip, "strip"),
       "Remove the given characters (default: spaces) from both ends.", "trim('xxhixx', 'x') → 'hi'",
       nodes=(exp.Trim,), node_args=_named(lambda n: {"LEADING": "ltrim", "TRAILING": "rtrim"}.get(
           (n.args.get("position") or "BOTH").upper(), "trim")))
_entry("ltrim", ("VARCHAR", "VARCHAR?"), V, _trim(np.strings.lstrip, "lstrip"), "trim() at the start only.",
       "ltrim('  hi') → 'hi'")
_entry("rtrim", ("VARCHAR", "VARCHAR?"), V, _trim(np.strings.rstrip, "rstrip"), "trim() at the end only.",
       "rtrim('hi  ') → 'hi'")
_entry("replace", ("VARCHAR", "VARCHAR", "VARCHAR"), V, replace, "Every occurrence of a string replaced.",
       "replace('banana', 'an', 'AN') → 'bANANa'", nodes=(exp.Replace,))
_entry("reverse", _S1, V, reverse, "Characters in reverse order (by code point; DuckDB reverses grapheme clusters).",
       "reverse('abc') → 'cba'", nodes=(exp.Reverse,))
_entry("strpos", _S2, B, strpos, "1-based character position of the first occurrence, 0 if none.",
       "strpos('hello', 'l') → 3", ("instr", "position"), (exp.StrPosition,),
       node_args=lambda n: ("strpos", [n.this, n.args["substr"]] + (
           [n.args["position"]] if n.args.get("position") is not None else [])))
_entry("lpad", ("VARCHAR", "BIGINT", "VARCHAR"), V, _pad(True),
       "Pad on the left with the fill to n characters (or cut to n).", "lpad('7', 3, '0') → '007'",
       nodes=(exp.Pad,), node_args=_named(lambda n: "lpad" if n.args.get("is_left") else "rpad"))
_entry("rpad", ("VARCHAR", "BIGINT", "VARCHAR"), V, _pad(False),
       "Pad on the right with the fill to n characters (or cut to n).", "rpad('7', 3, '0') → '700'")
_entry("split_part", ("VARCHAR", "VARCHAR", "BIGINT"), V, split_part,
       "The n-th part split by the delimiter (negative n: from the end; '' past the ends).",
       "split_part('a,b,c', ',', 2) → 'b'", nodes=(exp.SplitPart,))
_entry("starts_with", _S2, BOOL, np.strings.startswith, "Whether the string starts with the prefix (also `s ^@ prefix`).",
       "starts_with('hello', 'he') → true", ("prefix",), (exp.StartsWith,))
_entry("ends_with", _S2, BOOL, np.strings.endswith, "Whether the string ends with the suffix.",
       "ends_with('hello', 'lo') → true", ("suffix",), (exp.EndsWith,))
def _or_for_lists(name, for_list, for_map=None):
    """strict VARCHAR binding, or `for_list(args)` when the first argument is a LIST (and
    `for_map` for a MAP), as DuckDB's overloads."""
    on_strings = strict(name, ("VARCHAR",) * 2 if name == "contains" else ("VARCHAR", "BIGINT"), BOOL if name == "contains" else V)

    def bind(*args):
        kind = args[0].type.kind if args else None
        if kind == "LIST":
            return for_list(*args)
        if kind == "MAP" and for_map is not None:
            return for_map(*args)
        return on_strings(*args)
    return bind


_entry("contains", _S2, BOOL, lambda s, n: np.strings.find(s, n) >= 0, "Whether the string contains the other "
       "(a LIST the element, a MAP the key).", "contains('hello', 'ell') → true", nodes=(exp.Contains,),
       node_args=lambda n: ("contains", [n.this, n.expression]),
       bind=_or_for_lists("contains", lambda *a: _lookup_bind("list_contains", *a), lambda *a: _lookup_bind("map_contains", *a)))
_entry("repeat", ("VARCHAR", "BIGINT"), V, repeat, "The string (or LIST) repeated n times.", "repeat('ab', 3) → 'ababab'",
       nodes=(exp.Repeat,), bind=_or_for_lists("repeat", lambda *a: _lookup_bind("#list_repeat", *a)))


def _lookup_bind(name, *args):
    from . import FUNCTIONS
    return FUNCTIONS[name].bind(*args)
_entry("ascii", _S1, I, ascii, "Code point of the first character (0 for '').", "ascii('A') → 65",
       nodes=(exp.Ascii,))
_entry("chr", ("INTEGER",), V, chr_, "The character with this code point.", "chr(65) → 'A'", nodes=(exp.Chr,))
_entry("md5", _S1, V, md5, "MD5 hash of the UTF-8 bytes, as 32 hex digits.",
       "md5('abc') → '900150983cd24fb0d6963f7d28e17f72'", nodes=(exp.MD5,))
_entry("translate", ("VARCHAR", "VARCHAR", "VARCHAR"), V, lambda s, f, t: np.array(_each(
           lambda v, a, b: v.translate({ord(c): (b[i] if i < len(b) else None) for i, c in reversed(list(enumerate(a)))}),
           s, f, t), dtype=object),
       "Each character of `from` replaced by the one at its position in `to` (dropped past its end).",
       "translate('hello', 'el', 'ip') → 'hippo'", nodes=(exp.Translate,))
_entry("regexp_matches", ("VARCHAR", "VARCHAR", "VARCHAR?"), BOOL, regexp_matches,
       "Whether the pattern matches anywhere; options: i (ignore case), c, s (. matches newline), l (literal).",
       "regexp_matches('abc', 'b.') → true", ("regexp_like",), (exp.RegexpLike,),
       bind=_checked_pattern("regexp_matches", ("VARCHAR", "VARCHAR", "VARCHAR?"), BOOL))
_entry("regexp_full_match", ("VARCHAR", "VARCHAR", "VARCHAR?"), BOOL, regexp_full_match,
       "Whether the pattern matches the whole string.", "regexp_full_match('abc', 'a.c') → true",
       nodes=(exp.RegexpFullMatch,),
       bind=_checked_pattern("regexp_full_match", ("VARCHAR", "VARCHAR", "VARCHAR?"), BOOL))
_entry("regexp_replace", ("VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR?"), V, regexp_replace,
       "The first match (every match with option g) replaced; \\1 names a group.",
       "regexp_replace('a1b2', '[0-9]', '#', 'g') → 'a#b#'", nodes=(exp.RegexpReplace,),
       bind=_checked_pattern("regexp_replace", ("VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR?"), V, True))
_plain_extract = _checked_pattern("regexp_extract", ("VARCHAR", "VARCHAR", "INTEGER?", "VARCHAR?"), V)
_entry("regexp_extract", ("VARCHAR", "VARCHAR", "INTEGER?", "VARCHAR?"), V, regexp_extract,
       "The first match, or its group n; '' when none. With a list of names: a STRUCT of the groups.",
       "regexp_extract('abc123', '[a-z]+([0-9]+)', 1) → '123'", nodes=(exp.RegexpExtract,), bind=_regexp_extract_bind,
       node_args=lambda n: ("regexp_extract", [a for a in (n.this, n.expression, n.args.get("group"), n.args.get("parameters"))
                                               if a is not None]))
