"""Range: range() and generate_series() as one arange.

Contract: consumes nothing; produces one BIGINT column counting from start by step, up to stop
(excluded for range, included for generate_series), in that order; an empty result when the step
points away from stop. The rows are reserved against the memory limit before they exist.

>>> import tqp
>>> tqp.connect().execute("SELECT sum(range) FROM range(1, 101)").fetchall()
[(5050,)]
"""
from __future__ import annotations

import torch

from .. import types as T
from ..column import Column
from ..exec.batch import Batch
from ..exec.limits import reserve
from ..plan import nodes as P


def lower(rel: P.Range):
    stop = rel.stop + (1 if rel.step > 0 else -1) if rel.inclusive else rel.stop
    n = max(0, -((rel.start - stop) // rel.step))  # ceil((stop - start) / step)

    def range_(ctx):
        reserve(8 * n, f"range() of {n} rows")
        data = rel.start + rel.step * torch.arange(n, dtype=torch.int64, device=ctx.device)
        return Batch.of([Column(T.BIGINT, data)], n)
    return range_


def describe(rel: P.Range) -> str:
    return f"Range: {'generate_series' if rel.inclusive else 'range'}({rel.start}, {rel.stop}, {rel.step})"
