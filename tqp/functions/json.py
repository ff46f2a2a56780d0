"""JSON functions, as DuckDB's json extension has them: JSON values are text (VARCHAR), and each
function parses and walks each distinct document once (per dictionary entry), never per row.

Paths are JSONPath (`$.a.b[0]`, `$[#-1]` for the last element), JSON pointers (`/a/0`) or a
plain key; `->` gives JSON, `->>` text.

>>> import tqp
>>> con = tqp.connect()
>>> con.execute('''SELECT j -> '$.a[1]', j ->> 'b', json_type(j, 'a'), json_array_length(j, '$.a')
...                FROM (VALUES ('{"a": [1, 2.50], "b": "x"}')) t(j)''').fetchall()
[('2.5', 'x', 'ARRAY', 2)]
"""
from __future__ import annotations

import json
import re

import numpy as np
import pyarrow as pa
from sqlglot import exp

from .. import types as T
from ..errors import DataError, NotSupportedError, ProgrammingError
from ..column import Column, Dictionary
from ..plan.nodes import Call
from . import Function, register
from .signature import strict
from .strings import _each, per_distinct

_MISSING = object()


class _Number(str):
    """A JSON number as DuckDB writes it back: an integer as written, a double in its shortest
    form (2.50 -> 2.5, 1.0 stays 1.0, 1e300 stays 1e300)."""


def _double(text: str) -> _Number:
    r = repr(float(text))
    mantissa, e, exponent = r.partition("e")
    return _Number(mantissa + e + str(int(exponent)) if e else r)


def _load(text: str):
    """The document, or _INVALID when the text is not JSON."""
    try:
        return json.loads(str(text), parse_float=_double, parse_int=_Number)
    except (json.JSONDecodeError, RecursionError):
        return _INVALID


_INVALID = object()


def dump(v) -> str:
    if v is None:
        return "null"
    if v is True or v is False:
        return "true" if v else "false"
    if isinstance(v, _Number):
        return str.__str__(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ",".join(dump(x) for x in v) + "]"
    return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + dump(x) for k, x in v.items()) + "}"


def _kind(v) -> str:
    if v is None:
        return "NULL"
    if v is True or v is False:
        return "BOOLEAN"
    if isinstance(v, _Number):
        if re.fullmatch(r"-?\d+", v):  # (as yyjson reads them: a non-negative integer is unsigned)
            n = int(v)
            return ("UBIGINT" if n < 2**64 else "DOUBLE") if n >= 0 else ("BIGINT" if n >= -2**63 else "DOUBLE")
        return "DOUBLE"
    return {str: "VARCHAR", list: "ARRAY", dict: "OBJECT"}[type(v)]


_STEP = re.compile(r'\.(?:"((?:[^"\\]|\\.)*)"|([^.\[]+))|\[(#-)?(\d+)\]|\[(\*)\]|\.(\*)')


def _steps(path: str) -> list:
    """A path as keys (str) and indexes (int, or ('last', k) for #-k)."""
    if path.startswith("$"):
        steps, at = [], 1
        while at < len(path):
            m = _STEP.match(path, at)
            if m is None:
                raise DataError(f'JSON path error near "{path[at:at + 10]}" in "{path}"')
            if m.group(5) or m.group(6):
                raise NotSupportedError("JSON path wildcards")
            if m.group(4) is not None:
                steps.append(("last", int(m.group(4))) if m.group(3) else int(m.group(4)))
            else:
                steps.append(m.group(1) if m.group(1) is not None else m.group(2))
            at = m.end()
        return steps
    if path.startswith("/"):
        return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")] if path != "/" else []
    return [path]


def _walk(doc, steps):
    for s in steps:
        if isinstance(doc, dict) and isinstance(s, str):
            doc = doc.get(s, _MISSING)
        elif isinstance(doc, list) and not isinstance(s, str) or isinstance(doc, list) and s.isdigit():
            k = int(s) if isinstance(s, str) else s
            k = len(doc) - k[1] if isinstance(k, tuple) else k
            doc = doc[k] if 0 <= k < len(doc) else _MISSING
        else:
            return _MISSING
        if doc is _MISSING:
            return _MISSING
    return doc


def _per_document(pick, dtype=object):
    """fn(texts, paths) applying pick(value at path, or _MISSING) per distinct pair; a document
    that is not JSON is an error for the rows that hold it."""
    def fn(texts, paths=None):
        bad, out = [], []
        for text, path in zip(texts, np.broadcast_to(np.asarray("$" if paths is None else paths, dtype=object), len(texts))):
            doc = _load(text)
            bad.append(doc is _INVALID)
            value = _MISSING if doc is _INVALID else _walk(doc, _steps(str(path)))
            out.append(pick(value))
        return np.array(out, dtype=dtype), bad, "Malformed JSON: a document is not valid JSON"
    return fn


def _text(v) -> str:
    return v if isinstance(v, str) and not isinstance(v, _Number) else "" if v is _MISSING else dump(v)


# kind of the value at the path ('' when there is none), its JSON text, its text as ->> gives it
for _name, _pick in (("#json_kind", lambda v: "" if v is _MISSING else _kind(v)),
                     ("#json_get", lambda v: "" if v is _MISSING else dump(v)),
                     ("#json_text", _text),
                     ("#json_length", lambda v: len(v) if isinstance(v, list) else 0)):
    register(Function(_name, "", "", "", strict(_name, ("VARCHAR", "VARCHAR"), T.BIGINT if _name == "#json_length" else T.VARCHAR),
                      per_distinct(_per_document(_pick, np.int64 if _name == "#json_length" else object),
                                   T.BIGINT if _name == "#json_length" else T.VARCHAR),
                      per_entry=True, family="json"))


def _path_node(node) -> exp.Expression:
    """A path argument as a string node (sqlglot turns -> 'a' into a JSONPath)."""
    if isinstance(node, exp.JSONPath):
        return exp.Literal.string(node.sql("duckdb")[1:-1].replace("''", "'"))
    if isinstance(node, exp.Array):
        raise NotSupportedError("a list of JSON paths")
    return node


def _call(name, j, path):
    return exp.Anonymous(this=name, expressions=[j.copy(), _path_node(path).copy()])


def _when(cond, value):
    return exp.Case(ifs=[exp.If(this=cond, true=value)])


def _at(kind_not_in, value_fn):
    """bind: the value where the path leads to a value whose kind is not in kind_not_in, else NULL."""
    def bind(b, nodes):
        if len(nodes) not in (1, 2):
            raise ProgrammingError("a JSON function takes a document and a path")
        j, path = nodes[0], nodes[1] if len(nodes) > 1 else exp.Literal.string("$")
        if isinstance(path, exp.Array):  # a list of paths: the list of the values
            return b.bind(exp.Array(expressions=[bind_one(j, p) for p in path.expressions]))
        return b.bind(bind_one(j, path))

    def bind_one(j, path):
        kind = _call("#json_kind", j, path)
        cond = exp.Not(this=exp.In(this=kind, expressions=[exp.Literal.string(k) for k in kind_not_in]))
        return _when(cond, value_fn(j, path))
    return bind


def _entry(name, signature, description, example, bind, aliases=(), nodes=(), node_args=None):
    register(Function(name, signature, description, example, bind, aliases=aliases, nodes=nodes, raw=True,
                      family="json"), node_args)



_entry("json_extract", "json_extract(JSON, VARCHAR path) → JSON", "The value at the path as JSON text (NULL where there is none); also `j -> path`.",
       "json_extract('{\"a\": [1, 2]}', '$.a[0]') → '1'", _at(("",), lambda j, p: _call("#json_get", j, p)),
       ("json_extract_path",), (exp.JSONExtract,), lambda n: ("json_extract", [n.this, n.expression]))
_entry("json_extract_string", "json_extract_string(JSON, VARCHAR path) → VARCHAR",
       "The value at the path as text: a string without quotes, NULL for none or null; also `j ->> path`.",
       "json_extract_string('{\"a\": \"x\"}', 'a') → 'x'", _at(("", "NULL"), lambda j, p: _call("#json_text", j, p)),
       ("json_extract_path_text",), (exp.JSONExtractScalar,), lambda n: ("json_extract_string", [n.this, n.expression]))
_entry("json_value", "json_value(JSON, VARCHAR path) → JSON", "The scalar at the path as JSON text (NULL for an array, object or none).",
       "json_value('{\"a\": \"x\"}', '$.a') → '\"x\"'", _at(("", "ARRAY", "OBJECT"), lambda j, p: _call("#json_get", j, p)))
_entry("json_type", "json_type(JSON [, VARCHAR path]) → VARCHAR",
       "OBJECT, ARRAY, BIGINT, UBIGINT, DOUBLE, VARCHAR, BOOLEAN or NULL.", "json_type('[1]') → 'ARRAY'",
       _at(("",), lambda j, p: _call("#json_kind", j, p)), nodes=(exp.JSONType,))
_entry("json_array_length", "json_array_length(JSON [, VARCHAR path]) → BIGINT",
       "Elements of the array at the path (0 for another value, NULL for none).", "json_array_length('[1, 2]') → 2",
       _at(("",), lambda j, p: _call("#json_length", j, p)))


def _exists(b, nodes):
    if len(nodes) != 2:
        raise ProgrammingError("json_exists() takes a document and a path")
    kind = _call("#json_kind", nodes[0], nodes[1])
    return b.bind(exp.NEQ(this=kind, expression=exp.Literal.string("")))


_entry("json_exists", "json_exists(JSON, VARCHAR path) → BOOLEAN", "Whether the path leads to a value.",
       "json_exists('{\"a\": 1}', '$.a') → true", _exists)


def _valid(texts):
    return np.array([_load(t) is not _INVALID for t in texts], dtype=bool)


register(Function("json_valid", "json_valid(VARCHAR) → BOOLEAN", "Whether the text is valid JSON.",
                  "json_valid('{') → false", strict("json_valid", ("VARCHAR",), T.BOOLEAN),
                  per_distinct(_valid, T.BOOLEAN), per_entry=True, family="json"))


def _minified(texts):
    docs = [_load(t) for t in texts]
    return (np.array(["" if d is _INVALID else dump(d) for d in docs], dtype=object), [d is _INVALID for d in docs],
            "Malformed JSON: the text is not valid JSON")


register(Function("json", "json(VARCHAR) → JSON", "The JSON text checked and minified.", "json('{ \"a\" : 1 }') → '{\"a\":1}'",
                  strict("json", ("VARCHAR",), T.VARCHAR), per_distinct(_minified, T.VARCHAR),
                  nodes=(exp.ParseJSON,), per_entry=True, family="json"))


def _quoted(texts):
    return np.array(_each(lambda s: json.dumps(s, ensure_ascii=False), texts), dtype=object)


register(Function("#json_quote", "", "", "", strict("#json_quote", ("VARCHAR",), T.VARCHAR),
                  per_distinct(_quoted, T.VARCHAR), per_entry=True, family="json"))


def _to_json_node(node, b):
    """A value as JSON text: strings quoted, numbers as written, booleans, NULL as NULL."""
    t = b.bind(node).type
    if t.is_string:
        return exp.Anonymous(this="#json_quote", expressions=[node.copy()])
    if t.kind == "BOOLEAN" or t.is_numeric:
        return exp.Lower(this=exp.cast(node.copy(), "VARCHAR")) if t.kind == "BOOLEAN" else exp.cast(node.copy(), "VARCHAR")
    if t.kind == "NULL":
        return exp.Null()
    if t.kind in ("DATE", "TIMESTAMP", "TIMESTAMPTZ"):
        return exp.Anonymous(this="#json_quote", expressions=[exp.cast(node.copy(), "VARCHAR")])
    if t.kind in ("LIST", "STRUCT", "MAP"):
        return exp.Anonymous(this="#json_nested", expressions=[node.copy()])
    raise NotSupportedError(f"to_json() of a {t} value")


def _json_of(v, t: T.SqlType) -> str:
    """A nested value (as Arrow gives it to Python) as DuckDB's to_json writes it."""
    if v is None:
        return "null"
    if t.kind == "LIST":
        return "[" + ",".join(_json_of(x, t.element) for x in v) + "]"
    if t.kind == "STRUCT":
        return "{" + ",".join(json.dumps(n, ensure_ascii=False) + ":" + _json_of(v[n], ft) for n, ft in t.fields) + "}"
    if t.kind == "MAP":
        kt, vt = (ft for _, ft in t.element.fields)
        pairs = v.items() if isinstance(v, dict) else [(x["key"], x["value"]) if isinstance(x, dict) else x for x in v]
        return "{" + ",".join(json.dumps(k if kt.is_string else _json_of(k, kt).strip('"'), ensure_ascii=False) + ":"
                              + _json_of(x, vt) for k, x in pairs) + "}"
    if t.kind == "BOOLEAN":
        return "true" if v else "false"
    if t.is_float or t.is_decimal:
        return str(_double(str(v))) if v == v and abs(float(v)) != float("inf") else "null"
    if t.is_integer:
        return str(int(v))
    if t.kind == "TIMESTAMP":
        from ..kernels.dates import format_timestamp
        from ..sql.expressions import ts_to_micros
        return json.dumps(format_timestamp(ts_to_micros(v)))
    return json.dumps(str(v), ensure_ascii=False)


def _json_nested_kernel(args, e, ctx):
    """to_json of a LIST, STRUCT or MAP: once per distinct value."""
    from ..io.arrow import column_to_arrow
    from .lists import each_tuple

    def compute(cols):
        values = column_to_arrow(cols[0]).to_pylist()
        return text_column([None if v is None else _json_of(v, cols[0].type) for v in values], cols[0].device)
    return each_tuple(args, compute)


def text_column(texts: list, device) -> Column:
    """A VARCHAR column of Python strings (None for NULL), dictionary-coded."""
    import torch
    from ..kernels.strings import remap
    valid = np.array([t is not None for t in texts], dtype=bool)
    uniq, codes = remap(np.array(["" if t is None else t for t in texts], dtype=object))
    return Column(T.VARCHAR, torch.from_numpy(codes).to(device),
                  None if valid.all() else torch.from_numpy(valid).to(device), Dictionary(uniq))


register(Function("#json_nested", "", "", "", lambda x: Call("#json_nested", (x,), T.VARCHAR), _json_nested_kernel,
                  family="json"))


def _to_json(b, nodes):
    if len(nodes) != 1:
        raise ProgrammingError("to_json() takes one argument")
    return b.bind(_to_json_node(nodes[0], b))


_entry("to_json", "to_json(ANY) → JSON", "The value as JSON text.", "to_json('x') → '\"x\"'", _to_json, ("json_quote", "array_to_json", "row_to_json"))


def _joined(open_, close, items) -> exp.Expression:
    out = exp.Literal.string(open_)
    for i, item in enumerate(items):
        out = exp.DPipe(this=out, expression=item if i == 0 else exp.DPipe(this=exp.Literal.string(","), expression=item))
    return exp.DPipe(this=out, expression=exp.Literal.string(close))


def _array(b, nodes):
    null = exp.Literal.string("null")
    return b.bind(_joined("[", "]", [exp.Coalesce(this=_to_json_node(n, b), expressions=[null]) for n in nodes]))


def _object(b, nodes):
    if len(nodes) % 2:
        raise ProgrammingError("json_object() takes key, value pairs")
    null = exp.Literal.string("null")
    items = [exp.DPipe(this=exp.DPipe(this=_to_json_node(k, b), expression=exp.Literal.string(":")),
                       expression=exp.Coalesce(this=_to_json_node(v, b), expressions=[null]))
             for k, v in zip(nodes[::2], nodes[1::2])]
    return b.bind(_joined("{", "}", items))


_entry("json_array", "json_array(ANY...) → JSON", "A JSON array of the values.", "json_array(1, 'x') → '[1,\"x\"]'",
       _array, nodes=(exp.JSONArray,), node_args=lambda n: ("json_array", list(n.expressions)))
_entry("json_object", "json_object(VARCHAR key, ANY value, ...) → JSON", "A JSON object of the pairs.",
       "json_object('a', 1) → '{\"a\":1}'", _object, nodes=(exp.JSONObject,),
       node_args=lambda n: ("json_object", [x for kv in n.expressions for x in
                                            ((kv.this, kv.expression) if isinstance(kv, exp.JSONKeyValue) else (kv,))]))


def _keys_bind(*args):
    from .signature import arity, coerce, is_null
    from ..plan.nodes import Lit
    arity("json_keys", args, 1, 2)
    typed = [coerce("json_keys", i + 1, a, "VARCHAR") for i, a in enumerate(args)]
    if any(is_null(a) for a in typed):
        return Lit(None, T.LIST(T.VARCHAR))
    return Call("json_keys", tuple(typed), T.LIST(T.VARCHAR))


def _keys_kernel(args, e, ctx):
    """Once per distinct (document, path): the object's keys ([] for another value)."""
    from .lists import _texts, each_tuple
    from .nested import _encode

    def one(text, path):
        doc = _load(text)
        if doc is _INVALID:
            raise DataError("Malformed JSON: a document is not valid JSON")
        value = _walk(doc, _steps(path))
        return None if value is _MISSING else list(value) if isinstance(value, dict) else []

    def compute(cols):
        texts = [_texts(c) for c in cols]
        paths = texts[1] if len(cols) > 1 else ["$"] * len(texts[0])
        lists = [None if t is None or p is None else one(t, p) for t, p in zip(texts[0], paths)]
        return _encode(pa.array(lists, pa.list_(pa.string())), e.type, cols[0].device)
    return each_tuple(args, compute)


register(Function("json_keys", "json_keys(JSON [, VARCHAR path]) → VARCHAR[]", "The keys of the object (at the path).",
                  "json_keys('{\"a\": 1, \"b\": 2}') → [a, b]", _keys_bind, _keys_kernel, nodes=(exp.JSONKeys,),
                  family="json"),
         lambda n: ("json_keys", [_path_node(a) for a in (n.this, n.args.get("expression")) if a is not None]))


# ---------------------------------------------------------------- merging, containment, pretty text

def _docs(texts) -> list:
    return [_load(t) for t in np.asarray(texts, dtype=object).tolist()]


def _merged(target, patch):
    """RFC 7396 merge patch: an object patch merges key by key (null removes), anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = _merged(out.get(k), v)
    return out


def _merge_patch(*texts):
    columns = [_docs(t) for t in np.broadcast_arrays(*[np.asarray(t, dtype=object) for t in texts])]
    out, bad = [], []
    for docs in zip(*columns):
        bad.append(any(doc is _INVALID for doc in docs))
        doc = docs[0]
        for patch in docs[1:]:
            doc = _merged(doc, patch)
        out.append("" if bad[-1] else dump(doc))
    return np.array(out, dtype=object), bad, "Malformed JSON: a document is not valid JSON"


def _contains(haystack, needle) -> bool:
    """Whether the needle occurs in the document: equal to it or to a value nested in it, an
    object needle's pairs all in one object, an array needle's elements all in one array."""
    if isinstance(needle, dict) and isinstance(haystack, dict) and \
            all(k in haystack and _contains(haystack[k], v) for k, v in needle.items()):
        return True
    if isinstance(needle, list) and isinstance(haystack, list) and \
            all(any(_contains(x, e) for x in haystack) for e in needle):
        return True
    if not isinstance(needle, (dict, list)) and type(haystack) is type(needle) and haystack == needle:
        return True
    children = haystack.values() if isinstance(haystack, dict) else haystack if isinstance(haystack, list) else ()
    return any(_contains(c, needle) for c in children)


def _contains_fn(haystacks, needles):
    pairs = [(_load(h), _load(n)) for h, n in _each(lambda h, n: (h, n), haystacks, needles)]
    bad = [h is _INVALID or n is _INVALID for h, n in pairs]
    return (np.array([not b and _contains(h, n) for (h, n), b in zip(pairs, bad)], dtype=bool), bad,
            "Malformed JSON: a document is not valid JSON")


def _pretty(v, depth: int = 0) -> str:
    pad, inner = "    " * depth, "    " * (depth + 1)
    if isinstance(v, dict) and v:
        return "{\n" + ",\n".join(inner + json.dumps(k, ensure_ascii=False) + ": " + _pretty(x, depth + 1)
                                  for k, x in v.items()) + "\n" + pad + "}"
    if isinstance(v, list) and v:
        return "[\n" + ",\n".join(inner + _pretty(x, depth + 1) for x in v) + "\n" + pad + "]"
    return dump(v)


def _pretty_fn(texts):
    docs = _docs(texts)
    return (np.array(["" if d is _INVALID else _pretty(d) for d in docs], dtype=object),
            [d is _INVALID for d in docs], "Malformed JSON: the text is not valid JSON")


def _json_args(name, low, high):
    from .signature import arity, coerce, is_null
    from ..plan.nodes import Lit

    def bind(*args):
        arity(name, args, low, high)
        typed = [coerce(name, i + 1, a, "VARCHAR") for i, a in enumerate(args)]
        out = T.BOOLEAN if name == "json_contains" else T.VARCHAR
        return Lit(None, out) if any(is_null(a) for a in typed) else Call(name, tuple(typed), out)
    return bind


register(Function("json_merge_patch", "json_merge_patch(JSON, JSON, ...) → JSON", "The documents merged as RFC 7396 "
                  "patches, left to right.", "json_merge_patch('{\"a\": 1}', '{\"b\": 2}') → '{\"a\":1,\"b\":2}'",
                  _json_args("json_merge_patch", 2, 1 << 16), per_distinct(_merge_patch, T.VARCHAR), per_entry=True,
                  family="json"))
register(Function("json_contains", "json_contains(JSON haystack, JSON needle) → BOOLEAN", "Whether the needle occurs "
                  "in the document (nested values, object pairs, array elements).", "json_contains('[1, 2]', '2') → true",
                  _json_args("json_contains", 2, 2), per_distinct(_contains_fn, T.BOOLEAN), per_entry=True, family="json"))
register(Function("json_pretty", "json_pretty(JSON) → VARCHAR", "The document indented by four spaces.",
                  "json_pretty('[1]') → '[\\n    1\\n]'", _json_args("json_pretty", 1, 1), per_distinct(_pretty_fn, T.VARCHAR),
                  per_entry=True, family="json"))
