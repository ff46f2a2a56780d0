"""Project: computed columns over the input's rows.

Contract: consumes one batch and the columns its expressions read; produces one column per
expression, same rows in the same order. A plain column reference passes the input column
through (type, dictionary, NULLs unchanged); a computed column is evaluated lazily, the first
time a later operator reads it, with NULLs as its expression defines. Reserves nothing itself
(string expressions reserve their padded matrices in tqp.column).

>>> import tqp
>>> con = tqp.connect()
>>> con.register("t", {"a": [1, None]})
>>> con.execute("SELECT a + 1 AS b, a FROM t").fetchall()
[(2, 1), (None, None)]
"""
from __future__ import annotations

from ..compile.expr import compile_expr
from ..compile.lower import evaluate, lower as lower_input
from ..plan import nodes as P
from .explain import names_of, outputs_text


def lower(rel: P.Project):
    child = lower_input(rel.input)
    if all(isinstance(e, P.ColRef) for e in rel.exprs):
        positions = [e.index for e in rel.exprs]
        return lambda ctx: child(ctx).select(positions)
    fns = [(e.index if isinstance(e, P.ColRef) else None, compile_expr(e)) for e in rel.exprs]

    def project(ctx):
        batch = child(ctx)
        sources = []
        for idx, fn in fns:
            if idx is not None:
                sources.append(batch.column(idx))
            else:
                sources.append(_lazy(fn, batch, ctx))
        return batch.with_columns(sources)
    return project


def _lazy(fn, batch, ctx):
    # Computed only if some later operator reads the column.
    return lambda: evaluate(fn, batch, ctx)


def describe(rel: P.Project) -> str:
    return f"Project: {outputs_text(rel.exprs, names_of(rel), names_of(rel.input))}"
