"""ASOF and POSITIONAL joins (DuckDB's syntax), kinds of plan.Join.

ASOF [LEFT] JOIN ... ON l.k = r.k AND l.t >= r.t pairs each left row with the one right row of
equal keys whose r.t is the greatest not above l.t (`>`: below; `<=` / `<`: the least not
below / above). The Join's keys are the equalities and its residual the one inequality, `l op r`
with l over the left columns. Keys and inequality values of both sides are ranked together
into one int64 (key rank, value rank); the right side is sorted on it once and each left row
finds its partner by torch.searchsorted, so the work is a sort and a binary search, never a
product of the two sides. NULL keys or values never match; asof_left keeps unmatched left rows
with NULLs, as LEFT JOIN does.

POSITIONAL JOIN pairs row i of the left with row i of the right, the shorter side padded with
NULLs.

>>> import tqp
>>> con = tqp.connect()
>>> con.register("trades", {"k": [1, 1, 2], "t": [5, 9, 4]})
>>> con.register("quotes", {"k": [1, 1, 2], "t": [3, 8, 5], "p": [10, 20, 30]})
>>> con.execute("SELECT trades.t, p FROM trades ASOF LEFT JOIN quotes "
...             "ON trades.k = quotes.k AND trades.t >= quotes.t ORDER BY trades.t").fetchall()
[(4, None), (5, 10), (9, 20)]
"""
from __future__ import annotations

import torch

from ..compile.expr import compile_expr, key_columns, same_width
from ..compile.lower import arange, evaluate
from ..compile.lower import lower as lower_input
from ..kernels.selection import nonzero
from ..plan import nodes as P
from ..plan.decorrelate import rebase

KINDS = ("asof", "asof_left", "positional")


def lower(rel: P.Join):
    left, right = lower_input(rel.left), lower_input(rel.right)
    if rel.kind == "positional":
        def positional(ctx):
            lb, rb = left(ctx), right(ctx)
            n = max(lb.length, rb.length)
            at = arange(n, ctx.device)
            return lb.take(torch.where(at < lb.length, at, -1), nullable=True).extend(
                rb.take(torch.where(at < rb.length, at, -1), nullable=True))
        return positional

    from .join import _join_key_columns  # (join.py dispatches its ASOF kinds here)
    nl = len(rel.left.schema)
    lfns = [compile_expr(k) for k in rel.left_keys]
    rfns = [compile_expr(k) for k in rel.right_keys]
    op = rel.residual.op
    lvalue, rvalue = compile_expr(rel.residual.args[0]), compile_expr(rebase(rel.residual.args[1], -nl))

    def asof(ctx):
        lb, rb = left(ctx), right(ctx)
        dev = ctx.device
        n, m = lb.length, rb.length
        if lfns:
            lk, rk, lv, rv = _join_key_columns([evaluate(f, lb, ctx) for f in lfns],
                                               [evaluate(f, rb, ctx) for f in rfns])
            group = torch.unique(torch.cat([lk.to(torch.int64), rk.to(torch.int64)]), return_inverse=True)[1]
        else:
            lv = rv = None
            group = torch.zeros(n + m, dtype=torch.int64, device=dev)
        lt, rt = same_width([evaluate(lvalue, lb, ctx), evaluate(rvalue, rb, ctx)])
        (ld, ltv), = key_columns(lt, ordered=True)
        (rd, rtv), = key_columns(rt, ordered=True)
        ranks, rank = torch.unique(torch.cat([ld, rd.to(ld.dtype)]), return_inverse=True)
        combined = group * (len(ranks) + 1) + rank
        valid = torch.ones(n + m, dtype=torch.bool, device=dev)
        for mask, lo in ((lv, 0), (rv, n), (ltv, 0), (rtv, n)):
            if mask is not None:
                valid[lo:lo + len(mask)] &= mask
        keep = nonzero(valid[n:])
        rsorted, order = torch.sort(combined[n:][keep], stable=True)
        rrows, rgroup = keep[order], group[n:][keep][order]
        lc, lgroup = combined[:n], group[:n]
        if op in ("ge", "gt"):  # the last right value not above (below) the left one
            pos = torch.searchsorted(rsorted, lc, right=op == "ge") - 1
        else:  # the first right value not below (above) it
            pos = torch.searchsorted(rsorted, lc, right=op == "lt")
        hit = valid[:n] & (pos >= 0) & (pos < len(rsorted))
        pos = pos.clamp(0, max(len(rsorted) - 1, 0))
        if len(rsorted):
            hit &= rgroup[pos] == lgroup
            partner = torch.where(hit, rrows[pos], -1)
        else:
            partner = torch.full((n,), -1, dtype=torch.int64, device=dev)
        if rel.kind == "asof":
            rows = nonzero(hit)
            return lb.take(rows).extend(rb.take(partner[rows]))
        return lb.extend(rb.take(partner, nullable=True))
    return asof
