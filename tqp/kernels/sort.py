"""ORDER BY: a stable multi-key sort permutation, and ORDER BY ... LIMIT k.

A key is (data, validity or None, descending, nulls_first). Float NaN is greater than every
number (as in DuckDB), -0.0 ties with 0.0, bool sorts False before True. Ties keep input order.

>>> import torch
>>> a = torch.tensor([2, 1, 2, 1])
>>> b = torch.tensor([0.5, 0.1, 0.9, 0.3])
>>> lexsort([(a, None, False, False), (b, None, True, False)]).tolist()
[3, 1, 2, 0]
>>> top_k([(b, None, False, False)], 2).tolist()
[1, 3]
"""
from __future__ import annotations

import torch
from torch import Tensor

from .keys import RADIX_LIMIT, combine_ranks, valid_bounds, ordered_int64
from .selection import nonzero

__all__ = ["lexsort", "top_k"]

Key = tuple[Tensor, "Tensor | None", bool, bool]


def _sortable(data: Tensor) -> Tensor:
    # torch.sort has no bool kernel everywhere; uint8 sorts the same way. Floats sort as
    # order-preserving int64: torch radix-sorts integers but compares floats (6M float64:
    # 730 ms against 90 ms).
    if data.dtype == torch.bool:
        return data.to(torch.uint8)
    return ordered_int64(data) if data.dtype.is_floating_point else data


def _packed(keys: list[Key]) -> Tensor | None:
    """One non-negative int64 whose ascending order is the keys' order (descending keys
    flipped, NULLs in their own slot first or last), combined by keys.combine_ranks; None for
    float keys or ranges too wide to combine. One radix sort of it replaces a stable sort per key and per NULL flag,
    and ORDER BY a, b LIMIT k can take topk on it."""
    if any(data.dtype.is_floating_point for data, *_ in keys):
        return None  # float bit patterns span nearly all of int64: nothing left to pack
    parts = []
    for data, valid, descending, nulls_first in keys:
        x = _sortable(data).to(torch.int64)
        lo, hi = valid_bounds(x, valid) or (0, 0)  # all NULL: any range will do
        if hi - lo >= RADIX_LIMIT:
            return None
        r = hi - x if descending else x - lo
        span = hi - lo + 1
        if valid is not None:
            r = torch.where(valid, r + 1, 0) if nulls_first else torch.where(valid, r, span)
            span += 1
        parts.append((r, span))
    try:
        return combine_ranks(parts)[0]  # re-densifies in order if the product grows too wide
    except OverflowError:
        return None


def lexsort(keys: list[Key]) -> Tensor:
    """int64 permutation sorting rows by keys[0], then keys[1], ...; stable."""
    if not keys:
        raise ValueError("lexsort needs at least one key")
    n = keys[0][0].shape[0]
    dev = keys[0][0].device
    if n == 0:
        return torch.zeros(0, dtype=torch.int64, device=dev)
    packed = _packed(keys)
    if packed is not None:
        return torch.sort(packed, stable=True).indices
    perm = None  # None stands for the identity, saving a gather on the first pass
    # Stable sorts from the last key to the first: each pass keeps the previous order on ties.
    for data, valid, descending, nulls_first in reversed(keys):
        if valid is not None:
            # all NULLs are equal: blank what lies under them so they tie and keep their order
            data = data.masked_fill(~valid, 0)
        col = _sortable(data if perm is None else data[perm])
        order = torch.sort(col, stable=True, descending=descending).indices
        perm = order if perm is None else perm[order]
        if valid is not None:
            # one more stable pass on the NULL flag puts NULLs at the requested end
            flag = valid[perm] if nulls_first else ~valid[perm]
            order = torch.sort(flag.to(torch.uint8), stable=True).indices
            perm = perm[order]
    if perm is None:
        perm = torch.arange(n, device=dev)
    return perm


def top_k(keys: list[Key], k: int) -> Tensor:
    """The first k entries of lexsort(keys) (fewer if there are fewer rows)."""
    n = keys[0][0].shape[0]
    dev = keys[0][0].device
    if k <= 0:
        return torch.zeros(0, dtype=torch.int64, device=dev)
    if k >= n:
        return lexsort(keys)[:k]
    key, descending = _packed(keys), False
    if key is None:
        if len(keys) != 1 or keys[0][1] is not None:
            return lexsort(keys)[:k]
        # one NULL-free key too wide to pack (floats of both signs): its own int64 order
        key, descending = ordered_int64(_sortable(keys[0][0])), keys[0][2]
    # topk finds the k-th value; every row at least as good is a candidate, taken in row
    # order and sorted stably, so ties break by row index exactly as lexsort does.
    kth = torch.topk(key, k, largest=descending, sorted=False).values
    bound = kth.amin() if descending else kth.amax()
    cand = nonzero(key >= bound if descending else key <= bound)
    order = torch.sort(key.index_select(0, cand), stable=True, descending=descending).indices[:k]
    return cand.index_select(0, order)
