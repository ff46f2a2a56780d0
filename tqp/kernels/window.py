"""Window kernels over rows sorted by (partition, order keys): run boundaries, frame searches
and reductions over per-row ranges [lo, hi). Pure tensor functions; no per-row Python.

>>> import torch
>>> flags = changes([(torch.tensor([1, 1, 2, 2, 2]), None)], 5)
>>> flags.tolist()
[True, False, True, False, False]
>>> ids, starts, ends = runs(flags)
>>> starts[ids].tolist(), ends[ids].tolist()
([0, 0, 2, 2, 2], [2, 2, 5, 5, 5])
>>> search(torch.tensor([1, 3, 3, 7]), torch.tensor([0, 0]), torch.tensor([4, 4]),
...        torch.tensor([3, 3]), strict=False, descending=False).tolist()
[1, 1]
>>> add = lambda a, b: (a[0] + b[0],)
>>> range_reduce((torch.tensor([1., 2., 3., 4.]),), add, (torch.zeros(3),),
...              torch.tensor([0, 1, 3]), torch.tensor([3, 4, 3]))[0].tolist()
[6.0, 9.0, 0.0]
>>> running_reduce((torch.tensor([1., 2., 3., 4.]),), add, torch.tensor([0, 0, 2, 2]))[0].tolist()
[1.0, 3.0, 3.0, 7.0]
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from .keys import ordered_int64
from .selection import nonzero

__all__ = ["changes", "runs", "prefix", "search", "range_reduce", "running_reduce"]

State = tuple[Tensor, ...]


def changes(cols: list[tuple[Tensor, Tensor | None]], n: int) -> Tensor:
    """bool [n]: True on the first row and wherever some column differs from the row before
    (NULL equals NULL, NaN equals NaN, -0.0 equals 0.0: sort peers, as ORDER BY sees them)."""
    dev = cols[0][0].device if cols else torch.device("cpu")
    out = torch.zeros(n, dtype=torch.bool, device=dev)
    if n == 0:
        return out
    out[0] = True
    for data, valid in cols:
        d = ordered_int64(data) if data.dtype.is_floating_point else data
        diff = d[1:] != d[:-1]
        if valid is not None:
            diff = (valid[1:] != valid[:-1]) | (valid[1:] & valid[:-1] & diff)
        out[1:] |= diff
    return out


def runs(flags: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """(run id per row, start of each run, end of each run) for run-start flags; ends are
    exclusive. Index the starts and ends by the ids for per-row bounds."""
    n = flags.shape[0]
    ids = torch.cumsum(flags, 0) - 1
    starts = nonzero(flags)
    ends = torch.cat([starts[1:], torch.full((1,), n, dtype=torch.int64, device=flags.device)]) \
        if n else starts
    return ids, starts, ends


def prefix(x: Tensor) -> Tensor:
    """[n + 1] running totals with a leading zero: the sum over [lo, hi) is P[hi] - P[lo]."""
    out = torch.zeros(x.shape[0] + 1, dtype=x.dtype, device=x.device)
    torch.cumsum(x, 0, out=out[1:])
    return out


def search(keys: Tensor, lo: Tensor, hi: Tensor, target: Tensor, strict: bool,
           descending: bool) -> Tensor:
    """Per row, the first position p in [lo, hi) whose key passes `target` (ascending keys:
    key >= target, or key > target where strict; descending: key <= / < target), else hi.
    keys must be sorted that way inside every [lo, hi). A binary search run on all rows at
    once: log2 of the longest range steps, each a gather and a compare."""
    n = keys.shape[0]
    lo, hi = lo.clone(), hi.clone()
    if n == 0 or lo.shape[0] == 0:
        return lo
    steps = int((hi - lo).max()).bit_length()
    for _ in range(steps):
        active = lo < hi
        mid = (lo + hi) >> 1
        k = keys.index_select(0, mid.clamp(max=n - 1))
        if descending:
            ok = k < target if strict else k <= target
        else:
            ok = k > target if strict else k >= target
        hi = torch.where(active & ok, mid, hi)
        lo = torch.where(active & ~ok, mid + 1, lo)
    return lo


def range_reduce(state: State, combine: Callable[[State, State], State], identity: State,
                 lo: Tensor, hi: Tensor) -> State:
    """Per row, `combine` folded over state[lo:hi] in order (identity for an empty range).

    Any associative combine works (sums, min/max with their row, variance moments): the range
    is cut by the bits of its length into power-of-two blocks, and the blocks of size 2**k are
    built from those of size 2**(k-1), so the work is O(n log L) for ranges of length up to L,
    with no cancellation (unlike differences of float prefix sums)."""
    n = state[0].shape[0]
    length = (hi - lo).clamp(min=0)
    out = identity
    if n == 0 or length.shape[0] == 0:
        return out
    longest = int(length.max())
    cur, level, k = lo.clone(), state, 0
    while (1 << k) <= longest:
        step = 1 << k
        take = (length & step) != 0
        idx = cur.clamp(max=n - 1)
        block = tuple(t.index_select(0, idx) for t in level)
        merged = combine(out, block)
        out = tuple(torch.where(take, m, o) for m, o in zip(merged, out))
        cur = cur + torch.where(take, step, 0)
        if 2 * step <= longest and step < n:
            joined = combine(tuple(t[:n - step] for t in level), tuple(t[step:] for t in level))
            level = tuple(torch.cat([j, t[n - step:]]) for j, t in zip(joined, level))
        k += 1
    return out


def running_reduce(state: State, combine: Callable[[State, State], State], start: Tensor) -> State:
    """Per position i, `combine` folded over state[start[i] .. i] (a segmented inclusive scan:
    start[i] is the first position of i's segment). Frames that begin at their partition's
    start read it at their last row: log2 of the longest segment steps of one combine each,
    cheaper than range_reduce's blocks."""
    n = state[0].shape[0]
    if n == 0:
        return state
    pos = torch.arange(n, dtype=start.dtype, device=start.device)
    longest = int((pos - start).max()) + 1
    out, step = state, 1
    while step < longest:
        inside = pos[step:] - step >= start[step:]
        merged = combine(tuple(t[:-step] for t in out), tuple(t[step:] for t in out))
        out = tuple(torch.cat([t[:step], torch.where(inside, m, t[step:])]) for t, m in zip(out, merged))
        step *= 2
    return out
