"""Unnest: unnest(list) in a SELECT list, as one repeat_interleave.

Contract: consumes its input's batch; produces each input row repeated once per element of its
longest list among `lists` (a NULL or empty list counts 0, so such a row disappears when it is
the only list), in input order and element order, with the input's columns followed by one
column per list: the element at that position, NULL past the end of a shorter list. Element
positions are computed from the lists' dictionary entries (each distinct list flattened once),
never per row in Python.

>>> import tqp
>>> tqp.connect().execute("SELECT unnest([1, 2, 3]) AS x, 'k' AS k").fetchall()
[(1, 'k'), (2, 'k'), (3, 'k')]
"""
from __future__ import annotations

import torch

from ..compile.expr import compile_expr
from ..compile.lower import evaluate, lower as lower_input
from ..exec.batch import Batch
from ..exec.limits import reserve
from ..functions.nested import _codes, _elements, _take
from ..plan import nodes as P
from .explain import exprs_text, names_of


def lower(rel: P.Unnest):
    child = lower_input(rel.input)
    fns = [compile_expr(e) for e in rel.lists]

    def unnest(ctx):
        batch = child(ctx)
        n, dev = batch.length, ctx.device
        parts = []
        count = torch.zeros(n, dtype=torch.int64, device=dev)
        for fn, e in zip(fns, rel.lists):
            col = evaluate(fn, batch, ctx)
            elements, offsets = _elements(col)
            if len(offsets) <= 1:  # no list at all (unnest(NULL)): no elements
                start = length = torch.zeros(n, dtype=torch.int64, device=dev)
            else:
                codes = _codes(col).long()
                start = offsets[codes]
                length = offsets[codes + 1] - start
            if col.validity is not None:
                length = torch.where(col.validity, length, 0)
            parts.append((elements, start, length, e.type.element))
            count = torch.maximum(count, length)
        total = int(count.sum())
        reserve(16 * total, f"unnest() of {total} elements")
        rows = torch.repeat_interleave(count, output_size=total)  # output_size: total is on the host already, so no second sync
        pos = torch.arange(total, device=dev) - (torch.cumsum(count, 0) - count)[rows]
        out = batch.take(rows)
        cols = [_take(elements, start[rows] + pos, pos < length[rows], t) for elements, start, length, t in parts]
        return out.extend(Batch.of(cols, total))
    return unnest


def describe(rel: P.Unnest) -> str:
    return f"Unnest: {exprs_text(rel.lists, names_of(rel.input))}"
