"""Filter: the rows where a predicate is TRUE.

Contract: consumes one batch and the columns its predicate reads; produces the same columns
(unchanged types, dictionaries and NULLs) for the rows where the predicate is TRUE (NULL and
FALSE drop a row), in input order. Only a selection index is composed; columns are gathered
when a later operator reads them. A constant predicate keeps all rows or none. Reserves
nothing: the index is at most one int64 per input row.

>>> import tqp
>>> con = tqp.connect()
>>> con.register("t", {"a": [1, None, 3]})
>>> con.execute("SELECT a FROM t WHERE a > 1").fetchall()
[(3,)]
"""
from __future__ import annotations

from ..compile.expr import compile_expr
from ..compile.lower import arange, lower as lower_input, true_mask
from ..kernels.selection import nonzero
from ..plan import nodes as P
from .explain import expr_text, names_of


def lower(rel: P.Filter):
    child = lower_input(rel.input)
    pred = compile_expr(rel.predicate)

    def filter_(ctx):
        batch = child(ctx)
        m = true_mask(pred(batch, ctx))
        if m.dim() == 0:
            return batch if bool(m) else batch.take(arange(0, ctx.device))
        return batch.take(nonzero(m))
    return filter_


def describe(rel: P.Filter) -> str:
    return f"Filter: {expr_text(rel.predicate, names_of(rel.input))}"
