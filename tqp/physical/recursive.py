"""Recursive: WITH RECURSIVE as a loop of tensor programs.

Contract: consumes the base term's batch once, then the recursive term's batch once per
iteration, with the working table bound to the rows the previous iteration added. Produces
the base's columns and types: the base rows, then each iteration's rows, in that order. With
UNION (distinct) a row equal to one already produced (NULLs equal) is dropped, which also ends
cyclic recursions; with UNION ALL every row is kept. It stops when an iteration adds no row, and
raises OperationalError past MAX_ITERATIONS (a recursion that never ends) or, through the
memory limit, when the rows it holds outgrow memory.

>>> import tqp
>>> con = tqp.connect()
>>> con.execute("WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 5) "
...             "SELECT sum(n) FROM t").fetchall()
[(15,)]
"""
from __future__ import annotations

import torch

from ..compile.lower import lower as lower_input
from ..errors import OperationalError
from ..exec.batch import Batch
from ..exec.limits import check_interrupt
from ..kernels import group as G
from ..kernels.selection import nonzero
from ..plan import nodes as P
from .rows import concat_batches, group_rows

MAX_ITERATIONS = 100_000


def lower_working_table(rel: P.WorkingTable):
    key = id(rel)
    return lambda ctx: ctx.results[key]


def lower(rel: P.Recursive):
    base, step = lower_input(rel.base), lower_input(rel.step)
    key = id(rel.working)
    # Shared subplans inside the recursive term may read the working table: each iteration
    # computes them afresh.
    inner_shared = [id(n) for n in _nodes(rel.step) if isinstance(n, P.Shared)]

    def recursive(ctx):
        out = base(ctx)
        if rel.distinct:
            out = _new_rows(out.take(torch.arange(0, device=ctx.device)), out, ctx)
        parts, added = [out], out
        for _ in range(MAX_ITERATIONS):
            if added.length == 0:
                break
            check_interrupt()
            ctx.results[key] = added
            for k in inner_shared:
                ctx.results.pop(k, None)
            added = step(ctx)
            if rel.distinct:
                added = _new_rows(out, added, ctx)
                out = concat_batches(out, added)
            parts.append(added)
        else:
            raise OperationalError(f"WITH RECURSIVE did not finish within {MAX_ITERATIONS} iterations")
        ctx.results.pop(key, None)
        if rel.distinct:
            return out
        while len(parts) > 1:  # pairwise, so that the copying stays O(rows log iterations)
            parts = [concat_batches(a, b) if b is not None else a
                     for a, b in zip(parts[::2], parts[1::2] + [None])]
        return parts[0]
    return recursive


def describe(rel: P.Recursive) -> str:
    return f"Recursive: union{'' if rel.distinct else ' all'} of the base, then the step until it adds no row"


def describe_working_table(rel: P.WorkingTable) -> str:
    return f"WorkingTable: {', '.join(n for n, _ in rel.columns)} (the rows the last iteration added)"


def _new_rows(seen: Batch, rows: Batch, ctx) -> Batch:
    """The rows of `rows` not in `seen`, each distinct row once, in their order."""
    if rows.length == 0:
        return rows
    both = concat_batches(seen, rows)
    ids, g, _ = group_rows(both.columns(), both.length, ctx.device)
    old, new = ids[:seen.length], ids[seen.length:]
    fresh = torch.ones(g, dtype=torch.bool, device=ctx.device)
    fresh[old] = False
    first = torch.zeros(rows.length, dtype=torch.bool, device=ctx.device)
    first[G.first_rows(new, g)[torch.bincount(new, minlength=g)[:g] > 0]] = True
    return rows.take(nonzero(fresh[new] & first))


def _nodes(rel: P.Rel):
    stack = [rel]
    while stack:
        r = stack.pop()
        yield r
        stack.extend(r.inputs())
