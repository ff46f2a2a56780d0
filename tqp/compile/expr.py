"""Scalar expressions as tensor code: one registry, OPS, lists every operator.

`compile_expr` turns a plan expression into a closure over a Batch, once per query. Constants
stay 0-dim tensors and broadcast, so `x + 1` never materializes a column of ones.

>>> import torch, tqp.types as T
>>> from tqp.plan.nodes import Call, ColRef, Lit
>>> from tqp.exec.batch import Batch
>>> from tqp.column import Column
>>> f = compile_expr(Call("add", (ColRef(0, T.INTEGER), Lit(1, T.INTEGER)), T.INTEGER))
>>> f(Batch.of([Column(T.INTEGER, torch.tensor([1, 2], dtype=torch.int32))]), None).data.tolist()
[2, 3]
"""
from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import replace

import numpy as np
import torch

from .. import types as T
from ..column import Column, Dictionary, and_validity
from ..errors import DataError, NotSupportedError
from ..kernels import dates as D
from ..kernels import strings as S
from ..kernels import wide as W
from ..kernels.selection import all_true, any_true, nonzero
from ..plan.nodes import AggCall, Call, ColRef, Expr, Lit, ScalarSubquery, Slot, walk

OPS: dict = {}


def op(*names):
    def register(fn):
        for n in names:
            OPS[n] = fn
        return fn
    return register


# ---------------------------------------------------------------- constants


def literal_column(value, t: T.SqlType, device) -> Column:
    """A 0-dim column holding one constant (NULL when value is None)."""
    if t.is_nested:
        from ..column import nested_values  # a LIST / STRUCT constant: a one-entry dictionary
        return Column(t, torch.tensor(0, dtype=torch.int32, device=device),
                      None if value is not None else torch.tensor(False, device=device),
                      Dictionary(nested_values([value] if value is not None else [])))
    if t.is_string or (t.kind == "NULL" and isinstance(value, str)):
        if value is None:
            return Column(T.VARCHAR, torch.tensor(0, dtype=torch.int32, device=device),
                          torch.tensor(False, device=device), Dictionary(np.array([], dtype=object)))
        return Column(T.VARCHAR, torch.tensor(0, dtype=torch.int32, device=device), None,
                      Dictionary(np.array([value], dtype=object)))
    dtype = t.torch_dtype
    if value is None:
        return Column(t, torch.zeros((), dtype=dtype, device=device), torch.tensor(False, device=device))
    if t.is_decimal and not -2**63 <= value < 2**63:
        return Column(t, W.from_ints([value], device).reshape(()))
    return Column(t, torch.tensor(value, dtype=dtype, device=device))


def broadcast(col: Column, n: int) -> Column:
    if col.data.dim() == 1:
        return col
    data = col.data.expand(n).clone()
    valid = None if col.validity is None else col.validity.expand(n).clone()
    if valid is not None and all_true(valid) if n else False:
        valid = None
    return replace(col, data=data, validity=valid)


def true_mask(col: Column) -> torch.Tensor:
    """Rows where a BOOLEAN column is TRUE (NULL counts as not)."""
    return col.data if col.validity is None else col.data & col.validity


def is_scalar(col: Column) -> bool:
    return col.data.dim() == 0


# ---------------------------------------------------------------- compile


def compile_expr(e: Expr):
    """A closure (batch, ctx) -> Column evaluating e; the result may be 0-dim (a constant)."""
    if isinstance(e, ColRef):
        i = e.index
        return lambda batch, ctx: batch.column(i)
    if isinstance(e, Slot):
        return _slot(e)
    if isinstance(e, Lit):
        value, t = e.value, e.type
        cache = {}

        def lit(batch, ctx):
            dev = ctx.device if ctx is not None else torch.device("cpu")
            key = str(dev)
            if key not in cache:
                cache[key] = literal_column(value, t, dev)
            return cache[key]
        return lit
    if isinstance(e, ScalarSubquery):
        from .lower import lower  # noqa: the relational compiler needs this module too
        run = lower(e.plan)
        t = e.type

        def scalar(batch, ctx):
            out = run(ctx)
            if out.length > 1:
                raise DataError("more than one row returned by a subquery used as an expression")
            if out.length == 0:
                return literal_column(None, t, ctx.device)
            col = out.column(0)
            return replace(col, data=col.data[0], validity=None if col.validity is None else col.validity[0])
        return scalar
    if isinstance(e, Call):
        return _shared(e, _compile_call(e))
    if isinstance(e, AggCall):
        raise NotSupportedError("aggregate outside an aggregation")
    raise NotSupportedError(f"expression {type(e).__name__}")


def _slot(e: Slot):
    """This execution's value of a slot. The column of a recent value is kept, so a value seen
    again finds the per-dictionary memos (a string constant's) that it filled before."""
    t, columns = e.type, {}

    def slot(batch, ctx):
        value = e.at_run(ctx.slots)
        key = (str(ctx.device), type(value), repr(value))
        col = columns.get(key)
        if col is None:
            if len(columns) >= 16:
                columns.clear()
            col = columns[key] = literal_column(value, t, ctx.device)
        return col
    return slot


def _slot_params(fn):
    """The operator, given this execution's values of the slots among its constant params."""
    def run(cols, e, ctx):
        params = tuple(p.at_run(ctx.slots) if isinstance(p, Slot) else p for p in e.params)
        return fn(cols, Call(e.op, e.args, e.type, params), ctx)
    return run


def _compile_call(e: Call):
    fn = OPS.get(e.op)
    if fn is None:
        from ..functions import kernel  # (the registry's kernels import this module)
        fn = kernel(e.op)
    if fn is None:
        raise NotSupportedError(f"operator {e.op}")
    if e.op in ("and", "or"):
        return _compile_logic(e)
    if e.op == "case" and any(may_raise(v) for v in e.args[1::2] + e.args[-1:]):
        return _compile_guarded_case(e, fn)
    if e.op == "cast" and isinstance(e.args[0], Lit):  # a constant that failed to fold: an error per row
        arg = compile_expr(e.args[0])
        return lambda batch, ctx: fn([arg(batch, ctx)], e, ctx) if batch.length else literal_column(None, e.type, ctx.device)
    if any(isinstance(p, Slot) for p in e.params):
        fn = _slot_params(fn)
    args = [compile_expr(a) for a in e.args]
    if not args:  # random(): one value per row
        return lambda batch, ctx: fn([], replace(e, params=e.params + (batch.length,)), ctx)
    if len(args) == 1:
        a0 = args[0]
        return lambda batch, ctx: _conform(fn([a0(batch, ctx)], e, ctx))
    if len(args) == 2:
        a0, a1 = args
        return lambda batch, ctx: _conform(fn([a0(batch, ctx), a1(batch, ctx)], e, ctx))
    return lambda batch, ctx: _conform(fn([a(batch, ctx) for a in args], e, ctx))


def _conform(col: Column) -> Column:
    """The column contract every operator's result keeps: data and validity have one shape,
    0-dim for a constant, 1-dim for a column. An operator that mixes a constant NULL into a
    column (or a column's mask into a constant) gets its parts broadcast here, once."""
    v = col.validity
    if v is None or v.shape == col.data.shape:
        return col
    data, v = torch.broadcast_tensors(col.data, v)
    return replace(col, data=data, validity=v)


def _shared(e: Call, run):
    """Evaluate each distinct expression once per batch: `price * (1 - disc)` inside two
    aggregates (or a filter and a projection) is computed once. The memo is keyed by the
    expression itself (plan nodes cache their hash, and equal expressions over one batch give
    equal columns), so keys live only as long as the batch and no table outlives a query.
    Slots take part by which constants of the statement they read, not by the values they
    held when the plan was made: `b = 'x' OR b = 'x'` planned from two equal constants must
    stay two expressions for a later statement of the same shape that gives them apart."""
    slots = e.slot_keys()
    key = (e, slots) if slots else e

    def shared(batch, ctx):
        memo = batch.memo
        hit = memo.get(key)
        if hit is None:
            hit = memo[key] = run(batch, ctx)
        return hit
    return shared


def _compile_logic(e: Call):
    # Flatten long AND/OR chains so evaluation is a loop, not deep recursion.
    flat, stack = [], [e]
    while stack:
        n = stack.pop()
        if isinstance(n, Call) and n.op == e.op:
            stack.extend(reversed(n.args))
        else:
            flat.append(n)
    combine = _and if e.op == "and" else _or
    # Operands that can raise (a // b, CAST(s AS INT)) go last and see only the rows the others
    # leave undecided: `b <> 0 AND a // b > 1` divides only where b <> 0, as DuckDB's filters do.
    safe = [compile_expr(n) for n in flat if not may_raise(n)]
    risky = [compile_expr(n) for n in flat if may_raise(n)]
    decided = False if e.op == "and" else True

    def logic(batch, ctx):
        out = safe[0](batch, ctx) if safe else None
        for f in safe[1:]:
            out = combine(out, f(batch, ctx))
        for f in risky:
            if out is None:
                out = f(batch, ctx)
                continue
            out = broadcast(out, batch.length)
            open_rows = ~(out.data == decided) if out.validity is None else ~(out.validity & (out.data == decided))
            out = combine(out, _evaluate_where(f, batch, ctx, open_rows))
        return out
    return logic


def may_raise(e: Expr) -> bool:
    """Whether evaluating e can raise on some rows' values: a CASE then evaluates it only on the
    rows that take its branch (`CASE WHEN b <> 0 THEN a // b END` must not divide by zero)."""
    from ..functions import VALUE_ERRORS  # (imported here: the registry imports this module)
    return any(isinstance(n, Call) and (n.op in ("div", "intdiv", "mod") and "null_on_zero" not in n.params
                                        or n.op in VALUE_ERRORS
                                        or n.op == "cast" and "try" not in n.params and _narrowing(n.args[0].type, n.type))
               for n in walk(e))


def _narrowing(frm: T.SqlType, to: T.SqlType) -> bool:
    """Whether a CAST can meet a value it cannot hold (widening and formatting never fail)."""
    return not (frm == to or to.is_string or frm.kind == "NULL"
                or frm.is_numeric and to.is_numeric and T.common_type(frm, to) == to
                or frm.kind == "DATE" and to.kind == "TIMESTAMP")


def _evaluate_where(fn, batch, ctx, take: torch.Tensor) -> Column:
    """fn over only the rows where `take` holds; NULL elsewhere."""
    n = batch.length
    rows = nonzero(take)
    part = broadcast(fn(batch.take(rows), ctx), len(rows))
    data = torch.zeros((n,) + tuple(part.data.shape[1:]), dtype=part.data.dtype, device=ctx.device)
    data[rows] = part.data
    valid = torch.zeros(n, dtype=torch.bool, device=ctx.device)
    valid[rows] = True if part.validity is None else part.validity
    return Column(part.type, data, valid, part.dictionary)


def _compile_guarded_case(e: Call, case_op):
    conds = [compile_expr(c) for c in e.args[0:-1:2]]
    values = [(compile_expr(v), may_raise(v)) for v in e.args[1:-1:2] + e.args[-1:]]

    def case(batch, ctx):
        n = batch.length
        rest = torch.ones(n, dtype=torch.bool, device=ctx.device)
        takes = []
        for c in conds:
            col = broadcast(c(batch, ctx), n)
            take = true_mask(col) & rest
            takes.append(take)
            rest = rest & ~take
        takes.append(rest)
        args = []
        for i, ((value, guarded), take) in enumerate(zip(values, takes)):
            col = _evaluate_where(value, batch, ctx, take) if guarded else value(batch, ctx)
            if i < len(conds):
                args.append(Column(T.BOOLEAN, take))
            args.append(col)
        return _conform(case_op(args, e, ctx))
    return case


# ---------------------------------------------------------------- logic


def _and(a: Column, b: Column) -> Column:
    if a.validity is None and b.validity is None:
        return Column(T.BOOLEAN, a.data & b.data)
    va = _vmask(a)
    vb = _vmask(b)
    known_false = (va & ~a.data) | (vb & ~b.data)
    return Column(T.BOOLEAN, a.data & b.data, (va & vb) | known_false)


def _or(a: Column, b: Column) -> Column:
    if a.validity is None and b.validity is None:
        return Column(T.BOOLEAN, a.data | b.data)
    va, vb = _vmask(a), _vmask(b)
    known_true = (va & a.data) | (vb & b.data)
    return Column(T.BOOLEAN, a.data | b.data, (va & vb) | known_true)


def _vmask(c: Column) -> torch.Tensor:
    if c.validity is not None:
        return c.validity
    return torch.ones_like(c.data, dtype=torch.bool)


OPS["and"] = lambda args, e, ctx: _and(*args)
OPS["or"] = lambda args, e, ctx: _or(*args)


@op("not")
def _not(args, e, ctx):
    a = args[0]
    return Column(T.BOOLEAN, ~a.data, a.validity)


@op("is_null")
def _is_null(args, e, ctx):
    a = args[0]
    if a.validity is None:
        return Column(T.BOOLEAN, torch.zeros_like(a.data, dtype=torch.bool))
    return Column(T.BOOLEAN, ~a.validity)


@op("is_true")
def _is_true(args, e, ctx):
    a = args[0]
    return Column(T.BOOLEAN, true_mask(a))


@op("is_false")
def _is_false(args, e, ctx):
    a = args[0]
    return Column(T.BOOLEAN, ~a.data if a.validity is None else ~a.data & a.validity)


# ---------------------------------------------------------------- strings on dictionaries


def dict_values(col: Column) -> np.ndarray:
    return col.dictionary.values if col.dictionary is not None else np.array([], dtype=object)


def gather_codes(col: Column, n: int) -> torch.Tensor:
    """A string column's codes as gather indices into its n dictionary entries. A NULL row's
    code is whatever the operator left there (an empty group's MAX fill, say), so codes under
    NULLs are brought into range instead of being trusted."""
    return col.data.long().clamp(0, max(n - 1, 0))  # valid rows' codes are in range already


def unify_strings(cols: list[Column]) -> list[Column]:
    """The columns re-coded over one shared dictionary: a merged one (sorted), or the one
    dictionary among them that is not empty, sorted or not."""
    dicts = [c.dictionary for c in cols]
    if all(d is dicts[0] for d in dicts):
        return cols
    filled = list({id(d): d for d in dicts if d is not None and len(d)}.values())
    if len(filled) <= 1:
        shared, merged = filled[0] if filled else Dictionary(np.array([], dtype=object)), None
    else:
        merged = np.unique(np.concatenate([d.values for d in filled])).astype(object)
        shared = Dictionary(merged)
    out = []
    for c in cols:
        vals = dict_values(c)
        if len(vals) == 0:
            out.append(replace(c, dictionary=shared, data=torch.zeros_like(c.data)))
        elif merged is None:
            out.append(c)
        else:
            mapping = torch.from_numpy(np.searchsorted(merged, vals).astype(np.int32)).to(c.device)
            out.append(replace(c, data=mapping[gather_codes(c, len(vals))], dictionary=shared))
    return out


def map_dictionary(col: Column, new_values: np.ndarray) -> Column:
    """Apply a per-dictionary-entry result (already computed) back to the rows."""
    return _recode(col, *_dictionary_map(col, new_values))


def _recode(col: Column, dictionary: Dictionary, mapping: torch.Tensor) -> Column:
    if len(mapping) == 0:
        return replace(col, data=torch.zeros_like(col.data), dictionary=dictionary)
    return replace(col, data=mapping[gather_codes(col, len(mapping))], dictionary=dictionary)


def per_entry(col: Column, values: np.ndarray | torch.Tensor, t: T.SqlType) -> Column:
    """A per-dictionary-entry numeric/bool result gathered to the rows."""
    v = values if isinstance(values, torch.Tensor) else torch.from_numpy(np.asarray(values))
    v = v.to(col.device)
    if not W.is_wide(v):
        v = v.to(t.torch_dtype)
    if len(v) == 0:
        return Column(t, torch.zeros_like(col.data, dtype=t.torch_dtype), col.validity if col.validity is not None
                      else torch.zeros_like(col.data, dtype=torch.bool))
    return Column(t, v[gather_codes(col, len(v))], col.validity)


def _memo(col: Column, key, compute):
    """A per-dictionary result, computed once per dictionary and device."""
    if col.dictionary is None:
        return compute()
    key = key + (str(col.device),)
    hit = col.dictionary.derived.get(key)
    if hit is None:
        hit = col.dictionary.derived[key] = compute()
    return hit


def _dictionary_map(col: Column, new_values: np.ndarray):
    """(new Dictionary, old code -> new code tensor) for per-entry results."""
    uniq, mapping = S.remap(new_values) if len(new_values) else (np.array([], dtype=object), np.zeros(0, np.int32))
    return Dictionary(uniq), torch.from_numpy(mapping).to(col.device)


@op("like")
def _like(args, e, ctx):
    col = args[0]
    pattern, escape, ci = e.params
    if col.dictionary is None or len(col.dictionary) == 0:
        return per_entry(col, np.zeros(0, bool), T.BOOLEAN)
    if ci and not (pattern.isascii() and _ascii_only(col.dictionary)):
        # The byte kernels fold ASCII case only: fold the distinct values and the pattern here.
        from ..functions import kernel
        lowered = kernel("lower")([col], Call("lower", (), T.VARCHAR), ctx)
        return _like([lowered], Call("like", (), T.BOOLEAN, (pattern.lower(), escape, False)), ctx)

    def compute():
        try:
            if S.like_flat_supported(pattern, escape, ci):
                data, offsets = col.dictionary.flat_bytes(col.device)
                return S.like_flat(data, offsets, pattern, escape)
            if col.device.type == "cpu" and col.dictionary.arrow is not None and escape is None \
                    and "\\" not in pattern and len(col.dictionary) > 50_000:
                return torch.from_numpy(_arrow_like(col.dictionary.arrow, pattern, ci))
            mat, lengths = col.dictionary.byte_matrix(col.device)
            return S.like(mat, lengths, pattern, escape, ci)
        except ValueError as err:
            raise DataError(f"invalid LIKE pattern {pattern!r}: {err}") from None
    return per_entry(col, _memo(col, ("like", pattern, escape, ci), compute), T.BOOLEAN)


def _arrow_like(values, pattern: str, ci: bool) -> np.ndarray:
    """LIKE over a large dictionary by Arrow's C++ matcher (the shapes like_flat does not take:
    `_`, ILIKE, no %), its slices on the statement's threads."""
    import pyarrow.compute as pc
    from concurrent.futures import ThreadPoolExecutor

    from ..settings import current
    n = len(values)
    k = max(1, min(current().value("threads"), n // 50_000))
    cuts = [n * i // k for i in range(k + 1)]

    def one(i):
        part = pc.match_like(values.slice(cuts[i], cuts[i + 1] - cuts[i]), pattern, ignore_case=ci)
        return part.to_numpy(zero_copy_only=False)
    if k == 1:
        return one(0)
    with ThreadPoolExecutor(k) as pool:
        return np.concatenate(list(pool.map(one, range(k))))


def _ascii_only(d: Dictionary) -> bool:
    key = ("ascii_only",)
    if key not in d.derived:
        arrow = d.arrow
        if arrow is not None:
            import pyarrow.compute as pc
            d.derived[key] = bool(pc.all(pc.string_is_ascii(arrow)).as_py() is not False)
        else:
            d.derived[key] = all(v.isascii() for v in d.values)
    return d.derived[key]


@op("concat")
def _concat(args, e, ctx):
    a, b = args
    valid = and_validity(a.validity, b.validity)
    if is_scalar(b) and b.dictionary is not None and len(b.dictionary) == 1:
        out = map_dictionary(a, _affix(dict_values(a), "", b.dictionary.values[0])) if len(dict_values(a)) else a
        return replace(out, validity=valid)
    if is_scalar(a) and a.dictionary is not None and len(a.dictionary) == 1:
        out = map_dictionary(b, _affix(dict_values(b), a.dictionary.values[0], "")) if len(dict_values(b)) else b
        return replace(out, validity=valid)
    shape = torch.broadcast_shapes(a.data.shape, b.data.shape)
    da, db = dict_values(a), dict_values(b)
    if len(da) == 0 or len(db) == 0:
        return Column(T.VARCHAR, torch.zeros(shape, dtype=torch.int32, device=a.device),
                      torch.zeros(shape, dtype=torch.bool, device=a.device), Dictionary(np.array([], dtype=object)))
    pair = gather_codes(a, len(da)) * len(db) + gather_codes(b, len(db))
    uniq, inverse = torch.unique(pair, return_inverse=True)
    u = uniq.cpu().numpy()
    strings = np.char.add(da[u // len(db)].astype(str), db[u % len(db)].astype(str)).astype(object)
    codes_col = Column(T.VARCHAR, inverse.to(torch.int32), valid, Dictionary(strings))
    return map_dictionary(codes_col, strings)


def _affix(values: np.ndarray, prefix: str, suffix: str) -> np.ndarray:
    """prefix + value + suffix for each dictionary value."""
    s = np.asarray(values, dtype=object).astype(np.dtypes.StringDType())
    return np.asarray(np.strings.add(np.strings.add(prefix, s), suffix), dtype=object)


def _string_compare(opname: str, a: Column, b: Column):
    """Comparison of VARCHAR columns on dictionary codes (unique ones for = and <>, sorted ones
    for the others)."""
    if opname in ("eq", "ne"):
        a, b = a.with_unique_dictionary(), b.with_unique_dictionary()
    else:
        a, b = a.with_sorted_dictionary(), b.with_sorted_dictionary()
    if is_scalar(b) and b.dictionary is not None and len(b.dictionary) == 1 and not is_scalar(a):
        return _code_vs_constant(opname, a, b.dictionary.values[0])
    if is_scalar(a) and a.dictionary is not None and len(a.dictionary) == 1 and not is_scalar(b):
        flip = {"eq": "eq", "ne": "ne", "lt": "gt", "le": "ge", "gt": "lt", "ge": "le"}[opname]
        return _code_vs_constant(flip, b, a.dictionary.values[0])
    a, b = unify_strings([a, b])
    return _CMP[opname](a.data, b.data)


def _code_vs_constant(opname, col: Column, value: str) -> torch.Tensor:
    codes = col.data
    if opname in ("eq", "ne"):
        code = int(_memo(col, ("code_of", value), lambda: col.dictionary.codes_of([value])[0])) \
            if col.dictionary is not None else -1
        if code < 0:
            return torch.full_like(codes, opname == "ne", dtype=torch.bool)
        return codes == code if opname == "eq" else codes != code
    vals = dict_values(col)  # sorted: _string_compare saw to it
    lo = int(np.searchsorted(vals, value, side="left")) if len(vals) else 0
    hi = int(np.searchsorted(vals, value, side="right")) if len(vals) else 0
    if opname == "lt":
        return codes < lo
    if opname == "le":
        return codes < hi
    if opname == "gt":
        return codes >= hi
    return codes >= lo


# ---------------------------------------------------------------- comparison


_CMP = {"eq": torch.eq, "ne": torch.ne, "lt": torch.lt, "le": torch.le, "gt": torch.gt, "ge": torch.ge}


def _compare(args, e, ctx):
    a, b = args
    valid = and_validity(a.validity, b.validity)
    if a.type.uses_dictionary:
        data = _string_compare(e.op, a, b)
    elif W.is_wide(a.data) or W.is_wide(b.data):
        data = W.compare(e.op, W.pair_of(a.data), W.pair_of(b.data))
    elif a.data.is_floating_point():
        data = _float_compare(e.op, a.data, b.data)
    else:
        data = _CMP[e.op](a.data, b.data)
    return Column(T.BOOLEAN, data, valid)


def _float_compare(opname, x, y):
    """DuckDB orders NaN above every number and NaN = NaN; IEEE comparisons say neither."""
    nx, ny = torch.isnan(x), torch.isnan(y)
    if opname in ("eq", "ne", "le", "ge"):
        eq = (x == y) | (nx & ny)
        if opname == "eq":
            return eq
        if opname == "ne":
            return ~eq
    if opname in ("lt", "le"):
        lt = (x < y) | (~nx & ny)
        return lt if opname == "lt" else lt | eq
    gt = (x > y) | (nx & ~ny)
    return gt if opname == "gt" else gt | eq


for _name in _CMP:
    OPS[_name] = _compare


@op("not_distinct")
def _not_distinct(args, e, ctx):
    a, b = args
    same = _compare([replace(a, validity=None), replace(b, validity=None)], Call("eq", (), T.BOOLEAN), ctx).data
    va, vb = _vmask(a), _vmask(b)
    return Column(T.BOOLEAN, (va & vb & same) | (~va & ~vb))


@op("in_values")
def _in_values(args, e, ctx):
    x = args[0]
    values = e.params
    has_null = any(v is None for v in values)
    present = [v for v in values if v is not None]
    if x.type.uses_dictionary:
        x = x.with_unique_dictionary()
        d = x.dictionary
        found = d.codes_of(present) if d is not None else np.zeros(0, np.int64)
        # one flag per dictionary entry, gathered by code (torch.isin is 7x slower)
        member = torch.zeros(max(len(d) if d is not None else 0, 1), dtype=torch.bool, device=x.device)
        member[torch.from_numpy(found[found >= 0]).to(x.device)] = True
        # codes index the dictionary by construction; a constant (0-dim) stays a constant
        hit = member.index_select(0, gather_codes(x, len(member)).reshape(-1)).reshape(x.data.shape)
    elif W.is_wide(x.data) or x.type.is_decimal and any(not -2**63 <= v < 2**63 for v in present):
        xp = W.pair_of(x.data)
        hit = torch.zeros_like(xp[0], dtype=torch.bool)
        for v in present:
            hit |= W.compare("eq", xp, W.const(v, x.device))
    elif len(present) <= 8:
        hit = torch.zeros_like(x.data, dtype=torch.bool)
        for v in present:
            hit |= x.data == v
    else:  # binary search in the sorted items (torch.isin sorts the items on every call)
        items = torch.tensor(sorted(set(present)), dtype=x.data.dtype, device=x.device)
        pos = torch.searchsorted(items, x.data).clamp_(max=len(items) - 1)
        hit = items[pos] == x.data
    valid = x.validity
    if has_null:
        valid = hit if valid is None else valid & hit  # no match against a NULL item: NULL
    return Column(T.BOOLEAN, hit, valid)


# ---------------------------------------------------------------- arithmetic


def _check_nonzero(b: Column):
    z = b.data == 0
    if b.validity is not None:
        z = z & b.validity
    if any_true(z):
        raise DataError("division by zero")


_INT_MIN = {torch.int16: -2**15, torch.int32: -2**31, torch.int64: -2**63}


@op("add", "sub", "mul", "div", "intdiv", "mod")
def _arith(args, e, ctx):
    """`params` of / // % may hold "null_on_zero" (SET error_on_division_by_zero = false):
    a zero divisor then gives NULL instead of an error (or, for DOUBLE /, an infinity)."""
    a, b = args
    valid = and_validity(a.validity, b.validity)
    x, y = a.data, b.data
    t = e.type
    if t.is_decimal and e.op in ("add", "sub", "mul"):
        return Column(t, _decimal_arith(e, x, y, valid), valid)
    if W.is_wide(x) or W.is_wide(y):  # only % keeps a DECIMAL type (// and / give DOUBLE)
        xp, yp = W.pair_of(x), W.pair_of(y)
        zero = W.compare("eq", yp, W.const(0, y.device))
        if "null_on_zero" in e.params:
            valid = ~zero if valid is None else valid & ~zero
        else:
            _out_of_range(zero, valid, "division by zero")
        return Column(t, W.pack(*W.remainder(xp, yp)), valid)
    if e.op in ("div", "intdiv", "mod") and "null_on_zero" in e.params:
        nonzero = y != 0
        valid = nonzero if valid is None else valid & nonzero
    if t.is_integer and e.op in ("add", "sub", "mul"):
        data = _checked_int_arith(e.op, x, y, valid, t)
    elif e.op == "add":
        data = x + y
    elif e.op == "sub":
        data = x - y
    elif e.op == "mul":
        data = x * y
    elif e.op == "div":
        data = x / y
    else:
        if not t.is_float:
            _check_nonzero(Column(b.type, y, valid))
            safe_y = torch.where(y == 0, torch.ones_like(y), y)
            if t.is_integer or t.is_decimal:  # (a DECIMAL reaches here only for %)
                # MIN // -1 overflows (and traps the CPU in C: SIGFPE), and MIN % -1 is 0.
                minus_one = y == -1
                overflow = minus_one & (x == _INT_MIN[x.dtype])
                if e.op == "intdiv":
                    bad = overflow if valid is None else overflow & valid
                    if any_true(bad):
                        raise DataError(f"overflow in {t.kind} division (minimum value // -1)")
                safe_y = torch.where(minus_one, torch.ones_like(y), safe_y)
                if e.op == "intdiv":
                    data = torch.where(minus_one, -torch.where(overflow, torch.zeros_like(x), x),
                                       torch.div(x, safe_y, rounding_mode="trunc"))
                else:
                    data = torch.where(minus_one, torch.zeros_like(x), torch.fmod(x, safe_y))
            elif e.op == "intdiv":
                data = torch.div(x, safe_y, rounding_mode="trunc")
            else:
                data = torch.fmod(x, safe_y)
        elif e.op == "intdiv":
            # DuckDB's // on DOUBLE (and on DECIMAL, bound as DOUBLE) divides without
            # flooring, but a zero divisor raises as integer division's does
            if "null_on_zero" not in e.params:
                _check_nonzero(Column(b.type, y, valid))
            data = x / y
        else:
            data = torch.fmod(x, y)
    return Column(t, data.to(t.torch_dtype), valid)


def _narrowed(t: T.SqlType, pair) -> torch.Tensor:
    """A 128-bit result as a column's data: int64 for a DECIMAL of at most 18 digits (whose
    values were checked to fit), wide otherwise."""
    return pair[1] if t.precision <= T.INT64_DECIMAL_DIGITS else W.pack(*pair)


def same_width(cols: list[Column]) -> list[Column]:
    """Decimal columns meeting in one result (CASE, COALESCE, UNION, join keys) held alike:
    all wide if any is, since torch would otherwise promote int64 to complex by value."""
    if not any(W.is_wide(c.data) for c in cols):
        return cols
    return [replace(c, data=W.widen(c.data)) for c in cols]


def key_columns(col: Column, ordered: bool = False) -> list[tuple[torch.Tensor, torch.Tensor | None]]:
    """(data, validity) int64 key parts of a column for grouping, joins and sorting: one
    part, or a wide decimal's two words ordered as the number is. A string column's codes
    come from its unique dictionary, or with `ordered` (where the parts' order matters, not
    only their equality) from its sorted one."""
    col = col.with_sorted_dictionary() if ordered else col.with_unique_dictionary()
    if W.is_wide(col.data):
        return [(p, col.validity) for p in W.key_parts(W.unpack(col.data))]
    return [(col.data, col.validity)]


def _decimal_arith(e: Call, x, y, valid):
    """DECIMAL + - * in int64 while the values fit, else in 128 bits (kernels/wide.py).
    Overflow raises where DuckDB's does: past 18 digits for its int64 product of two
    DECIMAL(18)s, past 38 digits where the type was capped at 38."""
    t = e.type
    pa, pb = (T.decimal_of(arg.type).precision for arg in e.args)
    wide = W.is_wide(x) or W.is_wide(y)
    if e.op == "mul":
        if not wide:
            if t.precision <= T.INT64_DECIMAL_DIGITS:
                data = x * y
                if pa + pb > T.INT64_DECIMAL_DIGITS and _max_abs(x) * _max_abs(y) >= 10**18:
                    # |x * y| < 2**63 where the float product says so (its error is far smaller)
                    big = (x.to(torch.float64) * y.to(torch.float64)).abs() >= 9.2e18
                    _out_of_range(big | (data.abs() >= 10**18), valid,
                                  f"Out of Range Error: overflow in multiplication of DECIMAL(18) ({t}): "
                                  "value out of range; cast an operand to a wider DECIMAL")
                return data
            if not _may_overflow_product(x, y):
                return x * y
        pair, bad = W.mul(W.pair_of(x), W.pair_of(y), not W.is_wide(x), not W.is_wide(y))
        if pa + pb > T.MAX_DECIMAL_DIGITS:  # capped at 38 digits: the product may not fit
            bad = bad | ~W.below_pow10(pair, T.MAX_DECIMAL_DIGITS)
        _out_of_range(bad, valid, f"Out of Range Error: overflow in multiplication of DECIMAL(38) ({t}): value out of range")
        return W.pack(*pair)
    if not wide:
        r = x + y if e.op == "add" else x - y
        if max(pa, pb) <= T.INT64_DECIMAL_DIGITS:  # |x|, |y| < 10**18: no int64 overflow
            return r
        over = ((x ^ r) & (y ^ r)) < 0 if e.op == "add" else ((x ^ y) & (x ^ r)) < 0
        if not (over.numel() and any_true(over)):
            return r
    pair, bad = (W.add if e.op == "add" else W.sub)(W.pair_of(x), W.pair_of(y))
    if t.precision >= T.MAX_DECIMAL_DIGITS:
        bad = bad | ~W.below_pow10(pair, T.MAX_DECIMAL_DIGITS)
    what = "addition" if e.op == "add" else "subtraction"
    _out_of_range(bad, valid, f"Out of Range Error: overflow in {what} of DECIMAL(38) ({t}): value out of range")
    return W.pack(*pair)


def _max_abs(x: torch.Tensor) -> int:
    if x.numel() == 0:
        return 0
    if x.dim() == 0:
        return abs(int(x))
    lo, hi = torch.aminmax(x)
    return max(abs(int(lo)), abs(int(hi)))


def _may_overflow_product(x, y) -> bool:
    """False when the operands' magnitudes bound every product inside int64 (two reductions,
    instead of a float product of the whole columns)."""
    return _max_abs(x) * _max_abs(y) >= 2**63


def _checked_int_arith(opname, x, y, valid, t):
    """Integer + - * that raise on overflow instead of wrapping, as DuckDB does."""
    if t.torch_dtype != torch.int64:
        wide = {"add": torch.add, "sub": torch.sub, "mul": torch.mul}[opname](x.to(torch.int64), y.to(torch.int64))
        _check_int_range(wide, valid, t, "overflow in " + t.kind + " arithmetic")
        return wide.to(t.torch_dtype)
    if opname == "mul":
        approx = x.to(torch.float64) * y.to(torch.float64)
        bad = approx.abs() >= 9.2e18
        r = x * y
    else:
        r = x + y if opname == "add" else x - y
        bad = ((x ^ r) & (y ^ r)) < 0 if opname == "add" else ((x ^ y) & (x ^ r)) < 0
    if valid is not None:
        bad = bad & valid
    if bad.numel() and any_true(bad):
        raise DataError("overflow in BIGINT arithmetic")
    return r


def _check_not_min(a: Column, what: str):
    """-x and abs(x) overflow for an integer type's minimum, where C wraps without a word."""
    low = _INT_MIN.get(a.data.dtype)
    if low is None or not a.type.is_integer:
        return
    bad = a.data == low
    if a.validity is not None:
        bad = bad & a.validity
    if bad.numel() and any_true(bad):
        raise DataError(f"overflow in {what} of {a.type.kind} {low}")


def _widen_at_min(a: Column) -> Column:
    """A DECIMAL of more than 18 digits holding int64's minimum moves to 128 bits, where its
    negation exists."""
    if a.type.is_decimal and a.type.precision > T.INT64_DECIMAL_DIGITS and not W.is_wide(a.data) \
            and any_true(a.data == _INT_MIN[torch.int64]):
        return replace(a, data=W.widen(a.data))
    return a


@op("neg")
def _neg(args, e, ctx):
    if args[0].data.dtype == torch.bool:  # an all-NULL operand typed late (max(NULL) OVER ()): bool storage
        a = args[0]
        return Column(e.type, torch.zeros_like(a.data, dtype=e.type.torch_dtype), torch.zeros_like(a.data))
    a = _widen_at_min(args[0])
    if W.is_wide(a.data):
        return replace(a, data=W.pack(*W.neg(W.unpack(a.data))))
    _check_not_min(a, "negation")
    return replace(a, data=-a.data)


def _round_half_away(x: torch.Tensor) -> torch.Tensor:
    return torch.sign(x) * torch.floor(x.abs() + 0.5)


def _div_round_half_away(x: torch.Tensor, factor: int) -> torch.Tensor:
    """x / factor for int64 tensors, rounded half away from zero, exactly (no step leaves
    int64, even for x near its limits)."""
    q = torch.div(x, factor, rounding_mode="trunc")
    r = x - q * factor
    return q + torch.where(r.abs() * 2 >= factor, torch.sign(r), 0)


def _wide_pick(op):
    def pick(x, y):
        a, b = W.unpack(x), W.unpack(y)
        return W.pack(*W.where(W.compare("ge" if op == "greatest" else "le", a, b), a, b))
    return pick


@op("greatest", "least")
def _greatest(args, e, ctx):
    if args[0].type.uses_dictionary:
        args = unify_strings([a.with_sorted_dictionary() for a in args])
    args = same_width(args)
    pick = torch.maximum if e.op == "greatest" else torch.minimum
    if W.is_wide(args[0].data):
        pick = _wide_pick(e.op)
    out = args[0]
    for b in args[1:]:
        va, vb = _vmask(out), _vmask(b)
        both = pick(out.data, b.data)
        data = torch.where(va & vb, both, torch.where(va, out.data, b.data))
        out = replace(out, data=data, validity=None if out.validity is None and b.validity is None else va | vb)
    return out


# ---------------------------------------------------------------- conditionals


@op("case")
def _case(args, e, ctx):
    conds = args[0:-1:2]
    values = list(args[1:-1:2]) + [args[-1]]
    if e.type.uses_dictionary:
        values = unify_strings(values)
    values = same_width(values)
    out = values[-1]
    data, valid = out.data, _vmask(out)
    for c, v in zip(reversed(conds), reversed(values[:-1])):
        take = true_mask(c)
        data = torch.where(take, v.data, data)
        valid = torch.where(take, _vmask(v), valid)
    if not W.is_wide(data):
        data = data.to(e.type.torch_dtype)
    return Column(e.type, data, None if all_true(valid) else valid, values[0].dictionary)


@op("coalesce")
def _coalesce(args, e, ctx):
    if e.type.uses_dictionary:
        args = unify_strings(args)
    args = same_width(args)
    out = args[-1]
    data, valid = out.data, _vmask(out)
    for a in reversed(args[:-1]):
        if a.validity is None:
            data, valid = torch.broadcast_tensors(a.data, data)[0], torch.ones_like(valid)
            continue
        data = torch.where(a.validity, a.data, data)
        valid = a.validity | valid
    return Column(e.type, data, None if all_true(valid) else valid, args[0].dictionary)


# ---------------------------------------------------------------- dates


def _in_date_range(values: torch.Tensor, valid, is_timestamp: bool) -> torch.Tensor:
    """`values` (int64 days, or microseconds), refused with DataError past years 1..9999."""
    lo, hi = (D.MIN_DAY, D.MAX_DAY + 1) if not is_timestamp else (D.MIN_DAY * D.US_PER_DAY, (D.MAX_DAY + 1) * D.US_PER_DAY)
    bad = (values < lo) | (values >= hi)
    if valid is not None:
        bad &= valid
    if values.numel() and any_true(bad):
        raise DataError(f"{'timestamp' if is_timestamp else 'date'} out of range: tqp holds years 1 to 9999")
    return values


@op("date_add_days")
def _date_add_days(args, e, ctx):
    a, b = args
    (sign,) = e.params
    valid = and_validity(a.validity, b.validity)
    days = _in_date_range(a.data.to(torch.int64) + sign * b.data.to(torch.int64), valid, False)
    return Column(T.DATE, days.to(torch.int32), valid)


@op("add_interval")
def _add_interval(args, e, ctx):
    """A DATE / TIMESTAMP plus a constant interval (months, days, micros), or plus sign * an
    INTERVAL column (microseconds) as the second argument."""
    a = args[0]
    months, days, micros = e.params[:3]
    valid = a.validity
    if len(args) == 2:
        micros = e.params[3] * args[1].data
        valid = and_validity(valid, args[1].validity)
    if a.type.kind == "DATE":
        d = a.data
        if months:
            d = D.add_months(d, months)
        ts = d.to(torch.int64) * 86_400_000_000
    else:
        ts = a.data
        if months:
            ts = D.add_months(ts, months, is_timestamp=True)
    ts = ts + days * 86_400_000_000 + micros
    return Column(e.type, _in_date_range(ts, valid, True), valid)


# ---------------------------------------------------------------- casts


@op("cast")
def _cast(args, e, ctx):
    a = args[0]
    return cast_column(a, e.type, safe="try" in e.params)


def cast_column(a: Column, to: T.SqlType, safe: bool = False) -> Column:
    """`a` as type `to`. A value that does not fit raises DataError, or with `safe` (TRY_CAST)
    becomes NULL."""
    failed: list | None = [] if safe else None
    out = _cast_values(a, to, failed)
    if failed:
        bad = failed[0]
        for m in failed[1:]:
            bad = bad | m
        ok = ~bad
        out = _conform(replace(out, validity=ok if out.validity is None else out.validity & ok))
    return out


def _cast_values(a: Column, to: T.SqlType, failed) -> Column:
    frm = a.type
    if frm == to:
        return a
    x = a.data
    if frm.kind == "NULL":
        return Column(to, torch.zeros_like(x, dtype=to.torch_dtype), torch.zeros_like(x, dtype=torch.bool),
                      Dictionary(np.array([], dtype=object)) if to.is_string else None)
    if frm.is_nested or to.is_nested:
        from ..functions.nested import cast_column as cast_nested  # (the registry imports this module)
        return cast_nested(a, to)
    if frm.is_temporal and to.is_temporal and "TIMESTAMPTZ" in (frm.kind, to.kind):
        from ..functions.dates import cast_zoned
        return cast_zoned(a, to)
    if to.is_string:
        return _to_string(a)
    if frm.is_string:
        return _from_string(a, to, failed)
    if frm.is_decimal and to.is_decimal:
        return _rescale(a, to, failed)
    if frm.is_decimal:
        wide = W.is_wide(x)
        if to.is_float:
            f = W.to_float64(W.unpack(x)) if wide else x.to(torch.float64)
            return Column(to, (f / 10.0 ** frm.scale).to(to.torch_dtype), a.validity)
        if to.is_integer:
            if wide or frm.scale > 18:
                pair = W.div_pow10(W.pair_of(x), frm.scale, "half_away")
                lim = _INT_LIMITS[to.kind]
                bad = W.compare("lt", pair, W.const(-lim, x.device)) | W.compare("ge", pair, W.const(lim, x.device))
                _out_of_range(bad, a.validity, f"value out of range for {to}", failed)
                return Column(to, pair[1].to(to.torch_dtype), a.validity)
            data = _div_round_half_away(x, 10 ** frm.scale)
            if to.kind != "BIGINT":
                _check_int_range(data, a.validity, to, failed=failed)
            return Column(to, data.to(to.torch_dtype), a.validity)
        if to.kind == "BOOLEAN":
            return Column(to, (x != 0) if not wide else (W.unpack(x)[0] != 0) | (W.unpack(x)[1] != 0), a.validity)
    if to.is_decimal:
        if frm.is_float:
            scaled = _round_half_away(x.to(torch.float64) * 10.0 ** to.scale)
            bad = ~(scaled.abs() < float(10 ** to.precision))  # NaN and infinities fail too
            _out_of_range(bad, a.validity, f"value out of range for {to}", failed)
            if to.precision > T.INT64_DECIMAL_DIGITS:
                scaled = scaled.masked_fill(bad if a.validity is None else bad | ~a.validity, 0.0)
                if any_true(scaled.abs() >= 2.0 ** 63):
                    return Column(to, W.pack(*W.from_float64(scaled)), a.validity)
            return Column(to, scaled.to(torch.int64), a.validity)
        return _rescale(Column(T.decimal_of(frm), x.to(torch.int64), a.validity), to, failed)
    if frm.is_float and to.is_integer:
        r = torch.round(x)
        _check_int_range(r, a.validity, to, failed=failed)
        return Column(to, r.to(to.torch_dtype), a.validity)
    if frm.kind == "DATE" and to.kind == "TIMESTAMP":
        return Column(to, x.to(torch.int64) * 86_400_000_000, a.validity)
    if frm.kind == "TIMESTAMP" and to.kind == "DATE":
        return Column(to, torch.div(x, 86_400_000_000, rounding_mode="floor").to(torch.int32), a.validity)
    if to.kind == "BOOLEAN":
        return Column(to, x != 0, a.validity)
    if frm.is_temporal or to.is_temporal:
        raise DataError(f"cannot cast {frm} to {to}")
    if to.is_integer and frm.is_integer and to.torch_dtype.itemsize < x.dtype.itemsize:
        _check_int_range(x.to(torch.int64), a.validity, to, failed=failed)
    return Column(to, x.to(to.torch_dtype), a.validity)


_INT_LIMITS = {"SMALLINT": 2**15, "INTEGER": 2**31, "BIGINT": 2**63}


def _check_int_range(x, valid, to, message=None, failed=None):
    lim = _INT_LIMITS[to.kind]
    bad = (x < -lim) | (x >= lim) if to.kind != "BIGINT" else (x.abs() >= 9.2e18 if x.is_floating_point() else torch.zeros_like(x, dtype=torch.bool))
    if x.is_floating_point():
        bad = bad | torch.isnan(x)
    _out_of_range(bad, valid, message or f"value out of range for {to}", failed)


def _check_decimal_range(x, valid, to, failed=None):
    """int64 scaled values against DECIMAL `to`'s digits (past 18 digits every int64 fits)."""
    if to.precision > T.INT64_DECIMAL_DIGITS:
        return
    lim = 10 ** to.precision
    _out_of_range((x >= lim) | (x <= -lim), valid, f"value out of range for {to}", failed)  # (abs() wraps at MIN)


def _out_of_range(bad, valid, message, failed=None):
    """Raise for a bad valid row, or (TRY_CAST) record the rows to make NULL."""
    if failed is not None:
        failed.append(bad)
        return
    if valid is not None:
        bad = bad & valid
    if bad.numel() and any_true(bad):
        raise DataError(message)


def _rescale(a: Column, to: T.SqlType, failed=None) -> Column:
    """A DECIMAL column at another precision and scale (rounding half away from zero), in
    int64 while the values fit and in 128 bits otherwise; values beyond `to` raise."""
    frm, x = a.type, a.data
    d = to.scale - frm.scale
    shrinks = to.precision - to.scale < frm.precision - frm.scale
    if d == 0 and not shrinks:
        return replace(a, type=to)  # same scaled integers, wider type
    wide = W.is_wide(x)
    if not wide and -18 <= d <= 18:
        data = None
        if d <= 0:
            data = _div_round_half_away(x, 10 ** -d) if d else x
        elif not shrinks and to.precision <= T.INT64_DECIMAL_DIGITS or _max_abs(x) * 10 ** d < 2**63:
            data = x * 10 ** d
        if data is not None:
            if shrinks:
                _check_decimal_range(data, a.validity, to, failed)
            return Column(to, data, a.validity)
    pair = W.pair_of(x)
    if d > 0:
        pair, bad = W.mul_pow10(pair, d, not wide)
    else:
        pair, bad = W.div_pow10(pair, -d, "half_away"), torch.zeros_like(pair[0], dtype=torch.bool)
    _out_of_range(bad | ~W.below_pow10(pair, to.precision), a.validity, f"value out of range for {to}", failed)
    return Column(to, _narrowed(to, pair), a.validity)


_EXACT = decimal.Context(prec=80)  # the default 28 digits would round a DECIMAL(38)


def _format_value(v, t: T.SqlType) -> str:
    if t.is_decimal:
        return format(decimal.Decimal(int(v)).scaleb(-t.scale, _EXACT), "f")
    if t.kind == "DATE":
        return (dt.date(1970, 1, 1) + dt.timedelta(days=int(v))).isoformat()
    if t.kind == "TIMESTAMP":
        return D.format_timestamp(int(v))
    if t.kind == "TIMESTAMPTZ":
        from ..functions.dates import show_instant
        return show_instant(int(v))
    if t.kind == "INTERVAL":
        return D.format_interval(int(v))
    if t.kind == "BOOLEAN":
        return "true" if v else "false"
    if t.is_float:
        return repr(float(v))
    return str(int(v))


def _to_string(a: Column) -> Column:
    """Format each distinct value once; rows map through a gather."""
    if a.validity is not None and not W.is_wide(a.data):
        # what sits under a NULL is no value (an empty group's MAX fill): format a zero there
        a = replace(a, data=torch.where(a.validity, a.data, torch.zeros_like(a.data)))
    wide = W.is_wide(a.data)
    if a.data.dim() == 0:
        s = _format_value(W.to_ints(a.data) if wide else a.data.item(), a.type)
        return Column(T.VARCHAR, torch.tensor(0, dtype=torch.int32, device=a.device), a.validity,
                      Dictionary(np.array([s], dtype=object)))
    if wide:
        hi, lo = W.unpack(a.data)
        uniq, inverse = torch.unique(torch.stack([hi, lo], 1), dim=0, return_inverse=True)
        values = W.to_ints(W.pack(uniq[:, 0], uniq[:, 1]).cpu())
    else:
        uniq, inverse = torch.unique(a.data, return_inverse=True)
        values = uniq.cpu().tolist()
    strings = np.array([_format_value(v, a.type) for v in values], dtype=object)
    col = Column(T.VARCHAR, inverse.to(torch.int32), a.validity, Dictionary(strings))
    return map_dictionary(col, strings)


def _from_string(a: Column, to: T.SqlType, failed=None) -> Column:
    from ..sql.expressions import cast_literal  # one set of parsing rules for constants and columns
    vals = dict_values(a)
    parsed, bad, first_error = [], [], None
    for s in vals:  # once per distinct string
        try:
            parsed.append(cast_literal(Lit(s, T.VARCHAR), to).value)
            bad.append(False)
        except DataError as err:
            first_error = first_error or err
            parsed.append(0)
            bad.append(True)
    if failed is None and first_error is not None:
        # Only a value some row holds is an error: a filter or a CASE may have left the others
        # in the dictionary (DuckDB casts the rows, not the dictionary).
        hit = per_entry(a, np.array(bad), T.BOOLEAN)
        rows = hit.data if hit.validity is None else hit.data & hit.validity
        if any_true(rows):
            culprit = vals[int(gather_codes(a, len(vals)).reshape(-1)[rows.reshape(-1)][0])]
            raise DataError(f"could not convert '{culprit}' to {to}")
    if to.is_decimal and any(not -2**63 <= v < 2**63 for v in parsed):
        per = W.from_ints(parsed, "cpu")
    else:
        per = torch.tensor(parsed if parsed else [], dtype=to.torch_dtype)
    if failed is not None and any(bad):
        failed.append(per_entry(a, np.array(bad), T.BOOLEAN).data)
    return per_entry(a, per, to)


# ---------------------------------------------------------------- models


def _feature_matrix(cols: list[Column], n: int, strings: dict) -> torch.Tensor:
    parts = []
    for i, c in enumerate(cols):
        if c.type.is_string:
            x = _category_positions(c, strings[i], i)
        else:
            x = W.to_float64(W.unpack(c.data)) if W.is_wide(c.data) else c.data.to(torch.float64)
            if c.type.is_decimal:
                x = x / 10.0 ** c.type.scale
        parts.append(x.expand(n) if x.dim() == 0 else x)
    return torch.stack(parts, 1) if parts else torch.zeros((n, 0), dtype=torch.float64)


def _category_positions(col: Column, cats, i: int) -> torch.Tensor:
    """A string feature as the positions of its strings among an encoder's categories, looked
    up once per dictionary entry and gathered to the rows."""
    entries = dict_values(col)
    pos, unknown = _memo(col, ("predict_categories", cats), lambda: (
        torch.from_numpy(cats.positions(entries)).to(col.device), bool((cats.positions(entries) < 0).any())))
    if cats.unknown_error and unknown:
        bad = per_entry(col, pos < 0, T.BOOLEAN)
        hit = (bad.data if bad.validity is None else bad.data & bad.validity).reshape(-1)
        if bool(hit.any()):
            code = int(gather_codes(col, len(entries)).reshape(-1)[int(hit.to(torch.int8).argmax())])
            raise DataError(f"PREDICT feature {i + 1}: category {entries[code]!r} was not seen when the "
                            "model was fitted (its encoder has handle_unknown='error')")
    return per_entry(col, pos, T.DOUBLE).data


@op("predict")
def _predict(args, e, ctx):
    """Score the rows in this batch; a row with a NULL feature gets a NULL prediction. Constant
    features broadcast, and a model over constants only is a constant too."""
    name, what, index = e.params
    model = ctx.models.get(name)
    if model is None:
        raise DataError(f'model "{name}" was unregistered')
    scalar = all(c.data.dim() == 0 for c in args)
    n = 1 if scalar else max(c.data.numel() for c in args)
    x = _feature_matrix(args, n, model.string_features)
    valid = and_validity(*[c.validity for c in args])
    if valid is not None and valid.dim() == 0 and not scalar:
        valid = valid.expand(n)
    if what == "proba_all":  # a STRUCT of every class's probability; NULL where a feature is
        from ..ml.compiled import probability_struct
        probs = model.predict_proba_all(x)
        out = probability_struct(probs, e.type)
        if out is None:
            from ..functions.nested import _struct_pack_kernel
            out = _struct_pack_kernel([Column(T.DOUBLE, probs[:, j]) for j in range(probs.shape[1])], e, ctx)
        return (replace(out, data=out.data[0]) if scalar else out).with_validity(valid)
    if what == "proba":
        out, t = model.predict_proba(x, index), T.DOUBLE
    else:
        out, t = model.predict(x), e.type
    if scalar:
        out = out[0]
    if what == "proba" or model.kind == "regressor":
        return Column(T.DOUBLE, out.to(torch.float64), valid)
    if model.predict_labels_are_strings:
        labels = np.asarray([str(c) for c in model.classes], dtype=object)
        col = Column(T.VARCHAR, out.to(torch.int32), valid, Dictionary(labels))
        return map_dictionary(col, labels)
    return Column(t, model.classes_tensor(out.device)[out].to(t.torch_dtype), valid)
