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
from sqlglot import exp

from .. import types as T
from ..errors import DataError, NotSupportedError, ProgrammingError
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
        kind = _call("#json_kind", j, path)
        cond = exp.Not(this=exp.In(this=kind, expressions=[exp.Literal.string(k) for k in kind_not_in]))
        return b.bind(_when(cond, value_fn(j, path)))
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
    if t.kind in ("DATE", "TIMESTAMP", "TIMESTAMPTZ", "TIME", "UUID"):
        return exp.Anonymous(this="#json_quote", expressions=[exp.cast(node.copy(), "VARCHAR")])
    raise NotSupportedError(f"to_json() of a {t} value")


def _to_json(b, nodes):
    if len(nodes) != 1:
        raise ProgrammingError("to_json() takes one argument")
    return b.bind(_to_json_node(nodes[0], b))


_entry("to_json", "to_json(ANY) → JSON", "The value as JSON text.", "to_json('x') → '\"x\"'", _to_json, ("json_quote",))


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
