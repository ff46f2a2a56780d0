"""Lowering the logical plan to a tensor program: one `lower` registration per node kind.

`lower(rel)` returns a closure `run(ctx) -> Batch`; the closures are built once per query and
cached, so a warm execution only runs tensor code.

>>> import torch, tqp.types as T
>>> from tqp.plan import nodes as P
>>> run = lower(P.Values(((P.Lit(1, T.INTEGER),), (P.Lit(2, T.INTEGER),)), (("x", T.INTEGER),)))
>>> run(Context(torch.device("cpu"), {})).column(0).data.tolist()
[1, 2]
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from functools import singledispatch

import torch

from .. import types as T
from ..column import Column
from ..errors import DataError, NotSupportedError, OperationalError
from ..exec.batch import Batch
from ..exec.limits import check_interrupt, reserve
from ..kernels import group as G
from ..kernels import join as J
from ..kernels import keys as K
from ..kernels import sort as S
from ..kernels import wide as W
from ..kernels.selection import all_true, any_true, nonzero
from ..plan import nodes as P
from .expr import broadcast, cast_column, compile_expr, key_columns, may_raise, same_width, unify_strings


@dataclass
class Context:
    device: torch.device
    tables: dict  # name -> StoredTable
    profile: list | None = None  # EXPLAIN ANALYZE: (node, seconds, rows)
    models: dict = field(default_factory=dict)  # name -> CompiledModel (PREDICT)
    results: dict = field(default_factory=dict)  # Shared node -> its batch in this execution
    functions: dict = field(default_factory=dict)  # name -> tqp.udf.PythonFunction (Python UDFs)
    slots: list = field(default_factory=list)  # the statement's constants (plan.nodes.Slot)


def evaluate(fn, batch: Batch, ctx) -> Column:
    return broadcast(fn(batch, ctx), batch.length)


def _timed(rel, run):
    """Wrap a node's closure to record time and rows when the context asks (EXPLAIN ANALYZE)."""
    def timed(ctx):
        check_interrupt()
        if ctx.profile is None:
            return run(ctx)
        start = time.perf_counter()
        out = run(ctx)
        if ctx.device.type == "cuda":
            torch.cuda.synchronize(ctx.device)
        ctx.profile.append((rel, time.perf_counter() - start, out.length))
        return out
    return timed


@singledispatch
def _lower(rel):
    raise NotSupportedError(f"plan node {type(rel).__name__}")


def lower(rel: P.Rel):
    return _timed(rel, _lower(rel))


# ---------------------------------------------------------------- leaves


@_lower.register
def _scan(rel: P.Scan):
    name, positions = rel.table, rel.source_index or tuple(range(len(rel.columns)))

    def scan(ctx):
        table = ctx.tables[name]
        return Batch.of([table.columns[i] for i in positions], table.num_rows)
    return scan


@_lower.register
def _shared(rel: P.Shared):
    child = lower(rel.input)
    key = id(rel)

    def shared(ctx):
        hit = ctx.results.get(key)
        if hit is None:
            hit = ctx.results[key] = child(ctx)
        return hit
    return shared


@_lower.register
def _values(rel: P.Values):
    width = len(rel.columns)
    rows = [[compile_expr(e) for e in r] for r in rel.rows]

    def values(ctx):
        one = Batch.of([], 1)
        cols = []
        for j in range(width):
            cols.append(_concat_columns([evaluate(r[j], one, ctx) for r in rows]))
        return Batch.of(cols, len(rows))
    return values


# ---------------------------------------------------------------- row-preserving


def _true_mask(col: Column) -> torch.Tensor:
    return col.data if col.validity is None else col.data & col.validity


@_lower.register
def _filter(rel: P.Filter):
    child = lower(rel.input)
    pred = compile_expr(rel.predicate)

    def filter_(ctx):
        batch = child(ctx)
        mask = pred(batch, ctx)
        m = _true_mask(mask)
        if m.dim() == 0:
            return batch if bool(m) else batch.take(torch.zeros(0, dtype=torch.int64, device=ctx.device))
        return batch.take(nonzero(m))
    return filter_


@_lower.register
def _project(rel: P.Project):
    child = lower(rel.input)
    if all(isinstance(e, P.ColRef) for e in rel.exprs):
        positions = [e.index for e in rel.exprs]
        return lambda ctx: child(ctx).select(positions)
    fns = [(e.index if isinstance(e, P.ColRef) else None, compile_expr(e)) for e in rel.exprs]

    def project(ctx):
        batch = child(ctx)
        sources = []
        for idx, fn in fns:
            if idx is not None:
                sources.append(batch.column(idx))
            else:
                sources.append(_lazy(fn, batch, ctx))
        return batch.with_columns(sources)
    return project


def _lazy(fn, batch, ctx):
    # Computed only if some later operator reads the column.
    return lambda: evaluate(fn, batch, ctx)


@_lower.register
def _limit(rel: P.Limit):
    child = lower(rel.input)
    limit, offset = rel.limit, rel.offset

    def limit_(ctx):
        batch = child(ctx)
        start = min(offset, batch.length)
        stop = batch.length if limit is None else min(batch.length, start + limit)
        return batch.take(torch.arange(start, stop, device=ctx.device))
    return limit_


@_lower.register
def _sort(rel: P.Sort):
    child = lower(rel.input)
    keys = [(compile_expr(k.expr), k.descending, k.nulls_first) for k in rel.keys]
    limit, offset = rel.limit, rel.offset
    part_fns = [compile_expr(p) for p in rel.partition]

    def sort(ctx):
        batch = child(ctx)
        cols = [(evaluate(f, batch, ctx), d, nf) for f, d, nf in keys]
        spec = [(data, valid, d, nf) for c, d, nf in cols for data, valid in key_columns(c)]
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
    perm = S.lexsort(spec) if spec and n else _arange(n, ctx.device)
    if n == 0:
        return perm
    ids, g, _ = group_rows([evaluate(f, batch, ctx).take(perm) for f in part_fns], n, ctx.device)
    rank = _occurrence(ids, g)
    keep = rank >= offset
    if limit is not None:
        keep &= rank < offset + limit
    return perm[keep]


# ---------------------------------------------------------------- aggregation


def _key_cols(cols: list[Column]):
    return [part for c in cols for part in key_columns(c)]


def group_rows(cols: list[Column], n: int, device):
    """Dense group ids for rows, the group count, and one representative row per group."""
    if not cols:
        return torch.zeros(n, dtype=torch.int64, device=device), 1, torch.zeros(1, dtype=torch.int64, device=device)
    key, domain = K.dense_keys(_key_cols(cols))
    ids, g = G.group_ids(key, domain)
    return ids, g, G.first_rows(ids, g)


@_lower.register
def _aggregate(rel: P.Aggregate):
    # A filter right below keeps its rows by routing the others to a spare group slot, rather
    # than gathering every column the aggregates read (Q1 keeps 98% of lineitem).
    fused = isinstance(rel.input, P.Filter) and not any(a.distinct for a in rel.aggs) \
        and not any(may_raise(e) for e in rel.keys + tuple(a.arg for a in rel.aggs if a.arg is not None))
    child = lower(rel.input.input if fused else rel.input)
    pred = compile_expr(rel.input.predicate) if fused else None
    key_fns = [compile_expr(k) for k in rel.keys]
    aggs = [(a, None if a.arg is None else compile_expr(a.arg), None if a.filter is None else compile_expr(a.filter))
            for a in rel.aggs]

    def aggregate(ctx):
        batch = child(ctx)
        dev = ctx.device
        mask = None
        if pred is not None:
            mask = _true_mask(evaluate(pred, batch, ctx))
            if int(torch.count_nonzero(mask)) * 2 < batch.length:  # selective: gather the few survivors
                batch, mask = batch.take(nonzero(mask)), None
        n = batch.length
        keys = [evaluate(f, batch, ctx) for f in key_fns]
        ids, g, first = group_rows(keys, n, dev)
        if keys and n == 0:
            g, first = 0, torch.zeros(0, dtype=torch.int64, device=dev)
        slots = g
        if mask is not None:
            ids, slots = torch.where(mask, ids, g), g + 1
        out = [k.take(first) for k in keys]
        counts = {}  # COUNT(*) per group, shared by every aggregate over a column without NULLs
        for a, fn, ffn in aggs:
            keep = None if ffn is None else _true_mask(evaluate(ffn, batch, ctx))
            col = _reduce(a, None if fn is None else evaluate(fn, batch, ctx), ids, slots, ctx, counts, keep)
            out.append(col.take(slice(0, g)) if slots != g else col)
        if mask is not None and keys:  # groups whose rows were all filtered out disappear
            kept = nonzero(_count_all(ids, slots, dev, counts)[:g] > 0)
            if len(kept) != g:
                out, g = [c.take(kept) for c in out], len(kept)
        return Batch.of(out, g)
    return aggregate


def _count_all(ids, g, dev, counts):
    if "all" not in counts:
        counts["all"] = torch.bincount(ids, minlength=g)[:g] if len(ids) else torch.zeros(g, dtype=torch.int64, device=dev)
    return counts["all"]


def _reduce(a: P.AggCall, x: Column | None, ids, g: int, ctx, counts, keep=None) -> Column:
    """One aggregate per group; `keep` (FILTER) marks the rows that take part."""
    dev = ctx.device
    if a.func == "count_star":
        return Column(T.BIGINT, _count_all(ids, g, dev, counts) if keep is None else G.segment_count(keep, ids, g))
    if a.func.split(":")[0] == "list":  # NULLs are elements too: only FILTER and DISTINCT drop rows
        from ..functions.nested import list_aggregate
        return list_aggregate(a.func, a.type, x, ids, g, _and_masks(keep, _first_of_pairs(ids, x, keep) if a.distinct else None))
    valid = x.validity if keep is None else keep if x.validity is None else x.validity & keep
    if a.distinct:
        firsts = _first_of_pairs(ids, x, keep)
        valid = firsts if valid is None else valid & firsts
    count = _count_all(ids, g, dev, counts) if valid is None else G.segment_count(valid, ids, g)
    has = count > 0
    if a.func == "count":
        return Column(T.BIGINT, count)
    if a.func.split(":")[0] in ("quantile_cont", "quantile_disc", "mode"):
        return _holistic(a, x, ids, g, valid)
    if a.func in ("bit_and", "bit_or", "bit_xor"):
        from ..kernels.holistic import segment_bits
        out, has = segment_bits(x.data, ids, g, valid, a.func)
        return Column(a.type, out.to(a.type.torch_dtype), _none_if_all(has))
    if a.func in _VARIANCE:
        return _variance(a.func, x, ids, g, valid, count)
    if a.func in ("min", "max"):
        if W.is_wide(x.data):
            pair = W.segment_extreme(W.unpack(x.data), ids, g, valid, "amin" if a.func == "min" else "amax")
            return Column(a.type, W.pack(*pair), _none_if_all(has))
        fn = G.segment_min if a.func == "min" else G.segment_max
        data = fn(x.data, ids, g, valid) if len(ids) else torch.zeros(g, dtype=x.data.dtype, device=dev)
        return Column(a.type, data.to(a.type.torch_dtype), _none_if_all(has), x.dictionary)
    if x.type.kind == "NULL" or x.data.dtype == torch.bool:
        x = cast_column(x, T.INTEGER) if x.type.kind != "NULL" else Column(T.INTEGER, x.data.to(torch.int32), x.validity)
    if x.type.is_decimal:
        total = _decimal_sum(x, ids, g, valid, has)
    else:
        total = G.segment_sum(x.data, ids, g, valid) if len(ids) else torch.zeros(
            g, dtype=torch.float64 if x.data.is_floating_point() else torch.int64, device=dev)
    if a.func == "sum":
        return Column(a.type, total if W.is_wide(total) else total.to(a.type.torch_dtype), _none_if_all(has))
    # avg: an exact integer sum divided once
    total = W.to_float64(W.unpack(total)) if W.is_wide(total) else total.to(torch.float64)
    avg = total / count.clamp(min=1).to(torch.float64)
    if x.type.is_decimal:
        avg = avg / 10.0 ** x.type.scale
    return Column(T.DOUBLE, avg, _none_if_all(has))


def _holistic(a: P.AggCall, x: Column, ids, g: int, valid) -> Column:
    """Quantiles and mode (a.func "quantile_cont:q[:desc]", "quantile_disc:q[:desc]", "mode")."""
    from ..kernels import holistic as H
    if W.is_wide(x.data):
        raise NotSupportedError(f"{a.func.split(':')[0]} over DECIMAL values past 18 digits")
    kind, *rest = a.func.split(":")
    desc = rest[-1:] == ["desc"]
    data = x.data.to(torch.int64) if x.data.dtype == torch.bool else x.data
    data = -data if desc else data
    if kind == "mode":
        out, has = H.segment_mode(data, ids, g, valid)
    else:
        discrete = kind == "quantile_disc"
        if not discrete:  # a DECIMAL interpolates its scaled integers, truncated, as DuckDB's does
            data = data.to(torch.float64)
        out, has = H.segment_quantile(data, ids, g, valid, float(rest[0]), discrete)
        if not discrete and a.type.is_decimal:
            out = torch.trunc(out)
    out = -out if desc else out
    return Column(a.type, out.to(a.type.torch_dtype), _none_if_all(has), x.dictionary)


def _decimal_sum(x: Column, ids, g: int, valid, has) -> torch.Tensor:
    """Exact DECIMAL sums: int64 while the totals fit, 128 bits beyond; past 38 digits (the
    DECIMAL(38, s) a SUM gives) they raise, as DuckDB's do."""
    if not len(ids):
        return torch.zeros(g, dtype=torch.int64, device=ids.device)
    if not W.is_wide(x.data):
        return G.segment_sum_exact(x.data, ids, g, valid)
    total, bad = W.segment_sum(W.unpack(x.data), ids, g, valid)
    bad = (bad | ~W.below_pow10(total, T.MAX_DECIMAL_DIGITS)) & has
    if any_true(bad):
        raise DataError("Out of Range Error: overflow in SUM of DECIMAL: the result does not fit in DECIMAL(38)")
    return W.pack(*total)


_VARIANCE = ("var_samp", "var_pop", "stddev_samp", "stddev_pop")


def _variance(func: str, x: Column, ids, g: int, valid, count) -> Column:
    """Two passes, as a sum of squares loses every digit when the mean is large against the
    spread: the mean per group, then squared deviations from it, corrected by the deviations'
    own sum (which is the first pass's rounding error)."""
    v = W.to_float64(W.unpack(x.data)) if W.is_wide(x.data) else x.data.to(torch.float64)
    if x.type.is_decimal:
        v = v / 10 ** x.type.scale
    n = count.to(torch.float64)
    if len(ids):
        mean = G.segment_sum(v, ids, g, valid) / n.clamp(min=1)
        dev = v - mean.index_select(0, ids)
        m2 = G.segment_sum(dev * dev, ids, g, valid) - G.segment_sum(dev, ids, g, valid) ** 2 / n.clamp(min=1)
    else:
        m2 = torch.zeros(g, dtype=torch.float64, device=ids.device)
    samp = func.endswith("samp")
    out = m2.clamp(min=0) / (n - 1 if samp else n).clamp(min=1)
    if func.startswith("stddev"):
        out = out.sqrt()
    return Column(T.DOUBLE, out, _none_if_all(count > (1 if samp else 0)))


def _and_masks(a, b):
    return a if b is None else b if a is None else a & b


def _none_if_all(mask: torch.Tensor):
    return None if all_true(mask) else mask


def _first_of_pairs(ids, x: Column, keep=None) -> torch.Tensor:
    """True on the first row of each distinct (group, value) pair: DISTINCT aggregates. Rows a
    FILTER drops form pairs of their own, so that a dropped row never hides a kept one."""
    key, domain = K.dense_keys([(ids, None)] + key_columns(x) + ([] if keep is None else [(keep, None)]))
    pair_ids, gp = G.group_ids(key, domain)
    first = G.first_rows(pair_ids, gp)
    mask = torch.zeros(len(ids), dtype=torch.bool, device=ids.device)
    mask[first] = True
    return mask


@_lower.register
def _distinct(rel: P.Distinct):
    child = lower(rel.input)

    on = [compile_expr(e) for e in rel.on]

    def distinct(ctx):
        batch = child(ctx)
        cols = [evaluate(f, batch, ctx) for f in on] if on else batch.columns()
        if not cols or batch.length == 0:
            return batch
        _, _, first = group_rows(cols, batch.length, ctx.device)
        return batch.take(torch.sort(first).values)
    return distinct


# ---------------------------------------------------------------- joins


def _join_key_columns(lcols: list[Column], rcols: list[Column], null_safe: bool = False):
    lk, rk = [], []
    for a, b in zip(lcols, rcols):
        if a.type.uses_dictionary:
            a, b = unify_strings([a, b])
        a, b = same_width([a, b])
        if null_safe and (a.validity is not None or b.validity is not None):
            lk += _null_safe_key(a)
            rk += _null_safe_key(b)
        else:
            lk += key_columns(a)
            rk += key_columns(b)
    return K.join_keys(lk, rk)


def _null_safe_key(c: Column):
    """A key column under IS NOT DISTINCT FROM: NULL is one more value, so each part becomes
    its value (zero under NULL) and the validity, neither with a NULL mask."""
    valid = c.valid_mask()
    return [(d if v is None else d.masked_fill(~v, 0), None) for d, v in key_columns(c)] + [(valid, None)]


def _arange(n, dev):
    return torch.arange(n, dtype=torch.int64, device=dev)


_DECIDED_BY_EMPTY_RIGHT = ("inner", "cross", "semi", "anti", "anti_null_aware", "mark", "mark_in", "mark_any")


@_lower.register
def _join(rel: P.Join):
    left, right = lower(rel.left), lower(rel.right)
    lfns = [compile_expr(k) for k in rel.left_keys]
    rfns = [compile_expr(k) for k in rel.right_keys]
    resid = compile_expr(rel.residual) if rel.residual is not None else None
    kind = rel.kind

    def join(ctx):
        lb, rb = left(ctx), right(ctx)
        dev = ctx.device
        n, m = lb.length, rb.length
        if m == 0 and kind in _DECIDED_BY_EMPTY_RIGHT:
            # Nothing to compare with: the left keys are never evaluated ('x' IN (SELECT int FROM
            # empty) is false, not a conversion error, as in DuckDB).
            if kind in ("anti", "anti_null_aware"):
                return lb
            if kind.startswith("mark"):
                return lb.extend(Batch.of([Column(T.BOOLEAN, torch.zeros(n, dtype=torch.bool, device=dev))], n))
            none = lb.take(_arange(0, dev))
            return none if kind == "semi" else none.extend(rb)
        if lfns:
            lcols, rcols = [evaluate(f, lb, ctx) for f in lfns], [evaluate(f, rb, ctx) for f in rfns]
            lk, rk, lv, rv = _join_key_columns(lcols, rcols, rel.null_safe)
        if kind in ("semi", "anti") and resid is None:
            if not lfns:
                keep = m > 0 if kind == "semi" else m == 0
                return lb if keep else lb.take(_arange(0, dev))
            mask = J.semi_mask(lk, rk, lv, rv)
            if kind == "anti":
                mask = ~mask
            return lb.take(nonzero(mask))
        if kind == "anti_null_aware":
            return _not_in(lb, rb, lk, rk, lv, rv, dev)
        # pairs of matching rows
        if lfns:
            if m > n and kind not in ("semi", "anti", "mark", "mark_in"):
                ri, li = J.equi_join(rk, lk, rv, lv)
            else:
                li, ri = J.equi_join(lk, rk, lv, rv)
        elif resid is not None and kind != "mark_any":
            li, ri = _cross_pairs(lb, rb, resid, ctx, rel.max_pairs)
        else:
            _cap(n, m, rel.max_pairs)
            reserve(16 * n * m, f"a cross product of {n} x {m} rows")
            li = _arange(n, dev).repeat_interleave(m)
            ri = _arange(m, dev).repeat(n)
        if resid is not None and lfns and len(li) and kind != "mark_any":
            pairs = lb.take(li).extend(rb.take(ri))
            ok = _true_mask(evaluate(resid, pairs, ctx))
            keep = nonzero(ok)
            li, ri = li.index_select(0, keep), ri.index_select(0, keep)
        if kind in ("inner", "cross"):
            return lb.take(li).extend(rb.take(ri))
        if kind == "mark_any":
            return lb.extend(Batch.of([_mark_any(lb, rb, li, ri, resid, ctx)], n))
        if kind in ("semi", "anti", "mark", "mark_in"):
            matched = torch.zeros(n, dtype=torch.bool, device=dev)
            matched[li] = True
            if kind == "semi":
                return lb.take(nonzero(matched))
            if kind == "anti":
                return lb.take(nonzero(~matched))
            if kind == "mark" or not lfns or m == 0:
                return lb.extend(Batch.of([Column(T.BOOLEAN, matched)], n))
            return lb.extend(Batch.of([_mark_in(lb, rb, matched, lcols, rcols, resid, ctx)], n))
        lmiss = rmiss = None
        if kind == "single" and len(li) and bool((torch.bincount(li, minlength=n) > 1).any()):
            raise DataError("more than one row returned by a subquery used as an expression")
        if kind in ("left", "full", "single"):
            hit = torch.zeros(n, dtype=torch.bool, device=dev)
            hit[li] = True
            lmiss = nonzero(~hit)
        if kind in ("right", "full"):
            hit = torch.zeros(m, dtype=torch.bool, device=dev)
            hit[ri] = True
            rmiss = nonzero(~hit)
        parts_l, parts_r = [li], [ri]
        if lmiss is not None:
            parts_l.append(lmiss)
            parts_r.append(torch.full_like(lmiss, -1))
        if rmiss is not None:
            parts_l.append(torch.full_like(rmiss, -1))
            parts_r.append(rmiss)
        li, ri = torch.cat(parts_l), torch.cat(parts_r)
        return lb.take(li, nullable=kind in ("right", "full")).extend(
            rb.take(ri, nullable=kind in ("left", "full", "single")))
    return join


_PAIRS_PER_CHUNK = 1 << 22


def _cap(n: int, m: int, max_pairs: int | None):
    if max_pairs is not None and n * m > max_pairs:
        raise OperationalError(
            f"a correlated subquery whose correlations are not equalities would test each of {n} distinct "
            f"outer values against {m} rows ({n * m:.3g} pairs, over the {max_pairs:.0e} tqp takes on)")


def _cross_pairs(lb: Batch, rb: Batch, resid, ctx, max_pairs=None):
    """The (left, right) row pairs of a join with no equality that satisfy `resid`, a block of
    left rows at a time: memory follows the pairs kept, not every pair of the cross product."""
    n, m, dev = lb.length, rb.length, ctx.device
    _cap(n, m, max_pairs)
    step = max(1, _PAIRS_PER_CHUNK // max(m, 1))
    parts_l, parts_r, kept = [], [], 0
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        li = _arange(hi - lo, dev).repeat_interleave(m) + lo
        ri = _arange(m, dev).repeat(hi - lo)
        keep = nonzero(_true_mask(evaluate(resid, lb.take(li).extend(rb.take(ri)), ctx)))
        kept += len(keep)
        reserve(16 * kept, f"a join's {kept} row pairs")
        parts_l.append(li.index_select(0, keep))
        parts_r.append(ri.index_select(0, keep))
    if not parts_l:
        return _arange(0, dev), _arange(0, dev)
    return torch.cat(parts_l), torch.cat(parts_r)


def _mark_in(lb, rb, matched, lcols, rcols, resid, ctx) -> Column:
    """x IN (subquery): TRUE on a match; else NULL when x is NULL and the subquery has rows for
    this outer row, or when one of those rows' values is NULL; else FALSE. The first key pair
    is the IN comparison; the other keys and the residual are the correlation, which decides
    which subquery rows belong to each outer row."""
    n, dev = lb.length, ctx.device
    x, y = lcols[0], rcols[0]
    x_null = None if x.validity is None else ~x.validity
    y_null = None if y.validity is None else ~y.validity
    if len(lcols) == 1 and resid is None:  # uncorrelated: every outer row sees every row
        unknown = torch.zeros(n, dtype=torch.bool, device=dev)
        if x_null is not None:
            unknown |= x_null
        if y_null is not None and any_true(y_null):
            unknown |= True
    else:
        if len(lcols) > 1:
            lk, rk, lv, rv = _join_key_columns(lcols[1:], rcols[1:])
            li, ri = J.equi_join(lk, rk, lv, rv)
            if resid is not None and len(li):
                keep = nonzero(_true_mask(evaluate(resid, lb.take(li).extend(rb.take(ri)), ctx)))
                li, ri = li.index_select(0, keep), ri.index_select(0, keep)
        else:
            li, ri = _cross_pairs(lb, rb, resid, ctx)
        has_rows = torch.zeros(n, dtype=torch.bool, device=dev)
        has_rows[li] = True
        unknown = has_rows & x_null if x_null is not None else torch.zeros_like(has_rows)
        if y_null is not None:
            null_pair = y_null.index_select(0, ri)
            unknown[li[null_pair]] = True
    unknown &= ~matched
    return Column(T.BOOLEAN, matched, None if not any_true(unknown) else ~unknown)


def _mark_any(lb, rb, li, ri, resid, ctx) -> Column:
    """Per left row: TRUE if the condition holds for some pair, else NULL if it was NULL for
    some pair, else FALSE (also for an empty subquery)."""
    n = lb.length
    dev = ctx.device
    any_true = torch.zeros(n, dtype=torch.bool, device=dev)
    any_null = torch.zeros(n, dtype=torch.bool, device=dev)
    if len(li):
        c = evaluate(resid, lb.take(li).extend(rb.take(ri)), ctx)
        any_true[li[_true_mask(c)]] = True
        if c.validity is not None:
            any_null[li[~c.validity]] = True
    valid = any_true | ~any_null
    return Column(T.BOOLEAN, any_true, None if all_true(valid) else valid)


def _not_in(lb: Batch, rb: Batch, lk, rk, lv, rv, dev) -> Batch:
    """x NOT IN (subquery): no rows if the subquery yields a NULL; all rows if it is empty."""
    if rb.length == 0:
        return lb
    if rv is not None and not all_true(rv):
        return lb.take(_arange(0, dev))
    mask = ~J.semi_mask(lk, rk, lv, rv)
    if lv is not None:
        mask = mask & lv
    return lb.take(nonzero(mask))


# ---------------------------------------------------------------- set operations


def _concat_columns(cols: list[Column]) -> Column:
    if cols[0].type.uses_dictionary:
        cols = unify_strings(cols)
    cols = same_width(cols)
    data = torch.cat([c.data for c in cols])
    if all(c.validity is None for c in cols):
        valid = None
    else:
        valid = torch.cat([c.valid_mask() for c in cols])
    return replace(cols[0], data=data, validity=valid)


def _concat_batches(a: Batch, b: Batch) -> Batch:
    return Batch.of([_concat_columns([x, y]) for x, y in zip(a.columns(), b.columns())], a.length + b.length)


@_lower.register
def _setop(rel: P.SetOp):
    left, right = lower(rel.left), lower(rel.right)
    kind, keep_all = rel.kind, rel.all

    def setop(ctx):
        lb, rb = left(ctx), right(ctx)
        both = _concat_batches(lb, rb)
        dev = ctx.device
        if kind == "union":
            if keep_all:
                return both
            if both.length == 0:
                return both
            _, _, first = group_rows(both.columns(), both.length, dev)
            return both.take(torch.sort(first).values)
        n = lb.length
        if both.length == 0:
            return lb
        ids, g, _ = group_rows(both.columns(), both.length, dev)
        lids, rids = ids[:n], ids[n:]
        lcount = torch.bincount(lids, minlength=g)
        rcount = torch.bincount(rids, minlength=g)
        if keep_all:
            quota = torch.minimum(lcount, rcount) if kind == "intersect" else (lcount - rcount).clamp(min=0)
            rank = _occurrence(lids, g)
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


def _occurrence(ids: torch.Tensor, g: int) -> torch.Tensor:
    """For each row, how many earlier rows share its group (0 for the first)."""
    n = len(ids)
    if n == 0:
        return ids
    order = torch.sort(ids, stable=True).indices
    sorted_ids = ids[order]
    starts = torch.zeros(g + 1, dtype=torch.int64, device=ids.device)
    starts[1:] = torch.cumsum(torch.bincount(sorted_ids, minlength=g), 0)
    pos = torch.arange(n, device=ids.device) - starts[sorted_ids]
    rank = torch.empty_like(pos)
    rank[order] = pos
    return rank


# Operators that live in tqp/physical register themselves with _lower on import.
from ..physical import range as _range  # noqa: E402,F401
from ..physical import recursive as _recursive  # noqa: E402,F401
from ..physical import sample as _sample  # noqa: E402,F401
from ..physical import unnest as _unnest  # noqa: E402,F401
from ..physical import window as _window  # noqa: E402,F401
