"""Conditional, text-building and model functions: entries whose binding rewrites the call into
the engine's own operators (coalesce, case, concat, predict).

>>> import tqp
>>> tqp.connect().execute("SELECT concat_ws('-', 'a', NULL, 'b'), coalesce(NULL, 2)").fetchall()
[('a-b', 2)]
"""
from __future__ import annotations

from sqlglot import exp

from .. import types as T
from ..errors import ProgrammingError
from ..plan.nodes import Call, Expr, Lit
from ..sql import expressions as X
from . import Function, register
from .signature import arity


def _entry(name, signature, description, example, bind, aliases=(), nodes=(), raw=False, family="other"):
    register(Function(name, signature, description, example, bind, None, aliases, nodes, raw=raw, family=family))


# ---------------------------------------------------------------- conditionals

def _coalesce(*args):
    arity("coalesce", args, 1, 1 << 16)
    args = X.unify_types(list(args), "mix in COALESCE", values=True)
    return Call("coalesce", tuple(args), args[0].type)


def _nullif(*args):
    arity("nullif", args, 2, 2)
    a, c = args
    return X.case([X.compare("eq", a, c)], [Lit(None, a.type), a])


def _extreme(op):
    def bind(*args):
        arity(op, args, 1, 1 << 16)
        args = X.unify_types(list(args), "compare", values=True)
        return Call(op, tuple(args), args[0].type)
    return bind


_entry("coalesce", "coalesce(ANY, ...) → common type", "The first non-NULL argument.", "coalesce(NULL, 2, 3) → 2",
       _coalesce, ("ifnull",), (exp.Coalesce,), family="conditional")
_entry("nullif", "nullif(a, b) → type of a", "NULL when a = b, else a.", "nullif(1, 1) → NULL", _nullif,
       nodes=(exp.Nullif,), family="conditional")
_entry("greatest", "greatest(ANY, ...) → common type", "The largest non-NULL argument.", "greatest(1, 3, 2) → 3",
       _extreme("greatest"), nodes=(exp.Greatest,), family="conditional")
_entry("least", "least(ANY, ...) → common type", "The smallest non-NULL argument.", "least(1, 3, 2) → 1",
       _extreme("least"), nodes=(exp.Least,), family="conditional")


# ---------------------------------------------------------------- building text

def _as_text(e: Expr) -> Expr:
    return e if e.type.is_string else X.cast(e, T.VARCHAR)


def _or_empty(e: Expr) -> Expr:
    return Call("coalesce", (e, Lit("", T.VARCHAR)), T.VARCHAR)


def _concat(*args):
    """concat() reads NULL as '' (unlike ||), as DuckDB does; of LISTs it is list_concat,
    skipping NULLs."""
    arity("concat", args, 1, 1 << 16)
    if any(a.type.kind == "LIST" for a in args):
        from . import FUNCTIONS
        lists = [a for a in args if a.type.kind != "NULL"]
        out = lists[0]
        for a in lists[1:]:
            out = FUNCTIONS["list_concat"].bind(out, a)
        return out
    return X.concat([_or_empty(_as_text(p)) for p in args])


def _concat_ws(*args):
    """concat_ws(sep, ...): the non-NULL parts joined by sep; NULL only when sep is NULL."""
    arity("concat_ws", args, 2, 1 << 16)
    sep, parts = _as_text(args[0]), [_as_text(p) for p in args[1:]]
    out = _or_empty(parts[0])
    seen = Call("not", (Call("is_null", (parts[0],), T.BOOLEAN),), T.BOOLEAN)  # a part so far
    for p in parts[1:]:
        present = Call("not", (Call("is_null", (p,), T.BOOLEAN),), T.BOOLEAN)
        glue = X.case([Call("and", (seen, present), T.BOOLEAN)], [sep, Lit("", T.VARCHAR)])
        out = X.concat([out, _or_empty(glue), _or_empty(p)])
        seen = Call("or", (seen, present), T.BOOLEAN)
    return X.case([Call("is_null", (sep,), T.BOOLEAN)], [Lit(None, T.VARCHAR), out])


_entry("concat", "concat(ANY, ...) → VARCHAR", "The arguments as text, joined; NULL counts as ''.",
       "concat('a', NULL, 1) → 'a1'", _concat, nodes=(exp.Concat,), family="string")
_entry("concat_ws", "concat_ws(VARCHAR sep, ANY, ...) → VARCHAR", "The non-NULL arguments joined by sep.",
       "concat_ws(', ', 'a', NULL, 'b') → 'a, b'", _concat_ws, nodes=(exp.ConcatWs,), family="string")


def _like(ci):
    def bind(b, args):
        arity("ilike" if ci else "like", args, 2, 2)
        return X.like(b, args[0], args[1], None, ci)
    return bind


_entry("like", "like(VARCHAR, VARCHAR pattern) → BOOLEAN", "s LIKE pattern (% any text, _ one character).",
       "like('abc', 'a%') → true", _like(False), raw=True, family="string")
_entry("ilike", "ilike(VARCHAR, VARCHAR pattern) → BOOLEAN", "LIKE ignoring case.", "ilike('ABC', 'a%') → true",
       _like(True), raw=True, family="string")


# ---------------------------------------------------------------- models

def _predict(fn):
    return lambda b, args: X.predict(b, fn, args)


_entry("predict", "predict(VARCHAR model, features...) → label type", "The registered model's prediction.",
       "predict('churn', age, plan)", _predict("predict"), ("tqp_predict",), raw=True, family="model")
_entry("predict_proba", "predict_proba(VARCHAR model, features... [, class := label | *]) → DOUBLE | STRUCT",
       "A classifier's probability of a class (default: the last); class := * gives every class's, "
       "as a STRUCT keyed by label.", "predict_proba('churn', *)",
       _predict("predict_proba"), ("tqp_predict_proba",), raw=True, family="model")


# ---------------------------------------------------------------- settings

def _current_setting(b, args):
    if len(args) != 1 or not (isinstance(args[0], exp.Literal) and args[0].is_string):
        raise ProgrammingError("current_setting() takes a setting's name as a string constant")
    from ..settings import current
    value = current().value(args[0].this)
    if isinstance(value, bool):
        return Lit(value, T.BOOLEAN)
    if isinstance(value, int):
        return Lit(value, T.BIGINT)
    return Lit(str(value) if not isinstance(value, tuple) else ",".join(value), T.VARCHAR)


_entry("current_setting", "current_setting(VARCHAR name) → the setting's value",
       "The connection's value of a setting (SET name = ...).", "current_setting('threads') → 2",
       _current_setting, raw=True)
