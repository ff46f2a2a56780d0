"""Sample: TABLESAMPLE / USING SAMPLE.

Contract: consumes its input's batch and produces a subset of its rows in their input order,
with the same columns. A share keeps each row with that probability (Bernoulli; DuckDB's SYSTEM
samples vectors of rows, tqp samples rows for both), or with `exact` (RESERVOIR, or a number of
rows) exactly round(share * n) rows, or min(k, n), uniformly. A seed makes the choice
repeatable on the same input; without one every execution draws anew. The random draw happens
on the CPU, so a seed gives the same rows on every device.

>>> import tqp
>>> con = tqp.connect()
>>> con.register("t", {"x": list(range(1000))})
>>> con.execute("SELECT count(*) FROM t USING SAMPLE 10 ROWS").fetchall()
[(10,)]
"""
from __future__ import annotations

import torch

from ..compile.lower import lower as lower_input
from ..kernels.selection import nonzero
from ..plan import nodes as P


def lower(rel: P.Sample):
    child = lower_input(rel.input)

    def sample(ctx):
        batch = child(ctx)
        n = batch.length
        gen = torch.Generator()
        if rel.seed is not None:
            gen.manual_seed(rel.seed)
        else:
            gen.seed()
        if rel.exact:
            k = min(n, int(rel.amount) if rel.rows else round(rel.amount * n))
            picked = torch.sort(torch.randperm(n, generator=gen)[:k]).values
        else:
            picked = nonzero(torch.rand(n, generator=gen) < rel.amount)
        return batch.take(picked.to(ctx.device))
    return sample


def describe(rel: P.Sample) -> str:
    amount = f"{int(rel.amount)} rows" if rel.rows else f"{rel.amount * 100:g}%"
    return f"Sample: {amount}{' exactly' if rel.exact and not rel.rows else ''}" + \
        ("" if rel.seed is None else f" (seed {rel.seed})")
