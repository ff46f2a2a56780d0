"""Leaf operators: a stored table's columns, literal rows, and a subplan computed once.

Contract:
- Scan consumes nothing: it reads the stored table's column tensors named by `source_index`
  (default: all, in order) and produces them uncopied, in stored row order, with their own
  validity masks (None where a column has no NULLs). Reserves nothing.
- Values produces its literal rows in order; each column's rows are cast to one width and,
  for strings, one dictionary. Reserves nothing (a handful of rows).
- Shared consumes its input's batch once per execution and hands the same batch to every
  reader (row order and NULLs as the input's). Reserves nothing; the batch stays alive until
  the execution ends.

>>> import tqp
>>> con = tqp.connect()
>>> con.register("t", {"a": [1, 2]})
>>> con.execute("SELECT * FROM t UNION ALL VALUES (3)").fetchall()
[(1,), (2,), (3,)]
"""
from __future__ import annotations

from ..compile.expr import compile_expr
from ..compile.lower import evaluate, lower as lower_input
from ..exec.batch import Batch
from ..plan import nodes as P
from .rows import concat_columns


def lower_scan(rel: P.Scan):
    name, positions = rel.table, rel.source_index or tuple(range(len(rel.columns)))

    def scan(ctx):
        table = ctx.tables[name]
        return Batch.of([table.columns[i] for i in positions], table.num_rows)
    return scan


def describe_scan(rel: P.Scan) -> str:
    return f"Scan {rel.table}: {', '.join(n for n, _ in rel.columns)}"


def lower_shared(rel: P.Shared):
    child = lower_input(rel.input)
    key = id(rel)

    def shared(ctx):
        hit = ctx.results.get(key)
        if hit is None:
            hit = ctx.results[key] = child(ctx)
        return hit
    return shared


def describe_shared(rel: P.Shared) -> str:
    return "Shared"


def lower_values(rel: P.Values):
    width = len(rel.columns)
    rows = [[compile_expr(e) for e in r] for r in rel.rows]

    def values(ctx):
        one = Batch.of([], 1)
        cols = []
        for j in range(width):
            cols.append(concat_columns([evaluate(r[j], one, ctx) for r in rows]))
        return Batch.of(cols, len(rows))
    return values


def describe_values(rel: P.Values) -> str:
    return f"Values: {len(rel.rows)} row(s) of {', '.join(n for n, _ in rel.columns) or 'no columns'}"
