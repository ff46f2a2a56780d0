"""The name of an unaliased SELECT item, written as DuckDB writes it, so that a DataFrame made
from a tqp result has the columns a DuckDB user expects: `sum(x)`, `count_star()`, `(a + 1)`.
Expressions outside the common forms fall back to their SQL text.

>>> import sqlglot
>>> [column_name(e) for e in sqlglot.parse_one("SELECT count(*), sum(a), a + 1, t.b, upper(s) FROM t").expressions]
['count_star()', 'sum(a)', '(a + 1)', 'b', 'upper(s)']
"""
from __future__ import annotations

from sqlglot import ErrorLevel, exp

_BINARY = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/", exp.IntDiv: "//", exp.Mod: "%",
           exp.EQ: "=", exp.NEQ: "!=", exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<=",
           exp.And: "AND", exp.Or: "OR", exp.DPipe: "||"}


def column_name(node: exp.Expression) -> str:
    if isinstance(node, exp.Alias):
        return node.alias
    if isinstance(node, exp.Column):
        return node.name
    return _text(node)


def _text(node: exp.Expression) -> str:
    if isinstance(node, exp.Column):  # inside an expression: as written, qualified and quoted
        return node.sql("duckdb")
    if isinstance(node, exp.Paren):
        return _text(node.this)
    if isinstance(node, exp.Literal):
        return node.sql("duckdb")
    op = _BINARY.get(type(node))
    if op is not None:
        return f"({_text(node.this)} {op} {_text(node.expression)})"
    if isinstance(node, exp.Not) and isinstance(node.this, exp.Is):
        return f"({_text(node.this.this)} IS NOT NULL)"
    if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
        return f"({_text(node.this)} IS NULL)"
    if isinstance(node, exp.Neg):
        return f"(-({_text(node.this)}))" if not isinstance(node.this, exp.Literal) else node.sql("duckdb")
    if isinstance(node, exp.Not):
        return f"(NOT {_text(node.this)})"
    if isinstance(node, (exp.Like, exp.ILike)) and not node.args.get("escape"):
        return f"({_text(node.this)} {'~~' if isinstance(node, exp.Like) else '~~*'} {_text(node.expression)})"
    if isinstance(node, exp.Between):
        return f"({_text(node.this)} BETWEEN {_text(node.args['low'])} AND {_text(node.args['high'])})"
    if isinstance(node, exp.In) and node.expressions:
        return f"({_text(node.this)} IN ({', '.join(_text(a) for a in node.expressions)}))"
    if isinstance(node, exp.Count) and (node.this is None or isinstance(node.this, exp.Star)):
        return "count_star()"
    if isinstance(node, exp.Filter):
        return f"{_text(node.this)} FILTER (WHERE {_text(node.expression.this)})"
    if isinstance(node, exp.Cast):
        return f"CAST({_text(node.this)} AS {node.to.sql('duckdb')})"
    if isinstance(node, exp.Coalesce):
        return f"COALESCE({', '.join(_text(a) for a in [node.this, *node.expressions])})"
    if isinstance(node, exp.Anonymous):
        return f"{node.name.lower()}({', '.join(_text(a) for a in node.expressions)})"
    if isinstance(node, exp.Func) and not isinstance(node, (exp.Case, exp.If)) and _plain_args(node):
        args = [node.this] if node.this is not None else []
        args += [a for k, a in node.args.items() if k != "this" and isinstance(a, exp.Expression)]
        args += [a for a in node.expressions if a not in args]
        return f"{node.sql_name().lower()}({', '.join(_text(a) for a in args)})"
    if isinstance(node, exp.Distinct):
        return "DISTINCT " + ", ".join(_text(a) for a in node.expressions)
    return node.sql("duckdb", unsupported_level=ErrorLevel.IGNORE)  # (a name, not SQL that must run)


def _plain_args(node: exp.Func) -> bool:
    """Arguments that are all expressions in order (not keyword parts such as EXTRACT's field)."""
    return not any(isinstance(a, (list, exp.Var)) and k != "expressions" for k, a in node.args.items()) \
        and type(node).__name__ not in ("Extract", "Trim", "Substring", "DateTrunc", "Interval")
