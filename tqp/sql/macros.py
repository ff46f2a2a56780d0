"""SQL macros (CREATE MACRO / CREATE FUNCTION, DuckDB's syntax): a call is replaced by the
macro's body with each parameter replaced by the argument, before binding, so a macro can be
anything its body can be (an aggregate, a subquery, a whole table for `AS TABLE`).

>>> import tqp
>>> con = tqp.connect()
>>> _ = con.execute("CREATE MACRO twice(x) AS x * 2")
>>> _ = con.execute("CREATE MACRO evens(n) AS TABLE SELECT range AS v FROM range(n) WHERE range % 2 = 0")
>>> con.execute("SELECT twice(v) + 1 FROM evens(5) ORDER BY 1").fetchall()
[(1,), (5,), (9,)]
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from ..errors import NotSupportedError, ProgrammingError

_MAX_DEPTH = 32  # macros calling macros: past this, one calls itself


@dataclass(frozen=True)
class Macro:
    name: str
    params: tuple[str, ...]  # lower case
    body: exp.Expression  # an expression, or a query for a table macro
    table: bool

    def expand(self, args: list) -> exp.Expression:
        if len(args) != len(self.params):
            raise ProgrammingError(f"macro {self.name}() takes {len(self.params)} argument(s), not {len(args)}")
        values = dict(zip(self.params, args))

        def substitute(node):
            if isinstance(node, exp.Column) and not node.table and node.name.lower() in values:
                return exp.Paren(this=values[node.name.lower()].copy())
            return node
        return self.body.copy().transform(substitute)


def define(stmt: exp.Create) -> Macro:
    """The macro a CREATE MACRO / CREATE FUNCTION statement defines."""
    target = stmt.this
    if not isinstance(target, exp.UserDefinedFunction) or stmt.expression is None:
        raise ProgrammingError("CREATE MACRO needs name(parameters) AS expression (or AS TABLE query)")
    params = []
    for p in target.expressions:
        if not isinstance(p, (exp.Identifier, exp.Column)):
            raise NotSupportedError(f"macro parameter {p.sql('duckdb')} (default values are not supported)")
        params.append(p.name.lower())
    if len(set(params)) != len(params):
        raise ProgrammingError(f"macro {target.this.name}() names a parameter twice")
    body = stmt.expression
    table = isinstance(body, exp.Query) and not isinstance(body, exp.Subquery)  # AS TABLE query; AS (query) is scalar
    return Macro(target.this.name.lower(), tuple(params), body.copy(), table)


def expand_macros(node: exp.Expression, macros: dict, _depth: int = 0) -> exp.Expression:
    """node with every call of a macro in `macros` (name -> Macro) replaced by its body; node
    itself is left as it was."""
    if not macros or not any(_called(n, macros) for n in node.find_all(exp.Anonymous)):
        return node
    if _depth > _MAX_DEPTH:
        raise ProgrammingError("macros expand without end (does one call itself?)")

    def replace(n):
        if not _called(n, macros):
            return n
        macro = macros[n.name.lower()]
        in_from = isinstance(n.parent, exp.Table) and n.parent.this is n
        if macro.table != in_from:
            raise ProgrammingError(f"{'table ' if macro.table else ''}macro {macro.name}() "
                                   f"{'belongs in FROM' if macro.table else 'is not a table'}")
        body = expand_macros(macro.expand(n.expressions), macros, _depth + 1)
        if not macro.table:
            return exp.Paren(this=body)
        out = exp.Subquery(this=body)
        out.meta["tqp_macro"] = macro.name
        return out
    return node.copy().transform(replace).transform(_unwrap_table_macros)


def _called(n, macros) -> bool:
    return isinstance(n, exp.Anonymous) and n.name.lower() in macros


def _unwrap_table_macros(n):
    """A table macro's Subquery takes the place of the FROM item that called it, under the
    item's alias or else the macro's name."""
    if isinstance(n, exp.Table) and isinstance(n.this, exp.Subquery) and "tqp_macro" in n.this.meta:
        alias = n.args.get("alias")
        out = exp.Subquery(this=n.this.this)
        out.set("alias", alias.copy() if alias is not None else exp.TableAlias(this=exp.to_identifier(n.this.meta["tqp_macro"])))
        return out
    return n
