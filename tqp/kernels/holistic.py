"""Holistic aggregates (they need every value of a group, not a running state): quantiles,
median and mode, as one sort of (group, value) and gathers at computed positions.

>>> import torch
>>> ids = torch.tensor([0, 1, 0, 0, 1])
>>> x = torch.tensor([5.0, 2.0, 1.0, 3.0, 4.0])
>>> segment_quantile(x, ids, 2, None, 0.5, discrete=False)[0].tolist()
[3.0, 3.0]
>>> segment_mode(torch.tensor([7, 7, 3, 3, 3]), torch.tensor([0, 0, 0, 1, 1]), 2, None)[0].tolist()
[7, 3]
"""
from __future__ import annotations

import torch
from torch import Tensor

from .selection import nonzero


def _group_order(x: Tensor, ids: Tensor) -> Tensor:
    """The permutation sorting rows by group, then value (stable: ties keep input order)."""
    order = torch.sort(x, stable=True).indices
    return order[torch.sort(ids[order], stable=True).indices]


def _sorted_within_groups(x: Tensor, ids: Tensor, valid: Tensor | None) -> tuple[Tensor, Tensor]:
    """(group ids, values) of the valid rows, sorted by group then value."""
    if valid is not None:
        keep = nonzero(valid)
        x, ids = x[keep], ids[keep]
    perm = _group_order(x, ids)
    return ids[perm], x[perm]


def _runs(x: Tensor, ids: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """(sort permutation, its group ids, where each run of equal (group, value) starts, each
    row's run number) of rows sorted by group, then value."""
    perm = _group_order(x, ids)
    s_ids, v = ids[perm], x[perm]
    new_run = torch.ones(len(v), dtype=torch.bool, device=x.device)
    new_run[1:] = (s_ids[1:] != s_ids[:-1]) | (v[1:] != v[:-1])
    return perm, s_ids, new_run, torch.cumsum(new_run, 0) - 1


def segment_quantile(x: Tensor, ids: Tensor, g: int, valid: Tensor | None, q: float,
                     discrete: bool, scaled: str = "") -> tuple[Tensor, Tensor]:
    """(value per group, whether the group has one): the q-quantile of each group's values,
    interpolated between the two nearest (quantile_cont) or an actual one (quantile_disc), at
    the positions DuckDB uses. Integer values (times in microseconds) interpolate exactly: the
    lower value plus the share of the step rounded half up, as DuckDB does. `scaled` marks a
    DECIMAL's integers ("decimal", or "hugeint" past 18 digits), which DuckDB interpolates in
    their own arithmetic."""
    s_ids, v = _sorted_within_groups(x, ids, valid)
    counts = torch.bincount(s_ids, minlength=g)[:g]
    starts = torch.cumsum(counts, 0) - counts
    has = counts > 0
    last = (counts - 1).clamp(min=0)
    if len(v) == 0:
        return torch.zeros(g, dtype=torch.float64 if not discrete else x.dtype, device=x.device), has
    if discrete:  # DuckDB's position: max(1, n - floor(n - q n)) - 1
        n = counts.to(torch.float64)
        at = (counts - torch.floor(n - q * n).to(torch.int64)).clamp(min=1) - 1
        return v[(starts + at).clamp(max=len(v) - 1)], has
    pos = last.to(torch.float64) * q
    lo = torch.floor(pos).to(torch.int64)
    at_lo = v[(starts + lo).clamp(max=len(v) - 1)]
    hi = torch.minimum(lo + 1, last)
    at_hi = v[(starts + hi).clamp(max=len(v) - 1)]
    if not v.is_floating_point():
        return at_lo + torch.floor((pos - lo) * (at_hi - at_lo).to(torch.float64) + 0.5).to(v.dtype), has
    d, low, high = pos - lo, at_lo.to(torch.float64), at_hi.to(torch.float64)
    if scaled == "hugeint":  # a DECIMAL past 18 digits: DuckDB's HUGEINT lo + trunc(d * (hi - lo))
        return low + torch.trunc(d * (high - low)), has
    if scaled:  # a DECIMAL's integers: DuckDB's lo + d * (hi - lo), truncated by the caller
        return low + d * (high - low), has
    # a DOUBLE: DuckDB's lo * (1 - d) + hi * d, compiled with the first product fused into the sum
    return fused_multiply_add(low, 1 - d, high * d), has


def fused_multiply_add(a: Tensor, b: Tensor, c: Tensor) -> Tensor:
    """a * b + c rounded once (rounding the product first differs in the last bit): the
    product's exact error from Dekker's split and the sum's from Knuth's two-sum, added back."""
    p = a * b
    split = 134217729.0  # 2**27 + 1
    ta, tb = split * a, split * b
    a_hi, b_hi = ta - (ta - a), tb - (tb - b)
    a_lo, b_lo = a - a_hi, b - b_hi
    product_error = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    total = p + c
    back = total - p
    sum_error = (p - (total - back)) + (c - back)
    out = total + (product_error + sum_error)
    return torch.where(torch.isfinite(out), out, total)


def segment_mad(x: Tensor, ids: Tensor, g: int, valid: Tensor | None, scaled: str) -> tuple[Tensor, Tensor]:
    """(median absolute deviation from the median per group, whether the group has one);
    `scaled` values (a DECIMAL's integers) truncate each median, as DuckDB's DECIMAL median does."""
    median, has = segment_quantile(x, ids, g, valid, 0.5, discrete=False, scaled=scaled)
    median = torch.trunc(median) if scaled else median
    out, _ = segment_quantile((x - median[ids]).abs(), ids, g, valid, 0.5, discrete=False, scaled=scaled)
    return (torch.trunc(out) if scaled else out), has


def segment_mode(x: Tensor, ids: Tensor, g: int, valid: Tensor | None) -> tuple[Tensor, Tensor]:
    """(value per group, whether the group has one): each group's most frequent value; among
    equally frequent ones, the one seen first."""
    n = len(x)
    rows = torch.arange(n, device=x.device)
    if valid is not None:
        keep = nonzero(valid)
        x, ids, rows = x[keep], ids[keep], rows[keep]
    if len(x) == 0:
        return torch.zeros(g, dtype=x.dtype, device=x.device), torch.zeros(g, dtype=torch.bool, device=x.device)
    perm, s_ids, new_run, run = _runs(x, ids)
    size = torch.bincount(run)  # run numbers are dense, so one count per run
    first_row = torch.full((len(size),), n, dtype=torch.int64, device=x.device).scatter_reduce(
        0, run, rows[perm], "amin")
    run_group = s_ids[new_run]
    run_value = x[perm][new_run]
    # best run per group: largest size, then earliest first row
    key = size * (n + 1) + (n - first_row)
    best = torch.full((g,), -1, dtype=torch.int64, device=x.device).scatter_reduce(0, run_group, key, "amax")
    is_best = key == best[run_group]
    out = torch.zeros(g, dtype=x.dtype, device=x.device)
    out[run_group[is_best]] = run_value[is_best]
    return out, best >= 0


def segment_bits(x: Tensor, ids: Tensor, g: int, valid: Tensor | None, op: str) -> tuple[Tensor, Tensor]:
    """(bit_and / bit_or / bit_xor of each group's integers, whether it has one): one segmented
    min / max / sum per bit of the two's-complement int64 values."""
    x = x.to(torch.int64)
    if valid is not None:
        keep = nonzero(valid)
        x, ids = x[keep], ids[keep]
    has = torch.bincount(ids, minlength=g)[:g] > 0
    out = torch.zeros(g, dtype=torch.int64, device=x.device)
    reduce = {"bit_and": "amin", "bit_or": "amax", "bit_xor": "sum"}[op]
    for b in range(64):
        bit = (x >> b) & 1
        per = torch.zeros(g, dtype=torch.int64, device=x.device).scatter_reduce(
            0, ids, bit, reduce, include_self=reduce == "sum")
        out |= (per & 1) << b
    return out, has


def segment_entropy(x: Tensor, ids: Tensor, g: int, valid: Tensor | None) -> Tensor:
    """Each group's Shannon entropy (base 2) of its non-NULL values' frequencies; 0 for a group
    with none, as DuckDB gives."""
    if valid is not None:
        keep = nonzero(valid)
        x, ids = x[keep], ids[keep]
    out = torch.zeros(g, dtype=torch.float64, device=x.device)
    if len(x) == 0:
        return out
    _, s_ids, new_run, run = _runs(x, ids)
    size = torch.bincount(run).to(torch.float64)
    run_group = s_ids[new_run]
    total = torch.bincount(s_ids, minlength=g)[:g].to(torch.float64)
    p = size / total[run_group]
    return out.index_add_(0, run_group, -p * torch.log2(p))
