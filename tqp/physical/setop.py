"""Set operations: UNION, INTERSECT and EXCEPT, with or without ALL.

Contract: consumes two batches of the same width (UNION: any number); columns are brought
to one type width and (strings) one dictionary. Produces the left input's column names. UNION ALL is each
input's rows in turn. UNION keeps the first occurrence of each distinct row, in that
order. INTERSECT / EXCEPT keep left rows, in left order: without ALL the first of each
distinct row present (absent) on the right; with ALL as many copies of a row as
min(left count, right count) (left count - right count). NULLs compare equal to each other,
as rows do in set operations. Reserves nothing: its intermediates are one column per input
column plus per-row group ids.

>>> import tqp
>>> con = tqp.connect()
>>> con.execute("VALUES (1), (2), (2), (NULL) EXCEPT ALL VALUES (2), (NULL)").fetchall()
[(1,), (2,)]
"""
from __future__ import annotations

import torch

from ..compile.lower import lower as lower_input
from ..kernels import group as G
from ..kernels.selection import nonzero
from ..plan import nodes as P
from .rows import concat_batches, group_rows, occurrence


def lower(rel: P.SetOp):
    branches = [lower_input(b) for b in rel.branches]
    kind, keep_all = rel.kind, rel.all

    def setop(ctx):
        batches = [run(ctx) for run in branches]
        both = concat_batches(*batches)
        dev = ctx.device
        if kind == "union":
            if keep_all:
                return both
            if both.length == 0:
                return both
            _, _, first = group_rows(both.columns(), both.length, dev)
            return both.take(torch.sort(first).values)
        lb = batches[0]
        n = lb.length
        if both.length == 0:
            return lb
        ids, g, _ = group_rows(both.columns(), both.length, dev)
        lids, rids = ids[:n], ids[n:]
        lcount = torch.bincount(lids, minlength=g)
        rcount = torch.bincount(rids, minlength=g)
        if keep_all:
            quota = torch.minimum(lcount, rcount) if kind == "intersect" else (lcount - rcount).clamp(min=0)
            rank = occurrence(lids, g)
            keep = rank < quota[lids]
        else:
            present = rcount > 0
            keep_group = present if kind == "intersect" else ~present
            first = torch.zeros(n, dtype=torch.bool, device=dev)
            if n:
                first[G.first_rows(lids, g)[lcount[:g] > 0]] = True
            keep = keep_group[lids] & first
        return lb.take(nonzero(keep))
    return setop


def describe(rel: P.SetOp) -> str:
    return f"SetOp: {rel.kind}{' all' if rel.all else ''}"
