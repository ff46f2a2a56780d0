"""Argument checking and result typing shared by the registry's entries.

`strict(name, params, result)` builds a `bind` for a function whose result is NULL when any
argument is NULL, with DuckDB's implicit casts: an integer of any width where an integer is
expected, any number (or a numeric string constant) where a DOUBLE is.

>>> from tqp.plan.nodes import Lit
>>> bind = strict("left", ("VARCHAR", "BIGINT"), T.VARCHAR)
>>> bind(Lit("abc", T.VARCHAR), Lit(2, T.INTEGER)).args[1].type
BIGINT
>>> bind(Lit("abc", T.VARCHAR), Lit(None, T.NULLTYPE))
Lit(type=VARCHAR, value=None)
"""
from __future__ import annotations

from sqlglot import exp

from .. import types as T
from ..errors import ProgrammingError
from ..plan.nodes import Call, Expr, Lit
from ..sql import expressions as X

_KIND_TYPES = {"VARCHAR": T.VARCHAR, "INTEGER": T.INTEGER, "BIGINT": T.BIGINT, "DOUBLE": T.DOUBLE}


def is_null(e: Expr) -> bool:
    return e.type.kind == "NULL" or isinstance(e, Lit) and e.value is None


def arity(name: str, args, low: int, high: int, usage: str = ""):
    if not low <= len(args) <= high:
        want = str(low) if low == high else f"{low} to {high}"
        raise ProgrammingError(f"{name}() takes {want} argument{'s' if high != 1 else ''}, not {len(args)}"
                               + (f": {usage}" if usage else ""))


def coerce(name: str, i: int, e: Expr, kind: str) -> Expr:
    """Argument i (1-based) of `name` as `kind`: VARCHAR, INTEGER, BIGINT, DOUBLE, or NUMBER /
    INT (any number / any integer, kept as it is)."""
    t = e.type
    if t.kind == "NULL":
        return Lit(None, _KIND_TYPES.get(kind, T.INTEGER))
    ok = {"VARCHAR": t.is_string, "INTEGER": t.is_integer, "BIGINT": t.is_integer,
          "DOUBLE": t.is_numeric, "NUMBER": t.is_numeric, "INT": t.is_integer}[kind]
    if not ok and kind in ("DOUBLE", "NUMBER") and t.is_string and isinstance(e, Lit):
        return X.cast_literal(e, T.DOUBLE)  # sqrt('4'), as DuckDB reads a string constant
    if not ok:
        want = {"NUMBER": "a number", "DOUBLE": "a number", "BIGINT": "an integer", "INTEGER": "an integer",
                "INT": "an integer"}
        raise ProgrammingError(f"{name}() argument {i} must be {want.get(kind, kind)}, not {t}")
    return X.cast(e, _KIND_TYPES[kind]) if kind in _KIND_TYPES else e


def strict(name: str, params: tuple[str, ...], result, usage: str = ""):
    """bind for `name(params...)`; a trailing '?' marks an optional parameter. `result` is a
    SqlType or a function of the coerced arguments; `usage` shows the call in arity errors."""
    required = sum(not p.endswith("?") for p in params)

    def bind(*args):
        arity(name, args, required, len(params), usage)
        typed = [coerce(name, i + 1, a, p.rstrip("?")) for i, (a, p) in enumerate(zip(args, params))]
        out = result(*typed) if callable(result) else result
        if any(is_null(a) for a in typed):
            return Lit(None, out)
        return Call(name, tuple(typed), out)
    return bind


def constant(name: str, e: Expr, what: str):
    """The value of an argument that must be a constant (a literal or a parameter)."""
    if not isinstance(e, Lit):
        from ..errors import NotSupportedError
        raise NotSupportedError(f"{name}() with a non-constant {what}")
    return e.value


def rewrite(name: str, sql: str, params: tuple[str, ...], optional: int = 0):
    """raw bind for a function that is other SQL over its argument nodes (the names in `params`,
    __a, __b, ..., in `sql`). With `optional` trailing parameters that may be left out, `sql`
    is a tuple: the form for each number of arguments, fewest first."""
    def bind(b, args):
        arity(name, args, len(params) - optional, len(params))
        given = dict(zip(params, args))
        from ..sql.parse import parse_expression
        template = parse_expression(sql[len(args) - len(params) + optional] if optional else sql)
        return b.bind(template.transform(  # (a parameter where SQL wants a string constant is one: ESCAPE '__e')
            lambda n: given[n.name].copy() if isinstance(n, (exp.Column, exp.Literal)) and n.name in given else n))
    return bind
