"""The one registry of SQL functions: every scalar and aggregate function tqp knows.

Each entry says its name and aliases, the sqlglot node classes it is parsed into, its signature
and result type rule (`bind`: typed arguments in, a typed plan expression out), the kernel that
runs it (`kernel`, for `Call(name, ...)` nodes), whether it runs once per dictionary entry of a
VARCHAR argument, and a one-line description with an example. The binder resolves calls here,
the compiler finds kernels here, and `python -m tqp.functions` writes docs/functions.md from it.

>>> lookup("strpos").name, lookup("instr").name
('strpos', 'strpos')
>>> lookup("stddev").result(T.INTEGER)
DOUBLE
>>> "replace" in known_names()
True
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlglot import exp

from .. import types as T


@dataclass(frozen=True)
class Function:
    """A scalar function. `bind(*args)` gets the bound argument expressions and returns the
    typed expression (usually Call(name, args, type)); with `raw`, `bind(binder, nodes)` gets
    the ExprBinder and the sqlglot argument nodes instead. `kernel(columns, call, ctx)` runs a
    Call(name, ...) node; None when `bind` rewrites the call into other operators."""
    name: str
    signature: str
    description: str
    example: str
    bind: Callable
    kernel: Callable | None = None
    aliases: tuple[str, ...] = ()
    nodes: tuple[type, ...] = ()
    per_entry: bool = False  # a VARCHAR argument is evaluated once per dictionary entry
    raw: bool = False
    family: str = "other"


@dataclass(frozen=True)
class Aggregate:
    """An aggregate function. `result(argument type)` is its result type; `implementation`
    names the aggregate the physical layer evaluates (AggCall.func)."""
    name: str
    signature: str
    description: str
    example: str
    result: Callable[[T.SqlType], T.SqlType]
    aliases: tuple[str, ...] = ()
    nodes: tuple[type, ...] = ()
    numeric_only: bool = True
    implementation: str = ""
    family: str = "aggregate"


# Functions whose kernels raise on some argument values (a bad regex, chr(-1), factorial(-1)):
# a CASE or an AND/OR evaluates them only on the rows that reach them (compile.expr.may_raise).
VALUE_ERRORS = frozenset(("chr", "factorial", "lcm", "lpad", "rpad", "repeat", "regexp_extract",
                          "regexp_full_match", "regexp_matches", "regexp_replace", "trunc", "round", "<<",
                          "format", "printf", "to_base"))

FUNCTIONS: dict[str, Function | Aggregate] = {}  # by name and alias, lower case
_BY_NODE: dict[type, Callable] = {}  # sqlglot class -> node -> (entry name, argument nodes)
_KERNELS: dict[str, Callable] = {}


def register(entry: Function | Aggregate, node_args: Callable | None = None):
    """Add an entry. `node_args(node)` gives (entry name, argument nodes) for its sqlglot
    classes; by default the name is the entry's and the arguments are the node's expressions
    in sqlglot's order."""
    for key in (entry.name, *entry.aliases):
        if key in FUNCTIONS:
            raise ValueError(f"function {key} registered twice")
        FUNCTIONS[key] = entry
    for klass in entry.nodes:
        _BY_NODE[klass] = node_args or (lambda node, name=entry.name: (name, node_arguments(node)))
    if isinstance(entry, Function) and entry.kernel is not None:
        _KERNELS[entry.name] = entry.kernel
    return entry


def node_arguments(node: exp.Expression) -> list[exp.Expression]:
    """A function node's argument expressions in the order its class declares them."""
    out = []
    for key in node.arg_types:
        v = node.args.get(key)
        if isinstance(v, exp.Expression):
            out.append(v)
        elif isinstance(v, list):
            out.extend(x for x in v if isinstance(x, exp.Expression))
    return out


def lookup(name: str) -> Function | Aggregate | None:
    return FUNCTIONS.get(name.lower())


def resolve(node: exp.Expression):
    """(entry, argument nodes) for a sqlglot function node, or (None, args) when unknown."""
    if isinstance(node, exp.Anonymous):
        return lookup(node.name), list(node.expressions)
    how = _BY_NODE.get(type(node))
    if how is None:
        return None, []
    name, args = how(node)
    return FUNCTIONS[name], args


def resolve_class(klass: type) -> bool:
    """Whether calls parsed into this sqlglot class are registry functions."""
    return klass in _BY_NODE


def kernel(op: str) -> Callable | None:
    return _KERNELS.get(op)


def known_names() -> list[str]:
    """Every function name and alias (for "did you mean" suggestions)."""
    return sorted(FUNCTIONS)


def aggregate_nodes() -> dict[type, str]:
    """sqlglot aggregate class -> registry name."""
    return {k: e.name for e in set(FUNCTIONS.values()) if isinstance(e, Aggregate) for k in e.nodes}


def entries() -> list[Function | Aggregate]:
    return sorted({id(e): e for e in FUNCTIONS.values()}.values(), key=lambda e: (e.family, e.name))


from . import aggregates, dates, general, math, strings  # noqa: E402,F401  (each registers its entries)
from . import nested  # noqa: E402,F401  (after strings: length() takes lists too)
from . import lists, maps  # noqa: E402,F401
from . import statistics  # noqa: E402,F401
from . import bitwise, collations, intervals, json, utility  # noqa: E402,F401
from . import text  # noqa: E402,F401
from . import docs  # noqa: E402,F401
