"""Join: equi joins (direct-address or sort + searchsorted, chosen by the key kernels), joins
without equalities (a cross product, or blocks of it filtered by the residual), and the
semi, anti, NOT IN, mark and single joins that decorrelated subqueries plan.

Contract: consumes a left and a right batch and the columns their keys and residual read;
produces, by kind:
- inner/cross: left columns then right columns for each matching pair (unspecified order);
- left/right/full/single: the matches, then the unmatched rows of the preserved side(s) with
  NULLs in the other side's columns; single raises DataError when a left row matches twice;
- semi/anti: the left rows with (without) a match, in left order, left columns only;
- anti_null_aware (NOT IN): as anti, but no rows if the right keys hold a NULL, and left rows
  with a NULL key drop out (all rows survive an empty right side);
- mark/mark_in/mark_any: every left row, in order, plus one BOOLEAN column: whether it
  matched, with IN's NULL (mark_in) and ANY's NULL (mark_any) semantics.
NULL keys never match unless `null_safe` (IS NOT DISTINCT FROM), where NULL meets NULL.
A side read straight from a table on one integer key column, whose unmatched rows the join
drops, is first cut to the blocks of rows that may hold the other side's keys (kernels.join
zone_rows: a fact table stored by date is read only where the dates are).
String keys are unified into one dictionary and numeric keys brought to one width before
they are combined into one exact int64 key (never a hash).

Memory: the key kernels reserve (tqp.exec.limits.reserve) the candidate and matched row
pairs; a cross product reserves 16 bytes per pair up front, and a residual-only join reserves
its kept pairs block by block. A keyless join over more than `max_pairs` pairs (a plan-made
cap) raises OperationalError.

>>> import tqp
>>> con = tqp.connect()
>>> con.register("l", {"k": [1, 2, None]})
>>> con.register("r", {"k": [2, 2, 3]})
>>> con.execute("SELECT l.k, k IN (SELECT k FROM r) FROM l ORDER BY l.k").fetchall()
[(1, False), (2, True), (None, None)]
"""
from __future__ import annotations

import torch

from .. import types as T
from ..column import Column
from ..compile.expr import compile_expr, key_columns, same_width, unify_strings
from ..compile.lower import arange, evaluate, lower as lower_input, true_mask
from ..errors import DataError, OperationalError
from ..exec.batch import Batch
from ..exec.limits import reserve
from ..kernels import join as J
from ..kernels import keys as K
from ..kernels.selection import all_true, any_true, nonzero
from ..plan import nodes as P
from . import asof
from .explain import expr_text, names_of


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


_DECIDED_BY_EMPTY_RIGHT = ("inner", "cross", "semi", "anti", "anti_null_aware", "mark", "mark_in", "mark_any")


def lower(rel: P.Join):
    if rel.kind in asof.KINDS:
        return asof.lower(rel)
    left, right = lower_input(rel.left), lower_input(rel.right)
    lfns = [compile_expr(k) for k in rel.left_keys]
    rfns = [compile_expr(k) for k in rel.right_keys]
    resid = compile_expr(rel.residual) if rel.residual is not None else None
    kind = rel.kind
    # a side read straight from a table, on one plain column, is cut to the blocks of rows
    # whose keys can meet the other side's, where its unmatched rows drop out anyway
    cut_left = kind in ("inner", "right", "semi") and _stored_key(rel.left, rel.left_keys)
    cut_right = kind in ("inner", "left", "semi", "anti", "mark") and _stored_key(rel.right, rel.right_keys)

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
            none = lb.take(arange(0, dev))
            return none if kind == "semi" else none.extend(rb)
        if lfns:
            lcols, rcols = [evaluate(f, lb, ctx) for f in lfns], [evaluate(f, rb, ctx) for f in rfns]
            if len(lfns) > 1 and not rel.null_safe:
                if n > _CUT_RATIO * m and kind in ("inner", "right", "semi"):
                    lb, lcols = _matchable(lb, lcols, rcols)
                elif m > _CUT_RATIO * n and kind in ("inner", "left", "single"):
                    rb, rcols = _matchable(rb, rcols, lcols)
                n, m = lb.length, rb.length
            lk, rk, lv, rv = _join_key_columns(lcols, rcols, rel.null_safe)
            if cut_left:
                lb, lk, lv = _zone_cut(lb, lk, lv, rk, rv)
            if cut_right:
                rb, rk, rv = _zone_cut(rb, rk, rv, lk, lv)
            n, m = lb.length, rb.length
        if kind in ("semi", "anti") and resid is None:
            if not lfns:
                keep = m > 0 if kind == "semi" else m == 0
                return lb if keep else lb.take(arange(0, dev))
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
            li = arange(n, dev).repeat_interleave(m)
            ri = arange(m, dev).repeat(n)
        if resid is not None and lfns and len(li) and kind != "mark_any":
            pairs = lb.take(li).extend(rb.take(ri))
            ok = true_mask(evaluate(resid, pairs, ctx))
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


def _stored_key(side: P.Rel, keys) -> bool:
    return isinstance(side, P.Scan) and len(keys) == 1 and isinstance(keys[0], P.ColRef)


def _zone_cut(batch: Batch, key, valid, other_key, other_valid):
    """The batch's rows (and keys) in the blocks whose keys may meet the other side's range."""
    rows = J.zone_rows(key, valid, other_key, other_valid)
    if rows is None:
        return batch, key, valid
    return batch.take(rows), key.index_select(0, rows), None if valid is None else valid.index_select(0, rows)


_CUT_RATIO = 8  # a side this many times the other's rows is cut before its keys are combined


def _matchable(big: Batch, big_cols: list[Column], small_cols: list[Column]):
    """The big side's rows (and key columns) whose every key column holds a value of the small
    side's: a cut that needs no combined key (ranking and combining several key columns of a
    fact table costs far more than a presence test per column), each test on the rows the
    previous ones kept. Rows it drops could match nothing; the join still compares whole keys."""
    rows = None
    for a, b in zip(big_cols, small_cols):
        if a.type.uses_dictionary:
            a, b = unify_strings([a, b])
        a, b = same_width([a, b])
        for part_a, part_b in zip(key_columns(a), key_columns(b)):
            if rows is not None:
                part_a = tuple(None if x is None else x.index_select(0, rows) for x in part_a)
            ak, bk, av, bv = K.join_keys([part_a], [part_b])
            hit = nonzero(J.semi_mask(ak, bk, av, bv))
            rows = hit if rows is None else rows.index_select(0, hit)
    return big.take(rows), [c.take(rows) for c in big_cols]


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
        li = arange(hi - lo, dev).repeat_interleave(m) + lo
        ri = arange(m, dev).repeat(hi - lo)
        keep = nonzero(true_mask(evaluate(resid, lb.take(li).extend(rb.take(ri)), ctx)))
        kept += len(keep)
        reserve(16 * kept, f"a join's {kept} row pairs")
        parts_l.append(li.index_select(0, keep))
        parts_r.append(ri.index_select(0, keep))
    if not parts_l:
        return arange(0, dev), arange(0, dev)
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
                keep = nonzero(true_mask(evaluate(resid, lb.take(li).extend(rb.take(ri)), ctx)))
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
    holds = torch.zeros(n, dtype=torch.bool, device=dev)
    any_null = torch.zeros(n, dtype=torch.bool, device=dev)
    if len(li):
        c = evaluate(resid, lb.take(li).extend(rb.take(ri)), ctx)
        holds[li[true_mask(c)]] = True
        if c.validity is not None:
            any_null[li[~c.validity]] = True
    valid = holds | ~any_null
    return Column(T.BOOLEAN, holds, None if all_true(valid) else valid)


def _not_in(lb: Batch, rb: Batch, lk, rk, lv, rv, dev) -> Batch:
    """x NOT IN (subquery): no rows if the subquery yields a NULL; all rows if it is empty."""
    if rb.length == 0:
        return lb
    if rv is not None and not all_true(rv):
        return lb.take(arange(0, dev))
    mask = ~J.semi_mask(lk, rk, lv, rv)
    if lv is not None:
        mask = mask & lv
    return lb.take(nonzero(mask))


def describe(rel: P.Join) -> str:
    lnames, rnames = names_of(rel.left), names_of(rel.right)
    op = " IS NOT DISTINCT FROM " if rel.null_safe else " = "
    conds = [expr_text(a, lnames) + op + expr_text(b, rnames) for a, b in zip(rel.left_keys, rel.right_keys)]
    if rel.residual is not None:
        conds.append(expr_text(rel.residual, lnames + rnames, binds=3 if conds else 0))
    how = "equi" if rel.left_keys else "nested loop" if rel.residual is not None else "cross product"
    return f"Join {rel.kind} ({how})" + (f": {' AND '.join(conds)}" if conds else "")
