"""Window: the window functions of one PARTITION BY / ORDER BY as one sort and segmented
tensor programs.

The rows are sorted once, stably, by (partition keys, order keys); partitions and peer groups
(rows equal on every order key) are runs of that order. Each call then works on positions in
the sorted rows: ranks come from run starts, LAG/LEAD and FIRST/LAST/NTH_VALUE gather at a
computed position, and aggregates reduce over frames held as per-row [start, end) ranges:
exact integer states (COUNT, SUM and AVG of integers and decimals) as differences of prefix
sums, the rest (float sums, MIN/MAX) by power-of-two blocks (kernels.window.range_reduce).
EXCLUDE cuts a frame into at most three ranges. Results return to the input's row order.

Adding an aggregate to windows is one entry in AGGREGATES: a per-row state, an associative
combine and a final step.

Contract: consumes one batch and the columns its partition keys, order keys and call
arguments read; produces the input's columns unchanged, in the input's row order, plus one
column per call (NULL where the function gives none: an empty frame, LAG past the partition,
aggregates over only NULLs). Reserves nothing: its intermediates are a few int64 vectors per
row, and power-of-two block tables (log2 n of them) for MIN/MAX and float frames.

>>> import tqp
>>> con = tqp.connect()
>>> con.register("t", {"g": [1, 1, 2, 1], "x": [3, 1, 5, 2]})
>>> con.execute("SELECT x, sum(x) OVER (PARTITION BY g ORDER BY x), rank() OVER (ORDER BY x DESC) "
...             "FROM t ORDER BY x").fetchall()
[(1, 1, 4), (2, 3, 3), (3, 6, 2), (5, 5, 1)]
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Callable

import torch
from torch import Tensor

from .. import types as T
from ..column import Column
from ..compile.expr import compile_expr, key_columns, unify_strings
from ..compile.lower import evaluate, lower as lower_input, true_mask
from ..errors import DataError, NotSupportedError
from ..exec.batch import Batch
from ..kernels import group as G
from ..kernels import keys as K
from ..kernels import sort as S
from ..kernels import wide as WD
from ..kernels import window as W
from ..kernels.selection import all_true, any_true
from ..plan import nodes as P
from .explain import expr_text, names_of, outputs_text
from .rows import none_if_all

State = tuple[Tensor, ...]
_I64 = torch.int64


def lower(rel: P.Window):
    child = lower_input(rel.input)
    part = [compile_expr(e) for e in rel.partition]
    order = [(compile_expr(k.expr), k.descending, k.nulls_first) for k in rel.order]
    calls = [_compile_call(c) for c in rel.calls]

    def window(ctx):
        batch = child(ctx)
        rows = _Rows(batch, ctx, part, order)
        outs = [run(rows) for run in calls]
        if rows.perm is not None:
            inverse = torch.empty_like(rows.perm)
            inverse[rows.perm] = rows.pos
            outs = [c.take(inverse) for c in outs]
        return batch.extend(Batch.of(outs, batch.length))
    return window


class _Rows:
    """The input sorted by (partition, order keys), with its partitions and peer groups as
    per-row bounds in the sorted positions, each made on first use."""

    def __init__(self, batch: Batch, ctx, part_fns, order_specs):
        self.n, self.ctx, self.dev = batch.length, ctx, ctx.device
        parts = [evaluate(f, batch, ctx) for f in part_fns]
        orders = [(evaluate(f, batch, ctx), d, nf) for f, d, nf in order_specs]
        self.perm = None
        spec = [(data, valid, False, False) for c in parts for data, valid in key_columns(c)] + \
            [(data, valid, d, nf) for c, d, nf in orders for data, valid in key_columns(c, ordered=True)]
        if spec and self.n > 1:
            self.perm = S.lexsort(spec)
            batch = batch.take(self.perm)
            parts = [c.take(self.perm) for c in parts]
            orders = [(c.take(self.perm), d, nf) for c, d, nf in orders]
        self.batch, self.parts, self.orders = batch, parts, orders
        self.frames: dict = {}

    def eval(self, fn) -> Column:
        return evaluate(fn, self.batch, self.ctx)

    @cached_property
    def pos(self) -> Tensor:
        return torch.arange(self.n, dtype=_I64, device=self.dev)

    def _flags(self, cols) -> Tensor:
        return W.changes([part for c in cols for part in key_columns(c)], self.n) if cols else \
            self.pos == 0

    @cached_property
    def part_flags(self) -> Tensor:
        return self._flags(self.parts)

    @cached_property
    def partitions(self):
        ids, starts, ends = W.runs(self.part_flags)
        return ids, starts[ids], ends[ids]

    @property
    def pid(self):
        return self.partitions[0]

    @property
    def pstart(self):
        return self.partitions[1]

    @property
    def pend(self):
        return self.partitions[2]

    @cached_property
    def peers(self):
        """(peer group id, its start and end per row, and every group's start and end)."""
        flags = self.part_flags
        if self.orders:
            flags = flags | self._flags([c for c, _, _ in self.orders])
        ids, starts, ends = W.runs(flags)
        return ids, starts[ids], ends[ids], starts, ends

    def full(self, value, dtype=_I64) -> Tensor:
        return torch.full((self.n,), value, dtype=dtype, device=self.dev)


# ---------------------------------------------------------------- compiling one call


def _compile_call(call: P.WindowCall):
    impl = _FUNCS.get(call.func)
    if impl is None:
        if call.func.split(":")[0] in _HOLISTIC or call.func in _GATHERED:
            impl = _holistic
        elif call.func not in AGGREGATES:
            raise NotSupportedError(f"{call.func}() as a window function")
        else:
            impl = _aggregate
    args = [compile_expr(a) for a in call.args]
    filt = compile_expr(call.filter) if call.filter is not None else None
    frame = call.frame
    frame_fns = None if frame is None else {
        f: compile_expr(getattr(frame, f)) for f in ("start_offset", "end_offset", "start_value", "end_value", "key")
        if getattr(frame, f) is not None}
    order = call.order[0] if call.order else None

    def run(rows: _Rows) -> Column:
        cols = [rows.eval(f) for f in args]
        bounds = None if frame is None else (lambda: _frame_bounds(rows, frame, frame_fns, order))
        keep = None
        if filt is not None:
            keep = true_mask(rows.eval(filt))
        return impl(call, rows, cols, bounds, keep)
    return run


def _bigint(rows: _Rows, values: Tensor, valid: Tensor | None = None) -> Column:
    return Column(T.BIGINT, values.to(_I64), valid)


# ---------------------------------------------------------------- frames


def _offsets(rows: _Rows, fn, kind: str, side: str) -> Tensor:
    """A ROWS/GROUPS/RANGE offset per row: present and not negative, as DuckDB demands."""
    c = rows.eval(fn)
    what = f"Window {kind.upper()} {side.upper()} expression"
    if c.validity is not None and not all_true(c.validity):
        raise DataError(f"{what} cannot be NULL")
    if any_true(WD.unpack(c.data)[0] < 0 if WD.is_wide(c.data) else c.data < 0):
        raise DataError(f"{what} cannot be negative")
    return c.data


def _frame_bounds(rows: _Rows, frame: P.Frame, fns, order: P.SortKey | None):
    """Per-row [start, end) of the frame in sorted positions, inside the partition, and the
    ranges that EXCLUDE leaves, in row order (at most three)."""
    hit = rows.frames.get(frame)
    if hit is not None:
        return hit
    i, n = rows.pos, rows.n
    pstart, pend = rows.pstart, rows.pend
    bounds = []
    for which, side in (("start", frame.start), ("end", frame.end)):
        is_end = which == "end"
        off = None
        if side in ("preceding", "following") and frame.kind != "range":
            off = _offsets(rows, fns[which + "_offset"], frame.kind, side).to(_I64).clamp(max=n)
        if side == "unbounded":
            b = pend if is_end else pstart
        elif frame.kind == "rows":
            b = i + (0 if side == "current" else off if side == "following" else -off) + int(is_end)
        elif frame.kind == "groups":
            b = _groups_bound(rows, side, off, is_end)
        elif side == "current":
            b = rows.peers[2] if is_end else rows.peers[1]
        else:
            if which + "_offset" in fns:
                _offsets(rows, fns[which + "_offset"], "range", side)
            b = _range_bound(rows, rows.eval(fns["key"]), rows.eval(fns[which + "_value"]), is_end, order)
        bounds.append(b)
    s = torch.minimum(torch.maximum(bounds[0], pstart), pend)
    e = torch.minimum(torch.maximum(bounds[1], s), pend)
    pieces = _exclude(rows, frame.exclude, s, e)
    rows.frames[frame] = pieces
    return pieces


def _groups_bound(rows: _Rows, side: str, off: Tensor | None, is_end: bool) -> Tensor:
    gid, gstart, gend, starts, ends = rows.peers
    if side == "current":
        return gend if is_end else gstart
    first, last = gid.index_select(0, rows.pstart), gid.index_select(0, (rows.pend - 1).clamp(min=0))
    last_g = max(len(starts) - 1, 0)
    if side == "preceding":
        g = gid - off
        if is_end:
            return torch.where(g >= first, ends.index_select(0, g.clamp(min=0)), rows.pstart)
        return starts.index_select(0, torch.maximum(g, first))
    g = gid + off
    if is_end:
        return ends.index_select(0, torch.minimum(g, last))
    return torch.where(g <= last, starts.index_select(0, g.clamp(max=last_g)), rows.pend)


def _range_bound(rows: _Rows, key: Column, value: Column, is_end: bool, order: P.SortKey) -> Tensor:
    """A RANGE bound with an offset: the first row of the partition whose key reaches the
    row's bound value (start) or passes it (end), searched among the partition's non-NULL
    keys. A row whose key is NULL has its NULL peers for a frame."""
    kv, tv = _comparable(key, value)
    lo, hi = rows.pstart, rows.pend
    valid = key.validity
    if valid is not None:
        if value.validity is not None and any_true(valid & ~value.validity):
            raise DataError("Window RANGE bound cannot be NULL")
        present = torch.zeros(rows.n + 1, dtype=_I64, device=rows.dev)
        present = present.index_add_(0, rows.pid, valid.to(_I64))[rows.pid]
        if order.nulls_first:
            lo = hi - present
        else:
            hi = lo + present
    elif value.validity is not None and not all_true(value.validity):
        raise DataError("Window RANGE bound cannot be NULL")
    out = W.search(kv, lo, hi, tv, is_end, order.descending)
    if valid is not None:
        _, gstart, gend, _, _ = rows.peers
        out = torch.where(valid, out, gend if is_end else gstart)
    return out


def _comparable(key: Column, value: Column) -> tuple[Tensor, Tensor]:
    """int64 stand-ins ordered as the values: the values themselves (floats by their bits),
    or for 128-bit decimals their dense ranks among both columns."""
    if not (WD.is_wide(key.data) or WD.is_wide(value.data)):
        return K.ordered_int64(key.data), K.ordered_int64(value.data)
    both = [(torch.cat([a, b]), None) for (a, _), (b, _) in zip(
        key_columns(replace(key, data=WD.widen(key.data))), key_columns(replace(value, data=WD.widen(value.data))))]
    ranks = K.dense_keys(both)[0].to(_I64)
    n = key.data.shape[0]
    return ranks[:n], ranks[n:]


def _exclude(rows: _Rows, exclude: str, s: Tensor, e: Tensor) -> list[tuple[Tensor, Tensor]]:
    if exclude == "no others":
        return [(s, e)]
    i = rows.pos
    if exclude == "current row":
        xs, xe = i, i + 1
    else:
        _, xs, xe, _, _ = rows.peers
    before = (s, torch.maximum(torch.minimum(e, xs), s))
    after = (torch.minimum(torch.maximum(s, xe), e), e)
    if exclude != "ties":
        return [before, after]
    inside = (i >= s) & (i < e)
    return [before, (i, i + inside.to(_I64)), after]


# ---------------------------------------------------------------- ranking


def _row_number(call, rows, args, bounds, keep):
    return _bigint(rows, rows.pos - rows.pstart + 1)


def _rank(call, rows, args, bounds, keep):
    return _bigint(rows, rows.peers[1] - rows.pstart + 1)


def _dense_rank(call, rows, args, bounds, keep):
    gid = rows.peers[0]
    return _bigint(rows, gid - gid.index_select(0, rows.pstart) + 1)


def _percent_rank(call, rows, args, bounds, keep):
    size = (rows.pend - rows.pstart).to(torch.float64)
    rank = (rows.peers[1] - rows.pstart).to(torch.float64)
    return Column(T.DOUBLE, torch.where(size > 1, rank / (size - 1).clamp(min=1), 0.0))


def _cume_dist(call, rows, args, bounds, keep):
    size = (rows.pend - rows.pstart).to(torch.float64)
    return Column(T.DOUBLE, (rows.peers[2] - rows.pstart).to(torch.float64) / size.clamp(min=1))


def _ntile(call, rows, args, bounds, keep):
    k = args[0]
    if any_true((k.data <= 0) if k.validity is None else (k.data <= 0) & k.validity):
        raise DataError("Argument for ntile must be greater than zero")
    total = rows.pend - rows.pstart
    buckets = torch.minimum(k.data.to(_I64).clamp(min=1), total.clamp(min=1))
    size = total // buckets
    large = total - buckets * size  # the first `large` buckets hold one row more
    small_from = large * (size + 1)
    r = rows.pos - rows.pstart
    tile = torch.where(r < small_from, 1 + r // (size + 1), 1 + large + (r - small_from) // size.clamp(min=1))
    return _bigint(rows, tile, k.validity)


# ---------------------------------------------------------------- values at a position


def _gather(x: Column, src: Tensor, ok: Tensor, t: T.SqlType) -> Column:
    n = x.data.shape[0]
    col = x.take(torch.where(ok, src, 0).clamp(min=0, max=max(n - 1, 0))) if n else x
    valid = ok if col.validity is None else ok & col.validity
    return Column(t, col.data, none_if_all(valid), col.dictionary)


def _choose(mask: Tensor, a: Column, b: Column) -> Column:
    """a where mask holds, else b (same SQL type)."""
    if a.type.uses_dictionary:
        a, b = unify_strings([a, b])
    data = torch.where(mask, a.data, b.data.to(a.data.dtype))
    valid = torch.where(mask, a.valid_mask(), b.valid_mask())
    return Column(a.type, data, none_if_all(valid), a.dictionary)


def _nonnull_prefix(x: Column, ignore_nulls: bool) -> Tensor | None:
    """Running count of non-NULL values (IGNORE NULLS), or None when every row counts."""
    if not ignore_nulls or x.validity is None:
        return None
    return W.prefix(x.validity.to(_I64))


def _shift(call, rows, args, bounds, keep):
    """LAG / LEAD: the value `offset` rows before / after in the partition (negative offsets
    turn around), else the default; with IGNORE NULLS, rows with a NULL value do not count."""
    x = args[0]
    k = args[1] if len(args) > 1 else None
    i = rows.pos
    step = k.data.to(_I64) if k is not None else rows.full(1)
    if call.func == "lag":
        step = -step
    counts = _nonnull_prefix(x, call.ignore_nulls)
    if counts is None:
        src = i + step
        ok = (src >= rows.pstart) & (src < rows.pend)
    else:
        ahead = counts.index_select(0, i + 1) + step  # the step-th non-NULL value after i
        back = counts.index_select(0, i) + step  # ... before i (step < 0)
        fwd = torch.searchsorted(counts, ahead.clamp(min=0)) - 1
        bwd = torch.searchsorted(counts, (back + 1).clamp(min=0)) - 1
        src = torch.where(step > 0, fwd, torch.where(step < 0, bwd, i))
        ok = torch.where(step > 0, ahead <= counts.index_select(0, rows.pend),
                         torch.where(step < 0, back >= counts.index_select(0, rows.pstart), True))
    out = _gather(x, src, ok, call.type)
    if len(args) > 2:
        out = _choose(ok, out, args[2])
    if k is not None and k.validity is not None:
        out = out.with_validity(none_if_all(out.valid_mask() & k.validity))
    return out


def _nth(call, rows, args, bounds, keep):
    """FIRST_VALUE / LAST_VALUE / NTH_VALUE: the row at a place in the frame's ranges."""
    x = args[0]
    counts = _nonnull_prefix(x, call.ignore_nulls)
    pieces = bounds()

    def size(lo, hi):
        return hi - lo if counts is None else counts.index_select(0, hi) - counts.index_select(0, lo)

    def at(lo, hi, k, from_end):  # the k-th (counted) row of [lo, hi) from its start or end
        if counts is None:
            return hi - k if from_end else lo + k - 1
        target = counts.index_select(0, hi) - k + 1 if from_end else counts.index_select(0, lo) + k
        return torch.searchsorted(counts, target) - 1

    from_end = call.func == "last_value"
    if call.func == "nth_value":
        kc = args[1]
        k = kc.data.to(_I64)
    else:
        kc, k = None, rows.full(1)
    src = rows.full(-1)
    for lo, hi in (reversed(pieces) if from_end else pieces):
        c = size(lo, hi)
        hit = (src < 0) & (k >= 1) & (k <= c)
        src = torch.where(hit, at(lo, hi, k.clamp(min=1), from_end), src)
        k = torch.where(src < 0, k - c, k)
    out = _gather(x, src, src >= 0, call.type)
    if kc is not None and kc.validity is not None:
        out = out.with_validity(none_if_all(out.valid_mask() & kc.validity))
    return out


# ---------------------------------------------------------------- aggregates


@dataclass(frozen=True)
class WindowAggregate:
    """An aggregate over frames. `init(x, keep)` is the per-row state (rows where keep is
    False hold the identity), `combine` merges the states of adjacent ranges, `finish` makes
    the result column. With `exact(x)` true the states are int64 sums, and a frame's state is
    a difference of prefix sums. `segment(state, ids, g)`, where given, reduces the rows of
    each partition at once by scatter (the whole-partition frame, the commonest)."""
    init: Callable[[Column | None, Tensor], State]
    combine: Callable[[State, State], State]
    finish: Callable[[State, Column | None, P.WindowCall], Column]
    exact: Callable[[Column | None], bool] = lambda x: False
    segment: Callable[[State, Tensor, int], State] | None = None


def _add(a: State, b: State) -> State:
    return tuple(p + q for p, q in zip(a, b))


def _segment_add(state: State, ids: Tensor, g: int) -> State:
    return tuple(torch.zeros(g, dtype=t.dtype, device=t.device).index_add_(0, ids, t) for t in state)


def _count_init(x, keep):
    return (keep.to(_I64),)


def _count_finish(state, x, call):
    return Column(T.BIGINT, state[0])


def _sum_init(x, keep):
    d = x.data
    v = d if WD.is_wide(d) else d.to(torch.float64) if d.is_floating_point() else d.to(_I64)
    return v.masked_fill(~keep, 0), keep.to(_I64)


def _integral(x):
    return not x.data.is_floating_point()


def _sum_finish(state, x, call):
    total = state[0]
    return Column(call.type, total if WD.is_wide(total) else total.to(call.type.torch_dtype), none_if_all(state[1] > 0))


def _avg_finish(state, x, call):
    total = WD.to_float64(WD.unpack(state[0])) if WD.is_wide(state[0]) else state[0].to(torch.float64)
    avg = total / state[1].clamp(min=1).to(torch.float64)
    if x.type.is_decimal:
        avg = avg / 10 ** x.type.scale
    return Column(T.DOUBLE, avg, none_if_all(state[1] > 0))


def _extreme_init(x, keep):
    """(order key, row) per row: MIN/MAX pick a row, so every type (strings by their sorted
    codes, NaN above all numbers, 128-bit decimals by rank) comes back as it was."""
    rows = torch.arange(x.data.shape[0], dtype=_I64, device=x.data.device)
    x = x.with_sorted_dictionary()
    key = K.dense_keys(key_columns(x))[0].to(_I64) if WD.is_wide(x.data) else K.ordered_int64(x.data)
    return key, torch.where(keep, rows, -1)


def _extreme_combine(largest: bool):
    def combine(a, b):
        better = b[0] > a[0] if largest else b[0] < a[0]
        take = (b[1] >= 0) & ((a[1] < 0) | better)
        return torch.where(take, b[0], a[0]), torch.where(take, b[1], a[1])
    return combine


def _extreme_segment(largest: bool):
    def segment(state, ids, g):
        key, row = state
        fill = torch.iinfo(_I64).min if largest else torch.iinfo(_I64).max
        key = key.masked_fill(row < 0, fill)
        best = torch.full((g,), fill, dtype=_I64, device=key.device).scatter_reduce_(
            0, ids, key, "amax" if largest else "amin")
        hit = (row >= 0) & (key == best.index_select(0, ids))
        return best, torch.full((g,), -1, dtype=_I64, device=key.device).scatter_reduce_(
            0, ids, torch.where(hit, row, -1), "amax")
    return segment


def _extreme_finish(state, x, call):
    return _gather(x, state[1], state[1] >= 0, call.type)


def _always(x):
    return True


def _moments_init(x, keep):
    """(count, mean, sum of squared deviations) per row, merged by Chan's formula: stable
    where a sum of squares would lose every digit to a large mean."""
    d = x.data
    v = WD.to_float64(WD.unpack(d)) if WD.is_wide(d) else d.to(torch.float64)
    if x.type.is_decimal:
        v = v / 10 ** x.type.scale
    n = keep.to(torch.float64)
    return n, v.masked_fill(~keep, 0.0), torch.zeros_like(n)


def _moments_combine(a, b):
    n = a[0] + b[0]
    delta = b[1] - a[1]
    share = b[0] / n.clamp(min=1)
    return n, a[1] + delta * share, a[2] + b[2] + delta * delta * a[0] * share


def _moments_segment(state, ids, g):
    """Two passes over each partition: its mean, then the deviations from it."""
    n, mean, m2 = state
    total = torch.zeros(g, dtype=n.dtype, device=n.device).index_add_(0, ids, n)
    gmean = torch.zeros_like(total).index_add_(0, ids, n * mean) / total.clamp(min=1)
    dev = mean - gmean.index_select(0, ids)
    return total, gmean, torch.zeros_like(total).index_add_(0, ids, m2 + n * dev * dev)


def _variance_finish(sample: bool, root: bool):
    def finish(state, x, call):
        n, _, m2 = state
        out = m2.clamp(min=0) / (n - 1 if sample else n).clamp(min=1)
        return Column(T.DOUBLE, out.sqrt() if root else out, none_if_all(n > (1 if sample else 0)))
    return finish


def _variance(sample: bool, root: bool) -> "WindowAggregate":
    return WindowAggregate(_moments_init, _moments_combine, _variance_finish(sample, root),
                           segment=_moments_segment)


AGGREGATES: dict[str, WindowAggregate] = {
    "count_star": WindowAggregate(_count_init, _add, _count_finish, _always, _segment_add),
    "count": WindowAggregate(_count_init, _add, _count_finish, _always, _segment_add),
    "sum": WindowAggregate(_sum_init, _add, _sum_finish, _integral, _segment_add),
    "avg": WindowAggregate(_sum_init, _add, _avg_finish, _integral, _segment_add),
    "min": WindowAggregate(_extreme_init, _extreme_combine(False), _extreme_finish, segment=_extreme_segment(False)),
    "max": WindowAggregate(_extreme_init, _extreme_combine(True), _extreme_finish, segment=_extreme_segment(True)),
    "var_samp": _variance(True, False), "var_pop": _variance(False, False),
    "stddev_samp": _variance(True, True), "stddev_pop": _variance(False, True),
}


def _aggregate(call, rows, args, bounds, keep):
    agg = AGGREGATES[call.func]
    x = args[0] if args else None
    valid = rows.full(True, torch.bool) if x is None else x.valid_mask()
    if keep is not None:
        valid = valid & keep
    if call.distinct:  # only a value's first row in its partition counts (frames start at the partition's)
        valid = valid & _first_of_value(rows, x, valid)
    state = agg.init(x, valid)
    if call.frame == P.WHOLE_PARTITION and agg.segment is not None and not agg.exact(x):
        ids, starts, _ = W.runs(rows.part_flags)
        total = agg.segment(state, ids, len(starts))
        return agg.finish(tuple(t.index_select(0, ids) for t in total), x, call)
    pieces = bounds()
    if agg.exact(x):
        decimal = x is not None and x.type.is_decimal
        return agg.finish(tuple(_exact_total(c, pieces, decimal) for c in state), x, call)
    identity = agg.init(x, torch.zeros_like(valid))
    if call.frame.start == "unbounded" and len(pieces) == 1:  # running frames: one scan
        end = pieces[0][1]
        last = (end - 1).clamp(min=0)
        scan = W.running_reduce(state, agg.combine, rows.pstart)
        some = end > rows.pstart
        return agg.finish(tuple(torch.where(some, t.index_select(0, last), z)
                                for t, z in zip(scan, identity)), x, call)
    total = None
    for lo, hi in pieces:
        part = W.range_reduce(state, agg.combine, identity, lo, hi)
        total = part if total is None else agg.combine(total, part)
    return agg.finish(total, x, call)


_HOLISTIC = ("list", "quantile_cont", "quantile_disc", "mode", "entropy", "mad")
_GATHERED = ("bit_and", "bit_or", "bit_xor", "product")  # no running form: each frame aggregated as a group


def _holistic(call, rows, args, bounds, keep):
    """list(), quantiles and mode over frames: every row's frame gathered as a group of its
    own (each frame's rows copied once, vectorised) and aggregated as GROUP BY does."""
    from ..exec.limits import reserve
    from ..functions.lists import _expand
    from .aggregate import finalize, partial
    x = args[0]
    owners, ats = [], []
    for lo, hi in bounds():
        owner, pos = _expand((hi - lo).clamp(min=0))
        owners.append(owner)
        ats.append(lo[owner] + pos)
    owner, at = torch.cat(owners), torch.cat(ats)
    reserve(16 * len(at), f"{call.func.split(':')[0]}() over window frames of {len(at)} rows in all")
    order = torch.sort(owner, stable=True).indices
    owner, at = owner[order], at[order]
    agg = P.AggCall(call.func, P.ColRef(0, x.type), call.type, call.distinct)
    return finalize(agg, partial(agg, x.take(at), owner, rows.n, None if keep is None else keep[at]))


def _first_of_value(rows: _Rows, x: Column, counted: Tensor) -> Tensor:
    """True on the first counted row of each value in its partition (rows a FILTER or NULL
    drops form values of their own, so they never hide a counted one)."""
    key, domain = K.dense_keys([(rows.pid, None), (counted, None)] + key_columns(x))
    ids, g = G.group_ids(key, domain)
    first = torch.zeros(rows.n, dtype=torch.bool, device=rows.dev)
    first[G.first_rows(ids, g)] = True
    return first


def _exact_total(v: Tensor, pieces, decimal: bool = False) -> Tensor:
    """Per-row sum of an exact column (int64, or 128-bit decimal words) over the ranges.
    Differences of wrapping prefix sums are exact whenever the true total fits, which a bound
    proves for int64; otherwise each 32-bit limb has its own prefix sums (exact below 2**31
    rows) and carries settle per row, as in wide.segment_sum. A decimal total past int64
    becomes 128-bit and past 38 digits raises; an integer one past BIGINT raises."""
    n = v.shape[0]
    if n == 0:
        return v
    wide = WD.is_wide(v)
    if not wide:
        lo_v, hi_v = torch.aminmax(v)
        if max(abs(int(lo_v)), abs(int(hi_v))) * n < 2**63:
            run = W.prefix(v)
            return sum(run.index_select(0, hi) - run.index_select(0, lo) for lo, hi in pieces)
    hi_w, lo_w = WD.pair_of(v)
    limbs = [lo_w & 0xFFFFFFFF, (lo_w >> 32) & 0xFFFFFFFF, hi_w & 0xFFFFFFFF, hi_w >> 32] if wide else \
        [lo_w & 0xFFFFFFFF, lo_w >> 32]
    sums = []
    for limb in limbs:
        run = W.prefix(limb)
        sums.append(sum(run.index_select(0, hi) - run.index_select(0, lo) for lo, hi in pieces))
    words, overflow = WD._carry(sums)
    total = WD._from_limbs(words)
    if not decimal:
        if not all_true(WD.fits_int64(total)):
            raise DataError("Out of Range Error: integer overflow in SUM (the total exceeds BIGINT)")
        return total[1]
    if any_true(overflow | ~WD.below_pow10(total, T.MAX_DECIMAL_DIGITS)):
        raise DataError("Out of Range Error: overflow in SUM of DECIMAL: the result does not fit in DECIMAL(38)")
    return WD.pack(*total) if wide or not all_true(WD.fits_int64(total)) else total[1]


_FUNCS = {
    "row_number": _row_number, "rank": _rank, "dense_rank": _dense_rank,
    "percent_rank": _percent_rank, "cume_dist": _cume_dist, "ntile": _ntile,
    "lag": _shift, "lead": _shift,
    "first_value": _nth, "last_value": _nth, "nth_value": _nth,
}


def describe(rel: P.Window) -> str:
    names = names_of(rel.input)
    over = ([f"partition by {', '.join(expr_text(e, names) for e in rel.partition)}"] if rel.partition else []) + \
        ([f"order by {', '.join(expr_text(k, names) for k in rel.order)}"] if rel.order else [])
    calls = outputs_text(rel.calls, rel.names, names)
    return f"Window ({' '.join(over) or 'whole input'}): {calls}"
