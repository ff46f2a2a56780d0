"""MAP values: MAP {k: v, ...}, map(keys, values), map_from_entries, m[k], element_at /
map_extract, map_keys / map_values / map_entries, map_contains, cardinality.

A MAP is held as the LIST of STRUCT(key, value) it is (dictionary codes of distinct maps, as
every nested type), so comparison, GROUP BY, DISTINCT and joins work as for lists, and the
functions are the list functions' segment operations over the flattened entries. Results turn
MAP columns into Arrow maps (and Python dicts).

>>> import tqp
>>> con = tqp.connect()
>>> con.execute("SELECT MAP {'a': 1, 'b': 2}['b'], map_keys(map([1, 2], ['x', 'y'])), cardinality(MAP {'k': 0})").fetchall()
[(2, [1, 2], 1)]
"""
from __future__ import annotations

from dataclasses import replace

import pyarrow as pa
import torch
from sqlglot import exp

from .. import types as T
from ..column import Column, and_validity
from ..compile import expr as C
from ..errors import DataError, ProgrammingError
from ..plan.nodes import Call, Expr, Lit
from ..sql import expressions as X
from .lists import Flat, _equal_or_both_null, _pick, each_tuple, flat, to_lists
from .nested import _codes, _encode, _entry, _fields, _list_value, _need, _take
from .signature import arity, rewrite


def _key_value(m: T.SqlType) -> tuple[T.SqlType, T.SqlType]:
    return m.element.fields[0][1], m.element.fields[1][1]


def _parts(f: Flat) -> tuple[Column, Column]:
    """(keys, values) of a map's flattened entries."""
    if f.values.dictionary is None or len(f.values.dictionary) == 0:
        return tuple(C.broadcast(C.literal_column(None, t, f.owner.device), len(f.owner))
                     for _, t in f.values.type.fields)
    codes = _codes(f.values)
    return tuple(_take(part, codes, None, t) for part, (_, t) in zip(_fields(f.values), f.values.type.fields))


def _make_map(keys: Column, values: Column, owner: torch.Tensor, n: int, valid, t: T.SqlType) -> Column:
    """A MAP column from entries in map order, with DuckDB's checks on the keys."""
    from ..io.arrow import column_to_arrow
    from ..kernels import group as G
    from ..kernels import keys as K
    if not bool(keys.valid_mask().all()):
        raise DataError("map keys can not be NULL")
    if len(owner):
        key, domain = K.dense_keys([(owner, None)] + C.key_columns(keys))
        if G.group_ids(key, domain)[1] != len(owner):
            raise DataError("map keys must be unique")
    kt, vt = _key_value(t)
    entries = pa.StructArray.from_arrays([column_to_arrow(replace(keys, type=kt)), column_to_arrow(replace(values, type=vt))],
                                         ["key", "value"])
    return to_lists(_encode(entries, t.element, owner.device), owner, n, valid, t)


def _element(e: Expr) -> T.SqlType:
    return e.type.element if e.type.kind == "LIST" else T.NULLTYPE


def _map(*args):
    arity("map", args, 0, 2)
    if len(args) == 1:
        raise ProgrammingError("map() takes a list of keys and a list of values (or nothing)")
    if not args:
        args = (_list_value(), _list_value())
    keys, values = (a if a.type.kind in ("LIST", "NULL") else _need("map", a, "LIST") for a in args)
    t = T.MAP(_element(keys), _element(values))
    keys, values = (X.cast(a, T.LIST(_element(a))) if a.type.kind == "NULL" else a for a in (keys, values))
    if any(isinstance(a, Lit) and a.value is None for a in (keys, values)):
        return Lit(None, t)
    return Call("map", (keys, values), t)


def _map_kernel(args, e, ctx):
    def compute(cols):
        fk, fv = flat(cols[0]), flat(cols[1])
        both = and_validity(fk.valid, fv.valid)
        if bool(((fk.lengths() != fv.lengths()) & (True if both is None else both)).any()):
            raise DataError("the map key list does not align with the map value list")
        keys, values, owner = fk.values, fv.values, fk.owner
        if both is not None:  # a NULL on either side: a NULL map, without entries
            kept_keys, kept_values = C.nonzero(both[fk.owner]), C.nonzero(both[fv.owner])
            keys, values, owner = keys.take(kept_keys), values.take(kept_values), owner[kept_keys]
        return _make_map(keys, values, owner, fk.n, both, e.type)
    return each_tuple(args, compute)


def _map_literal(b, nodes):
    """MAP {k1: v1, ...}: map([k1, ...], [v1, ...])."""
    (node,) = nodes
    if isinstance(node.this, exp.Bracket):  # sqlglot reads MAP {...}[k] as MAP ({...}[k])
        outer, inner = [], node.this
        while isinstance(inner, exp.Bracket):
            outer.append(inner)
            inner = inner.this
        rebuilt = exp.ToMap(this=inner.copy())
        for bracket_node in reversed(outer):
            rebuilt = exp.Bracket(this=rebuilt, expressions=[x.copy() for x in bracket_node.expressions])
        return b.bind(rebuilt)
    pairs = node.this.expressions if isinstance(node.this, exp.Struct) else []
    keys = [b.bind(p.this) for p in pairs]
    values = [b.bind(p.expression) for p in pairs]
    return _map(_list_value(*keys), _list_value(*values))


def _one_list(name: str, args) -> Expr | None:
    """The one LIST argument, or None for an untyped NULL (whose result is NULL)."""
    arity(name, args, 1, 1)
    return None if args[0].type.kind == "NULL" else _need(name, args[0], "LIST")


def _from_entries(*args):
    l = _one_list("map_from_entries", args)
    if l is None:
        return Lit(None, T.NULLTYPE)
    if l.type.element.kind != "STRUCT" or len(l.type.element.fields) != 2:
        raise ProgrammingError(f"map_from_entries() needs a list of (key, value) structs, not {l.type}")
    return Call("map_from_entries", (l,), T.MAP(*(t for _, t in l.type.element.fields)))


def _from_entries_kernel(args, e, ctx):
    def compute(cols):
        f = flat(cols[0])
        keys, values = _parts(f)
        return _make_map(keys, values, f.owner, f.n, f.valid, e.type)
    return each_tuple(args, compute)


def _lookup(name: str, as_list: bool):
    def bind(m, key):
        if m.type.kind == "NULL":
            return Lit(None, T.NULLTYPE)
        _need(name, m, "MAP")
        kt, vt = _key_value(m.type)
        t = T.LIST(vt) if as_list else vt
        common = T.common_type(kt, key.type)
        if common is None and not (key.type.is_string and isinstance(key, Lit)):
            raise ProgrammingError(f"{name}(): a key of {m.type} cannot be {key.type}")
        if isinstance(key, Lit) and key.value is None:
            return Lit(None, vt) if not as_list else Call(name, (m, X.cast(key, kt)), t)
        return Call(name, (m, X.cast(key, kt)), t)
    return bind


def _lookup_kernel(args, e, ctx):
    """The value under the key: the first entry whose key equals it, or NULL (map_extract /
    element_at: a one-value list, or an empty one)."""
    def compute(cols):
        f = flat(cols[0])
        keys, values = _parts(f)
        probe = cols[1].take(f.owner)
        hit = C.true_mask(C._compare([keys, probe], Call("eq", (), T.BOOLEAN), None)) if len(f.owner) else f.owner > 0
        big = torch.iinfo(torch.int64).max
        first = torch.full((f.n,), big, dtype=torch.int64, device=f.owner.device).scatter_reduce(
            0, f.owner, torch.where(hit, f.positions(), big), "amin")
        found = first < big
        entries = Flat(values, f.owner, f.offsets, f.valid)
        at = torch.where(found, first, 0)
        value = _pick(entries, torch.arange(f.n, device=at.device), at, found)
        if e.op == "map_extract_value":
            return value.with_validity(and_validity(value.validity, f.valid))
        if e.op == "map_contains":
            return Column(T.BOOLEAN, found, f.valid)
        owner = C.nonzero(found)
        return to_lists(value.take(owner), owner, f.n, f.valid, e.type)
    return each_tuple(args, compute)


def _contains(m, key):
    out = _lookup("map_contains", False)(m, key)
    return Lit(None, T.BOOLEAN) if isinstance(out, Lit) else replace(out, type=T.BOOLEAN)


def _projection(name: str):
    def bind(*args):
        arity(name, args, 1, 1)
        (m,) = args
        if m.type.kind == "NULL":
            return Lit(None, T.NULLTYPE)
        _need(name, m, "MAP")
        kt, vt = _key_value(m.type)
        t = {"map_keys": T.LIST(kt), "map_values": T.LIST(vt), "map_entries": T.LIST(m.type.element)}[name]
        return Call(name, (m,), t)
    return bind


def _projection_kernel(args, e, ctx):
    (m,) = args
    if e.op == "map_entries":  # the same LIST of STRUCT(key, value), named as such
        return replace(m, type=e.type)

    def compute(cols):
        f = flat(cols[0])
        part = _parts(f)[0 if e.op == "map_keys" else 1]
        return to_lists(part, f.owner, f.n, f.valid, e.type)
    return each_tuple(args, compute)


def bracket(m: Expr, index_node, b) -> Expr:
    """m[key]: the value (DuckDB 1.3+), NULL when the key is absent."""
    return _lookup("map_extract_value", False)(m, b.bind(index_node))


_entry("map", "map(LIST keys, LIST values) → MAP", "A map of the keys to the values (same lengths; keys unique and not "
       "NULL); map() is empty.", "map(['a', 'b'], [1, 2]) → {a=1, b=2}", _map, _map_kernel, nodes=(exp.Map,),
       node_args=lambda node: ("map", [a for a in (node.args.get("keys"), node.args.get("values")) if a is not None]))
_entry("#map_literal", "MAP {key: value, ...}", "A MAP constant or row value.", "MAP {'a': 1} → {a=1}", _map_literal,
       nodes=(exp.ToMap,), raw=True, node_args=lambda node: ("#map_literal", [node]))
_entry("map_from_entries", "map_from_entries(LIST of STRUCT(k, v)) → MAP", "A map of the (key, value) entries.",
       "map_from_entries([('a', 1)]) → {a=1}", _from_entries, _from_entries_kernel, nodes=(exp.MapFromEntries,))
_entry("map_extract_value", "map_extract_value(MAP, key) → value", "The value under the key, NULL when absent; also "
       "written m[key].", "MAP {'a': 1}['a'] → 1", lambda *a: arity("map_extract_value", a, 2, 2) or
       _lookup("map_extract_value", False)(*a), _lookup_kernel)
_entry("map_extract", "map_extract(MAP, key) → LIST", "The value under the key as a one-element list ([] when "
       "absent).", "map_extract(MAP {'a': 1}, 'a') → [1]", lambda *a: arity("map_extract", a, 2, 2) or
       _lookup("map_extract", True)(*a), _lookup_kernel, ("element_at",))
_entry("map_contains", "map_contains(MAP, key) → BOOLEAN", "Whether the map has the key.",
       "map_contains(MAP {'a': 1}, 'a') → true", lambda *a: arity("map_contains", a, 2, 2) or _contains(*a),
       _lookup_kernel, ("map_contains_key",), (exp.MapContainsKey,),
       node_args=lambda node: ("map_contains", [node.this, node.args.get("key")]))
for _name, _what, _example in (("map_keys", "The keys, in entry order.", "map_keys(MAP {'a': 1}) → [a]"),
                               ("map_values", "The values, in entry order.", "map_values(MAP {'a': 1}) → [1]"),
                               ("map_entries", "The entries as a list of STRUCT(key, value).",
                                "map_entries(MAP {'a': 1}) → [{'key': a, 'value': 1}]")):
    _entry(_name, f"{_name}(MAP) → LIST", _what, _example, _projection(_name), _projection_kernel,
           nodes=(exp.MapKeys,) if _name == "map_keys" else (), node_args=(lambda node: ("map_keys", [node.this]))
           if _name == "map_keys" else None)


def _histogram(*args):
    l = _one_list("list_histogram", args)
    if l is None:
        return Lit(None, T.NULLTYPE)
    return Call("list_histogram", (l,), T.MAP(l.type.element if l.type.element.kind != "NULL" else T.INTEGER, T.BIGINT))


def _histogram_kernel(args, e, ctx):
    """Each distinct non-NULL element and its count, in value order; NULL without one."""
    from ..kernels import group as G
    from ..kernels import keys as K

    def compute(cols):
        f = flat(cols[0])
        kept = C.nonzero(f.values.valid_mask())
        values, owner = f.values.take(kept).with_sorted_dictionary(), f.owner[kept]  # codes in value order
        if len(owner):
            key, domain = K.dense_keys([(owner, None)] + C.key_columns(values))
            ids, g = G.group_ids(key, domain)
            first = G.first_rows(ids, g)
            counts = torch.bincount(ids, minlength=g)
        else:
            first = counts = owner
        present = torch.zeros(f.n, dtype=torch.bool, device=owner.device)
        present[owner] = True
        return _make_map(values.take(first), Column(T.BIGINT, counts), owner[first], f.n, present, e.type)
    return each_tuple(args, compute)


_entry("list_histogram", "list_histogram(LIST) → MAP(element, BIGINT)", "Each distinct non-NULL element and how often "
       "it occurs (NULL for a list without one).", "list_histogram([1, 1, 2]) → {1=2, 2=1}", _histogram,
       _histogram_kernel, ("array_histogram",))


def _map_concat(*args):
    if not args:
        raise ProgrammingError("map_concat() takes at least one MAP")
    maps = [a for a in args if a.type.kind != "NULL"]
    for a in maps:
        _need("map_concat", a, "MAP")
    if not maps:
        return Lit(None, T.NULLTYPE)
    t = maps[0].type
    for a in maps[1:]:
        t = T.common_type(t, a.type)
        if t is None:
            raise ProgrammingError(f"map_concat() of maps of different types: {maps[0].type} and {a.type}")
    return Call("map_concat", tuple(X.cast(a, t) for a in maps), t)


def _map_concat_kernel(args, e, ctx):
    """Once per distinct tuple of maps: their entries, a later map's value winning for a key
    (in the order keys first appear); NULL maps count as empty, all NULL gives NULL."""
    from ..io.arrow import arrow_type_of, column_to_arrow

    def one(maps):
        if all(m is None for m in maps):
            return None
        merged = {}
        for m in maps:
            for entry in m or ():
                key = entry["key"] if isinstance(entry, dict) else entry[0]
                merged[key] = entry["value"] if isinstance(entry, dict) else entry[1]
        return [{"key": k, "value": v} for k, v in merged.items()]

    def compute(cols):
        values = [column_to_arrow(c).to_pylist() for c in cols]
        merged = [one(ms) for ms in zip(*values)]
        return _encode(pa.array(merged, arrow_type_of(T.LIST(e.type.element))), e.type, cols[0].device)
    return each_tuple(args, compute)


_entry("map_concat", "map_concat(MAP, ...) → MAP", "The maps' entries together; for a key in several, the last "
       "map's value.", "map_concat(MAP {'a': 1}, MAP {'a': 2, 'b': 3}) → {a=2, b=3}", _map_concat, _map_concat_kernel)
_entry("map_contains_value", "map_contains_value(MAP, value) → BOOLEAN", "Whether some entry has the value.",
       "map_contains_value(MAP {'a': 1}, 1) → true", rewrite("map_contains_value", "list_contains(map_values(__m), __v)",
                                                             ("__m", "__v")), raw=True)
_entry("map_contains_entry", "map_contains_entry(MAP, key, value) → BOOLEAN", "Whether the map holds the key with "
       "the value (a NULL value too).", "map_contains_entry(MAP {'a': 1}, 'a', 1) → true",
       rewrite("map_contains_entry", "CASE WHEN __m IS NOT NULL THEN coalesce(map_contains(__m, __k) AND "
               "map_extract_value(__m, __k) IS NOT DISTINCT FROM __v, false) END", ("__m", "__k", "__v")), raw=True)
