"""LIST and STRUCT functions: literals, indexing, slicing, length, membership, field access.

A LIST / STRUCT column holds codes into a dictionary of its distinct values (tqp/column.py).
Functions that look inside the values work on the dictionary's Arrow form: its elements (or
fields) as one flat tqp column for all entries, with per-entry offsets, so that l[i], len(l)
and s.a are gathers by code, and a value built per row (list_value over columns, struct_pack)
is encoded once through Arrow (io/arrow.py nested_column). No per-row Python anywhere.

>>> import tqp
>>> con = tqp.connect()
>>> con.execute("SELECT [10, 20, 30][2], len([1, 2]), {'a': 1, 'b': 'x'}.b, list_contains([1, 2], 2)").fetchall()
[(20, 2, 'x', True)]
"""
from __future__ import annotations

import decimal
from dataclasses import replace

import numpy as np
import pyarrow as pa
import torch
from sqlglot import exp

from .. import types as T
from ..column import Column, NestedValue, and_validity, nested_values
from ..compile import expr as C
from ..errors import NotSupportedError, ProgrammingError
from ..plan.nodes import Call, ColRef, Expr, Lit
from ..sql import expressions as X
from . import FUNCTIONS, Aggregate, Function, register
from .signature import arity

_EXACT = decimal.Context(prec=80)


def _entry(name, signature, description, example, bind, kernel=None, aliases=(), nodes=(), raw=False,
           node_args=None):
    register(Function(name, signature, description, example, bind, kernel, aliases, nodes, per_entry=True,
                      raw=raw, family="nested"), node_args)


def python_value(v, t: T.SqlType):
    """A constant in storage form (scaled decimal, days, microseconds) as the Python value a
    LIST / STRUCT holds (and fetchall returns): Decimal, date, datetime, list, dict."""
    if v is None:
        return None
    if isinstance(v, NestedValue):
        return v.value
    if t.is_decimal:
        return decimal.Decimal(int(v)).scaleb(-t.scale, _EXACT)
    if t.kind == "DATE":
        return X.days_to_date(v)
    if t.kind == "TIMESTAMP":
        return X.micros_to_ts(v)
    return v


def _need(name: str, e: Expr, kind: str) -> Expr:
    if e.type.kind != kind:
        raise ProgrammingError(f"{name}() needs a {kind}, not {e.type}")
    return e


# ---------------------------------------------------------------- per-entry views


def _arrow(col: Column) -> pa.Array:
    from ..io.arrow import dictionary_arrow
    return dictionary_arrow(col.dictionary, col.type)


def _elements(col: Column) -> tuple[Column, torch.Tensor]:
    """(every entry's elements as one column, int64 offsets [entries + 1]) on col's device."""
    def compute():
        from ..io.arrow import shared_column
        arr = _arrow(col)
        offsets = arr.offsets.to_numpy().astype(np.int64)
        child = shared_column(arr.flatten(), col.device)
        return replace(child, type=col.type.element), torch.from_numpy(offsets - offsets[0]).to(col.device)
    return C._memo(col, ("list_elements",), compute)


def _fields(col: Column) -> list[Column]:
    """Each STRUCT field as a column over the dictionary's entries."""
    def compute():
        from ..io.arrow import shared_column
        return [replace(shared_column(f, col.device), type=t)
                for f, (_, t) in zip(_arrow(col).flatten(), col.type.fields)]
    return C._memo(col, ("struct_fields",), compute)


def _codes(col: Column) -> torch.Tensor:
    return C.gather_codes(col, len(col.dictionary) if col.dictionary is not None else 0)


def _all_null(t: T.SqlType, shape, device) -> Column:
    return C.literal_column(None, t, device) if shape == () else C.broadcast(C.literal_column(None, t, device), shape[0])


def _take(values: Column, at: torch.Tensor, ok: torch.Tensor | None, t: T.SqlType) -> Column:
    """values at positions `at` (any shape), NULL where `ok` is False."""
    if len(values) == 0:
        return _all_null(t, tuple(at.shape), at.device)
    out = values.take(at.reshape(-1).clamp(0, len(values) - 1))
    valid = and_validity(out.validity, None if ok is None else ok.reshape(-1))
    return Column(t, out.data.reshape(at.shape), None if valid is None else valid.reshape(at.shape), out.dictionary)


# ---------------------------------------------------------------- building values


def _list_value(*args):
    if not args:
        return Lit(NestedValue([]), T.LIST(T.NULLTYPE))
    args = X.unify_types(list(args), "mix in a list", values=True)
    t = T.LIST(args[0].type)
    if all(isinstance(a, Lit) for a in args):
        return Lit(NestedValue([python_value(a.value, a.type) for a in args]), t)
    return Call("list_value", tuple(args), t)


def _encode(arr: pa.Array, t: T.SqlType, device) -> Column:
    from ..io.arrow import nested_column
    return replace(nested_column(arr, device), type=t)


def _list_value_kernel(args, e, ctx):
    shape = torch.broadcast_shapes(*[a.data.shape for a in args])
    n = shape[0] if shape else 1
    parts = [C.broadcast(a, n) for a in args]
    if e.type.element.uses_dictionary:
        parts = C.unify_strings(parts)
    parts = C.same_width(parts)
    data = torch.stack([p.data for p in parts], 1).reshape(-1)
    valid = None if all(p.validity is None for p in parts) else torch.stack([p.valid_mask() for p in parts], 1).reshape(-1)
    from ..io.arrow import column_to_arrow
    k = len(parts)
    values = column_to_arrow(Column(e.type.element, data, valid, parts[0].dictionary))
    out = _encode(pa.ListArray.from_arrays(pa.array(np.arange(0, n * k + 1, k, dtype=np.int32)), values), e.type, ctx.device)
    return out if shape else replace(out, data=out.data[0], validity=None)


def _struct_pack(b, nodes):
    if not nodes:
        raise ProgrammingError("a STRUCT needs at least one field")
    names, args = [], []
    for node in nodes:
        if isinstance(node, (exp.PropertyEQ, exp.Kwarg)):
            names.append(node.this.name)
            node = node.expression
        elif isinstance(node, exp.Column):
            names.append(node.name)
        else:
            raise ProgrammingError(f"STRUCT field {node.sql('duckdb')[:40]} needs a name (name := value)")
        args.append(b.bind(node))
    if len({n.lower() for n in names}) != len(names):
        raise ProgrammingError("duplicate STRUCT field name")
    args = [Lit(None, T.INTEGER) if a.type.kind == "NULL" else a for a in args]
    t = T.STRUCT(zip(names, [a.type for a in args]))
    if all(isinstance(a, Lit) for a in args):
        return Lit(NestedValue({n: python_value(a.value, a.type) for n, a in zip(names, args)}), t)
    return Call("struct_pack", tuple(args), t)


def _struct_unless_null_kernel(args, e, ctx):
    """struct_pack of args[1:], NULL (not a STRUCT of NULLs) where args[0] is NULL: a STRUCT
    computed from one value (date_part(['year', ...], d), regexp_extract(s, p, [names]))."""
    out = _struct_pack_kernel(args[1:], e, ctx)
    return out if args[0].validity is None else replace(out, validity=and_validity(out.validity, args[0].validity))


def as_tuple(args: list[Expr]) -> Expr:
    """row(a, b, ...): a TUPLE (DuckDB's unnamed STRUCT) of the values."""
    if not args:
        raise ProgrammingError("a row needs at least one value")
    args = [Lit(None, T.INTEGER) if a.type.kind == "NULL" else a for a in args]
    t = T.TUPLE([a.type for a in args])
    if all(isinstance(a, Lit) for a in args):
        return Lit(NestedValue({n: python_value(a.value, a.type) for (n, _), a in zip(t.fields, args)}), t)
    return Call("struct_pack", tuple(args), t)


def _struct_pack_kernel(args, e, ctx):
    from ..io.arrow import column_to_arrow
    shape = torch.broadcast_shapes(*[a.data.shape for a in args])
    n = shape[0] if shape else 1
    arrays = [column_to_arrow(C.broadcast(a, n)) for a in args]
    out = _encode(pa.StructArray.from_arrays(arrays, [name for name, _ in e.type.fields]), e.type, ctx.device)
    return out if shape else replace(out, data=out.data[0], validity=None)


# ---------------------------------------------------------------- reading values


def _bracket(b, nodes):
    (node,) = nodes
    subject = b.bind(node.this)
    if isinstance(node, exp.Dot):  # (expression).field
        return _struct_extract(subject, Lit(node.expression.name, T.VARCHAR))
    if len(node.expressions) != 1:
        raise ProgrammingError(f"{node.sql('duckdb')[:60]}: one index expected")
    index = node.expressions[0]
    if subject.type.kind == "STRUCT":
        return _struct_extract(subject, b.bind(index))
    if subject.type.kind == "MAP":
        from .maps import bracket
        return bracket(subject, index, b)
    if isinstance(index, exp.Slice):
        bounds = [None if x is None else b.bind(x) for x in (index.this, index.expression, index.args.get("step"))]
        return _slice(subject, *bounds)
    return _list_extract(subject, b.bind(index))


# ---------------------------------------------------------------- casts


def _to_arrow_value(value, t: T.SqlType):
    from ..io.arrow import arrow_type_of
    return pa.array([value], arrow_type_of(t))


def cast_constant(lit: Lit, to: T.SqlType) -> Lit:
    """CAST of a LIST / STRUCT constant (or of a constant to one), through Arrow's casts."""
    from ..errors import DataError
    if lit.value is None:
        return Lit(None, to)
    if to.is_string:
        return Lit(_format(python_value(lit.value, lit.type), lit.type), T.VARCHAR)
    if not (lit.type.is_nested and to.kind == lit.type.kind):
        raise ProgrammingError(f"cannot cast {lit.type} to {to}")
    try:
        value = _arrow_cast(_to_arrow_value(python_value(lit.value, lit.type), lit.type), to).to_pylist()[0]
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as err:
        raise DataError(f"could not convert {lit.value!r} to {to}: {err}") from None
    return Lit(NestedValue(value), to)


def _arrow_cast(arr: pa.Array, to: T.SqlType) -> pa.Array:
    from ..io.arrow import arrow_type_of
    want = arrow_type_of(to)
    if to.is_nested and arr.null_count == len(arr) and not pa.types.is_nested(arr.type):
        return pa.nulls(len(arr), want)  # NULLs of the untyped NULL (the elements of [NULL])
    if to.kind == "STRUCT":  # field by field: DuckDB matches fields by position
        fields = [_arrow_cast(f, t) for f, (_, t) in zip(arr.flatten(), to.fields)]
        return pa.StructArray.from_arrays(fields, fields=list(want), mask=arr.is_null())
    if to.kind in ("LIST", "MAP"):
        return pa.ListArray.from_arrays(arr.offsets, _arrow_cast(arr.flatten(), to.element), want,
                                        mask=arr.is_null() if arr.null_count else None)
    return arr.cast(want)


def cast_column(col: Column, to: T.SqlType) -> Column:
    """A LIST / STRUCT column cast to another nested type (or to VARCHAR), once per entry."""
    from ..errors import DataError
    if col.dictionary is None or len(col.dictionary) == 0:
        return _all_null(to, tuple(col.data.shape), col.device)
    if to.is_string:
        strings = np.array([_format(v.value, col.type) for v in col.dictionary.values], dtype=object)
        return replace(C.map_dictionary(col, strings), type=T.VARCHAR)
    if not (col.type.kind == to.kind):
        raise ProgrammingError(f"cannot cast {col.type} to {to}")

    def compute():
        try:
            return _encode(_arrow_cast(_arrow(col), to), to, col.device)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as err:
            raise DataError(f"could not convert {col.type} to {to}: {err}") from None
    entries = C._memo(col, ("cast", to), compute)
    return _take(entries, _codes(col), col.validity, to)


def _format(v, t: T.SqlType) -> str:
    """A nested value as DuckDB writes it: [1, 2, NULL], {'a': 1, 'b': x}."""
    if v is None:
        return "NULL"
    if t.kind == "LIST":
        return "[" + ", ".join(_format(x, t.element) for x in v) + "]"
    if t.kind == "STRUCT":
        return "{" + ", ".join(f"'{n}': {_format(v[n], ft)}" for n, ft in t.fields) + "}"
    if t.kind == "MAP":
        kt, vt = (ft for _, ft in t.element.fields)
        return "{" + ", ".join(f"{_format(x['key'], kt)}={_format(x['value'], vt)}" for x in v) + "}"
    if t.kind == "BOOLEAN":
        return "true" if v else "false"
    if t.is_float:
        return repr(float(v))
    return str(v)


def _list_extract(subject, index):
    if subject.type.kind == "NULL":
        return Lit(None, T.NULLTYPE)
    if subject.type.is_string:  # 'abc'[2]: one character
        return FUNCTIONS["substring"].bind(subject, index, Lit(1, T.BIGINT))
    _need("list_extract", subject, "LIST")
    index = X.cast(index, T.BIGINT) if index.type.is_integer or index.type.kind == "NULL" else index
    if index.type != T.BIGINT:
        raise ProgrammingError(f"a list index must be an integer, not {index.type}")
    t = subject.type.element
    return Call("list_extract", (subject, index), t if t.kind != "NULL" else T.INTEGER)


def _list_extract_kernel(args, e, ctx):
    col, index = args
    if col.dictionary is None or len(col.dictionary) == 0:
        return _all_null(e.type, torch.broadcast_shapes(col.data.shape, index.data.shape), col.device)
    child, offsets = _elements(col)
    codes = _codes(col)
    start, length = offsets[codes], offsets[codes + 1] - offsets[codes]
    i = index.data.to(torch.int64)
    pos = torch.where(i > 0, i - 1, length + i)
    ok = (pos >= 0) & (pos < length) & (i != 0)
    ok = and_validity(ok, col.validity, index.validity)
    return _take(child, start + pos, ok, e.type)


def _struct_extract(subject, key, positional: bool = False):
    """The field `key` names (a position only for a TUPLE, or where `positional`)."""
    _need("struct_extract", subject, "STRUCT")
    if not (isinstance(key, Lit) and isinstance(key.value, str)) and not (isinstance(key, Lit) and key.type.is_integer):
        raise ProgrammingError("a STRUCT field must be named by a constant string")
    names = [n.lower() for n, _ in subject.type.fields]
    if isinstance(key.value, str):
        if key.value.lower() not in names:
            raise ProgrammingError(f'STRUCT has no field "{key.value}"; it has {", ".join(n for n, _ in subject.type.fields)}')
        i = names.index(key.value.lower())
    else:
        if not (subject.type.is_tuple or positional):
            raise ProgrammingError("struct_extract with an integer key can only be used on unnamed structs, "
                                   "use a string key instead")
        if not 1 <= key.value <= len(names):
            raise ProgrammingError(f"STRUCT field index {key.value} is out of range 1..{len(names)}")
        i = key.value - 1
    return Call("struct_extract", (subject,), subject.type.fields[i][1], (i,))


def _struct_extract_kernel(args, e, ctx):
    (col,) = args
    if col.dictionary is None or len(col.dictionary) == 0:
        return _all_null(e.type, tuple(col.data.shape), col.device)
    return _take(_fields(col)[e.params[0]], _codes(col), col.validity, e.type)


def struct_field(b, node: exp.Column) -> Expr | None:
    """`s.a`, `t.s.a`, `s.a.b`: a dotted name that is a STRUCT column's field path, or None."""
    parts = [p.name for p in node.parts]
    for lead in (1, 2):  # column.field..., table.column.field...
        if len(parts) <= lead:
            continue
        table, name = (None, parts[0]) if lead == 1 else (parts[0], parts[1])
        if not b.scope.has(name, table):
            continue
        i = b.scope.resolve(name, table)
        out = ColRef(i, b.scope.columns[i].type)
        if out.type.kind != "STRUCT":
            continue
        for field in parts[lead:]:
            if out.type.kind != "STRUCT":
                raise ProgrammingError(f"{node.sql('duckdb')}: {field} is not a field of {out.type}")
            out = _struct_extract(out, Lit(field, T.VARCHAR))
        return out
    return None


def _slice(subject, begin, end, step=None):
    if subject.type.is_string and step is None:  # 'abc'[2:3]: characters, bounds as a list's
        return FUNCTIONS["#string_slice"].bind(subject, Lit(0, T.BIGINT) if begin is None else begin,
                                               Lit(2 ** 62, T.BIGINT) if end is None else end)
    _need("array_slice", subject, "LIST")
    consts = []
    for bound in (begin, end, step):
        if bound is not None and not (bound.type.is_integer or bound.type.kind == "NULL"):
            raise ProgrammingError(f"a list slice's bounds must be integers, not {bound.type}")
        if bound is not None and not isinstance(bound, Lit):  # bounds per row
            if step is not None and not (isinstance(step, Lit) and step.value is not None and step.value > 0):
                raise NotSupportedError("list slices with non-constant bounds and a step that is not a positive constant")
            bounds = [Lit(0, T.BIGINT) if begin is None else X.cast(begin, T.BIGINT),
                      Lit(2 ** 62, T.BIGINT) if end is None else X.cast(end, T.BIGINT)]
            return Call("#list_slice_rows", (subject, *bounds), subject.type, (1 if step is None else step.value,))
        consts.append(None if bound is None else bound.value)
    if any(b is not None and b.value is None for b in (begin, end)):
        return Lit(None, subject.type)
    if consts[2] is not None and consts[2] <= 0:
        raise NotSupportedError("list slices with a step that is not positive")
    return Call("array_slice", (subject,), subject.type, tuple(consts))


def _slice_kernel(args, e, ctx):
    (col,) = args
    begin, end, step = e.params

    def cut(v):
        n = len(v)
        lo = 0 if begin is None or begin == 0 else begin - 1 if begin > 0 else max(n + begin, 0)
        hi = n if end is None else min(end, n) if end >= 0 else n + end + 1
        return v[lo:max(hi, lo):step or 1]
    return _per_entry_list(col, ("array_slice", begin, end, step), cut)


def _per_entry_list(col: Column, key, fn) -> Column:
    """A LIST -> LIST function run once per dictionary entry (Python over the distinct lists)."""
    if col.dictionary is None or len(col.dictionary) == 0:
        return col
    result = C._memo(col, key, lambda: C._dictionary_map(
        col, nested_values([fn(v.value) for v in col.dictionary.values])))
    return C._recode(col, *result)


def _length(subject, dimension=None):
    if dimension is not None and not (isinstance(dimension, Lit) and dimension.type.is_integer and dimension.value == 1):
        raise NotSupportedError("array_length() of a dimension other than 1 (DuckDB has none either)")
    if subject.type.kind == "NULL":
        return Lit(None, T.BIGINT)
    return Call("array_length", (_need("array_length", subject, "LIST"),), T.BIGINT)


def _length_kernel(args, e, ctx):
    (col,) = args
    if col.dictionary is None or len(col.dictionary) == 0:
        return _all_null(T.BIGINT, tuple(col.data.shape), col.device)
    _, offsets = _elements(col)
    codes = _codes(col)
    return Column(T.BIGINT, offsets[codes + 1] - offsets[codes], col.validity)


def _contains(subject, x):
    if subject.type.kind == "NULL":
        return Lit(None, T.BOOLEAN)
    _need("list_contains", subject, "LIST")
    elem = subject.type.element
    if elem.kind == "NULL" or x.type.kind == "NULL":  # NULL, but false for an empty list (as DuckDB)
        return Call("list_contains", (subject, Lit(None, T.INTEGER if elem.kind == "NULL" else elem)), T.BOOLEAN)
    common = T.common_type(elem, x.type)
    if common is None and not (x.type.is_string and isinstance(x, Lit)):
        raise ProgrammingError(f"list_contains() cannot look for {x.type} in {subject.type}")
    if common is not None and common != elem:
        subject, elem = X.cast(subject, T.LIST(common)), common
    return Call("list_contains", (subject, X.cast(x, elem)), T.BOOLEAN)


def _contains_kernel(args, e, ctx):
    col, x = args
    shape = torch.broadcast_shapes(col.data.shape, x.data.shape)
    if col.dictionary is None or len(col.dictionary) == 0:
        return _all_null(T.BOOLEAN, shape, col.device)
    child, offsets = _elements(col)
    valid = x.validity
    if valid is not None:
        valid = valid | (offsets[_codes(col) + 1] == offsets[_codes(col)])
    valid = and_validity(col.validity, valid)
    if C.is_scalar(x):  # once per dictionary entry, then a gather
        found = C._memo(col, ("list_contains", x.dictionary.values[0] if x.dictionary is not None else x.data.item()),
                        lambda: _found(child, offsets, torch.arange(len(offsets) - 1, device=col.device), x))
        return Column(T.BOOLEAN, found[_codes(col)].expand(shape), valid)
    codes = C.broadcast(col, shape[0]) if not shape == () else col
    return Column(T.BOOLEAN, _found(child, offsets, _codes(codes).expand(shape), x), valid)


def _found(child: Column, offsets, codes, x: Column) -> torch.Tensor:
    """Whether x (a constant or one value per code) is among the elements of each code's list."""
    rows, at = explode(offsets, codes)
    if len(at) == 0:
        return torch.zeros(codes.shape, dtype=torch.bool, device=codes.device)
    elements = child.take(at)
    probe = x if C.is_scalar(x) else x.take(rows)
    eq = C._compare([elements, probe], Call("eq", (), T.BOOLEAN), None)
    hit = eq.data if eq.validity is None else eq.data & eq.validity
    return torch.zeros(codes.shape, dtype=torch.int32, device=codes.device).index_add_(
        0, rows, hit.to(torch.int32)) > 0


def explode(offsets: torch.Tensor, codes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(row of each element, the element's position in the flat element column) for rows
    holding the lists `codes`: repeat_interleave over the per-row lengths."""
    start = offsets[codes]
    lengths = offsets[codes + 1] - start
    rows = torch.repeat_interleave(torch.arange(len(codes), device=codes.device), lengths)
    firsts = torch.cumsum(lengths, 0) - lengths
    return rows, start[rows] + torch.arange(len(rows), device=codes.device) - firsts[rows]


# ---------------------------------------------------------------- registry

_entry("list_value", "list_value(ANY, ...) → LIST", "A list of the arguments; also written [a, b, ...].",
       "list_value(1, 2, 3) → [1, 2, 3]", _list_value, _list_value_kernel, ("list_pack", "array_value"), (exp.Array,),
       node_args=lambda node: ("#comprehension", node.expressions) if len(node.expressions) == 1 and isinstance(
           node.expressions[0], exp.Comprehension) else ("list_value", list(node.expressions)))
_entry("struct_pack", "struct_pack(name := ANY, ...) → STRUCT",
       "A struct of the named arguments; also written {'name': value, ...}.",
       "struct_pack(a := 1, b := 'x') → {'a': 1, 'b': x}", _struct_pack, _struct_pack_kernel,
       nodes=(exp.Struct,), raw=True)
_entry("list_extract", "list_extract(LIST, BIGINT i) → element", "The i-th element (1-based; negative counts "
       "from the end; NULL out of range); also written l[i].", "[10, 20, 30][-1] → 30",
       lambda *a: arity("list_extract", a, 2, 2) or _list_extract(*a), _list_extract_kernel,
       ("list_element", "array_extract"))
_entry("struct_extract", "struct_extract(STRUCT, VARCHAR name) → field", "A struct's field; also written "
       "s.name or s['name'].", "struct_extract({'a': 1}, 'a') → 1",
       lambda *a: arity("struct_extract", a, 2, 2) or _struct_extract(*a), _struct_extract_kernel,
       nodes=(exp.StructExtract,))
_entry("array_slice", "array_slice(LIST, BIGINT begin, BIGINT end [, BIGINT step]) → LIST", "Elements begin..end (1-based, "
       "inclusive, negative from the end; constant bounds); also written l[begin:end].", "[1, 2, 3][2:3] → [2, 3]",
       lambda *a: arity("array_slice", a, 3, 4) or _slice(*a), _slice_kernel, ("list_slice",), (exp.ArraySlice,))
_entry("l[i]", "l[i], l[begin:end], s['name'], s.name", "Subscripts of a LIST or STRUCT (not callable by name).", "[1, 2][1] → 1",
       _bracket, nodes=(exp.Bracket, exp.Dot), raw=True, node_args=lambda node: ("l[i]", [node]))
_entry("array_length", "array_length(LIST [, 1]) → BIGINT", "The number of elements (len(l) and length(l) too).",
       "array_length([1, NULL]) → 2", lambda *a: arity("array_length", a, 1, 2) or _length(*a), _length_kernel,
       nodes=(exp.ArraySize,))
_entry("list_contains", "list_contains(LIST, element) → BOOLEAN", "Whether the list holds the value "
       "(NULL elements never match).", "list_contains([1, 2], 2) → true",
       lambda *a: arity("list_contains", a, 2, 2) or _contains(*a), _contains_kernel,
       ("list_has", "array_contains", "array_has"), (exp.ArrayContains,))


def _overload_length():
    """length(l) / len(l) on a LIST is array_length; on anything else the string function."""
    strings = FUNCTIONS["length"]

    def bind(*args):
        if len(args) == 1 and args[0].type.kind == "LIST":
            return _length(args[0])
        return strings.bind(*args)
    entry = replace(strings, bind=bind, signature=strings.signature + "; length(LIST) → BIGINT")
    for key in (entry.name, *entry.aliases):
        FUNCTIONS[key] = entry


_overload_length()


# ---------------------------------------------------------------- list()

register(Aggregate("list", "list(ANY [ORDER BY ...]) → LIST", "The group's values (NULLs too) as a list, in input "
                   "order or the ORDER BY's.",
                   "list(x)", T.LIST, ("array_agg", "list_agg"), (exp.ArrayAgg,), False, "list"))


def ordered_list(b, func: str, node: exp.Order, distinct: bool):
    """list(x ORDER BY k1 [DESC], ...): an aggregate over STRUCT(x, k1, ...) rows, whose
    directions ride in the aggregate's name ("list:" then d/a and f/l per key)."""
    from ..plan.nodes import AggCall
    if func != "list":
        raise NotSupportedError(f"ORDER BY inside {func}() is not supported")
    if distinct and any(o.this != node.this for o in node.expressions):
        raise ProgrammingError("In a DISTINCT aggregate, ORDER BY expressions must appear in the argument list")
    x = b.bind(node.this)
    if x.type.kind == "NULL":
        x = Lit(None, T.INTEGER)
    keys = [X.sort_key(o, b.bind(o.this)) for o in node.expressions]
    args = [x] + [Lit(None, T.INTEGER) if k.expr.type.kind == "NULL" else k.expr for k in keys]
    packed = Call("struct_pack", tuple(args), T.STRUCT((f"k{i}", a.type) for i, a in enumerate(args)))
    flags = "".join(("d" if k.descending else "a") + ("f" if k.nulls_first else "l") for k in keys)
    return AggCall("list:" + flags, packed, T.LIST(x.type), distinct)


def list_aggregate(func: str, t: T.SqlType, x: Column, ids: torch.Tensor, g: int, rows: torch.Tensor | None) -> Column:
    """Each group's values as a list: one stable sort by group (and the ORDER BY keys), the
    group sizes as list offsets, then the lists encoded as a dictionary column (a group
    without rows: NULL)."""
    from ..io.arrow import column_to_arrow
    from ..kernels.sort import lexsort
    x = C.broadcast(x, len(ids))
    if rows is not None:
        keep = C.nonzero(rows)
        x, ids = x.take(keep), ids[keep]
    spec = [(ids, None, False, False)]
    if func != "list" and len(ids):  # list:<flags>: x is STRUCT(value, keys...)
        parts = [_take(f, _codes(x), None, f.type) for f in _fields(x)]
        flags = func.split(":")[1]
        spec += [(data, valid, flags[2 * i] == "d", flags[2 * i + 1] == "f")
                 for i, k in enumerate(parts[1:]) for data, valid in C.key_columns(k, ordered=True)]
        x = parts[0]
    elif func != "list":
        x = _all_null(t.element, (0,), x.device)
    order = lexsort(spec) if len(spec) > 1 else torch.sort(ids, stable=True).indices
    counts = torch.bincount(ids, minlength=g)[:g]
    offsets = np.concatenate([[0], torch.cumsum(counts, 0).cpu().numpy()]).astype(np.int32)
    values = column_to_arrow(replace(x.take(order), type=t.element))
    empty = pa.array((counts == 0).cpu().numpy())
    return _encode(pa.ListArray.from_arrays(pa.array(offsets), values, mask=empty), t, x.device)


# ---------------------------------------------------------------- lists to text

def _array_to_string(subject, sep):
    subject = _need("array_to_string", subject, "LIST")
    if not (sep.type.is_string or sep.type.kind == "NULL"):
        raise ProgrammingError(f"array_to_string() separator must be VARCHAR, not {sep.type}")
    if not isinstance(sep, Lit):
        raise NotSupportedError("array_to_string() with a separator that is not a constant")
    return Call("array_to_string", (subject,), T.VARCHAR, (sep.value,))


def _array_to_string_kernel(args, e, ctx):
    """Once per distinct list: its non-NULL elements as text, joined by the separator."""
    col, (sep,) = args[0], e.params
    if sep is None:
        return _all_null(T.VARCHAR, tuple(col.data.shape), col.device)

    def compute():
        entries = _arrow(col).cast(pa.list_(pa.string())).to_pylist()
        return np.array([sep.join(v for v in entry if v is not None) for entry in entries], dtype=object)
    texts = C._memo(col, ("array_to_string", sep), compute)
    out = C.map_dictionary(replace(col, type=T.VARCHAR), texts)
    return Column(T.VARCHAR, out.data, col.validity, out.dictionary)


_entry("array_to_string", "array_to_string(LIST, VARCHAR sep) → VARCHAR", "The non-NULL elements as text, "
       "joined by sep.", "array_to_string([1, NULL, 2], '-') → '1-2'",
       lambda *a: arity("array_to_string", a, 2, 2) or _array_to_string(*a), _array_to_string_kernel,
       ("list_to_string", "array_join"), (exp.ArrayToString,),
       node_args=lambda node: ("array_to_string", [node.this] + [a for a in (node.args.get("expression"),) if a is not None]))


def _string_agg(b, nodes):
    """string_agg(x [, sep] [ORDER BY ...]) = the non-NULL values' text in a list, joined; NULL
    when there is none."""
    if not nodes or len(nodes) > 2:
        raise ProgrammingError(f"string_agg() takes 1 or 2 arguments, not {len(nodes)}")
    x, sep = nodes[0], nodes[1] if len(nodes) > 1 else exp.Literal.string(",")
    order, distinct = None, False
    if isinstance(x, exp.Order):
        x, order = x.this, x.expressions
    if isinstance(x, exp.Distinct):
        x, distinct = x.expressions[0], True
    text = exp.cast(x.copy(), "VARCHAR")
    listed = exp.Anonymous(this="list", expressions=[exp.Distinct(expressions=[text]) if distinct else text])
    if order:  # (with DISTINCT the keys are the value itself, so the list holds the values, in their order)
        value = exp.Distinct(expressions=[x.copy()]) if distinct else text
        listed = exp.Anonymous(this="list", expressions=[exp.Order(this=value, expressions=[o.copy() for o in order])])
    kept = exp.Filter(this=listed, expression=exp.Where(this=exp.Not(this=exp.Is(this=x.copy(), expression=exp.null()))))
    joined = exp.Anonymous(this="array_to_string", expressions=[kept, sep.copy()])
    count = exp.Count(this=x.copy())
    return b.bind(exp.Case(ifs=[exp.If(this=exp.GT(this=count, expression=exp.Literal.number(0)), true=joined)]))


def _string_agg_args(node):
    return "string_agg", [node.this] + ([node.args["separator"]] if node.args.get("separator") is not None else [])


register(Function("string_agg", "string_agg(VARCHAR x [, VARCHAR sep] [ORDER BY ...]) → VARCHAR",
                  "The non-NULL values joined by sep (default ','), in the ORDER BY's order if given.",
                  "string_agg(name, ', ' ORDER BY name)", _string_agg, aliases=("listagg", "group_concat"),
                  nodes=(exp.GroupConcat,), raw=True, family="aggregate"), _string_agg_args)


_entry("row", "row(ANY, ...) → STRUCT(v1, v2, ...)", "An unnamed STRUCT of the arguments; also written (a, b).",
       "row(1, 'a') = (1, 'a') → true", lambda b, args: X.bind_row(b, args), raw=True)


# ---------------------------------------------------------------- reshaping structs

def _fields_of(subject: Expr) -> list[tuple[str, Expr]]:
    _need("struct function", subject, "STRUCT")
    return [(n, _struct_extract(subject, Lit(n, T.VARCHAR))) for n, _ in subject.type.fields]


def _packed(fields: list[tuple[str, Expr]]) -> Expr:
    if len({n.lower() for n, _ in fields}) != len(fields):
        raise ProgrammingError("duplicate STRUCT field name")
    t = T.STRUCT([(n, e.type) for n, e in fields])
    return Call("struct_pack", tuple(e for _, e in fields), t)


def _named_args(b, name: str, nodes) -> list[tuple[str, Expr]]:
    out = []
    for node in nodes:
        if not isinstance(node, (exp.PropertyEQ, exp.Kwarg)):
            raise ProgrammingError(f"{name}() takes its new fields as name := value")
        value = b.bind(node.expression)
        out.append((node.this.name, Lit(None, T.INTEGER) if value.type.kind == "NULL" else value))
    return out


def _struct_insert(b, nodes):
    """struct_insert(s, name := value, ...): s's fields, then the new ones (NULL s: NULL fields)."""
    return _packed(_fields_of(b.bind(nodes[0])) + _named_args(b, "struct_insert", nodes[1:]))


def _struct_update(b, nodes):
    """struct_update(s, name := value, ...): fields replaced in place, or added at the end."""
    fields = _fields_of(b.bind(nodes[0]))
    for name, value in _named_args(b, "struct_update", nodes[1:]):
        at = [i for i, (n, _) in enumerate(fields) if n.lower() == name.lower()]
        if at:
            fields[at[0]] = (fields[at[0]][0], value)
        else:
            fields.append((name, value))
    return _packed(fields)


def _struct_concat(b, nodes):
    return _packed([f for node in nodes for f in _fields_of(b.bind(node))])


def _struct_keys(b, nodes):
    (node,) = nodes
    names = [n for n, _ in _need("struct_keys", b.bind(node), "STRUCT").type.fields]
    return b.bind(exp.Case(ifs=[exp.If(this=exp.Not(this=exp.Is(this=node.copy(), expression=exp.Null())),
                                       true=exp.Array(expressions=[exp.Literal.string(n) for n in names]))]))


register(Function("#struct_unless_null", "", "", "", None, _struct_unless_null_kernel, family="nested"))
_entry("struct_insert", "struct_insert(STRUCT, name := ANY, ...) → STRUCT", "The struct with fields added at the end.",
       "struct_insert({'a': 1}, b := 2) → {'a': 1, 'b': 2}", _struct_insert, raw=True)
_entry("struct_update", "struct_update(STRUCT, name := ANY, ...) → STRUCT", "The struct with fields replaced (or added).",
       "struct_update({'a': 1}, a := 'x') → {'a': x}", _struct_update, raw=True)
_entry("struct_concat", "struct_concat(STRUCT, ...) → STRUCT", "The structs' fields together.",
       "struct_concat({'a': 1}, {'b': 2}) → {'a': 1, 'b': 2}", _struct_concat, raw=True)
_entry("struct_keys", "struct_keys(STRUCT) → VARCHAR[]", "The field names.", "struct_keys({'a': 1, 'b': 2}) → [a, b]",
       _struct_keys, raw=True)
_entry("struct_values", "struct_values(STRUCT) → TUPLE", "The field values as an unnamed STRUCT.",
       "struct_values({'a': 1, 'b': 'x'}) → (1, x)", lambda *a: arity("struct_values", a, 1, 1) or _struct_values(a[0]))


def _struct_values(subject):
    return _packed_as(T.TUPLE([e.type for _, e in _fields_of(subject)]), _fields_of(subject), subject)


def _packed_as(t, fields, subject):
    """The fields as a STRUCT of type t, NULL where the subject is."""
    return Call("#struct_unless_null", (subject, *(e for _, e in fields)), t)
_entry("struct_extract_at", "struct_extract_at(STRUCT, BIGINT i) → field", "The i-th field (1-based).",
       "struct_extract_at({'a': 1, 'b': 2}, 2) → 2", lambda *a: arity("struct_extract_at", a, 2, 2) or _struct_extract_at(*a))


def _struct_extract_at(subject, index):
    if not (isinstance(index, Lit) and index.type.is_integer):
        raise ProgrammingError("struct_extract_at() takes a constant integer index")
    return _struct_extract(subject, index, positional=True)
