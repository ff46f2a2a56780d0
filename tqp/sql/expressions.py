"""Binding scalar SQL expressions: sqlglot nodes to typed plan expressions.

Type rules follow DuckDB: `/` gives DOUBLE, DECIMAL arithmetic stays exact with DuckDB's scales,
DATE ± INTERVAL gives TIMESTAMP, string literals compared with dates are read as dates.

>>> from tqp.sql.scope import Scope, ScopeColumn
>>> import sqlglot, tqp.types as T
>>> b = ExprBinder(Scope([ScopeColumn("t", "x", T.DECIMAL(15, 2))]), params=[])
>>> b.bind(sqlglot.parse_one("x * (1 - x)")).type.scale
4
"""
from __future__ import annotations

import datetime as dt
import decimal
import math
import re

from sqlglot import exp

from .. import types as T
from ..errors import NotSupportedError, ProgrammingError, DataError
from ..plan.nodes import AggCall, Call, ColRef, Expr, Lit, OuterRef, Slot, SortKey, fold, holds, slot_literal, walk
from ..settings import current as current_settings
from .scope import Scope, suggest
from .. import functions as F
from ..kernels.dates import format_interval, format_timestamp

EPOCH = dt.date(1970, 1, 1)
_CMP = {exp.EQ: "eq", exp.NEQ: "ne", exp.LT: "lt", exp.LTE: "le", exp.GT: "gt", exp.GTE: "ge"}
_FLIP = {"eq": "eq", "ne": "ne", "lt": "gt", "le": "ge", "gt": "lt", "ge": "le"}
_ARITH = {exp.Add: "add", exp.Sub: "sub", exp.Mul: "mul", exp.Div: "div", exp.IntDiv: "intdiv",
          exp.Mod: "mod"}


def arg(node, name):
    """A sqlglot argument by name (sqlglot 30 suffixes some names with '_')."""
    value = node.args.get(name)
    return node.args.get(name + "_") if value is None else value


# ---------------------------------------------------------------- literal helpers


def date_to_days(d: dt.date) -> int:
    return (d - EPOCH).days


def days_to_date(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(n))


def ts_to_micros(t: dt.datetime) -> int:
    delta = t - dt.datetime(1970, 1, 1)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def micros_to_ts(n: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=int(n))


def parse_date(text: str) -> int:
    try:
        return date_to_days(dt.date.fromisoformat(text.strip()))
    except ValueError:
        raise DataError(f"invalid DATE value '{text}'; expected YYYY-MM-DD") from None


def parse_timestamp(text: str) -> int:
    try:
        # DuckDB's TIMESTAMP reads past an offset ('15:26:00-07' is 15:26)
        return ts_to_micros(dt.datetime.fromisoformat(text.strip()).replace(tzinfo=None))
    except ValueError:
        raise DataError(f"invalid TIMESTAMP value '{text}'") from None


def number_literal(text: str) -> Lit:
    """Integer literals are INTEGER or BIGINT (beyond that DECIMAL(38,0), DuckDB's HUGEINT);
    ones with a point are DECIMAL up to 38 digits, as in DuckDB; the rest DOUBLE."""
    if re.fullmatch(r"\d+", text):
        v = int(text)
        if v < 2**31:
            return Lit(v, T.INTEGER)
        if v < 2**63:
            return Lit(v, T.BIGINT)
        if v < 10**T.MAX_DECIMAL_DIGITS:
            return Lit(v, T.DECIMAL(T.MAX_DECIMAL_DIGITS, 0))
        return Lit(float(v), T.DOUBLE)
    if re.fullmatch(r"\d*\.\d*", text):
        whole, frac = text.split(".")
        p = max(len(whole) + len(frac), 1)  # DuckDB counts every digit written: 0.05 is DECIMAL(3,2)
        if p <= T.MAX_DECIMAL_DIGITS:
            return Lit(int((whole or "0") + frac), T.DECIMAL(p, len(frac)))
    return Lit(float(text), T.DOUBLE)


def python_literal(value) -> Lit:
    """A typed literal for a Python parameter value."""
    if value is None:
        return Lit(None, T.NULLTYPE)
    if isinstance(value, bool):
        return Lit(value, T.BOOLEAN)
    if isinstance(value, int):
        if -2**31 <= value < 2**31:
            return Lit(value, T.INTEGER)
        if -2**63 <= value < 2**63:
            return Lit(value, T.BIGINT)
        if abs(value) < 10**T.MAX_DECIMAL_DIGITS:
            return Lit(value, T.DECIMAL(T.MAX_DECIMAL_DIGITS, 0))
        raise DataError(f"integer parameter {value} is out of range: more than 38 digits")
    if isinstance(value, float):
        return Lit(value, T.DOUBLE)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return Lit(float(value), T.DOUBLE)
        sign, digits, exponent = value.as_tuple()
        scale = max(-exponent, 0)
        scaled = int(value.scaleb(scale, _EXACT))
        p = len(str(abs(scaled)))
        p = p if p > scale else scale + 1  # DuckDB counts the 0 before the point: 0.05 is DECIMAL(3,2)
        if p > T.MAX_DECIMAL_DIGITS:
            return Lit(float(value), T.DOUBLE)
        return Lit(scaled, T.DECIMAL(p, scale))
    if isinstance(value, str):
        return Lit(value, T.VARCHAR)
    if isinstance(value, dt.datetime):
        if value.utcoffset() is not None:  # an aware datetime is an instant, as DuckDB binds it
            return Lit(ts_to_micros((value - value.utcoffset()).replace(tzinfo=None)), T.TIMESTAMPTZ)
        return Lit(ts_to_micros(value), T.TIMESTAMP)
    if isinstance(value, dt.date):
        return Lit(date_to_days(value), T.DATE)
    if isinstance(value, list):  # a LIST, typed as [v1, v2, ...] would be
        return F.nested._list_value(*[python_literal(v) for v in value])
    if isinstance(value, (bytes, bytearray, memoryview)):
        raise NotSupportedError("BLOB parameters are not supported")
    try:  # numpy scalars
        import numpy as np
        if isinstance(value, np.generic):
            return python_literal(value.item())
    except ImportError:  # pragma: no cover
        pass
    raise ProgrammingError(f"unsupported parameter type {type(value).__name__}")


_EXACT = decimal.Context(prec=80)  # the default 28 digits would round a DECIMAL(38)


def _fmt_decimal(v: int, scale: int) -> str:
    return format(decimal.Decimal(v).scaleb(-scale, _EXACT), "f")


def cast_literal(lit: Lit, to: T.SqlType) -> Lit:
    """Fold CAST of a constant, with DuckDB's conversion rules."""
    if isinstance(lit, Slot):  # folded again from each execution's value
        return lit.derived(lambda x: cast_literal(x, to), ("cast", to))
    v, frm = lit.value, lit.type
    if v is None or frm == to:
        return Lit(v, to)
    k = to.kind
    try:
        with decimal.localcontext(_EXACT):
            return _cast_value(lit, v, frm, to, k)
    except (ValueError, decimal.InvalidOperation, OverflowError):
        raise DataError(f"could not convert {_show(lit)} to {to}") from None


def _integer_text(s: str) -> int:
    """A string's integer as DuckDB reads it: digits (with _ separators), 0x hex, or any decimal
    or exponent form rounded half away from zero ('4.5' -> 5, '1e2' -> 100)."""
    try:
        return int(s)
    except ValueError:
        pass
    if s[:2].lower() == "0x":
        return int(s, 16)
    d = decimal.Decimal(s)
    if not d.is_finite():
        raise ValueError(s)
    return int(d.to_integral_value(rounding=decimal.ROUND_HALF_UP))


def _cast_value(lit: Lit, v, frm: T.SqlType, to: T.SqlType, k: str) -> Lit:
    if "TIMESTAMPTZ" in (frm.kind, k) and (frm.is_temporal or k == "VARCHAR" or frm.is_string):
        return Lit(F.dates.read_instant(v) if frm.is_string else F.dates.show_instant(v) if k == "VARCHAR"
                   else F.dates.cast_zoned_value(v, frm, to), to)
    if frm.is_string:
        s = v.strip()
        if k == "DATE":
            return Lit(parse_date(s), to)
        if k == "TIMESTAMP":
            return Lit(parse_timestamp(s), to)
        if k == "INTERVAL":
            return Lit(F.dates.normalized(F.dates.parse_interval(s)), to)
        if k == "BOOLEAN":
            low = s.lower()
            if low in ("true", "t", "1", "yes", "y"):
                return Lit(True, to)
            if low in ("false", "f", "0", "no", "n"):
                return Lit(False, to)
            raise ValueError
        if to.is_integer:
            return _int_lit(_integer_text(s), to)
        if to.is_float:
            return Lit(float(s), to)
        if to.is_decimal:
            return Lit(_scaled(decimal.Decimal(s), to), to)
    if k == "VARCHAR":
        if frm.is_decimal:
            return Lit(_fmt_decimal(v, frm.scale), to)
        if frm.kind == "DATE":
            return Lit(days_to_date(v).isoformat(), to)
        if frm.kind == "TIMESTAMP":
            return Lit(format_timestamp(v), to)
        if frm.kind == "INTERVAL":
            return Lit(format_interval(v), to)
        if frm.kind == "BOOLEAN":
            return Lit("true" if v else "false", to)
        return Lit(str(v), to)
    if frm.is_numeric and to.is_numeric or frm.kind == "BOOLEAN" and to.is_numeric:
        num = decimal.Decimal(v).scaleb(-frm.scale) if frm.is_decimal else v
        if to.is_float:
            return Lit(float(num), to)
        if to.is_decimal and isinstance(num, float):
            # as DuckDB (and a column cast): scaled in DOUBLE, rounded half away from zero
            r = num * 10.0 ** to.scale
            r = math.copysign(math.floor(abs(r) + 0.5), r)
            if not abs(r) < float(10 ** to.precision):
                raise ValueError
            return Lit(int(r), to)
        if to.is_decimal:
            return Lit(_scaled(decimal.Decimal(num), to), to)
        if to.is_integer:
            if isinstance(num, float):
                return _int_lit(round(num), to)  # half to even, as DuckDB casts doubles
            return _int_lit(int(decimal.Decimal(num).to_integral_value(decimal.ROUND_HALF_UP)), to)
    if frm.is_numeric and k == "BOOLEAN":
        return Lit(bool(v), to)
    if frm.kind == "DATE" and k == "TIMESTAMP":
        return Lit(v * 86_400_000_000, to)
    if frm.kind == "TIMESTAMP" and k == "DATE":
        return Lit(v // 86_400_000_000, to)
    raise ProgrammingError(f"cannot cast {frm} to {to}")


def _show(lit: Lit) -> str:
    if lit.type.is_decimal:
        return _fmt_decimal(lit.value, lit.type.scale)
    return f"'{lit.value}'" if isinstance(lit.value, str) else str(lit.value)


def _scaled(d: decimal.Decimal, to: T.SqlType) -> int:
    v = int(d.scaleb(to.scale).to_integral_value(decimal.ROUND_HALF_UP))
    if abs(v) >= 10 ** to.precision:
        raise ValueError
    return v


_INT_RANGE = {"SMALLINT": 2**15, "INTEGER": 2**31, "BIGINT": 2**63}


def _int_lit(v: int, to: T.SqlType) -> Lit:
    lim = _INT_RANGE[to.kind]
    if not -lim <= v < lim:
        raise ValueError
    return Lit(v, to)


def parse_type_name(text: str) -> T.SqlType:
    """A type written as SQL ('BIGINT', 'DECIMAL(10, 2)')."""
    try:
        node = exp.DataType.build(text, dialect="duckdb")
    except Exception:  # noqa: BLE001 - sqlglot raises several kinds for a bad type name
        raise ProgrammingError(f"unknown type {text!r}") from None
    return sql_type(node)


def sql_type(node: exp.DataType) -> T.SqlType:
    if node.this in (exp.DataType.Type.ARRAY, exp.DataType.Type.LIST) and len(node.expressions) == 1:
        return T.LIST(sql_type(node.expressions[0]))
    if node.this == exp.DataType.Type.MAP and len(node.expressions) == 2:
        return T.MAP(*(sql_type(x) for x in node.expressions))
    if node.this == exp.DataType.Type.STRUCT and node.expressions:
        return T.STRUCT([(f.name, sql_type(f.args["kind"])) for f in node.expressions])
    name = node.this.value if hasattr(node.this, "value") else str(node.this)
    params = tuple(int(p.this.this) if isinstance(p.this, exp.Literal) else int(p.name)
                   for p in node.expressions) if name in ("DECIMAL", "NUMERIC") else ()
    name = {"INT": "INTEGER", "TEXT": "VARCHAR", "DATETIME": "TIMESTAMP", "TIMESTAMPNTZ": "TIMESTAMP",
            "TIMESTAMP_S": "TIMESTAMP", "TIMESTAMP_MS": "TIMESTAMP", "TIMESTAMP_NS": "TIMESTAMP",
            "TIMESTAMPLTZ": "TIMESTAMPTZ", "JSON": "VARCHAR"}.get(name, name)  # (JSON is text, as DuckDB casts it)
    t = T.from_name(name, params)
    if t is None:
        raise NotSupportedError(f"type {node.sql('duckdb')} is not supported")
    if t.is_decimal and t.precision > 38:
        raise ProgrammingError(f"DECIMAL precision {t.precision} exceeds 38")
    return t


# ---------------------------------------------------------------- typing helpers


def cast(e: Expr, to: T.SqlType) -> Expr:
    if e.type == to:
        return e
    if isinstance(e, Lit):
        return fold_cast(e, to)
    if e.type.kind == "NULL":
        return Lit(None, to)
    if e.type.is_nested and (to.kind == e.type.kind or to.is_string):
        return Call("cast", (e,), to)
    if e.type.is_string and not to.is_string or to.is_string and not e.type.is_string \
            or e.type.is_numeric and to.is_numeric or e.type.is_temporal and to.is_temporal \
            or e.type.kind == "BOOLEAN" or to.kind == "BOOLEAN":
        return Call("cast", (e,), to)
    raise ProgrammingError(f"cannot cast {e.type} to {to}")


def fold_cast(lit: Lit, to: T.SqlType) -> Expr:
    """CAST of a constant, folded now; one that fails is left to run, so that it raises only where
    a row evaluates it, as DuckDB's does (`SELECT 'x'::INT FROM empty` has no rows, not an error)."""
    try:
        if lit.type.is_nested or to.is_nested:
            return F.nested.cast_constant(lit, to)
        return cast_literal(lit, to)
    except DataError:
        return Call("cast", (lit,), to)


def coerce_pair(a: Expr, b: Expr, what: str) -> tuple[Expr, Expr]:
    """Bring two operands of a comparison (or CASE branches, IN items) to one type."""
    ta, tb = a.type, b.type
    if ta == tb:
        return a, b
    # An untyped NULL takes the other operand's type (NULL = 'abc' is NULL, not a cast error).
    if ta.kind == "NULL":
        return Lit(None, tb), b
    if tb.kind == "NULL":
        return a, Lit(None, ta)
    # A string constant meeting a typed value is read as that type, as DuckDB does.
    if ta.is_string and isinstance(a, Lit) and tb.kind != "VARCHAR":
        return fold_cast(a, tb), b
    if tb.is_string and isinstance(b, Lit) and ta.kind != "VARCHAR":
        return a, fold_cast(b, ta)
    if {ta.kind, tb.kind} == {"DATE", "TIMESTAMP"}:
        # A midnight TIMESTAMP constant against a DATE compares as a DATE: no widening per row.
        for x, y, flip in ((a, b, False), (b, a, True)):
            if isinstance(x, Lit) and x.type.kind == "TIMESTAMP" and holds(x, _is_midnight):
                d = fold(x, lambda lit: Lit(lit.value // 86_400_000_000, T.DATE), "date")
                return (y, d) if flip else (d, y)
    common = T.common_type(ta, tb)
    if common is None:
        raise ProgrammingError(f"cannot {what} {ta} and {tb}")
    return cast(a, common), cast(b, common)


def _is_midnight(micros) -> bool:
    return micros is not None and micros % 86_400_000_000 == 0


def unify_types(exprs: list[Expr], what: str, values: bool = False) -> list[Expr]:
    """One type for several expressions: compared (IN lists) or, with values=True, merged
    into one column (CASE, COALESCE, VALUES; T.common_numeric says how they differ)."""
    target = exprs[0].type
    for e in exprs[1:]:
        nxt = T.common_type(target, e.type, values)
        if nxt is None:
            if e.type.is_string and isinstance(e, Lit) or target.is_string and all(
                    isinstance(x, Lit) for x in exprs if x.type.is_string):
                continue
            raise ProgrammingError(f"cannot {what} {target} and {e.type}")
        target = nxt
    return [cast(e, target) for e in exprs]


def arith_type(op: str, a: T.SqlType, b: T.SqlType) -> T.SqlType:
    if op == "div":
        return T.DOUBLE
    if a.is_float or b.is_float:
        return T.common_numeric(a, b)
    if a.is_decimal or b.is_decimal:
        da, db = T.decimal_of(a), T.decimal_of(b)
        if op == "intdiv":
            return T.DOUBLE  # DuckDB's DECIMAL // is DOUBLE's
        if op == "mul":
            p, s = da.precision + db.precision, da.scale + db.scale
            if s > T.MAX_DECIMAL_DIGITS:
                raise DataError(f"Out of Range Error: DECIMAL multiplication needs scale {s}, out of range of the "
                                "38 a DECIMAL holds; cast an operand to a smaller scale or to DOUBLE")
            if p > T.INT64_DECIMAL_DIGITS and max(da.precision, db.precision) <= T.INT64_DECIMAL_DIGITS \
                    and s < T.INT64_DECIMAL_DIGITS:
                # DuckDB multiplies two int64 decimals in int64 and checks the 18 digits
                return T.DECIMAL(T.INT64_DECIMAL_DIGITS, s)
            return T.DECIMAL(min(p, T.MAX_DECIMAL_DIGITS), s)
        s = max(da.scale, db.scale)
        p = max(da.precision - da.scale, db.precision - db.scale) + s + (1 if op in ("add", "sub") else 0)
        if op == "mod" and p > T.MAX_DECIMAL_DIGITS:
            return T.DOUBLE  # as DuckDB: no DECIMAL holds both operands
        return T.DECIMAL(min(p, T.MAX_DECIMAL_DIGITS), s)
    return T.common_numeric(a, b)


def conjuncts(node: exp.Expression) -> list[exp.Expression]:
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        if isinstance(n, exp.And):
            stack.append(n.expression)
            stack.append(n.this)
        elif isinstance(n, exp.Paren):
            stack.append(n.this)
        else:
            out.append(n)
    return out


def contains_agg(node: exp.Expression) -> bool:
    """True if the expression holds an aggregate call outside any nested subquery."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, (exp.Subquery, exp.Select, exp.Exists)) and n is not node:
            continue
        if isinstance(n, exp.Window):
            # the function under OVER is no aggregate of the query, but its arguments and
            # keys may be (sum(sum(x)) OVER (), rank() OVER (ORDER BY count(*)))
            fn = n.this
            while isinstance(fn, (exp.IgnoreNulls, exp.RespectNulls, exp.Filter)):
                stack.extend(v for k, v in fn.args.items() if k != "this" and isinstance(v, exp.Expression))
                fn = fn.this
            stack.extend(fn.iter_expressions())
            stack.extend(x for x in n.iter_expressions() if x is not n.this)
            continue
        if isinstance(n, exp.AggFunc) or isinstance(n, exp.Anonymous) and _is_aggregate_name(n.name):
            return True
        stack.extend(n.iter_expressions())
    return False


def _is_aggregate_name(name: str) -> bool:
    """An aggregate that sqlglot does not know (kurtosis_pop, product, list ...): the registry does."""
    entry = F.lookup(name)
    return isinstance(entry, F.Aggregate) or getattr(entry, "family", "") == "aggregate"


def sort_key(o: exp.Ordered, e: Expr) -> SortKey:
    """An ORDER BY item as a SortKey; DuckDB's default is NULLS LAST in both directions, and
    sqlglot marks an explicit choice only."""
    explicit = o.args.get("nulls_first") is not None
    return SortKey(e, bool(o.args.get("desc")), bool(o.args.get("nulls_first")) if explicit else False)


# ---------------------------------------------------------------- the binder


class ExprBinder:
    """Binds expressions over one scope.

    `subqueries` is a callback object (the query binder) that plans subqueries; `allow_aggs` lets
    aggregate calls through as AggCall nodes (the SELECT list and HAVING of a grouped query).
    """

    def __init__(self, scope: Scope, params, subqueries=None, allow_aggs: bool = False):
        self.scope = scope
        self.params = params
        self.subqueries = subqueries
        self.allow_aggs = allow_aggs
        self.used_params: set[int] = set()
        self.windows: dict | None = None  # named windows where OVER is allowed (SELECT, QUALIFY, ORDER BY)
        self.window_error = "window functions are only allowed in the SELECT list, QUALIFY and ORDER BY"
        self.aliases: dict | None = None  # select-list aliases by lower name, where they may be named
        self.prefer_aliases = False  # an alias wins over a column of the same name (HAVING's retry)

    def bind(self, node: exp.Expression) -> Expr:
        handler = _HANDLERS.get(type(node))
        if handler is None and (isinstance(node, exp.Anonymous) or F.resolve_class(type(node))):
            handler = _function
        if handler is None:
            for klass in type(node).__mro__:
                if klass in _HANDLERS:
                    handler = _HANDLERS[klass]
                    break
        if handler is None:
            raise NotSupportedError(f"{_construct(node)} is not supported")
        out = handler(self, node)
        if node.args.get("negate"):  # sqlglot 30 marks NOT LIKE / NOT BETWEEN this way
            out = negate(out)
        return out

    def bool_expr(self, node, what: str) -> Expr:
        e = self.bind(node)
        if e.type.kind == "NULL":
            return Lit(None, T.BOOLEAN)
        if e.type != T.BOOLEAN:
            raise ProgrammingError(f"{what} must be BOOLEAN, not {e.type}: {node.sql('duckdb')[:80]}")
        return e


def _construct(node) -> str:
    if isinstance(node, exp.Anonymous):
        return f"function {node.name}()"
    if isinstance(node, exp.Func):
        return f"function {node.sql('duckdb').split('(')[0].lower()}()"
    return f"{type(node).__name__} ({node.sql('duckdb')[:60]})"


_HANDLERS: dict = {}


def handles(*classes):
    def register(fn):
        for c in classes:
            _HANDLERS[c] = fn
        return fn
    return register


def positional_column(scope, node: exp.PositionalColumn) -> int:
    """The scope index of DuckDB's `#k`: the k-th column of the FROM clause (hidden ones aside)."""
    visible = [i for i, c in enumerate(scope.columns) if not c.hidden]
    k = int(node.this.this) if isinstance(node.this, exp.Literal) and node.this.is_int else None
    if k is None or not 1 <= k <= len(visible):
        raise ProgrammingError(f"Positional reference {node.this.sql()} out of range (total {len(visible)} columns)")
    return visible[k - 1]


@handles(exp.PositionalColumn)
def _positional(b: ExprBinder, node: exp.PositionalColumn) -> Expr:
    i = positional_column(b.scope, node)
    return ColRef(i, b.scope.columns[i].type)


@handles(exp.Column)
def _column(b: ExprBinder, node: exp.Column) -> Expr:
    if isinstance(node.this, exp.Star):
        raise ProgrammingError("* is only allowed in a SELECT list or count(*)")
    table = node.table or None
    aliases = b.aliases
    if aliases and table is None and node.name.lower() in aliases and (b.prefer_aliases or not b.scope.has(node.name, None)):
        # a select-list alias (HAVING and ORDER BY of a grouped query), never itself while expanding
        name = node.name.lower()
        b.aliases = {k: v for k, v in aliases.items() if k != name}
        try:
            return b.bind(aliases[name])
        finally:
            b.aliases = aliases
    if b.subqueries is not None and not b.scope.has(node.name, table):
        outer = b.subqueries.outer_column(node.name, table)  # a correlated subquery's free variable
        if outer is not None:
            return outer
    if table is not None and not b.scope.has(node.name, table):
        field = F.nested.struct_field(b, node)  # s.a: a STRUCT column's field
        if field is not None:
            return field
    i = b.scope.resolve(node.name, table)
    return ColRef(i, b.scope.columns[i].type)


@handles(exp.Paren)
def _paren(b, node):
    return b.bind(node.this)


@handles(exp.Literal)
def _literal(b, node: exp.Literal):
    lit = Lit(node.this, T.VARCHAR) if node.is_string else number_literal(node.this)
    return slot_literal(lit, node.meta.get("tqp_slot"))


@handles(exp.Null)
def _null(b, node):
    return Lit(None, T.NULLTYPE)


@handles(exp.Boolean)
def _boolean(b, node):
    return Lit(bool(node.this), T.BOOLEAN)


@handles(exp.Placeholder, exp.Parameter)
def _placeholder(b: ExprBinder, node):
    name = (node.this or "") if isinstance(node, exp.Placeholder) else node.this.name if node.this else ""
    if name and name.isdigit():
        i = int(name) - 1
    elif name:
        raise NotSupportedError(f"named parameter :{name} is not supported; use ? or $1")
    else:
        i = b.params.next_positional()
    if not 0 <= i < len(b.params.values):
        raise ProgrammingError(
            f"statement uses parameter #{i + 1} but {len(b.params.values)} parameter(s) were given")
    b.params.used.add(i)
    return slot_literal(python_literal(b.params.values[i]), b.params.slot(i))


@handles(exp.Cast, exp.TryCast)
def _cast(b, node):
    to = sql_type(node.to)
    e = b.bind(node.this)
    if not (isinstance(node, exp.TryCast) or node.args.get("safe")):
        return cast(e, to)
    if isinstance(e, Slot):  # whether the value converts decides the plan: a constant (pinned)
        e = Lit(e.value, e.type)
    try:  # TRY_CAST: a value that does not convert is NULL
        out = cast(e, to)
    except DataError:
        return Lit(None, to)
    return Call("cast", out.args, to, ("try",)) if isinstance(out, Call) and out.op == "cast" else out


@handles(exp.Neg)
def _neg(b, node):
    e = b.bind(node.this)
    if isinstance(e, Lit) and e.type.is_numeric and holds(e, lambda v: v is not None and not (
            e.type.is_integer and -v >= 2 ** (e.type.torch_dtype.itemsize * 8 - 1))):
        return fold(e, lambda lit: Lit(-lit.value, lit.type), "neg")  # (an integer type's minimum stays a Call: -MIN overflows)
    if e.type.kind == "NULL" or _is_null_lit(e) and e.type.is_numeric:
        return Lit(None, e.type if e.type.is_numeric else T.INTEGER)
    if not (e.type.is_numeric or e.type.kind in ("NULL", "INTERVAL")):
        raise ProgrammingError(f"cannot negate {e.type}")
    return Call("neg", (e,), e.type)


def _interval(node: exp.Interval, b: ExprBinder | None = None) -> tuple[int, int, int]:
    """(months, days, microseconds) of a constant INTERVAL (tqp/functions/dates.py)."""
    iv = F.dates.interval_constant(b, node)
    if iv is None:
        raise NotSupportedError(f"a non-constant interval here: {node.sql('duckdb')}")
    return iv


@handles(exp.Interval)
def _interval_value(b, node):
    return F.dates.bind_interval(b, node)


def _add_interval(b: ExprBinder, base: Expr, iv: tuple[int, int, int], sign: int) -> Expr:
    months, days, micros = (sign * x for x in iv)
    if base.type.kind == "NULL":
        return Lit(None, T.TIMESTAMP)
    if not base.type.is_temporal:
        if base.type.is_string and isinstance(base, Lit):
            base = cast_literal(base, T.TIMESTAMP if ":" in base.value else T.DATE)
        else:
            raise ProgrammingError(f"cannot add an INTERVAL to {base.type}")
    if isinstance(base, Slot):  # moved again from each execution's value
        return base.derived(lambda lit: _add_interval(None, lit, iv, sign), ("interval", iv, sign))
    if base.type.kind == "TIMESTAMPTZ":
        return F.dates.add_interval_zoned(base, months, days, micros)
    if isinstance(base, Lit) and base.value is not None:
        from dateutil.relativedelta import relativedelta
        start = days_to_date(base.value) if base.type.kind == "DATE" else micros_to_ts(base.value)
        moved = dt.datetime.combine(start, dt.time()) if isinstance(start, dt.date) and not isinstance(start, dt.datetime) else start
        try:
            moved = moved + relativedelta(months=months, days=days, microseconds=micros)
        except (OverflowError, ValueError):
            raise DataError("timestamp out of range: tqp holds years 1 to 9999") from None
        return Lit(ts_to_micros(moved), T.TIMESTAMP)
    return Call("add_interval", (base,), T.TIMESTAMP, (months, days, micros))


def _arith(b: ExprBinder, node) -> Expr:
    op = _ARITH[type(node)]
    left, right = node.this, node.expression
    if op in ("add", "sub", "mul", "div") and F.dates.near_interval(node):  # a constant one keeps its months
        slotted = _slot_plus_interval(b, node, op)
        if slotted is not None:
            return slotted
        whole = F.dates.interval_constant(b, node)
        if whole is not None:
            return Lit(F.dates.normalized(whole), T.INTERVAL)
        iv = F.dates.interval_constant(b, right) if op in ("add", "sub") else None
        if iv is not None:
            return _add_interval(b, b.bind(left), iv, 1 if op == "add" else -1)
        iv = F.dates.interval_constant(b, left) if op == "add" else None
        if iv is not None:
            return _add_interval(b, b.bind(right), iv, 1)
    a, c = b.bind(left), b.bind(right)
    return arith(op, a, c)


def _slot_plus_interval(b: ExprBinder, node, op: str) -> Expr | None:
    """A constant date ± INTERVAL 'n' unit as one slot over both constants (read when run), or
    None where the sum is not that."""
    left, right = node.this, node.expression
    if op not in ("add", "sub") or not isinstance(right, exp.Interval) or left.find(exp.Column, exp.Query) is not None:
        return None  # (binding `left` twice below is then harmless: it is a constant)
    amount = right.this
    if not (isinstance(amount, exp.Literal) and amount.is_string and "tqp_slot" in amount.meta):
        return None
    base = b.bind(left)
    n = slot_literal(Lit(amount.this, T.VARCHAR), amount.meta["tqp_slot"]) if isinstance(base, Slot) else None
    if not isinstance(n, Slot):
        return None
    unit, sign = right.unit.name if right.unit is not None else "", 1 if op == "add" else -1
    return base.derived(lambda d, k: _add_interval(None, d, F.dates.parse_interval(k.value, unit), sign),
                        ("interval", unit, sign), n)


def _is_null_lit(e: Expr) -> bool:
    return isinstance(e, Lit) and not isinstance(e, Slot) and e.value is None  # a Slot is never NULL


def arith(op: str, a: Expr, c: Expr) -> Expr:
    ta, tc = a.type, c.type
    if ta.kind == "NULL" and tc.kind == "NULL":
        return Lit(None, T.INTEGER)
    # Temporal arithmetic: date ± integer days, date - date.
    if ta.kind == "DATE" and op in ("add", "sub") and (tc.is_integer or tc.kind == "NULL"):
        return Call("date_add_days", (a, cast(c, T.INTEGER) if tc.kind != "NULL" else Lit(None, T.INTEGER)),
                    T.DATE, (1 if op == "add" else -1,))
    if tc.kind == "DATE" and op == "add" and ta.is_integer:
        return Call("date_add_days", (c, a), T.DATE, (1,))
    if ta.kind == tc.kind == "DATE" and op == "sub":
        return Call("date_diff", (c, a), T.BIGINT, ("day",))
    if "INTERVAL" in (ta.kind, tc.kind) or ta.is_temporal and tc.is_temporal:
        return F.dates.arith(op, a, c)
    if ta.is_string and isinstance(a, Lit) and tc.is_numeric:
        a = cast_literal(a, T.DOUBLE if tc.is_float else T.decimal_of(tc) if "." in a.value else tc)
        ta = a.type
    if tc.is_string and isinstance(c, Lit) and ta.is_numeric:
        c = cast_literal(c, T.DOUBLE if ta.is_float else T.decimal_of(ta) if "." in c.value else ta)
        tc = c.type
    if ta.kind == "NULL":
        a, ta = Lit(None, tc), tc
    if tc.kind == "NULL":
        c, tc = Lit(None, ta), ta
    if not (ta.is_numeric and tc.is_numeric):
        raise ProgrammingError(f"cannot apply {_OPSYM[op]} to {ta} and {tc}")
    settings = current_settings()
    if op == "div" and settings.integer_division and ta.is_integer and tc.is_integer:
        op = "intdiv"
    flags = ("null_on_zero",) if op in ("div", "intdiv", "mod") and not settings.error_on_division_by_zero else ()
    out = arith_type(op, ta, tc)
    if _is_null_lit(a) or _is_null_lit(c):
        # NULL whatever the other operand is, which is then never evaluated (DuckDB folds it:
        # an overflowing constant product + NULL is NULL, not an error)
        return Lit(None, T.DOUBLE if op == "div" else out)
    if op == "div":
        return Call("div", (cast(a, T.DOUBLE), cast(c, T.DOUBLE)), T.DOUBLE, flags)
    if out.is_decimal:
        da, dc = T.decimal_of(ta), T.decimal_of(tc)
        if op == "mul":
            return Call("mul", (cast(a, da), cast(c, dc)), out)
        if op in ("add", "sub"):
            # each operand at the result's scale but with its own integer digits: where both
            # stay within 18 digits the runtime knows int64 cannot overflow and checks nothing
            s = out.scale
            da, dc = (T.DECIMAL(min(d.precision - d.scale + s, T.MAX_DECIMAL_DIGITS), s) for d in (da, dc))
            return Call(op, (cast(a, da), cast(c, dc)), out, flags)
        return Call(op, (cast(a, out), cast(c, out)), out, flags)
    return Call(op, (cast(a, out), cast(c, out)), out, flags)


_OPSYM = {"add": "+", "sub": "-", "mul": "*", "div": "/", "intdiv": "//", "mod": "%"}
for _k in _ARITH:
    _HANDLERS[_k] = _arith


@handles(exp.DPipe)
def _concat(b, node):
    return concat([b.bind(node.this), b.bind(node.expression)])


def concat(parts: list[Expr]) -> Expr:
    if any(p.type.kind == "LIST" for p in parts):
        return F.lists.concat(parts, propagate=True)
    parts = [p if p.type.is_string else cast(p, T.VARCHAR) for p in parts]
    out = parts[0]
    for p in parts[1:]:
        if isinstance(out, Lit) and isinstance(p, Lit):
            out = Lit(None if out.value is None or p.value is None else out.value + p.value, T.VARCHAR)
        else:
            out = Call("concat", (out, p), T.VARCHAR)
    return out


def compare(op: str, a: Expr, c: Expr) -> Expr:
    a, c = coerce_pair(a, c, "compare")
    if a.type.kind == "NULL" or _is_null_lit(a) or _is_null_lit(c):
        # NULL whatever the other side is, which is then never evaluated (as DuckDB folds it:
        # `x * huge = NULL` does not raise the overflow of x * huge)
        return Lit(None, T.BOOLEAN)
    return Call(op, (a, c), T.BOOLEAN)


def _cmp(b, node):
    if isinstance(node.expression, (exp.Any, exp.All)):
        q = node.expression.this
        return b.subqueries.quantified(b, _CMP[type(node)], node.this, q, isinstance(node.expression, exp.All))
    if isinstance(node.this, exp.Collate) or isinstance(node.expression, exp.Collate):
        return compare(_CMP[type(node)], *F.collations.bind_pair(b, node.this, node.expression))
    return compare(_CMP[type(node)], b.bind(node.this), b.bind(node.expression))


for _k in _CMP:
    _HANDLERS[_k] = _cmp


@handles(exp.NullSafeEQ, exp.NullSafeNEQ)
def _null_safe(b, node):
    a, c = coerce_pair(b.bind(node.this), b.bind(node.expression), "compare")
    e = Call("not_distinct", (a, c), T.BOOLEAN)
    return Call("not", (e,), T.BOOLEAN) if isinstance(node, exp.NullSafeNEQ) else e


@handles(exp.And, exp.Or)
def _logic(b, node):
    op = "and" if isinstance(node, exp.And) else "or"
    # Long AND/OR chains are left-deep trees: walk them iteratively, not by recursion.
    items, stack = [], [node]
    while stack:
        n = stack.pop()
        if type(n) is type(node):
            stack.append(n.expression)
            stack.append(n.this)
        else:
            items.append(b.bool_expr(n, op.upper() + " operand"))
    out = items[0]
    for e in items[1:]:
        out = Call(op, (out, e), T.BOOLEAN)
    return out


@handles(exp.Not)
def _not(b, node):
    return negate(b.bool_expr(node.this, "NOT operand"))


def negate(e: Expr) -> Expr:
    if isinstance(e, Lit):
        return Lit(None if e.value is None else not e.value, T.BOOLEAN)
    if isinstance(e, Call) and e.op == "not":
        return e.args[0]
    return Call("not", (e,), T.BOOLEAN)


@handles(exp.Is)
def _is(b, node):
    e = b.bind(node.this)
    target = node.expression
    if isinstance(target, exp.Null):
        return Call("is_null", (e,), T.BOOLEAN)
    if isinstance(target, exp.Boolean):
        if e.type not in (T.BOOLEAN, T.NULLTYPE):
            raise ProgrammingError(f"IS TRUE/FALSE needs a BOOLEAN, not {e.type}")
        return Call("is_true" if target.this else "is_false", (e,), T.BOOLEAN)
    raise NotSupportedError(f"IS {target.sql('duckdb')}")


@handles(exp.Between)
def _between(b, node):
    x = b.bind(node.this)
    lo, hi = b.bind(node.args["low"]), b.bind(node.args["high"])
    return Call("and", (compare("ge", x, lo), compare("le", x, hi)), T.BOOLEAN)


@handles(exp.In)
def _in(b: ExprBinder, node: exp.In):
    if node.args.get("query") is not None:
        return b.subqueries.in_subquery(b, node)
    if node.args.get("unnest") is not None or node.args.get("field") is not None:
        raise NotSupportedError(f"IN form {node.sql('duckdb')[:60]}")
    x = b.bind(node.this)
    fast = _constant_in_list(x, node.expressions)
    if fast is not None:
        return fast
    items = [b.bind(i) for i in node.expressions]
    return in_list(x, items)


def _constant_in_list(x: Expr, nodes) -> Expr | None:
    """A long IN list of integer or string literals, typed once instead of item by item (a
    100k-item list took seconds to bind); None when another path must decide."""
    if len(nodes) < 32 or not all(type(n) is exp.Literal for n in nodes):
        return None
    texts = [n.this for n in nodes]
    if all(n.is_string for n in nodes) and x.type.is_string:
        return Call("in_values", (x,), T.BOOLEAN, tuple(texts))
    if any(n.is_string for n in nodes) or not x.type.is_integer:
        return None
    try:
        values = [int(t) for t in texts]
    except ValueError:
        return None
    widest = max(values, key=abs)
    rep = number_literal(str(widest))
    if not rep.type.is_integer:
        return None
    target = T.common_type(x.type, rep.type)
    if target is None or not target.is_integer:
        return None
    return Call("in_values", (cast(x, target),), T.BOOLEAN, tuple(values))


def in_list(x: Expr, items: list[Expr]) -> Expr:
    if _is_null_lit(x) or x.type.kind == "NULL":
        return Lit(None, T.BOOLEAN)  # NULL IN (...) is NULL; the items are never evaluated
    typed = unify_types([x] + items, "compare")
    x, items = typed[0], typed[1:]
    if all(isinstance(i, Lit) for i in items):
        values = tuple(i if isinstance(i, Slot) else i.value for i in items)  # (a Slot: read when run)
        return Call("in_values", (x,), T.BOOLEAN, values)
    out = None
    for i in items:
        e = Call("eq", (x, i), T.BOOLEAN)
        out = e if out is None else Call("or", (out, e), T.BOOLEAN)
    return out


@handles(exp.Like, exp.ILike)
def _like(b, node):
    return like(b, node.this, node.expression, None, isinstance(node, exp.ILike))


@handles(exp.Escape)
def _escape(b, node):
    inner = node.this
    if not isinstance(inner, (exp.Like, exp.ILike)):
        raise NotSupportedError("ESCAPE outside LIKE")
    esc = b.bind(node.expression)
    if not isinstance(esc, Lit) or not isinstance(esc.value, str) or len(esc.value) > 1:
        raise ProgrammingError("ESCAPE must be a single-character string constant")
    out = like(b, inner.this, inner.expression, esc.value or None, isinstance(inner, exp.ILike))
    return negate(out) if inner.args.get("negate") else out  # NOT LIKE ... ESCAPE marks the LIKE


def like(b, subject, pattern, escape, ci):
    x = b.bind(subject)
    pat = b.bind(pattern)
    if x.type.kind == "NULL" or pat.type.kind == "NULL" or _is_null_lit(pat):
        return Lit(None, T.BOOLEAN)
    if not x.type.is_string:
        raise ProgrammingError(f"LIKE needs a VARCHAR, not {x.type}")
    if not isinstance(pat, Lit):
        raise NotSupportedError("LIKE with a non-constant pattern")
    return Call("like", (x,), T.BOOLEAN, (pat if isinstance(pat, Slot) else pat.value, escape, ci))


@handles(exp.Case)
def _case(b, node):
    subject = node.this
    conds, values = [], []
    for w in node.args.get("ifs") or []:
        if subject is not None:
            conds.append(compare("eq", b.bind(subject), b.bind(w.this)))
        else:
            conds.append(b.bool_expr(w.this, "CASE condition"))
        values.append(b.bind(w.args["true"]))
    default = node.args.get("default")
    values.append(b.bind(default) if default is not None else Lit(None, T.NULLTYPE))
    return case(conds, values)


def case(conds: list[Expr], values: list[Expr]) -> Expr:
    values = unify_types(values, "mix in CASE", values=True)
    out_type = values[0].type if values[0].type.kind != "NULL" else next(
        (v.type for v in values if v.type.kind != "NULL"), T.NULLTYPE)
    if out_type.kind == "NULL":  # every branch an untyped NULL: so is the CASE (DuckDB types it NULL)
        return Lit(None, T.NULLTYPE)
    args = []
    for c, v in zip(conds, values):
        args += [c, v]
    args.append(values[-1])
    return Call("case", tuple(args), out_type)


@handles(exp.If)
def _if(b, node):
    return case([b.bool_expr(node.this, "IF condition")],
                [b.bind(node.args["true"]), b.bind(node.args["false"]) if node.args.get("false") else Lit(None, T.NULLTYPE)])


@handles(exp.Extract)
def _extract(b, node):
    return F.dates.extract(node.this.name, b.bind(node.expression))


def predict(b: ExprBinder, fn: str, args) -> Expr:
    """PREDICT('model', features...) / PREDICT_PROBA('model', features... [, class := label]):
    the model runs inside the query. Without `class`, PREDICT_PROBA gives the last class's
    probability (the positive class of a binary model); `class := *` gives every class's, as a
    STRUCT of DOUBLE fields named by the labels, in the model's class order."""
    if not args:
        raise ProgrammingError(f"{fn.upper()} needs a model name")
    name_e = b.bind(args[0])
    if not isinstance(name_e, Lit) or not isinstance(name_e.value, str):
        raise ProgrammingError(f"{fn.upper()}'s first argument must be the model's name as a string")
    models = b.subqueries.catalog.models if b.subqueries is not None else {}
    model = models.get(name_e.value.lower())
    if model is None:
        from .scope import suggest
        raise ProgrammingError(f'model "{name_e.value}" is not registered' + suggest(name_e.value, list(models)))
    rest = list(args[1:])
    named = {}
    while rest and isinstance(rest[-1], (exp.PropertyEQ, exp.Kwarg)):
        arg = rest.pop()
        named[arg.this.name.lower()] = arg.expression
    unknown = sorted(set(named) - ({"class"} if fn == "predict_proba" else set()))
    if unknown:
        raise ProgrammingError(f"{fn.upper()} has no argument named {unknown[0]!r} "
                               "(PREDICT_PROBA takes class := label, or class := * for all)")
    if any(isinstance(a, (exp.PropertyEQ, exp.Kwarg)) for a in rest):
        raise ProgrammingError(f"{fn.upper()}'s named arguments go after the features")
    if len(rest) == 1 and isinstance(rest[0], exp.Star):
        if not model.feature_names:
            raise ProgrammingError(f'model "{name_e.value}" has no feature names; pass its features explicitly')
        rest = [exp.column(n, quoted=True) for n in model.feature_names]
    feats = []
    for i, node in enumerate(rest):
        e = b.bind(node)
        strings = model.string_features.get(i)
        if strings is not None and not (e.type.is_string or e.type.kind == "NULL"):
            raise ProgrammingError(f"{fn.upper()} feature {i + 1} ({node.sql('duckdb')}) is {e.type}, but "
                                   f'model "{name_e.value}" encodes it as a string category')
        if strings is None and not (e.type.is_numeric or e.type.kind in ("BOOLEAN", "NULL")):
            raise ProgrammingError(f"{fn.upper()} feature {node.sql('duckdb')} is {e.type}, not a number")
        feats.append(e)
    if model.n_features is not None and len(feats) != model.n_features:
        raise ProgrammingError(
            f'model "{name_e.value}" takes {model.n_features} features, {fn.upper()} passed {len(feats)}')
    if fn == "predict_proba":
        if not model.is_classifier:
            raise ProgrammingError(f'PREDICT_PROBA needs a classifier; "{name_e.value}" is a regressor')
        if not model.has_proba:
            raise NotSupportedError(f'PREDICT_PROBA: model "{name_e.value}" ({model.model_type}) gives no class probabilities')
        index = None
        if isinstance(named.get("class"), exp.Star):  # every class, as a STRUCT keyed by label
            t = T.STRUCT((label, T.DOUBLE) for label in model.class_field_names())
            return Call("predict", tuple(feats), t, (name_e.value.lower(), "proba_all", None))
        if "class" in named:
            label = b.bind(named["class"])
            if not isinstance(label, Lit) or label.value is None:
                raise ProgrammingError("PREDICT_PROBA's class must be a constant label")
            value = label.value
            if label.type.is_decimal:  # held scaled, as storage
                value = value / 10 ** label.type.scale
            index = model.class_index(value)
        return Call("predict", tuple(feats), T.DOUBLE, (name_e.value.lower(), "proba", index))
    return Call("predict", tuple(feats), model.label_type, (name_e.value.lower(), "predict", None))


@handles(exp.Exists)
def _exists(b: ExprBinder, node):
    return b.subqueries.exists(b, node)


@handles(exp.Subquery)
def _subquery(b: ExprBinder, node):
    return b.subqueries.scalar(b, node)


@handles(exp.Select, exp.Union, exp.Intersect, exp.Except)
def _bare_select(b, node):
    return b.subqueries.scalar(b, node)


def _agg(b: ExprBinder, node, func: str, target):
    if not b.allow_aggs:
        raise ProgrammingError(f"aggregate {node.sql('duckdb')[:60]} is not allowed here")
    distinct = False
    if isinstance(target, exp.Order) and isinstance(target.this, exp.Distinct) and F.lookup(func).implementation == "list":
        if len(target.this.expressions) != 1:
            raise NotSupportedError("DISTINCT aggregate over several columns")
        distinct, target = True, exp.Order(this=target.this.expressions[0], expressions=target.expressions)
    if isinstance(target, exp.Order) and F.lookup(func).implementation != "list":
        target = target.this  # an input order does not change these aggregates: DuckDB drops it too
    if isinstance(target, exp.Distinct):
        distinct = True
        if len(target.expressions) != 1:
            raise NotSupportedError("DISTINCT aggregate over several columns")
        target = target.expressions[0]
    if func == "count" and (target is None or isinstance(target, exp.Star)):
        return AggCall("count_star", None, T.BIGINT)
    if target is None:
        raise ProgrammingError(f"{func}() needs an argument")
    inner = ExprBinder(b.scope, b.params, b.subqueries, allow_aggs=False)
    inner.builder = getattr(b, "agg_builder", None)  # subqueries in arguments join the input
    inner.window_error = "aggregate function calls cannot contain window function calls"
    if isinstance(target, exp.Order):
        return F.nested.ordered_list(inner, func, target, distinct)
    try:
        x = inner.bind(target)
    except ProgrammingError as err:
        if "not allowed here" in str(err):
            raise ProgrammingError("aggregate calls cannot be nested") from None
        raise
    nodes = list(walk(x))
    if any(isinstance(n, OuterRef) for n in nodes) and not any(isinstance(n, ColRef) for n in nodes):
        raise NotSupportedError(f"aggregate {node.sql('duckdb')[:60]} over outer columns only inside a "
                                "subquery (SQL makes it an aggregate of the outer query)")
    if x.type.kind == "NULL" and func in ("min", "max"):
        return Lit(None, T.NULLTYPE)  # NULL in every group, and untyped, as in DuckDB
    return make_agg(func, x, distinct)


def aggregate_call(b: ExprBinder, shown: str, func: str, target) -> AggCall:
    """An aggregate of the registry entry `func` over the argument node `target`, bound as
    `shown(target)` is (the registry's multi-argument aggregates start here)."""
    return _agg(b, exp.Anonymous(this=shown, expressions=[target]), func, target)


def make_agg(func: str, x: Expr, distinct: bool = False, filter: Expr | None = None) -> AggCall:
    """The aggregate call, typed by the function registry's rule for `func`."""
    entry = F.lookup(func)
    t = x.type
    if t.kind == "NULL":
        x, t = Lit(None, T.INTEGER), T.INTEGER
    if entry.numeric_only and not t.is_numeric:
        raise ProgrammingError(f"{func}() needs a number, not {t}")
    return AggCall(entry.implementation, x, entry.result(t), distinct, filter)


def _function(b: ExprBinder, node):
    """A function call, resolved in the function registry (tqp/functions)."""
    entry, args = F.resolve(node)
    if entry is None and isinstance(node, exp.Anonymous) and b.subqueries is not None:
        udf = b.subqueries.catalog.functions.get(node.name.lower())
        if udf is not None:
            from ..udf import bind_call
            return bind_call(udf, [b.bind(a) for a in args])
    if entry is None:
        name = node.name if isinstance(node, exp.Anonymous) else node.sql("duckdb").split("(")[0]
        raise ProgrammingError(f"function {name}() does not exist" + suggest(name.lower(), F.known_names()))
    if isinstance(entry, F.Aggregate):
        if len(args) > 1:
            more = F.lookup(entry.name + "#n")  # max(x, n): a registry function of more arguments
            if more is None:
                raise NotSupportedError(f"{entry.name}() with {len(args)} arguments")
            return more.bind(b, args)
        return _agg(b, node, entry.name, args[0] if args else None)
    if entry.raw:
        return entry.bind(b, args)
    return entry.bind(*[b.bind(a) for a in args])


@handles(exp.Tuple)
def _row(b: ExprBinder, node):
    return bind_row(b, node.expressions)


def bind_row(b: ExprBinder, items) -> Expr:
    """(a, b) or row(a, b) as a value: a TUPLE (DuckDB's unnamed STRUCT); it compares, groups
    and counts (count(DISTINCT (a, b))) as one value."""
    from ..functions.nested import as_tuple
    return as_tuple([b.bind(e) for e in items])


@handles(exp.Filter)
def _agg_filter(b: ExprBinder, node):
    """agg(...) FILTER (WHERE cond): cond is over the aggregate's input rows."""
    call = b.bind(node.this)
    aggs = [n for n in walk(call) if isinstance(n, AggCall)]
    if not aggs or any(a.func == "grouping" for a in aggs) or not isinstance(call, (AggCall, Call)):
        raise ProgrammingError(f"FILTER applies to aggregate functions only: {node.this.sql('duckdb')[:60]}")
    where = node.expression.this if isinstance(node.expression, exp.Where) else node.expression
    inner = ExprBinder(b.scope, b.params, b.subqueries, allow_aggs=False)
    try:
        cond = inner.bool_expr(where, "FILTER")
    except ProgrammingError as err:
        if "not allowed here" in str(err):
            raise ProgrammingError("aggregate functions are not allowed in FILTER") from None
        raise
    return _filtered(call, cond)


def _filtered(e: Expr, cond: Expr) -> Expr:
    """Every aggregate in e (one, or those an aggregate written as SQL expands to: corr,
    string_agg, arg_max, ...) with the FILTER condition added."""
    if isinstance(e, AggCall):
        both = cond if e.filter is None else Call("and", (e.filter, cond), T.BOOLEAN)
        return AggCall(e.func, e.arg, e.type, e.distinct, both)
    if isinstance(e, Call):
        return Call(e.op, tuple(_filtered(a, cond) for a in e.args), e.type, e.params)
    return e


@handles(exp.Grouping, exp.GroupingId)
def _grouping(b: ExprBinder, node):
    """GROUPING(a, b, ...): the query binder replaces it by a constant per grouping set (a bit
    per argument, first argument most significant, 1 when it is not grouped)."""
    if not b.allow_aggs:
        raise ProgrammingError("GROUPING() is only allowed in the SELECT list, HAVING and ORDER BY of a grouped query")
    if not node.expressions:
        raise ProgrammingError("GROUPING() needs at least one argument")
    inner = ExprBinder(b.scope, b.params, b.subqueries, allow_aggs=False)
    inner.aliases = b.aliases  # GROUPING(alias), as GROUP BY alias
    args = tuple(inner.bind(a) for a in node.expressions)
    return AggCall("grouping", Call("grouping_args", args, T.BIGINT, tuple(a.sql("duckdb") for a in node.expressions)),
                   T.BIGINT)


_WRITTEN = {"GroupConcat": "string_agg (group_concat)", "ArrayAgg": "array_agg (list)"}


@handles(exp.AggFunc)
def _other_agg(b, node):
    written = _WRITTEN.get(type(node).__name__) or node.sql("duckdb").split("(")[0].lower()
    raise NotSupportedError(f"aggregate function {written}() is not supported")


@handles(exp.Window)
def _window(b, node):
    from .windows import bind_window
    return bind_window(b, node)


@handles(exp.Lambda)
def _json_arrow(b, node):
    """`j -> 'path'` inside a function's arguments, which sqlglot reads as a lambda (the list
    functions take their lambdas before this): JSON extraction (tqp/functions/json.py)."""
    params = node.expressions
    if len(params) != 1 or not isinstance(params[0], (exp.Identifier, exp.Column)):
        raise NotSupportedError(f"a lambda here: {node.sql('duckdb')[:60]}")
    return b.bind(exp.JSONExtract(this=exp.column(params[0].name), expression=node.this))


@handles(exp.Star)
def _star(b, node):
    raise ProgrammingError("* is only allowed in a SELECT list or count(*)")
