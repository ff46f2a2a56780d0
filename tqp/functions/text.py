"""More string functions of DuckDB's library: edit distances and similarities, code points,
SHA hashes, URL escapes, accents and normalization, regexp_escape / regexp_extract_all, LIKE
with an escape character as a function, overlay(), bar() and byte sizes. Like the functions of
strings.py each runs once per dictionary entry, or per distinct tuple of its arguments.

>>> import tqp
>>> con = tqp.connect()
>>> con.execute("SELECT levenshtein('kitten', 'sitting'), url_encode('a b'), format_bytes(16000)").fetchall()
[(3, 'a%20b', '15.6 KiB')]
"""
from __future__ import annotations

import hashlib
import unicodedata
import urllib.parse

import numpy as np
import pyarrow as pa
from sqlglot import exp

from .. import types as T
from ..errors import DataError
from ..plan.nodes import Call, Lit
from . import Function, register
from .signature import arity, coerce, is_null, rewrite
from .strings import _chars, _clip, _each, _entry, _regex, _slice

V, B, D = T.VARCHAR, T.BIGINT, T.DOUBLE


def _pairs(fn, dtype, message=None):
    """fn(a, b) over the distinct (a, b) pairs; `message` when fn returns None for a pair it
    cannot take (only a row that reaches one fails)."""
    def run(a, b, *more):
        out = _each(fn, a, b, *more)
        if message is None:
            return np.array(out, dtype=dtype)
        bad = np.array([v is None for v in out])
        return np.array([0 if v is None else v for v in out], dtype=dtype), bad, message
    return run


def levenshtein(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def damerau_levenshtein(a: str, b: str) -> int:
    """The distance with transpositions of adjacent characters anywhere (the unrestricted
    form, as DuckDB computes it)."""
    inf = len(a) + len(b)
    last: dict[str, int] = {}
    d = [[inf] * (len(b) + 2)] + [[inf] + list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        d.append([inf, i] + [0] * len(b))
        seen = 0
        for j in range(1, len(b) + 1):
            k, cost = last.get(b[j - 1], 0), a[i - 1] != b[j - 1]
            d[i + 1][j + 1] = min(d[i][j] + cost, d[i + 1][j] + 1, d[i][j + 1] + 1,
                                  d[k][seen] + (i - k - 1) + 1 + (j - seen - 1))
            if not cost:
                seen = j
        last[a[i - 1]] = i
    return d[-1][-1]


def jaro(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    window = max(max(len(a), len(b)) // 2 - 1, 0)
    used = [False] * len(b)
    matched = []
    for i, c in enumerate(a):
        for j in range(max(0, i - window), min(len(b), i + window + 1)):
            if not used[j] and b[j] == c:
                used[j] = True
                matched.append(c)
                break
    m = len(matched)
    if m == 0:
        return 0.0
    other = [c for c, u in zip(b, used) if u]
    transpositions = sum(x != y for x, y in zip(matched, other)) / 2
    return (m / len(a) + m / len(b) + (m - transpositions) / m) / 3


def jaro_winkler(a: str, b: str, threshold: float = 0.7) -> float:
    sim = jaro(a, b)
    if sim <= threshold:
        return sim
    prefix = 0
    for x, y in zip(a[:4], b[:4]):
        if x != y:
            break
        prefix += 1
    return sim + prefix * 0.1 * (1 - sim)


def jaccard(a: str, b: str):
    if not a or not b:
        return None
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb)


def hamming(a: str, b: str):
    return None if len(a) != len(b) or not a else sum(x != y for x, y in zip(a, b))


_entry("levenshtein", ("VARCHAR", "VARCHAR"), B, _pairs(levenshtein, np.int64),
       "Edits (insertions, deletions, substitutions of a character) turning one string into the other.",
       "levenshtein('kitten', 'sitting') → 3", ("editdist3",), (exp.Levenshtein,))
_entry("damerau_levenshtein", ("VARCHAR", "VARCHAR"), B, _pairs(damerau_levenshtein, np.int64),
       "levenshtein() counting a swap of two adjacent characters as one edit.", "damerau_levenshtein('ab', 'ba') → 1")
_entry("hamming", ("VARCHAR", "VARCHAR"), B, _pairs(hamming, np.int64, "Mismatch Function: Strings must be of equal length, and not empty!"),
       "Positions at which two strings of equal length differ.", "hamming('duck', 'luck') → 1", ("mismatches",))
_entry("jaccard", ("VARCHAR", "VARCHAR"), D, _pairs(jaccard, np.float64, "Jaccard Function: An argument too short!"),
       "Jaccard similarity of the strings' sets of characters.", "jaccard('duck', 'luck') → 0.6")
_entry("jaro_similarity", ("VARCHAR", "VARCHAR", "DOUBLE?"), D,
       lambda a, b, t=0.0: _pairs(lambda x, y, z: s if (s := jaro(x, y)) >= z else 0.0, np.float64)(a, b, t),
       "Jaro similarity, 0 to 1 (0 below the optional threshold).", "jaro_similarity('duck', 'duckdb') → 0.888…")
_entry("jaro_winkler_similarity", ("VARCHAR", "VARCHAR", "DOUBLE?"), D,
       lambda a, b, t=0.0: _pairs(lambda x, y, z: s if (s := jaro_winkler(x, y)) >= z else 0.0, np.float64)(a, b, t),
       "Jaro-Winkler similarity, 0 to 1: Jaro's, raised for a common prefix (0 below the optional threshold).",
       "jaro_winkler_similarity('duck', 'duckdb') → 0.933…", nodes=(exp.JarowinklerSimilarity,))


# ---------------------------------------------------------------- code points, hashes, escapes

def _map(fn, dtype=object):
    return lambda s: np.array([fn(v) for v in np.asarray(s, dtype=object).tolist()], dtype=dtype)


def _hash(name):
    return _map(lambda v: hashlib.new(name, v.encode("utf-8")).hexdigest())


def strip_accents(v: str) -> str:
    return unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", v)
                                                if not unicodedata.combining(c)))


def regexp_escape(v: str) -> str:
    """RE2's QuoteMeta: a backslash before every ASCII character but letters, digits and _."""
    return "".join(c if c.isascii() and (c.isalnum() or c == "_") or not c.isascii() else
                   ("\\x00" if c == "\0" else "\\" + c) for c in v)


_entry("unicode", ("VARCHAR",), T.INTEGER, _map(lambda v: ord(v[0]) if v else -1, np.int32),
       "Code point of the first character (-1 for '').", "unicode('é') → 233", ("ord",), (exp.Unicode,))
_entry("sha1", ("VARCHAR",), V, _hash("sha1"), "SHA-1 hash of the UTF-8 bytes, as hex digits.",
       "sha1('abc') → 'a9993e…'", nodes=(exp.SHA,))
_entry("sha256", ("VARCHAR",), V, _hash("sha256"), "SHA-256 hash of the UTF-8 bytes, as hex digits.",
       "sha256('abc') → 'ba7816…'", nodes=(exp.SHA2,), node_args=lambda node: ("sha256", [node.this]))
_entry("url_encode", ("VARCHAR",), V, _map(lambda v: urllib.parse.quote(v, safe="")),
       "Percent-encoding of every byte but letters, digits and -_.~", "url_encode('a b') → 'a%20b'")
_entry("url_decode", ("VARCHAR",), V, _map(lambda v: urllib.parse.unquote(v, errors="strict")),
       "Percent-escapes decoded (a malformed one stays as it is).", "url_decode('a%20b') → 'a b'")
_entry("strip_accents", ("VARCHAR",), V, _map(strip_accents), "Accents (combining marks) removed.",
       "strip_accents('café') → 'cafe'")
_entry("nfc_normalize", ("VARCHAR",), V, _map(lambda v: unicodedata.normalize("NFC", v)),
       "Unicode normalization form C.", "nfc_normalize('e\u0301') → 'é'")
_entry("regexp_escape", ("VARCHAR",), V, _map(regexp_escape), "The string with regular-expression "
       "metacharacters (every ASCII character but letters, digits and _) escaped.", "regexp_escape('a.b') → 'a\\.b'")


# ---------------------------------------------------------------- bar() and byte sizes

_BLOCKS = " ▏▎▍▌▋▊▉"


def bar(x, low, high, width=80.0):
    def one(v, lo, hi, w):
        if not np.isfinite(w) or w < 1 or w > 1000:
            return None
        size = 0.0 if np.isnan(v) or np.isnan(lo) or np.isnan(hi) or v <= lo else w if v >= hi else w * (v - lo) / (hi - lo)
        eighths = int(size * 8)
        out = "█" * (eighths // 8) + (_BLOCKS[eighths % 8] if eighths % 8 else "")
        return out + " " * max(int(w) - len(out), 0)
    out = _each(one, x, low, high, width)
    bad = np.array([v is None for v in out])
    return np.array(["" if v is None else v for v in out], dtype=object), bad, "Max bar width must be between 1 and 1000"


def bytes_text(n: int, multiplier: int) -> str:
    """DuckDB's human-readable size: one decimal, truncated, in the largest unit reached."""
    units = ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB") if multiplier == 1024 else ("bytes", "kB", "MB", "GB", "TB", "PB")
    sign, n = ("-" if n < 0 else ""), abs(n)
    parts = [n]
    for _ in units[1:]:
        parts.append(parts[-1] // multiplier)
        parts[-2] %= multiplier
    for i in range(len(units) - 1, 0, -1):
        if parts[i]:
            return f"{sign}{parts[i]}.{parts[i - 1] * 10 // multiplier} {units[i]}"
    return f"{sign}{n} {'byte' if n == 1 else 'bytes'}"


_entry("bar", ("DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE?"), V, bar,
       "A bar of block characters, width characters wide when x reaches max (default 80).", "bar(5, 0, 20, 8) → '██      '")
_entry("format_bytes", ("BIGINT",), V, _map(lambda n: bytes_text(int(n), 1024)),
       "A byte count in KiB, MiB, ... (powers of 1024), one decimal.", "format_bytes(16000) → '15.6 KiB'",
       ("formatreadablesize",))
_entry("formatreadabledecimalsize", ("BIGINT",), V, _map(lambda n: bytes_text(int(n), 1000)),
       "A byte count in kB, MB, ... (powers of 1000), one decimal.", "formatReadableDecimalSize(16000) → '16.0 kB'")


def string_slice(s, begin, end):
    """Characters begin..end, both included and 1-based, negative ones counting from the end
    (0 as begin: the start), as a list slice counts."""
    n = _chars(s)
    begin, end = _clip(begin), _clip(end)
    lo = np.where(begin > 0, begin - 1, np.where(begin == 0, 0, np.maximum(n + begin, 0)))
    hi = np.where(end >= 0, np.minimum(end, n), n + end + 1)
    return _slice(s, lo, hi)


_entry("#string_slice", ("VARCHAR", "BIGINT", "BIGINT"), V, string_slice, "s[begin:end] of a string (array_slice).",
       "'hello'[2:3] → 'el'")


# ---------------------------------------------------------------- written as other SQL

def _raw(name, signature, description, example, bind, nodes=(), node_args=None, aliases=()):
    register(Function(name, signature, description, example, bind, aliases=aliases, nodes=nodes, raw=True,
                      family="string"), node_args)


_raw("overlay", "overlay(VARCHAR s PLACING VARCHAR r FROM BIGINT k [FOR BIGINT n]) → VARCHAR",
     "s with its n characters from the k-th (default: as many as r has) replaced by r.",
     "overlay('hello' PLACING 'XY' FROM 2 FOR 3) → 'hXYo'",
     rewrite("overlay", ("substring(__s, 1, __k - 1) || __r || substring(__s, __k + length(__r))",
                          "substring(__s, 1, __k - 1) || __r || substring(__s, __k + __n)"), ("__s", "__r", "__k", "__n"), 1),
     nodes=(exp.Overlay,), node_args=lambda n: ("overlay", [a for a in (n.this, n.expression, n.args.get("from_"),
                                                                        n.args.get("for_")) if a is not None]))
for _name, _sql in (("like_escape", "__s LIKE __p ESCAPE '__e'"), ("not_like_escape", "__s NOT LIKE __p ESCAPE '__e'"),
                    ("ilike_escape", "__s ILIKE __p ESCAPE '__e'"), ("not_ilike_escape", "__s NOT ILIKE __p ESCAPE '__e'")):
    _raw(_name, f"{_name}(VARCHAR s, VARCHAR pattern, VARCHAR escape) → BOOLEAN", "`" + _sql.replace("__", "").replace("'", "") + "`.",
         f"{_name}('a%c', 'a$%c', '$')", rewrite(_name, _sql, ("__s", "__p", "__e")))


def _extract_all_bind(*args):
    arity("regexp_extract_all", args, 2, 4)
    typed = [coerce("regexp_extract_all", i + 1, a, k) for i, (a, k) in enumerate(zip(args, ("VARCHAR", "VARCHAR", "INTEGER", "VARCHAR")))]
    if isinstance(typed[1], Lit) and isinstance(typed[1].value, str):
        _regex(typed[1].value, typed[3].value if len(typed) > 3 and isinstance(typed[3].value, str) else "")
    if any(is_null(a) for a in typed):
        return Lit(None, T.LIST(V))
    return Call("regexp_extract_all", tuple(typed), T.LIST(V))


def _extract_all_kernel(args, e, ctx):
    """Once per distinct argument tuple: every non-overlapping match (or its group)."""
    from .lists import _texts, each_tuple
    from .nested import _encode

    def one(s, p, g, o):
        if s is None or p is None or g is None or o is None:
            return None
        rx = _regex(p, o)
        if not 0 <= g <= rx.groups:
            raise DataError(f"Pattern has fewer than {g} groups" if g > 0 else "Group index must not be negative")
        return [m.group(g) or "" for m in rx.finditer(s)]

    def compute(cols):
        n = len(cols[0])
        texts = [_texts(c) if c.type.is_string else c.data.tolist() for c in cols]
        groups = texts[2] if len(cols) > 2 else [0] * n
        options = texts[3] if len(cols) > 3 else [""] * n
        lists = [one(*t) for t in zip(texts[0], texts[1], groups, options)]
        return _encode(pa.array(lists, pa.list_(pa.string())), e.type, cols[0].device)
    return each_tuple(args, compute)


register(Function("regexp_extract_all", "regexp_extract_all(VARCHAR s, VARCHAR pattern [, INTEGER group [, VARCHAR options]]) "
                  "→ VARCHAR[]", "Every non-overlapping match of the pattern (or of its group).",
                  "regexp_extract_all('a1b22', '[0-9]+') → ['1', '22']", _extract_all_bind, _extract_all_kernel,
                  nodes=(exp.RegexpExtractAll,), family="string"))
