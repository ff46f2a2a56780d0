"""EXPLAIN and EXPLAIN ANALYZE: the operator tree, each line written by its operator.

Every operator module gives a one-line `describe(rel)` that names columns (not positions);
`explain` indents inputs under the operator that reads them. Under ANALYZE a `Profile` in the
execution context records each operator's self time (its time minus the time of the
operators it called) and the rows it produced, so the self times add up to the total.

Two notes for reading the times: a Project's computed columns are evaluated when an operator
above first reads them (late materialization), so their cost shows in that reader; a Shared
subplan runs once and is printed once, where it is first read.

>>> import tqp
>>> con = tqp.connect()
>>> con.register("t", {"g": [1, 1, 2], "x": [3, 1, 5]})
>>> print(con.execute("EXPLAIN SELECT g, sum(x) AS s FROM t WHERE x > 1 GROUP BY g ORDER BY g").fetchone()[0])
Sort: g
  Project: g, s := sum(x)
    Aggregate: by g; sum(x) where x > 1
      Scan t: g, x
"""
from __future__ import annotations

import datetime as dt
import time

import torch

from .. import types as T
from ..kernels.times import format_time
from ..plan import nodes as P

_INFIX = {"eq": "=", "ne": "<>", "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "add": "+", "sub": "-",
          "mul": "*", "div": "/", "intdiv": "//", "mod": "%", "and": "AND", "or": "OR", "concat": "||"}
_PREFIX = {"not": "NOT ", "neg": "-"}
# how tightly each operator binds (SQL's order); function-style calls are atoms
_PRECEDENCE = {"or": 1, "and": 2, "not": 3, "eq": 4, "ne": 4, "lt": 4, "le": 4, "gt": 4, "ge": 4, "is_null": 4,
               "in_values": 4, "like": 4, "concat": 5, "add": 6, "sub": 6, "mul": 7, "div": 7, "intdiv": 7, "mod": 7,
               "neg": 8}
_ASSOCIATIVE = ("or", "and", "add", "mul", "concat")
_EPOCH = dt.date(1970, 1, 1)


def names_of(rel: P.Rel) -> list[str]:
    """Display names of a node's output columns: the planner's internal names (`#a0`, the
    aggregates and keys it names for itself) become the text of what computes them. Kept on
    the (immutable) node, as a plan's nodes each ask for their inputs' names."""
    hit = rel.__dict__.get("_display_names")
    if hit is None:
        hit = _display_names(rel)
        object.__setattr__(rel, "_display_names", hit)
    return hit


def _display_names(rel: P.Rel) -> list[str]:
    if isinstance(rel, P.Recursive):  # the CTE's column names, which its step reads
        return names_of(rel.working)
    if isinstance(rel, (P.Filter, P.Sort, P.Limit, P.Distinct, P.Shared, P.Sample)):  # the input's columns
        return names_of(rel.input)
    if isinstance(rel, P.Join):
        both = names_of(rel.left) + ([] if rel.kind in ("semi", "anti", "anti_null_aware") else
                                     ["mark"] if rel.kind.startswith("mark") else names_of(rel.right))
        return both
    if isinstance(rel, P.SetOp):
        return names_of(rel.left)
    own = [n for n, _ in rel.schema]
    if isinstance(rel, P.Project):  # a column passed on under its plan name keeps its display name
        source, plan = names_of(rel.input), [n for n, _ in rel.input.schema]
        own = [source[e.index] if isinstance(e, P.ColRef) and n == plan[e.index] else n for e, n in zip(rel.exprs, own)]
    if not any(n.startswith("#") for n in own):
        return own
    if isinstance(rel, P.Aggregate):
        source = names_of(rel.input)
        made = [expr_text(e, source) for e in rel.keys + rel.aggs]
    elif isinstance(rel, P.Project):
        made = [expr_text(e, names_of(rel.input)) for e in rel.exprs]
    elif isinstance(rel, P.Window):
        source = names_of(rel.input)
        made = source + [expr_text(c, source) for c in rel.calls]
    elif isinstance(rel, P.Unnest):
        source = names_of(rel.input)
        made = source + [f"unnest({expr_text(e, source)})" for e in rel.lists]
    else:
        made = own
    return [m if n.startswith("#") else n for n, m in zip(own, made)]


def expr_text(e, names, binds: int = 0) -> str:
    """An expression over an input whose columns are `names`, as SQL-like text; in
    parentheses where its operator binds looser than `binds` (the _PRECEDENCE of where it goes)."""
    if binds:
        return _paren(e, expr_text(e, names), binds)
    if e is None:
        return ""
    if isinstance(e, P.ColRef):
        return names[e.index] if e.index < len(names) else f"#{e.index}"
    if isinstance(e, P.Lit):
        return _literal(e.value, e.type)
    if isinstance(e, P.SortKey):
        return expr_text(e.expr, names) + (" DESC" if e.descending else "") + \
            (" NULLS FIRST" if e.nulls_first else "")
    if isinstance(e, P.AggCall):
        arg = "*" if e.arg is None else ("DISTINCT " if e.distinct else "") + expr_text(e.arg, names)
        func = "count" if e.func == "count_star" else e.func
        return f"{func}({arg})" + ("" if e.filter is None else f" FILTER (WHERE {expr_text(e.filter, names)})")
    if isinstance(e, P.WindowCall):
        return f"{e.func}({', '.join(expr_text(a, names) for a in e.args)})"
    if isinstance(e, P.ScalarSubquery):
        return "(subquery)"
    if isinstance(e, P.OuterRef):
        return f"outer{e.level}#{e.index}"
    if isinstance(e, P.Call):
        args = [expr_text(a, names) for a in e.args]
        if e.op in _INFIX and len(args) == 2:
            p = _PRECEDENCE[e.op]
            left = _paren(e.args[0], args[0], p)
            right = args[1] if e.op in _ASSOCIATIVE and getattr(e.args[1], "op", None) == e.op else \
                _paren(e.args[1], args[1], p + 1)
            return f"{left} {_INFIX[e.op]} {right}"
        if e.op == "cast":
            return f"CAST({args[0]} AS {e.type})"
        if e.op in _PREFIX:
            return _PREFIX[e.op] + _paren(e.args[0], args[0], _PRECEDENCE[e.op])
        x = _paren(e.args[0], args[0], 5) if args else ""
        if e.op == "is_null":
            return f"{x} IS NULL"
        if e.op == "in_values":
            return f"{x} IN ({', '.join(_literal(v, e.args[0].type) for v in e.params)})"
        if e.op == "like":
            return f"{x} {'ILIKE' if e.params[2] else 'LIKE'} {_literal(e.params[0], T.VARCHAR)}"
        params = [repr(p) for p in e.params]
        return f"{e.op}({', '.join(args + params)})"
    return repr(e)


def _paren(e, text: str, at_least: int) -> str:
    """text in parentheses where its operator binds looser than `at_least` needs."""
    return f"({text})" if isinstance(e, P.Call) and _PRECEDENCE.get(e.op, 9) < at_least else text


def _literal(value, t: T.SqlType) -> str:
    if value is None:
        return "NULL"
    if t.kind == "BOOLEAN":
        return "TRUE" if value else "FALSE"
    if t.is_string:
        return "'" + str(value).replace("'", "''") + "'"
    if t.is_decimal and t.scale and isinstance(value, int):
        sign, digits = "-" if value < 0 else "", str(abs(value)).rjust(t.scale + 1, "0")
        return f"{sign}{digits[:-t.scale]}.{digits[-t.scale:]}"
    if t.kind == "DATE" and isinstance(value, int):
        return f"DATE '{_EPOCH + dt.timedelta(days=value)}'"
    if t.kind == "TIME" and isinstance(value, int):
        return f"TIME '{format_time(value)}'"
    if t.kind == "TIMESTAMP" and isinstance(value, int):
        return f"TIMESTAMP '{dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=value)}'"
    return repr(value)


def exprs_text(exprs, names) -> str:
    return ", ".join(expr_text(e, names) for e in exprs)


def outputs_text(exprs, out_names, in_names) -> str:
    """`name := expr` for computed outputs, the bare name where an output is an input column
    under its own name."""
    parts = []
    for e, name in zip(exprs, out_names):
        text = expr_text(e, in_names)
        parts.append(text if text == name or name.startswith("#") else f"{name} := {text}")
    return ", ".join(parts)


def subqueries(rel: P.Rel) -> list[P.Rel]:
    """The plans of scalar subqueries inside a node's expressions: they run inside it."""
    out = []
    for f in rel.__dataclass_fields__:
        stack = [getattr(rel, f)]
        while stack:
            v = stack.pop()
            if isinstance(v, tuple):
                stack.extend(v)
            elif isinstance(v, P.SortKey):
                stack.append(v.expr)
            elif isinstance(v, P.Expr):
                if isinstance(v, P.ScalarSubquery):
                    out.append(v.plan)
                else:
                    stack.extend(v.children())
    return out


class Profile:
    """Self time and rows per operator of one execution (keyed by node identity)."""

    def __init__(self):
        self.stats: dict[int, list] = {}  # id(node) -> [self seconds, rows, calls]
        self._inner = [0.0]  # per running operator: time spent in the operators it called
        self.total = 0.0

    def time(self, rel, run, ctx):
        self._inner.append(0.0)
        start = time.perf_counter()
        try:
            out = run(ctx)
            if ctx.device.type == "cuda":
                torch.cuda.synchronize(ctx.device)
        finally:
            spent = time.perf_counter() - start
            inner = self._inner.pop()
            self._inner[-1] += spent
        stat = self.stats.setdefault(id(rel), [0.0, 0, 0])
        stat[0] += spent - inner
        stat[1] += out.length
        stat[2] += 1
        return out

    def run(self, program, ctx):
        """Run a whole program under this profile; `total` is its wall time."""
        start = time.perf_counter()
        out = program(ctx)
        self.total += time.perf_counter() - start
        return out


def explain(rel: P.Rel, profile: Profile | None = None) -> str:
    """The operator tree of a plan; with a profile, each line ends in (self ms, rows)."""
    from . import OPERATORS
    lines, seen = [], set()

    def visit(node, depth, label=""):
        op = OPERATORS[type(node)]
        text = "  " * depth + label + op.describe(node)
        if isinstance(node, P.Shared):
            if id(node) in seen:
                lines.append(text + " (computed once, above)")
                return
            seen.add(id(node))
        if profile is not None:
            stat = profile.stats.get(id(node))
            if stat is None:
                text += "  (not run)"
            else:
                calls = f", {stat[2]} calls" if stat[2] > 1 else ""
                text += f"  (self {stat[0] * 1000:.2f} ms{calls}, {stat[1]} rows)"
        lines.append(text)
        for sub in subqueries(node):
            visit(sub, depth + 1, "subquery: ")
        for child in op.inputs(node):
            visit(child, depth + 1)

    visit(rel, 0)
    if profile is not None:
        self_total = sum(s[0] for s in profile.stats.values())
        lines.append(f"total {profile.total * 1000:.2f} ms (operators' self times add up to {self_total * 1000:.2f} ms)")
    return "\n".join(lines)
