"""Exact int64 keys for GROUP BY and equi joins over one or more columns.

Each column becomes a rank (its value minus the minimum when the range is small, else its dense
rank among the distinct values); several columns combine by mixed radix. No hash is used, so
distinct tuples never collide, and key order is the lexicographic order of the tuples with NULL
after every value (and NaN after every number, before NULL).

>>> import torch
>>> a = torch.tensor([3, 1, 3, 1])
>>> b = torch.tensor([0.5, 2.0, 0.5, 9.0])
>>> key, domain = dense_keys([(a, None), (b, None)])
>>> key.tolist(), domain          # (1, 2.0) < (1, 9.0) < (3, 0.5); rows 0 and 2 are equal
([8, 1, 8, 2], 12)
>>> lk, rk, lv, rv = join_keys([(torch.tensor([5, 7]), None)], [(torch.tensor([7, 9]), None)])
>>> lk.tolist(), rk.tolist(), lv, rv
([5, 7], [7, 9], None, None)
"""
from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["dense_keys", "join_keys", "column_ranks"]

RADIX_LIMIT = 2**62  # re-densify before the mixed-radix product could leave int64


def valid_bounds(data: Tensor, valid: Tensor | None) -> tuple[int, int] | None:
    """(min, max) of the valid values of an integer/bool column as Python ints (one sync,
    no widened copy of the column)."""
    x = data.to(torch.uint8) if data.dtype == torch.bool else data
    if valid is None:
        lo, hi = torch.aminmax(x)
    else:
        info = torch.iinfo(x.dtype)
        lo = x.masked_fill(~valid, info.max).amin()
        hi = x.masked_fill(~valid, info.min).amax()
    lo_i, hi_i = torch.stack([lo.to(torch.int64), hi.to(torch.int64)]).tolist()  # one transfer
    if lo_i > hi_i:
        return None  # no valid value at all
    return lo_i, hi_i


def ordered_int64(data: Tensor) -> Tensor:
    """int64 with the same order as data (floats: NaN greatest, -0.0 == 0.0). torch sorts
    integers by radix and floats by comparison, so sorting these is ~8x faster."""
    if not data.dtype.is_floating_point:
        return data.to(torch.int64)
    x = data.to(torch.float64) + 0.0  # exact; folds -0.0 into 0.0
    x = torch.where(torch.isnan(x), torch.full_like(x, float("nan")), x)  # positive NaN
    bits = x.view(torch.int64)
    # IEEE bit patterns order like sign-magnitude integers: flip the magnitude of negatives
    return torch.where(bits < 0, bits ^ torch.iinfo(torch.int64).max, bits)


def column_ranks(data: Tensor, valid: Tensor | None, small_range: int | None = None
                 ) -> tuple[Tensor, int]:
    """Order-preserving int64 ranks of one column and the size of their domain.

    Equal values get equal ranks. Integer columns whose range is below `small_range`
    (default 4*n) use value - min (not dense, but no sort); others are dense-ranked with
    torch.unique. Float -0.0 equals 0.0, every NaN equals every other NaN and ranks after all
    numbers. NULL ranks after everything (one extra slot whenever a validity mask is given).
    """
    n = data.shape[0]
    if small_range is None:
        small_range = 4 * n
    if data.dtype == torch.bool:
        r, d = data.to(torch.int64), 2
    elif not data.dtype.is_floating_point:
        mm = valid_bounds(data, valid)
        if mm is None:  # all NULL: only the NULL slot is used
            return torch.zeros(n, dtype=torch.int64, device=data.device), 1
        lo, hi = mm
        if hi - lo < small_range:
            r, d = data.to(torch.int64) - lo, hi - lo + 1
            if valid is not None:
                r = r.masked_fill(~valid, 0)  # garbage under NULL must not leave [0, d)
        else:
            x = data.to(torch.int64)
            if valid is not None:
                x = x.masked_fill(~valid, lo)  # a value that exists, so ranks stay dense
            uniq, r = torch.unique(x, sorted=True, return_inverse=True)
            d = uniq.shape[0]
    else:
        x = data.to(torch.float64) + 0.0  # exact widening; + 0.0 turns -0.0 into 0.0
        nan = torch.isnan(x)
        bad = nan if valid is None else nan | ~valid
        # Replace NaN/NULL by a value that is present (the max of the good ones) so the unique
        # set stays the set of real values; their real rank is assigned below.
        fill = x.masked_fill(bad, float("-inf")).amax()
        uniq, r = torch.unique(ordered_int64(torch.where(bad, fill, x)), sorted=True, return_inverse=True)
        d = uniq.shape[0]
        r = torch.where(nan, d, r)
        d += 1  # NaN slot, reserved without checking whether NaN occurs (saves a sync)
    if valid is not None:
        r = torch.where(valid, r, d)
        d += 1
    return r.to(torch.int64), d


def combine_ranks(ranks: list[tuple[Tensor, int]]) -> tuple[Tensor, int]:
    key, domain = ranks[0]
    for r, d in ranks[1:]:
        if domain * d > RADIX_LIMIT:
            uniq, key = torch.unique(key, sorted=True, return_inverse=True)  # keeps order
            domain = max(uniq.shape[0], 1)
            if domain * d > RADIX_LIMIT:
                raise OverflowError("too many distinct key tuples for an int64 key")
        key = key * d + r
        domain *= d
    return key, domain


def dense_keys(cols: list[tuple[Tensor, Tensor | None]]) -> tuple[Tensor, int]:
    """(key [n], domain_size): equal rows get equal keys, keys in [0, domain_size); int32 when
    narrow integer columns give a domain under 2**31, else int64.

    NULL equals NULL (as GROUP BY groups them) and sorts after all values of its column.
    """
    if not cols:
        raise ValueError("dense_keys needs at least one column")
    n = cols[0][0].shape[0]
    if n == 0:
        return torch.zeros(0, dtype=torch.int64, device=cols[0][0].device), 0
    small = _small_int32_key(cols)
    if small is not None:
        return small
    return combine_ranks([column_ranks(d, v) for d, v in cols])


def _small_int32_key(cols) -> tuple[Tensor, int] | None:
    """Narrow integer columns whose ranges multiply to under 2**31 (dictionary codes, flags,
    small ids) combine in int32, with no int64 copies: half the memory traffic. A NULL takes
    the slot after its column's range; the range is taken over every row, NULL or not, as one
    pass is cheaper than a masked one, and values under a NULL only widen it."""
    if any(d.dtype.is_floating_point or d.dtype == torch.bool or d.dtype == torch.int64 for d, _ in cols):
        return None
    bounds = torch.stack([torch.stack(torch.aminmax(d)).to(torch.int64) for d, _ in cols]).tolist()
    spans = [hi - lo + 1 + (v is not None) for (lo, hi), (_, v) in zip(bounds, cols)]
    domain = 1
    for s_ in spans:
        domain *= s_
    if domain >= 2**31:
        return None
    key = None
    for (d, v), (lo, _), span in zip(cols, bounds, spans):
        r = d.to(torch.int32) - lo if lo else d.to(torch.int32)
        if v is not None:
            r = torch.where(v, r, span - 1)
        if key is None:
            key, owned = r, r is not d
        elif owned:  # in place: each step would otherwise take a fresh n-row buffer
            key.mul_(span).add_(r)
        else:  # still the first column itself
            key, owned = key * span + r, True
    return key, domain


def _pack_integer_pairs(left, right) -> tuple[Tensor, Tensor] | None:
    """Mixed-radix int64 keys for integer columns without NULL masks whose joint ranges
    multiply to under 2**62: each side packed on its own, with no concatenated copy of both
    sides and no ranking. None when that does not apply."""
    if any(v is not None or d.dtype.is_floating_point or d.dtype == torch.bool or d.numel() == 0
           for d, v in list(left) + list(right)):
        return None
    bounds = torch.stack([torch.stack(torch.aminmax(d)).to(torch.int64)
                          for pair in zip(left, right) for d, _ in pair]).tolist()
    lparts, rparts, domain = [], [], 1
    for i, ((ld, _), (rd, _)) in enumerate(zip(left, right)):
        (llo, lhi), (rlo, rhi) = bounds[2 * i], bounds[2 * i + 1]
        lo, span = min(llo, rlo), max(lhi, rhi) - min(llo, rlo) + 1
        domain *= span
        if domain >= RADIX_LIMIT:
            return None
        lparts.append((ld.to(torch.int64) - lo, span))
        rparts.append((rd.to(torch.int64) - lo, span))
    # the product stays under the limit, so neither side is re-densified on its own
    return combine_ranks(lparts)[0], combine_ranks(rparts)[0]


def join_keys(left: list[tuple[Tensor, Tensor | None]], right: list[tuple[Tensor, Tensor | None]]
              ) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
    """Exact integer keys for both sides of an equi join; equal tuples get equal keys.

    Returns (left_key, right_key, left_valid, right_valid); *_valid is False where any key
    column is NULL (such rows never match) and None when that side has no NULL mask at all.
    A single column keeps its own values (int32 on both sides stays int32, floats become
    order-preserving int64 bits), which needs no sort; several integer columns without NULL
    masks are packed side by side, anything else is ranked over the union of both sides and
    combined by mixed radix.
    """
    if len(left) != len(right) or not left:
        raise ValueError("join_keys needs the same non-zero number of columns on both sides")
    n = left[0][0].shape[0]

    def validity(cols):
        out = None
        for _, v in cols:
            if v is not None:
                out = v if out is None else out & v
        return out

    lvalid, rvalid = validity(left), validity(right)
    if len(left) == 1:
        (ld, _), (rd, _) = left[0], right[0]
        if ld.dtype == rd.dtype == torch.int32:  # equi_join keeps narrow keys narrow
            return ld, rd, lvalid, rvalid
        return ordered_int64(ld), ordered_int64(rd), lvalid, rvalid
    packed = _pack_integer_pairs(left, right)
    if packed is not None:
        return packed[0], packed[1], lvalid, rvalid
    ranks = []
    for (ld, lv), (rd, rv) in zip(left, right):
        dtype = torch.promote_types(ld.dtype, rd.dtype)
        data = torch.cat([ld.to(dtype), rd.to(dtype)])
        if lv is None and rv is None:
            valid = None
        else:
            valid = torch.cat([
                lv if lv is not None else torch.ones_like(ld, dtype=torch.bool),
                rv if rv is not None else torch.ones_like(rd, dtype=torch.bool)])
        ranks.append(column_ranks(data, valid) if data.shape[0] else
                     (torch.zeros(0, dtype=torch.int64, device=data.device), 1))
    key, _ = combine_ranks(ranks)
    return key[:n], key[n:], lvalid, rvalid
