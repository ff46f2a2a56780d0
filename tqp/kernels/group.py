"""Group-by: dense group ids from a keys.dense_keys key, and per-group scatter reductions.

Every reduction takes `valid` (bool, True = the row contributes; None = all rows do).

>>> import torch
>>> ids, g = group_ids(torch.tensor([7, 3, 7, 5]), 8)
>>> ids.tolist(), g
([2, 0, 2, 1], 3)
>>> segment_sum(torch.tensor([1, 2, 3, 4]), ids, g).tolist()
[2, 4, 4]
>>> segment_count(torch.tensor([True, True, False, True]), ids, g).tolist()
[1, 1, 1]
>>> first_rows(ids, g).tolist()
[1, 3, 0]
"""
from __future__ import annotations

import torch
from torch import Tensor

from ..errors import DataError
from . import wide as W
from .keys import column_ranks
from .selection import all_true, ascending, nonzero

__all__ = ["group_ids", "group_ids_and_first_rows", "first_rows", "segment_sum", "segment_sum_exact", "segment_count",
           "segment_min", "segment_max", "count_distinct"]

_RUNS_FROM = 1 << 16  # below this many possible groups a histogram is cheaper than the check
_PREFIX = 1 << 16  # rows searched first for the first row of each of a few groups
# Marking a domain of up to this many slots per row and gathering its prefix sum beats sorting
# the keys (torch.unique) even though most slots stay empty.
_MARK_PER_ROW = 4


def group_ids(key: Tensor, domain_size: int) -> tuple[Tensor, int]:
    """Dense group ids 0..g-1 (int64), numbered in key order, and the number of groups g."""
    return _group_ids(key, domain_size)[:2]


def group_ids_and_first_rows(key: Tensor, domain_size: int) -> tuple[Tensor, int, Tensor]:
    """group_ids and first_rows of them, with one check of whether the keys come in order."""
    ids, g, runs = _group_ids(key, domain_size)
    return ids, g, first_rows(ids, g, runs)


def _group_ids(key: Tensor, domain_size: int) -> tuple[Tensor, int, bool | None]:
    """group_ids, and whether the keys come in order (None where that was not checked)."""
    n = key.shape[0]
    if n == 0:
        return torch.zeros(0, dtype=torch.int64, device=key.device), 0, None
    runs = None
    if domain_size > _RUNS_FROM and n > 1:
        runs = ascending(key)
    if runs:
        # Keys in order (a fact table clustered on its group key, e.g. lineitem by
        # l_orderkey): groups are runs, numbered by one prefix sum over run starts.
        ids = torch.zeros(n, dtype=torch.int64, device=key.device)
        torch.cumsum(key[1:] != key[:-1], 0, out=ids[1:])
        return ids, int(ids[-1]) + 1, runs
    if domain_size <= _MARK_PER_ROW * n + 1024 and domain_size < 2**31:
        # presence by histogram + prefix sum: no sort, and no scatter of n rows
        if domain_size > _RUNS_FROM:  # wide domain: marking beats counting (1.5M: 7 vs 13 ms)
            present = torch.zeros(domain_size, dtype=torch.bool, device=key.device).index_fill_(
                0, key.to(torch.int64), True)
        else:  # narrow: many rows per slot, where bincount's private histograms win
            present = torch.bincount(key, minlength=domain_size)[:domain_size] > 0
        rank = torch.cumsum(present, 0, dtype=torch.int32)  # an int64 prefix sum of bools is ~10x slower
        g = int(rank[-1])  # the group count must be known on the host once
        if g == domain_size:  # every slot used: the key already is the group id
            return key.to(torch.int64), g, runs
        rank -= 1
        # widen whichever is shorter: the rank table or the gathered ids
        if domain_size < n:
            return rank.to(torch.int64).index_select(0, key), g, runs
        return rank.index_select(0, key).to(torch.int64), g, runs
    uniq, ids = torch.unique(key, sorted=True, return_inverse=True)
    return ids.to(torch.int64), uniq.shape[0], runs


def first_rows(ids: Tensor, num_groups: int, ordered: bool | None = None) -> Tensor:
    """int64 [g]: the smallest row index of each group. `ordered`: whether ids never decrease,
    where the caller knows (ids numbered in key order are ordered when the keys are)."""
    n = ids.shape[0]
    if num_groups > _RUNS_FROM and (ascending(ids) if ordered is None else ordered):
        starts = torch.ones(n, dtype=torch.bool, device=ids.device)
        starts[1:] = ids[1:] != ids[:-1]
        return nonzero(starts)
    if num_groups < _PREFIX and n > 4 * _PREFIX:
        # Few groups all show up early (Q1's four): a prefix holds every group's first row.
        out = _first_in(ids[:_PREFIX], num_groups, n)
        if all_true(out < n):
            return out
    return _first_in(ids, num_groups, n)


def _first_in(ids: Tensor, num_groups: int, absent: int) -> Tensor:
    out = torch.full((num_groups,), absent, dtype=torch.int64, device=ids.device)
    return out.scatter_reduce_(0, ids, torch.arange(ids.shape[0], device=ids.device), "amin")


def _sum_dtype(dtype: torch.dtype) -> torch.dtype:
    return torch.float64 if dtype.is_floating_point else torch.int64


def segment_sum(values: Tensor, ids: Tensor, g: int, valid: Tensor | None = None,
                check_overflow: bool = True) -> Tensor:
    """Per-group sum: int/bool give int64, floats give float64. Groups without rows give 0.

    int64 sums are exact or raise tqp.DataError where a group's total leaves int64 (see
    segment_sum_exact; pass check_overflow=False to skip the check where the caller has
    bounded the values). Narrower integers cannot overflow an int64 sum below 2**31 rows and
    pay nothing.
    """
    dtype = _sum_dtype(values.dtype)
    if values.dtype != torch.int64 or not check_overflow:
        v = values if valid is None else torch.where(valid, values, 0)
        v = v.to(dtype)
        return torch.zeros(g, dtype=dtype, device=values.device).scatter_add_(0, ids, v)
    out = segment_sum_exact(values, ids, g, valid)
    if W.is_wide(out):
        raise DataError("Out of Range Error: integer overflow in SUM (the total exceeds BIGINT)")
    return out


def segment_sum_exact(values: Tensor, ids: Tensor, g: int, valid: Tensor | None = None) -> Tensor:
    """Per-group sums of int64 values, exact: int64 when every total fits, else wide
    (kernels/wide.py) 128-bit totals."""
    v = values if valid is None else torch.where(valid, values, 0)
    out = torch.zeros(g, dtype=torch.int64, device=values.device)
    if v.numel():
        # Cheap bound first: if no value is large enough for n of them to leave int64, one
        # plain scatter is exact (true for money columns far beyond SF1000).
        lo_v, hi_v = torch.aminmax(v)
        if max(abs(int(lo_v)), abs(int(hi_v))) * v.numel() < 2**63:
            return out.scatter_add_(0, ids, v)
    total, _ = W.segment_sum(W.from_int64(v), ids, g, None, narrow=True)
    return total[1] if all_true(W.fits_int64(total)) else W.pack(*total)


def segment_count(valid: Tensor | None, ids: Tensor, g: int) -> Tensor:
    """int64 [g]: rows per group (only rows with valid True when a mask is given)."""
    if valid is None:
        return torch.bincount(ids, minlength=g)
    # the rows left out are counted in a spare slot g: no int64 copy of the mask to scatter
    return torch.bincount(torch.where(valid, ids, g), minlength=g + 1)[:g]


def _extreme(values: Tensor, ids: Tensor, g: int, valid: Tensor | None, reduce: str) -> Tensor:
    is_bool = values.dtype == torch.bool
    v = values.to(torch.uint8) if is_bool else values
    if v.dtype.is_floating_point:
        fill = float("inf") if reduce == "amin" else float("-inf")
    else:
        info = torch.iinfo(v.dtype)
        fill = info.max if reduce == "amin" else info.min
    if valid is not None:
        v = v.masked_fill(~valid, fill)
    nan = None
    if v.dtype.is_floating_point and reduce == "amin":
        # NaN is the greatest value (DuckDB): MIN ignores it unless the group holds only NaN.
        nan = torch.isnan(v)
        v = v.masked_fill(nan, fill)
    out = torch.full((g,), fill, dtype=v.dtype, device=v.device)
    out.scatter_reduce_(0, ids, v, reduce)  # amax propagates NaN, as MAX should
    if nan is not None:
        real = segment_count(~nan if valid is None else valid & ~nan, ids, g) > 0
        out = torch.where(real, out, torch.full_like(out, float("nan")))
    return out.to(torch.bool) if is_bool else out


def segment_min(values: Tensor, ids: Tensor, g: int, valid: Tensor | None = None) -> Tensor:
    """Per-group minimum, dtype kept. Groups with no contributing row hold an arbitrary value."""
    return _extreme(values, ids, g, valid, "amin")


def segment_max(values: Tensor, ids: Tensor, g: int, valid: Tensor | None = None) -> Tensor:
    """Per-group maximum, dtype kept. Groups with no contributing row hold an arbitrary value."""
    return _extreme(values, ids, g, valid, "amax")


def count_distinct(values: Tensor, valid: Tensor | None, ids: Tensor, g: int) -> Tensor:
    """int64 [g]: COUNT(DISTINCT values) per group; NULLs are not counted (NaN is a value)."""
    n = values.shape[0]
    if n == 0 or g == 0:
        return torch.zeros(g, dtype=torch.int64, device=ids.device)
    rank, d = column_ranks(values, valid)
    pair = ids * d + rank  # exact: g <= n and d <= 4n + 2
    if valid is not None:
        pair = pair.masked_fill(~valid, g * d)  # all NULLs share one pair in a spare group g
    grp = torch.unique(pair) // d
    return torch.bincount(grp, minlength=g + 1)[:g]
