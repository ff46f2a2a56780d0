"""Limit: LIMIT/OFFSET without an ORDER BY (a Sort with a limit is a top-k, in sort.py).

Contract: consumes one batch; produces its rows offset..offset+limit in input order, columns
unchanged. Composes a selection only. Reserves nothing.

>>> import tqp
>>> con = tqp.connect()
>>> con.register("t", {"a": [1, 2, 3, 4]})
>>> con.execute("SELECT a FROM t LIMIT 2 OFFSET 1").fetchall()
[(2,), (3,)]
"""
from __future__ import annotations

import torch

from ..compile.lower import lower as lower_input
from ..plan import nodes as P


def lower(rel: P.Limit):
    child = lower_input(rel.input)
    limit, offset, percent = rel.limit, rel.offset, rel.percent

    def limit_(ctx):
        batch = child(ctx)
        start = min(offset, batch.length)
        n = limit if percent is None else int(batch.length * percent / 100)
        stop = batch.length if n is None else min(batch.length, start + n)
        return batch.take(torch.arange(start, stop, device=ctx.device))
    return limit_


def describe(rel: P.Limit) -> str:
    return "Limit: " + (f"{rel.percent:g} percent" if rel.percent is not None else
                        "all" if rel.limit is None else str(rel.limit)) + (f" offset {rel.offset}" if rel.offset else "")
