"""Aggregate (GROUP BY and its aggregates) and Distinct, with each aggregate function split into
partial / merge / finalize.

Contract of Aggregate: consumes one batch and the columns its keys, arguments and FILTERs
read. Produces the group keys (one row per distinct key combination, NULL a key value like
any other, in no promised order) then one column per aggregate; without keys, exactly one
row, even over no input. Aggregates skip NULL arguments and rows their FILTER does not keep;
over no such rows COUNT gives 0 and the others NULL. SUM of integers and decimals is exact
(an int64 or 128-bit total) and raises DataError past BIGINT / DECIMAL(38); AVG and the
variance family give DOUBLE. A Filter right below is absorbed: its rows are kept by routing
the others to a spare group rather than gathering every column (unless it keeps under half).
Reserves nothing: its intermediates are per-row group ids and per-group states.

Contract of Distinct: consumes one batch; produces the first row of each distinct value of
all columns (or of its ON expressions), in input order, columns unchanged. Reserves nothing.

Each aggregate function is `partial` over a chunk of rows with group ids (a State of
per-group columns), `merge` of several states whose groups are mapped onto a new grouping,
and `finalize` to the SQL value. The operator computes finalize(partial(whole input));
chunked and multi-device execution will merge partials instead:

>>> import torch, tqp.types as T
>>> from tqp.column import Column
>>> from tqp.plan import nodes as P
>>> a = P.AggCall("avg", P.ColRef(0, T.INTEGER), T.DOUBLE)
>>> x = Column(T.INTEGER, torch.tensor([1, 2, 3, 10], dtype=torch.int32))
>>> one = partial(a, x.take(slice(0, 2)), torch.tensor([0, 1]), 2)     # rows 0-1: groups 0, 1
>>> two = partial(a, x.take(slice(2, 4)), torch.tensor([0, 0]), 1)     # rows 2-3: group 0
>>> finalize(a, merge(a, [one, two], [torch.tensor([0, 1]), torch.tensor([0])], 2)).data.tolist()
[4.666666666666667, 2.0]
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .. import types as T
from ..column import Column
from ..compile.expr import cast_column, compile_expr, key_columns, may_raise
from ..compile.lower import evaluate, lower as lower_input, true_mask
from ..errors import DataError, NotSupportedError
from ..exec.batch import Batch
from ..kernels import group as G
from ..kernels import keys as K
from ..kernels import wide as W
from ..kernels.selection import any_true, nonzero
from ..plan import nodes as P
from .explain import expr_text, exprs_text, names_of, outputs_text
from .rows import concat_columns, group_rows, none_if_all

# ---------------------------------------------------------------- the operator


def lower(rel: P.Aggregate):
    # A filter right below keeps its rows by routing the others to a spare group slot, rather
    # than gathering every column the aggregates read (Q1 keeps 98% of lineitem).
    fused = _fused(rel)
    child = lower_input(rel.input.input if fused else rel.input)
    pred = compile_expr(rel.input.predicate) if fused else None
    key_fns = [compile_expr(k) for k in rel.keys]
    aggs = [(a, None if a.arg is None else compile_expr(a.arg), None if a.filter is None else compile_expr(a.filter))
            for a in rel.aggs]
    # a model call costs far more per row than gathering the kept rows: run it on those only
    scores = fused and any(isinstance(n, P.Call) and n.op == "predict"
                           for a in rel.aggs if a.arg is not None for n in P.walk(a.arg))

    def aggregate(ctx):
        batch = child(ctx)
        dev = ctx.device
        mask = None
        if pred is not None:
            mask = true_mask(evaluate(pred, batch, ctx))
            if scores or int(torch.count_nonzero(mask)) * 2 < batch.length:  # selective: gather the few survivors
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
            keep = None if ffn is None else true_mask(evaluate(ffn, batch, ctx))
            x = None if fn is None else evaluate(fn, batch, ctx)
            col = finalize(a, partial(a, x, ids, slots, keep, counts))
            out.append(col.take(slice(0, g)) if slots != g else col)
        if mask is not None and keys:  # groups whose rows were all filtered out disappear
            kept = nonzero(_count_all(ids, slots, counts)[:g] > 0)
            if len(kept) != g:
                out, g = [c.take(kept) for c in out], len(kept)
        return Batch.of(out, g)
    return aggregate


def _fused(rel: P.Aggregate) -> bool:
    # not where a key or argument can raise: it must see only the rows the filter keeps
    return isinstance(rel.input, P.Filter) and not any(a.distinct for a in rel.aggs) \
        and not any(may_raise(e) for e in rel.keys + tuple(a.arg for a in rel.aggs if a.arg is not None))


def inputs(rel: P.Aggregate) -> tuple:
    return (rel.input.input,) if _fused(rel) else (rel.input,)


def describe(rel: P.Aggregate) -> str:
    source = rel.input.input if _fused(rel) else rel.input
    names = names_of(source)
    nk = len(rel.keys)
    keys = f"by {outputs_text(rel.keys, rel.names[:nk], names)}; " if rel.keys else ""
    where = f" where {expr_text(rel.input.predicate, names)}" if _fused(rel) else ""
    return f"Aggregate: {keys}{outputs_text(rel.aggs, rel.names[nk:], names)}{where}"


def lower_distinct(rel: P.Distinct):
    child = lower_input(rel.input)
    on = [compile_expr(e) for e in rel.on]

    def distinct(ctx):
        batch = child(ctx)
        cols = [evaluate(f, batch, ctx) for f in on] if on else batch.columns()
        if not cols or batch.length == 0:
            return batch
        _, _, first = group_rows(cols, batch.length, ctx.device)
        return batch.take(torch.sort(first).values)
    return distinct


def describe_distinct(rel: P.Distinct) -> str:
    return "Distinct" + (f" on {exprs_text(rel.on, names_of(rel.input))}" if rel.on else "")


# ---------------------------------------------------------------- partial / merge / finalize


@dataclass(frozen=True)
class State:
    """An aggregate's partial result over some rows. `parts` are columns with one row per
    group, except for DISTINCT aggregates, list(), quantiles and mode, whose state is the
    rows themselves (for DISTINCT the distinct (group, value) pairs): `parts` holds the
    values, in row order, and `owner` the group of each."""
    groups: int
    parts: tuple[Column, ...]
    owner: torch.Tensor | None = None


def partial(a: P.AggCall, x: Column | None, ids: torch.Tensor, g: int, keep: torch.Tensor | None = None,
            counts: dict | None = None) -> State:
    """The state of aggregate `a` over rows with group ids `ids` (< g), argument `x` (None for
    COUNT(*)), and `keep` the rows its FILTER keeps. `counts` caches COUNT(*) per group across
    the aggregates of one operator."""
    counts = {} if counts is None else counts
    if a.func == "count_star":
        return State(g, (Column(T.BIGINT, _count_all(ids, g, counts) if keep is None else G.segment_count(keep, ids, g)),))
    valid = x.validity if keep is None else keep if x.validity is None else x.validity & keep
    kind = a.func.split(":")[0]
    if kind == "list":  # NULLs are elements too: only FILTER and DISTINCT drop rows
        valid = keep
    elif not a.distinct and kind not in _HOLISTIC:
        return State(g, FUNCTIONS[a.func].partial(x, ids, g, valid, counts))
    if a.distinct:
        firsts = _first_of_pairs(ids, x, keep)
        valid = firsts if valid is None else valid & firsts
    if valid is None:
        return State(g, (x,), ids)
    rows = nonzero(valid)
    return State(g, (x.take(rows),), ids.index_select(0, rows))


def merge(a: P.AggCall, states: list[State], maps: list[torch.Tensor], g: int) -> State:
    """One state over g groups from several, where maps[i][j] is the new group of group j of
    states[i]."""
    parts = tuple(concat_columns([s.parts[i] for s in states]) for i in range(len(states[0].parts)))
    if states[0].owner is None:
        return State(g, FUNCTIONS[a.func].merge(parts, torch.cat(list(maps)), g))
    owner = torch.cat([m.index_select(0, s.owner) for s, m in zip(states, maps)])
    if not a.distinct:
        return State(g, parts, owner)
    rows = nonzero(_first_of_pairs(owner, parts[0]))
    return State(g, (parts[0].take(rows),), owner.index_select(0, rows))


def finalize(a: P.AggCall, state: State) -> Column:
    """The SQL value per group."""
    if state.owner is None:
        return FUNCTIONS[a.func].finalize(a, state.parts)
    values, kind = state.parts[0], a.func.split(":")[0]
    if kind == "list":
        from ..functions.nested import list_aggregate  # nested types import the compiler
        return list_aggregate(a.func, a.type, values, state.owner, state.groups, None)
    if kind in _HOLISTIC:
        return _holistic(a, values, state.owner, state.groups, values.validity)
    fn = FUNCTIONS[a.func]
    return fn.finalize(a, fn.partial(values, state.owner, state.groups, values.validity, {}))


_HOLISTIC = ("quantile_cont", "quantile_disc", "mode", "entropy", "mad")


def _holistic(a: P.AggCall, x: Column, ids, g: int, valid) -> Column:
    """Quantiles and mode (a.func "quantile_cont:q[:desc]", "quantile_disc:q[:desc]", "mode")."""
    from ..kernels import holistic as H
    if W.is_wide(x.data):
        raise NotSupportedError(f"{a.func.split(':')[0]} over DECIMAL values past 18 digits")
    kind, *rest = a.func.split(":")
    if rest and rest[0].startswith("["):  # a list of fractions: one quantile each, as a LIST
        from ..functions.lists import quantile_list
        return quantile_list(a, lambda q, t: _holistic(P.AggCall(":".join([kind, q] + rest[1:]), a.arg, t), x, ids, g, valid))
    if kind == "entropy":
        return Column(T.DOUBLE, H.segment_entropy(x.data, ids, g, valid))
    if kind == "mad":
        if not x.type.is_numeric:
            raise NotSupportedError(f"mad() of {x.type} values")
        out, has = H.segment_mad(x.data.to(torch.float64), ids, g, valid, _scaled(x.type))
        return Column(a.type, out.to(a.type.torch_dtype), none_if_all(has))
    desc = rest[-1:] == ["desc"]
    x = x.with_unique_dictionary() if kind in ("mode", "entropy") else x.with_sorted_dictionary()
    data = x.data.to(torch.int64) if x.data.dtype == torch.bool else x.data
    data = -data if desc else data
    if kind == "mode":
        out, has = H.segment_mode(data, ids, g, valid)
    else:
        discrete = kind == "quantile_disc"
        if not discrete and x.type.kind == "DATE":  # a time between two dates: microseconds
            data = data.to(torch.int64) * 86_400_000_000
        elif not discrete and not (x.type.is_temporal or x.type.kind == "INTERVAL"):
            data = data.to(torch.float64)  # a DECIMAL interpolates its scaled integers, truncated, as DuckDB's does
        out, has = H.segment_quantile(data, ids, g, valid, float(rest[0]), discrete, _scaled(x.type))
        if not discrete and a.type.is_decimal:
            out = torch.trunc(out)
    out = -out if desc else out
    return Column(a.type, out.to(a.type.torch_dtype), none_if_all(has), x.dictionary)


def _scaled(t: T.SqlType) -> str:
    """How DuckDB interpolates a quantile of type t's values: "" (DOUBLE), "decimal", "hugeint"."""
    return "" if not t.is_decimal else "hugeint" if t.precision > T.INT64_DECIMAL_DIGITS else "decimal"


def _count_all(ids, g, counts):
    if "all" not in counts:
        counts["all"] = torch.bincount(ids, minlength=g)[:g] if len(ids) else torch.zeros(g, dtype=torch.int64, device=ids.device)
    return counts["all"]


def _count(valid, ids, g, counts):
    return _count_all(ids, g, counts) if valid is None else G.segment_count(valid, ids, g)


def _first_of_pairs(ids, x: Column, keep=None) -> torch.Tensor:
    """True on the first row of each distinct (group, value) pair: DISTINCT aggregates. Rows a
    FILTER drops form pairs of their own, so that a dropped row never hides a kept one."""
    key, domain = K.dense_keys([(ids, None)] + key_columns(x) + ([] if keep is None else [(keep, None)]))
    pair_ids, gp = G.group_ids(key, domain)
    first = G.first_rows(pair_ids, gp)
    mask = torch.zeros(len(ids), dtype=torch.bool, device=ids.device)
    mask[first] = True
    return mask


def _segment_sum(data, ids, g, valid=None):
    if len(ids):
        return G.segment_sum(data, ids, g, valid)
    return torch.zeros(g, dtype=torch.float64 if data.is_floating_point() else torch.int64, device=ids.device)


class Count:
    """COUNT(x): state (count,)."""

    @staticmethod
    def partial(x, ids, g, valid, counts):
        return (Column(T.BIGINT, _count(valid, ids, g, counts)),)

    @staticmethod
    def merge(parts, ids, g):
        return (Column(T.BIGINT, _segment_sum(parts[0].data, ids, g)),)

    @staticmethod
    def finalize(a, parts):
        return parts[0]


class Sum:
    """SUM(x) and AVG(x): state (exact total, count)."""

    @staticmethod
    def partial(x, ids, g, valid, counts):
        if x.type.kind == "NULL" or x.data.dtype == torch.bool:
            x = cast_column(x, T.INTEGER) if x.type.kind != "NULL" else Column(T.INTEGER, x.data.to(torch.int32), x.validity)
        count = _count(valid, ids, g, counts)
        if x.type.is_decimal:
            total = Column(T.DECIMAL(T.MAX_DECIMAL_DIGITS, x.type.scale), _decimal_sum(x, ids, g, valid, count > 0))
        else:
            total = Column(T.DOUBLE if x.data.is_floating_point() else T.BIGINT, _segment_sum(x.data, ids, g, valid))
        return total, Column(T.BIGINT, count)

    @staticmethod
    def merge(parts, ids, g):
        total, count = parts
        count = _segment_sum(count.data, ids, g)
        data = _decimal_sum(total, ids, g, None, count > 0) if total.type.is_decimal else _segment_sum(total.data, ids, g)
        return Column(total.type, data), Column(T.BIGINT, count)

    @staticmethod
    def finalize(a, parts):
        total, count = parts[0].data, parts[1].data
        has = count > 0
        if a.func == "sum":
            return Column(a.type, total if W.is_wide(total) else total.to(a.type.torch_dtype), none_if_all(has))
        # avg: an exact integer sum divided once
        avg = (W.to_float64(W.unpack(total)) if W.is_wide(total) else total.to(torch.float64)) / count.clamp(min=1).to(torch.float64)
        if parts[0].type.is_decimal:
            avg = avg / 10.0 ** parts[0].type.scale
        return Column(T.DOUBLE, avg, none_if_all(has))


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


class Extreme:
    """MIN(x) / MAX(x): state (the extreme so far, NULL where a group has no value); merging
    is the same reduction over the states."""

    def __init__(self, func: str):
        self.func = func

    def partial(self, x, ids, g, valid, counts):
        has = _count(valid, ids, g, counts) > 0
        x = x.with_sorted_dictionary()
        if W.is_wide(x.data):
            pair = W.segment_extreme(W.unpack(x.data), ids, g, valid, "amin" if self.func == "min" else "amax")
            return (Column(x.type, W.pack(*pair), none_if_all(has)),)
        fn = G.segment_min if self.func == "min" else G.segment_max
        data = fn(x.data, ids, g, valid) if len(ids) else torch.zeros(g, dtype=x.data.dtype, device=ids.device)
        return (Column(x.type, data, none_if_all(has), x.dictionary),)

    def merge(self, parts, ids, g):
        return self.partial(parts[0], ids, g, parts[0].validity, {})

    @staticmethod
    def finalize(a, parts):
        col = parts[0]
        data = col.data if W.is_wide(col.data) else col.data.to(a.type.torch_dtype)
        return Column(a.type, data, col.validity, col.dictionary)


class Bits:
    """BIT_AND / BIT_OR / BIT_XOR: state (the bits so far, NULL where a group has no value);
    merging is the same reduction over the states."""

    def __init__(self, func: str):
        self.func = func

    def partial(self, x, ids, g, valid, counts):
        from ..kernels.holistic import segment_bits
        out, has = segment_bits(x.data, ids, g, valid, self.func)
        return (Column(T.BIGINT, out, none_if_all(has)),)

    def merge(self, parts, ids, g):
        return self.partial(parts[0], ids, g, parts[0].validity, {})

    @staticmethod
    def finalize(a, parts):
        return Column(a.type, parts[0].data.to(a.type.torch_dtype), parts[0].validity)


class Variance:
    """VAR_SAMP/VAR_POP/STDDEV_SAMP/STDDEV_POP: state (count, mean, sum of squared deviations).
    Two passes, as a sum of squares loses every digit when the mean is large against the
    spread: the mean per group, then squared deviations from it, corrected by the deviations'
    own sum (which is the first pass's rounding error). Merging combines (count, mean, m2)
    the same way: deviations of the states' means from the merged mean, weighted by count."""

    @staticmethod
    def partial(x, ids, g, valid, counts):
        v = W.to_float64(W.unpack(x.data)) if W.is_wide(x.data) else x.data.to(torch.float64)
        if x.type.is_decimal:
            v = v / 10 ** x.type.scale
        count = _count(valid, ids, g, counts)
        return Variance._moments(v, torch.ones_like(v), torch.zeros_like(v), ids, g, valid, count)

    @staticmethod
    def merge(parts, ids, g):
        count, mean, m2 = (p.data for p in parts)
        return Variance._moments(mean, count.to(torch.float64), m2, ids, g, None, _segment_sum(count, ids, g))

    @staticmethod
    def _moments(v, weight, m2, ids, g, valid, count):
        """(count, mean, m2) of values v, each standing for `weight` rows that already hold
        squared deviations m2 about v."""
        n = count.to(torch.float64).clamp(min=1)
        if len(ids):
            mean = G.segment_sum(v * weight, ids, g, valid) / n
            dev = v - mean.index_select(0, ids)
            m2 = G.segment_sum(m2 + weight * dev * dev, ids, g, valid) - G.segment_sum(weight * dev, ids, g, valid) ** 2 / n
        else:
            mean = m2 = torch.zeros(g, dtype=torch.float64, device=ids.device)
        return Column(T.BIGINT, count), Column(T.DOUBLE, mean), Column(T.DOUBLE, m2)

    @staticmethod
    def finalize(a, parts):
        count, m2 = parts[0].data, parts[2].data
        samp = a.func.endswith("samp")
        out = m2.clamp(min=0) / (count.to(torch.float64) - 1 if samp else count.to(torch.float64)).clamp(min=1)
        if a.func.startswith("stddev"):
            out = out.sqrt()
        return Column(T.DOUBLE, out, none_if_all(count > (1 if samp else 0)))


class Product:
    """PRODUCT(x): state (the product in DOUBLE, count), multiplied in input order per group."""

    @staticmethod
    def partial(x, ids, g, valid, counts):
        v = W.to_float64(W.unpack(x.data)) if W.is_wide(x.data) else x.data.to(torch.float64)
        if x.type.is_decimal:
            v = v / 10 ** x.type.scale
        return Product._multiplied(v if valid is None else torch.where(valid, v, 1.0), ids, g, _count(valid, ids, g, counts))

    @staticmethod
    def merge(parts, ids, g):
        return Product._multiplied(parts[0].data, ids, g, _segment_sum(parts[1].data, ids, g))

    @staticmethod
    def _multiplied(v, ids, g, count):
        out = torch.ones(g, dtype=torch.float64, device=ids.device)
        if len(ids):
            out = out.scatter_reduce(0, ids, v, "prod")
        return Column(T.DOUBLE, out), Column(T.BIGINT, count)

    @staticmethod
    def finalize(a, parts):
        return Column(T.DOUBLE, parts[0].data, none_if_all(parts[1].data > 0))


FUNCTIONS = {
    "product": Product,
    "count_star": Count, "count": Count, "sum": Sum, "avg": Sum, "min": Extreme("min"), "max": Extreme("max"),
    "var_samp": Variance, "var_pop": Variance, "stddev_samp": Variance, "stddev_pop": Variance,
    "bit_and": Bits("bit_and"), "bit_or": Bits("bit_or"), "bit_xor": Bits("bit_xor"),
}
