"""Sort: ORDER BY, its top-k form (ORDER BY ... LIMIT k), and LIMIT within partitions.

Contract: consumes one batch and the columns its keys read; produces the same columns
(types, dictionaries, NULLs unchanged), rows in key order. The sort is stable: rows equal on
every key keep their input order. Each key honours ASC/DESC and NULLS FIRST/LAST (strings
sort by dictionary code, as dictionaries are sorted). With a limit the operator keeps rows
offset..offset+limit of that order, through a top-k when that is fewer than all rows; with
`partition` (a decorrelated subquery's LIMIT) it keeps those positions within each group of
equal partition values, in sort order. Reserves nothing: permutations are one int64 per row.

>>> import tqp
>>> con = tqp.connect()
>>> con.register("t", {"a": [2, None, 1, 3]})
>>> con.execute("SELECT a FROM t ORDER BY a DESC NULLS FIRST LIMIT 3").fetchall()
[(None,), (3,), (2,)]
"""
from __future__ import annotations

import torch

from ..compile.expr import compile_expr, key_columns
from ..compile.lower import arange, evaluate, lower as lower_input
from ..kernels import sort as S
from ..plan import nodes as P
from .explain import expr_text, exprs_text, names_of
from .rows import group_rows, occurrence


def lower(rel: P.Sort):
    child = lower_input(rel.input)
    keys = [(compile_expr(k.expr), k.descending, k.nulls_first) for k in rel.keys]
    limit, offset = rel.limit, rel.offset
    part_fns = [compile_expr(p) for p in rel.partition]

    def sort(ctx):
        batch = child(ctx)
        cols = [(evaluate(f, batch, ctx), d, nf) for f, d, nf in keys]
        spec = [(data, valid, d, nf) for c, d, nf in cols for data, valid in key_columns(c, ordered=True)]
        if part_fns:
            return batch.take(_partition_limit(batch, spec, part_fns, limit, offset, ctx))
        if limit is not None and offset + limit < batch.length:
            perm = S.top_k(spec, offset + limit)
        else:
            perm = S.lexsort(spec)
        if limit is not None or offset:
            end = len(perm) if limit is None else offset + limit
            perm = perm[offset:end]
        return batch.take(perm)
    return sort


def _partition_limit(batch, spec, part_fns, limit, offset, ctx) -> torch.Tensor:
    """The rows a LIMIT/OFFSET keeps within each partition (the rows of one outer value of a
    decorrelated subquery), in sort order: each row's rank among its partition's rows."""
    n = batch.length
    perm = S.lexsort(spec) if spec and n else arange(n, ctx.device)
    if n == 0:
        return perm
    ids, g, _ = group_rows([evaluate(f, batch, ctx).take(perm) for f in part_fns], n, ctx.device)
    rank = occurrence(ids, g)
    keep = rank >= offset
    if limit is not None:
        keep &= rank < offset + limit
    return perm[keep]


def describe(rel: P.Sort) -> str:
    names = names_of(rel.input)
    keys = ", ".join(expr_text(k, names) for k in rel.keys)
    tail = ("" if rel.limit is None else f" limit {rel.limit} (top-k)") + (f" offset {rel.offset}" if rel.offset else "") + \
        (f" per {exprs_text(rel.partition, names)}" if rel.partition else "")
    return f"Sort: {keys}{tail}"
