"""DuckDB's list functions: aggregates over a list's elements (list_sum, list_aggregate, ...),
sorting, reversing, set operations, concatenation, search, lambdas (list_transform,
list_filter, list_reduce), range() / generate_series() and string_split().

A function runs once per distinct tuple of its arguments (for one LIST argument and constants:
once per distinct list), with all those lists flattened into one element column that knows the
list of each element (`Flat`). The work is then segment operations over every element at once:
a lexsort by (list, value) sorts all lists, a group id per (list, value) finds duplicates, a
lambda body is one expression evaluated over the element column. No per-row Python.

>>> import tqp
>>> con = tqp.connect()
>>> con.execute("SELECT list_sum([1, 2, 3]), list_sort([3, 1, 2]), list_transform([1, 2], lambda x: x * 10)").fetchall()
[(6, [1, 2, 3], [10, 20])]
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa

import torch
from sqlglot import exp

from .. import types as T
from ..column import Column, and_validity
from ..compile import expr as C
from ..errors import DataError, NotSupportedError, ProgrammingError
from ..plan.nodes import AggCall, Call, ColRef, Expr, Lit, walk
from ..sql import expressions as X
from ..sql.parse import parse_expression
from . import Function, register
from .nested import _all_null, _codes, _elements, _encode, _entry, _length, _need
from .signature import arity, coerce


# ---------------------------------------------------------------- lists as flat elements


@dataclass(frozen=True)
class Flat:
    """n lists as one column of their elements, list after list: `owner` is the list of each
    element, `offsets` [n + 1] where each list starts. A NULL list has no elements."""
    values: Column
    owner: torch.Tensor
    offsets: torch.Tensor
    valid: torch.Tensor | None

    @property
    def n(self) -> int:
        return len(self.offsets) - 1

    def lengths(self) -> torch.Tensor:
        return self.offsets[1:] - self.offsets[:-1]

    def positions(self) -> torch.Tensor:
        """Each element's 0-based position in its list."""
        return torch.arange(len(self.owner), device=self.owner.device) - self.offsets[self.owner]


def flat(col: Column) -> Flat:
    """A 1-dim LIST column's lists as flat elements."""
    n, dev = len(col), col.device
    child, offsets = _elements(col)
    if len(offsets) <= 1:  # no list at all
        start = length = torch.zeros(n, dtype=torch.int64, device=dev)
    else:
        codes = _codes(col)
        start = offsets[codes]
        length = offsets[codes + 1] - start
    if col.validity is not None:
        length = torch.where(col.validity, length, 0)
    ends = torch.cumsum(length, 0)
    total = int(ends[-1]) if n else 0
    owner = torch.repeat_interleave(torch.arange(n, device=dev), length, output_size=total)
    starts = torch.cat([torch.zeros(1, dtype=torch.int64, device=dev), ends])
    t = col.type.element
    if len(child) == 0:
        values = _all_null(t, (total,), dev)
    else:
        values = child.take(start[owner] + torch.arange(total, device=dev) - starts[owner])
    return Flat(replace(values, type=t), owner, starts, col.validity)


def to_lists(values: Column, owner: torch.Tensor, n: int, valid: torch.Tensor | None, t: T.SqlType) -> Column:
    """A LIST column of n lists from elements in list order and the list of each (`valid`
    False: a NULL list)."""
    from ..io.arrow import column_to_arrow
    counts = torch.bincount(owner, minlength=n)[:n] if len(owner) else torch.zeros(n, dtype=torch.int64)
    offsets = np.concatenate([[0], torch.cumsum(counts, 0).cpu().numpy()]).astype(np.int32)
    items = column_to_arrow(replace(values, type=t.element))
    mask = None if valid is None else pa.array((~valid).cpu().numpy())
    return _encode(pa.ListArray.from_arrays(pa.array(offsets), items, mask=mask), t, values.device)


def each_tuple(args: list[Column], compute) -> Column:
    """compute(the arguments over their distinct tuples) -> a Column over those tuples, given
    back to the rows. Constant arguments stay out of the tuples' key."""
    if all(C.is_scalar(a) for a in args):
        out = compute([C.broadcast(a, 1) for a in args])
        return replace(out, data=out.data[0], validity=None if out.validity is None else out.validity[0])
    from ..physical.rows import group_rows
    n = max(len(a.data) for a in args if not C.is_scalar(a))
    full = [C.broadcast(a, n) for a in args]
    ids, g, first = group_rows([f for f, a in zip(full, args) if not C.is_scalar(a)], n, full[0].device)
    return compute([f.take(first) for f in full]).take(ids)


def _sorted_by_list(values: Column, owner: torch.Tensor, *keys) -> torch.Tensor:
    """The permutation ordering elements by list, then by `keys` ((column, desc, nulls_first))."""
    from ..kernels.sort import lexsort
    spec = [(owner, None, False, False)]
    for col, desc, nulls_first in keys:
        spec += [(d, v, desc, nulls_first) for d, v in C.key_columns(col, ordered=True)]
    return lexsort(spec)


def _null_list(t: T.SqlType) -> Lit:
    return Lit(None, t)


def _list_arg(name: str, e: Expr) -> Expr:
    """A LIST argument; an untyped NULL becomes a NULL INTEGER[] (as DuckDB reads it)."""
    if e.type.kind == "NULL":
        return Lit(None, T.LIST(T.INTEGER))
    return _need(name, e, "LIST")


def _element_of(t: T.SqlType) -> T.SqlType:
    return T.INTEGER if t.element.kind == "NULL" else t.element


def _constant_text(name: str, e: Expr, what: str) -> str | None:
    if not isinstance(e, Lit) or not (e.type.is_string or e.type.kind == "NULL"):
        raise ProgrammingError(f"{name}() {what} must be a constant string")
    return e.value


# ---------------------------------------------------------------- aggregates of the elements


def _private_binder(b, columns: list[tuple[str, T.SqlType]], aggregates=False, outer=None):
    """An expression binder over the given columns (a lambda's parameters, an aggregate's
    element), after the enclosing query's columns when `outer` is given: a name of the
    private columns hides an outer one."""
    from ..sql.expressions import ExprBinder
    from ..sql.scope import CorrelatedScope, Scope, ScopeColumn
    inner = [ScopeColumn(None, name, t) for name, t in columns]
    scope = Scope(inner) if outer is None else CorrelatedScope(outer.columns, inner)
    return ExprBinder(scope, b.params, None, allow_aggs=aggregates)


def _replace_nodes(e: Expr, fn) -> Expr:
    """e with each node n replaced by fn(n) where that is not None (bottom-up otherwise)."""
    hit = fn(e)
    if hit is not None:
        return hit
    if isinstance(e, Call):
        return Call(e.op, tuple(_replace_nodes(a, fn) for a in e.args), e.type, e.params)
    return e


_AGG_NAME = re.compile(r"[a-z_][a-z0-9_]*$")


def bind_list_aggregate(b, list_expr: Expr, name: str, extra: list) -> Expr:
    """list_aggregate(l, 'name', extra...): the aggregate `name` bound over one column (the
    elements), its AggCalls split out so that they run over the elements grouped by list and
    the expression around them over the per-list results."""
    l = _list_arg("list_aggregate", list_expr)
    if name is None:
        return Lit(None, T.NULLTYPE)
    name = name.lower()
    if not _AGG_NAME.match(name):
        raise ProgrammingError(f"list_aggregate(): {name!r} is not an aggregate function")
    extras = [f"__a{i}" for i in range(len(extra))]
    node = parse_expression(f"{name}(__x{''.join(', ' + x for x in extras)})")
    given = dict(zip(extras, extra), __x=exp.column("#element", quoted=True))
    node = node.transform(lambda n: given[n.name].copy() if isinstance(n, exp.Column) and n.name in given else n)
    inner = _private_binder(b, [("#element", _element_of(l.type))], aggregates=True)
    try:
        tree = inner.bind(node)
    except ProgrammingError as err:
        if "does not exist" in str(err):
            raise ProgrammingError(f"list_aggregate(): unknown aggregate function {name!r}") from None
        raise
    aggs: list[AggCall] = []

    def split(e):
        if isinstance(e, AggCall):
            aggs.append(e)
            return ColRef(len(aggs) - 1, e.type)
        return None
    post = _replace_nodes(tree, split)
    if not aggs:
        raise ProgrammingError(f"list_aggregate(): {name}() is not an aggregate function")
    if isinstance(l, Lit) and l.value is None:
        return Lit(None, post.type)
    return Call("list_aggregate", (l,), post.type, (post, tuple(aggs)))


def _list_aggregate_kernel(args, e, ctx):
    from ..compile.lower import evaluate
    from ..exec.batch import Batch
    from ..physical.aggregate import finalize, partial
    post, aggs = e.params

    def compute(cols):
        f = flat(cols[0])
        elements = Batch.of([f.values], len(f.values))
        outs = []
        for a in aggs:
            x = None if a.arg is None else evaluate(C.compile_expr(a.arg), elements, ctx)
            keep = None if a.filter is None else C.true_mask(evaluate(C.compile_expr(a.filter), elements, ctx))
            outs.append(C.broadcast(finalize(a, partial(a, x, f.owner, f.n, keep)), f.n))
        out = evaluate(C.compile_expr(post), Batch.of(outs, f.n), ctx)
        return out.with_validity(and_validity(out.validity, f.valid))
    return each_tuple(args, compute)


_LIST_AGGREGATES = {  # list_<name>: list_aggregate(l, '<name>')
    "sum": "The sum of the elements.", "product": "The product of the elements.",
    "min": "The smallest element.", "max": "The largest element.", "avg": "The mean of the elements.",
    "count": "The number of non-NULL elements.", "first": "The first element (NULL too).",
    "last": "The last element (NULL too).", "any_value": "The first non-NULL element.",
    "median": "The median of the elements.", "mode": "The most frequent element.",
    "string_agg": "The elements joined by ',' (or the separator given).",
    "bool_and": "Whether every non-NULL element is true.", "bool_or": "Whether some non-NULL element is true.",
    "stddev_samp": "Sample standard deviation of the elements.", "stddev_pop": "Population standard deviation.",
    "var_samp": "Sample variance of the elements.", "var_pop": "Population variance of the elements.",
    "entropy": "Entropy of the elements.", "bit_and": "Bitwise AND of the elements.",
    "bit_or": "Bitwise OR of the elements.", "bit_xor": "Bitwise XOR of the elements.",
    "skewness": "Skewness of the elements.", "kurtosis": "Excess kurtosis of the elements.",
    "approx_count_distinct": "The number of distinct non-NULL elements.",
    "kurtosis_pop": "Population excess kurtosis of the elements.", "sem": "Standard error of the elements' mean.",
    "mad": "Median absolute deviation of the elements.",
}


def _bind_aggregate_call(b, nodes):
    if len(nodes) < 2:
        raise ProgrammingError("list_aggregate() takes a list, an aggregate's name and its extra arguments")
    name = _constant_text("list_aggregate", b.bind(nodes[1]), "aggregate name")
    return bind_list_aggregate(b, b.bind(nodes[0]), name, list(nodes[2:]))


def _named_aggregate(name):
    def bind(b, nodes):
        if not nodes:
            raise ProgrammingError(f"list_{name}() takes a list")
        return bind_list_aggregate(b, b.bind(nodes[0]), name, list(nodes[1:]))
    return bind


_entry("list_aggregate", "list_aggregate(LIST, VARCHAR name, ...) → aggregate's type",
       "The aggregate function `name` over the list's elements (NULL for a NULL list).",
       "list_aggregate([1, 2, NULL], 'sum') → 3", _bind_aggregate_call, _list_aggregate_kernel,
       ("array_aggregate", "list_aggr", "array_aggr", "aggregate"), raw=True)
for _name, _what in _LIST_AGGREGATES.items():
    _aliases = ("array_" + _name,) if _name not in ("min", "max") else ()
    _nodes = {"min": (exp.ArrayMin,), "max": (exp.ArrayMax,)}.get(_name, ())
    register_name = "list_" + _name
    _entry(register_name, f"{register_name}(LIST) → type of {_name}()", _what + " (list_aggregate(l, '"
           f"{_name}')).", f"{register_name}([1, 2, 3])", _named_aggregate(_name), aliases=_aliases + (
               ("list_mean", "array_mean") if _name == "avg" else ()), nodes=_nodes, raw=True,
           node_args=(lambda node, n=register_name: (n, [node.this])) if _nodes else None)


# ---------------------------------------------------------------- one list in, one list out


def _list_in_list_out(name: str, compute_flat, arity_high: int = 1, result=None):
    """bind for name(LIST, constants...) -> LIST, running compute_flat(Flat, constants) ->
    (values, owner) over the distinct lists."""
    def bind(*args):
        arity(name, args, 1, arity_high)
        if args[0].type.kind == "NULL":
            return Lit(None, T.NULLTYPE)
        l = _need(name, args[0], "LIST")
        t = result(l.type) if result is not None else l.type
        if isinstance(l, Lit) and l.value is None:
            return Lit(None, t)
        return Call(name, (l,), t, tuple(_constant_text(name, a, "option") for a in args[1:]))

    def kernel(args, e, ctx):
        def compute(cols):
            f = flat(cols[0])
            values, owner = compute_flat(f, *e.params)
            return to_lists(values, owner, f.n, f.valid, e.type)
        return each_tuple(args, compute)
    return bind, kernel


def _sort_options(name: str, order: str | None, nulls: str | None, reverse: bool) -> tuple[bool, bool]:
    """(descending, nulls_first) from list_sort's 'ASC'/'DESC' and 'NULLS FIRST'/'NULLS LAST'."""
    words = [w.upper() for w in (order, nulls) if w is not None]
    desc, nulls_first = reverse, False
    for i, w in enumerate(words):
        w = " ".join(w.split())
        if w in ("ASC", "DESC") and i == 0:
            desc = (w == "DESC") != reverse
        elif w in ("NULLS FIRST", "NULLS LAST") and (i == 1 or len(words) == 1 and not reverse):
            nulls_first = w == "NULLS FIRST"
        else:
            raise ProgrammingError(f"{name}(): unknown sort order {w!r} (ASC, DESC, NULLS FIRST or NULLS LAST)")
    return desc, nulls_first


def _sorter(reverse: bool):
    name = "list_reverse_sort" if reverse else "list_sort"

    def compute(f: Flat, order=None, nulls=None):
        if reverse and order is not None and nulls is None:
            order, nulls = None, order  # list_reverse_sort(l, 'NULLS FIRST')
        desc, nulls_first = _sort_options(name, order, nulls, reverse)
        perm = _sorted_by_list(f.values, f.owner, (f.values, desc, nulls_first))
        return f.values.take(perm), f.owner
    return compute


def _reverse(f: Flat):
    at = f.offsets[f.owner + 1] - 1 - f.positions()
    return f.values.take(at), f.owner


def _distinct_elements(f: Flat) -> torch.Tensor:
    """Positions of the first element of each distinct non-NULL (list, value), in (list,
    value) order."""
    from ..kernels import group as G
    from ..kernels import keys as K
    keep = C.nonzero(f.values.valid_mask())
    if len(keep) == 0:
        return keep
    values, owner = f.values.take(keep), f.owner[keep]
    key, domain = K.dense_keys([(owner, None)] + C.key_columns(values))
    ids, g = G.group_ids(key, domain)
    return keep[G.first_rows(ids, g)]


def _distinct(f: Flat, last_first: bool = True):
    """Each distinct element where it first occurs: DuckDB's list_distinct gives them last
    first, list_intersect first first."""
    at = _distinct_elements(f)
    at = at[_sorted_by_list(Column(T.BIGINT, at), f.owner[at], (Column(T.BIGINT, at), last_first, False))]
    return f.values.take(at), f.owner[at]


def _unique_kernel(args, e, ctx):
    def compute(cols):
        f = flat(cols[0])
        at = _distinct_elements(f)
        counts = torch.bincount(f.owner[at], minlength=f.n)[:f.n] if len(at) else torch.zeros(f.n, dtype=torch.int64)
        return Column(T.BIGINT, counts.to(f.owner.device), f.valid)
    return each_tuple(args, compute)


def _pop(back: bool):
    def compute(f: Flat):
        last = f.positions() == (f.lengths()[f.owner] - 1 if back else 0)
        keep = C.nonzero(~last)
        return f.values.take(keep), f.owner[keep]
    return compute


def _flatten_result(t: T.SqlType) -> T.SqlType:
    if t.element.kind == "NULL":
        return t
    if t.element.kind != "LIST":
        raise ProgrammingError(f"flatten() needs a list of lists, not {t}")
    return t.element


def _flatten(f: Flat):
    if f.values.type.kind != "LIST":  # [] or [NULL]: nothing inside
        none = torch.zeros(0, dtype=torch.int64, device=f.owner.device)
        return f.values.take(none), none
    inner = flat(f.values)
    return inner.values, f.owner[inner.owner]


def _grade_up(f: Flat, order=None, nulls=None):
    desc, nulls_first = _sort_options("list_grade_up", order, nulls, False)
    perm = _sorted_by_list(f.values, f.owner, (f.values, desc, nulls_first))
    index = f.positions()[perm] + 1
    return Column(T.BIGINT, index), f.owner


def _array_sort_args(node: exp.ArraySort):
    """sqlglot folds list_sort's constant options into flags; this gives them back."""
    asc, nulls_first = node.args.get("asc"), node.args.get("nulls_first")
    order = "DESC" if isinstance(asc, exp.Boolean) and not asc.this else "ASC"
    nulls = "NULLS FIRST" if isinstance(nulls_first, exp.Boolean) and nulls_first.this else "NULLS LAST"
    return "list_sort", [node.this, exp.Literal.string(order), exp.Literal.string(nulls)]


for _name, _fn, _high, _result, _aliases, _nodes, _sig, _what, _example in (
        ("list_sort", _sorter(False), 3, None, ("array_sort",), (exp.ArraySort,), "list_sort(LIST [, 'ASC'|'DESC' [, 'NULLS FIRST'|'NULLS LAST']]) → LIST",
         "The elements sorted (NULLs last unless asked).", "list_sort([3, 1, NULL, 2]) → [1, 2, 3, NULL]"),
        ("list_reverse_sort", _sorter(True), 2, None, ("array_reverse_sort",), (),
         "list_reverse_sort(LIST [, 'NULLS FIRST'|'NULLS LAST']) → LIST", "The elements sorted in descending order.",
         "list_reverse_sort([3, 1, 2]) → [3, 2, 1]"),
        ("list_reverse", _reverse, 1, None, ("array_reverse",), (exp.ArrayReverse,), "list_reverse(LIST) → LIST",
         "The elements in reverse order.", "list_reverse([1, 2, NULL]) → [NULL, 2, 1]"),
        ("list_distinct", _distinct, 1, None, ("array_distinct",), (exp.ArrayDistinct,), "list_distinct(LIST) → LIST",
         "The distinct non-NULL elements (tqp gives them sorted; DuckDB promises no order).",
         "list_distinct([1, 1, NULL, 2]) → [1, 2]"),
        ("array_pop_back", _pop(True), 1, None, (), (), "array_pop_back(LIST) → LIST", "The list without its last element.",
         "array_pop_back([1, 2, 3]) → [1, 2]"),
        ("array_pop_front", _pop(False), 1, None, (), (), "array_pop_front(LIST) → LIST",
         "The list without its first element.", "array_pop_front([1, 2, 3]) → [2, 3]"),
        ("flatten", _flatten, 1, _flatten_result, (), (exp.Flatten,), "flatten(LIST of LIST) → LIST",
         "The inner lists concatenated (NULL inner lists skipped).", "flatten([[1, 2], NULL, [3]]) → [1, 2, 3]"),
        ("list_grade_up", _grade_up, 3, lambda t: T.LIST(T.BIGINT), ("array_grade_up", "grade_up"), (),
         "list_grade_up(LIST [, 'ASC'|'DESC' [, 'NULLS FIRST'|'NULLS LAST']]) → BIGINT[]",
         "The 1-based positions that would sort the list.", "list_grade_up([30, 10, 20]) → [2, 3, 1]")):
    _bind, _kernel = _list_in_list_out(_name, _fn, _high, _result)
    _entry(_name, _sig, _what, _example, _bind, _kernel, _aliases, _nodes,
           node_args=_array_sort_args if _name == "list_sort" else (lambda node, n=_name: (n, [node.this])) if _nodes else None)


def _unique(*args):
    arity("list_unique", args, 1, 1)
    l = _list_arg("list_unique", args[0])
    if isinstance(l, Lit) and l.value is None:
        return Lit(None, T.BIGINT)
    return Call("list_unique", (l,), T.BIGINT)


_entry("list_unique", "list_unique(LIST) → BIGINT", "The number of distinct non-NULL elements.",
       "list_unique([1, 1, NULL, 2]) → 2", _unique, _unique_kernel, ("array_unique",))


# ---------------------------------------------------------------- lists with other arguments


def _common_lists(name: str, lists: list[Expr]) -> list[Expr]:
    """The LIST arguments cast to one LIST type (an untyped NULL stays a NULL of it)."""
    typed = [e for e in lists if e.type.kind != "NULL"]
    for e in typed:
        _need(name, e, "LIST")
    if not typed:
        return [Lit(None, T.LIST(T.INTEGER)) for _ in lists]
    target = typed[0].type
    for e in typed[1:]:
        nxt = T.common_type(target, e.type, values=True)
        if nxt is None:
            raise ProgrammingError(f"{name}() cannot combine {target} and {e.type}; cast one of them")
        target = nxt
    return [Lit(None, target) if e.type.kind == "NULL" else X.cast(e, target) for e in lists]


def _with_element(name: str, l: Expr, x: Expr) -> tuple[Expr, Expr]:
    """A list and a value cast to LIST(common) and common."""
    if l.type.kind == "NULL":
        l = Lit(None, T.LIST(x.type if x.type.kind != "NULL" else T.INTEGER))
    _need(name, l, "LIST")
    common = T.common_type(l.type.element, x.type, values=True)
    if common is None:
        raise ProgrammingError(f"{name}() cannot mix {x.type} with the elements of {l.type}")
    if common.kind == "NULL":
        common = T.INTEGER
    return X.cast(l, T.LIST(common)), X.cast(x, common)


def _in_order(parts: list[tuple[Column, torch.Tensor]]) -> tuple[Column, torch.Tensor]:
    """Elements of several sources merged list by list, each list's parts in argument order."""
    from ..physical.rows import concat_columns
    values = concat_columns([v for v, _ in parts])
    owner = torch.cat([o for _, o in parts])
    order = torch.sort(owner, stable=True).indices
    return values.take(order), owner[order]


def concat(args, propagate: bool = False):
    """list_concat: a NULL list counts as empty; `propagate` (l1 || l2): NULL if one is NULL."""
    if not args:
        raise ProgrammingError("list_concat() takes at least one list")
    lists = _common_lists("list_concat", list(args))
    nulls = [isinstance(a, Lit) and a.value is None for a in lists]
    if all(nulls) or propagate and any(nulls):
        return Lit(None, lists[0].type if not all(a.type.kind == "NULL" for a in args) else T.NULLTYPE)
    return Call("list_concat", tuple(lists), lists[0].type, (propagate,))


def _concat_kernel(args, e, ctx):
    def compute(cols):
        flats = [flat(c) for c in cols]
        values, owner = _in_order([(f.values, f.owner) for f in flats])
        valid = and_validity(*[f.valid for f in flats]) if e.params[0] else None
        return to_lists(values, owner, flats[0].n, valid, e.type)
    return each_tuple(args, compute)


def _append(prepend: bool):
    name = "list_prepend" if prepend else "list_append"

    def bind(*args):
        arity(name, args, 2, 2)
        x, l = args if prepend else args[::-1]
        l, x = _with_element(name, l, x)
        return Call(name, (l, x), l.type)

    def kernel(args, e, ctx):
        def compute(cols):
            f = flat(cols[0])
            mine = (cols[1], torch.arange(f.n, device=f.owner.device))
            values, owner = _in_order([mine, (f.values, f.owner)] if prepend else [(f.values, f.owner), mine])
            return to_lists(values, owner, f.n, None, e.type)
        return each_tuple(args, compute)
    return bind, kernel


def _equal_or_both_null(a: Column, b: Column) -> torch.Tensor:
    eq = C._compare([a, b], Call("eq", (), T.BOOLEAN), None)
    both_null = ~a.valid_mask() & ~b.valid_mask()
    return C.true_mask(eq) | both_null


def _position(*args):
    arity("list_position", args, 2, 2)
    if args[0].type.kind == "NULL":
        return Lit(None, T.INTEGER)
    l, x = _with_element("list_position", *args)
    return Call("list_position", (l, x), T.INTEGER)


def _position_kernel(args, e, ctx):
    def compute(cols):
        f = flat(cols[0])
        dev = f.owner.device
        hit = _equal_or_both_null(f.values, cols[1].take(f.owner)) if len(f.owner) else f.owner > 0
        big = torch.iinfo(torch.int64).max
        first = torch.full((f.n,), big, dtype=torch.int64, device=dev).scatter_reduce(
            0, f.owner, torch.where(hit, f.positions(), big), "amin")
        return Column(T.INTEGER, (first + 1).to(torch.int32), and_validity(first < big, f.valid))
    return each_tuple(args, compute)


def _present_in(fa: Flat, fb: Flat) -> torch.Tensor:
    """Whether each non-NULL element of fb's lists occurs in the same list of fa."""
    from ..kernels import group as G
    from ..kernels import keys as K
    from ..physical.rows import concat_columns
    both = concat_columns([fa.values, fb.values])
    owner = torch.cat([fa.owner, fb.owner])
    if len(owner) == 0:
        return torch.zeros(0, dtype=torch.bool, device=owner.device)
    key, domain = K.dense_keys([(owner, None)] + C.key_columns(both))
    ids, g = G.group_ids(key, domain)
    na = len(fa.owner)
    in_a = torch.zeros(g, dtype=torch.bool, device=owner.device)
    in_a[ids[:na][fa.values.valid_mask()]] = True
    return in_a[ids[na:]] & fb.values.valid_mask()


def _set_test(name: str, swap: bool = False):
    def bind(*args):
        arity(name, args, 2, 2)
        a, b = _common_lists(name, list(args[::-1] if swap else args))
        if any(isinstance(x, Lit) and x.value is None for x in (a, b)):
            return Lit(None, T.BOOLEAN)
        return Call(name, (a, b), T.BOOLEAN)
    return bind


def _set_test_kernel(args, e, ctx):
    def compute(cols):
        fa, fb = flat(cols[0]), flat(cols[1])
        hit = _present_in(fa, fb)
        dev = fa.owner.device
        hits = torch.zeros(fa.n, dtype=torch.int64, device=dev).index_add_(0, fb.owner, hit.to(torch.int64))
        if e.op == "list_has_any":
            out = hits > 0
        else:
            wanted = torch.zeros(fa.n, dtype=torch.int64, device=dev).index_add_(
                0, fb.owner, fb.values.valid_mask().to(torch.int64))
            out = hits == wanted
        return Column(T.BOOLEAN, out, and_validity(fa.valid, fb.valid))
    return each_tuple(args, compute)


def _intersect(*args):
    arity("list_intersect", args, 2, 2)
    a, b = _common_lists("list_intersect", list(args))
    if isinstance(a, Lit) and a.value is None:
        return Lit(None, a.type)
    return Call("list_intersect", (a, b), a.type)


def _intersect_kernel(args, e, ctx):
    """The distinct elements of b found in a, in b's order (as DuckDB's); a NULL b is empty."""
    def compute(cols):
        fa, fb = flat(cols[0]), flat(cols[1])
        keep = C.nonzero(_present_in(fa, fb))
        values, owner = _distinct(Flat(fb.values.take(keep), fb.owner[keep], fb.offsets, fb.valid), False)
        return to_lists(values, owner, fa.n, fa.valid, e.type)
    return each_tuple(args, compute)


def _resize(*args):
    arity("list_resize", args, 2, 3)
    if args[0].type.kind == "NULL":
        return Lit(None, T.NULLTYPE)
    l, fill = _with_element("list_resize", args[0], args[2] if len(args) == 3 else Lit(None, T.NULLTYPE))
    size = X.cast(args[1], T.BIGINT) if args[1].type.is_integer or args[1].type.kind == "NULL" else None
    if size is None:
        raise ProgrammingError(f"list_resize() size must be an integer, not {args[1].type}")
    return Call("list_resize", (l, size, fill), l.type)


def _resize_kernel(args, e, ctx):
    def compute(cols):
        f = flat(cols[0])
        size = cols[1]
        if size.validity is not None:
            size = replace(size, data=torch.where(size.validity, size.data, 0), validity=None)
        if bool((size.data < 0).any()):
            raise DataError("list_resize() size must not be negative")
        owner, pos = _expand(size.data)
        old = f.lengths()[owner]
        values = _pick(f, owner, pos, pos < old)
        from ..physical.rows import concat_columns
        merged = concat_columns([values, cols[2].take(owner)])
        n = torch.arange(len(pos), device=pos.device)
        return to_lists(merged.take(torch.where(pos < old, n, n + len(pos))), owner, f.n, f.valid, e.type)
    return each_tuple(args, compute)


def _expand(lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(owner, 0-based position) of the elements of lists of the given lengths."""
    lengths = lengths.to(torch.int64)
    ends = torch.cumsum(lengths, 0)
    total = int(ends[-1]) if len(ends) else 0
    owner = torch.repeat_interleave(torch.arange(len(lengths), device=lengths.device), lengths, output_size=total)
    return owner, torch.arange(total, device=lengths.device) - (ends - lengths)[owner]


def _pick(f: Flat, owner: torch.Tensor, pos: torch.Tensor, ok: torch.Tensor) -> Column:
    """The element at 0-based position `pos` of list `owner`, NULL where not `ok`."""
    from .nested import _take
    return _take(f.values, f.offsets[owner] + pos, ok, f.values.type)


def _zip(*args):
    truncate = None
    if args and args[-1].type.kind == "BOOLEAN":
        truncate, args = args[-1], args[:-1]
        if not isinstance(truncate, Lit):
            raise NotSupportedError("list_zip() with a truncate flag that is not a constant")
    if not args:
        raise ProgrammingError("list_zip() takes at least one list")
    lists = [Lit(None, T.LIST(T.INTEGER)) if a.type.kind == "NULL" else _need("list_zip", a, "LIST") for a in args]
    t = T.LIST(T.TUPLE([_element_of(a.type) for a in lists]))
    lists = [X.cast(a, T.LIST(_element_of(a.type))) for a in lists]
    return Call("list_zip", tuple(lists), t, (bool(truncate.value) if truncate is not None else False,))


def _zip_kernel(args, e, ctx):
    from ..io.arrow import column_to_arrow
    (truncate,) = e.params

    def compute(cols):
        flats = [flat(c) for c in cols]
        lengths = torch.stack([f.lengths() for f in flats])
        size = lengths.min(0).values if truncate else lengths.max(0).values
        owner, pos = _expand(size)
        fields = [_pick(f, owner, pos, pos < f.lengths()[owner]) for f in flats]
        st = e.type.element
        structs = pa.StructArray.from_arrays([column_to_arrow(replace(c, type=t)) for c, (_, t) in zip(fields, st.fields)],
                                             [n for n, _ in st.fields])
        return to_lists(_encode(structs, st, owner.device), owner, flats[0].n, None, e.type)
    return each_tuple(args, compute)


def _select(*args):
    arity("list_select", args, 2, 2)
    if args[0].type.kind == "NULL" or args[1].type.kind == "NULL":
        return Lit(None, T.NULLTYPE)
    l, idx = _need("list_select", args[0], "LIST"), _need("list_select", args[1], "LIST")
    if not idx.type.element.is_integer and idx.type.element.kind != "NULL":
        raise ProgrammingError(f"list_select() needs a list of integer positions, not {idx.type}")
    return Call("list_select", (l, X.cast(idx, T.LIST(T.BIGINT))), l.type)


def _select_kernel(args, e, ctx):
    def compute(cols):
        f, fi = flat(cols[0]), flat(cols[1])
        if not bool(fi.values.valid_mask().all()):
            raise DataError("list_select(): NULLs are not allowed among the positions")
        pos = fi.values.data.to(torch.int64) - 1
        values = _pick(f, fi.owner, pos, (pos >= 0) & (pos < f.lengths()[fi.owner]))
        return to_lists(values, fi.owner, f.n, and_validity(f.valid, fi.valid), e.type)
    return each_tuple(args, compute)


def _where(*args):
    arity("list_where", args, 2, 2)
    if args[0].type.kind == "NULL" or args[1].type.kind == "NULL":
        return Lit(None, T.NULLTYPE)
    l, mask = _need("list_where", args[0], "LIST"), _need("list_where", args[1], "LIST")
    if mask.type.element.kind not in ("BOOLEAN", "NULL"):
        raise ProgrammingError(f"list_where() needs a list of BOOLEAN, not {mask.type}")
    return Call("list_where", (l, X.cast(mask, T.LIST(T.BOOLEAN))), l.type)


def _where_kernel(args, e, ctx):
    def compute(cols):
        f, fm = flat(cols[0]), flat(cols[1])
        if not bool(fm.values.valid_mask().all()):
            raise DataError("list_where(): NULLs are not allowed in the mask")
        keep = C.nonzero(fm.values.data)
        owner, pos = fm.owner[keep], fm.positions()[keep]
        values = _pick(f, owner, pos, pos < f.lengths()[owner])
        return to_lists(values, owner, f.n, and_validity(f.valid, fm.valid), e.type)
    return each_tuple(args, compute)


_VECTOR = {  # name: (what, formula over (sum x*y, sum x*x, sum y*y, sum (x-y)^2))
    "list_inner_product": ("The sum of the products of the elements.", lambda xy, xx, yy, d2: xy),
    "list_negative_inner_product": ("Minus the inner product.", lambda xy, xx, yy, d2: -xy),
    "list_cosine_similarity": ("The cosine of the angle between the lists as vectors.",
                               lambda xy, xx, yy, d2: xy / torch.sqrt(xx * yy)),
    "list_cosine_distance": ("1 - the cosine similarity.", lambda xy, xx, yy, d2: 1 - xy / torch.sqrt(xx * yy)),
    "list_distance": ("The Euclidean distance between the lists as vectors.", lambda xy, xx, yy, d2: torch.sqrt(d2)),
}


def _vector(name):
    def bind(*args):
        arity(name, args, 2, 2)
        lists = _common_lists(name, list(args))
        if not (lists[0].type.element.is_numeric or lists[0].type.element.kind == "NULL"):
            raise ProgrammingError(f"{name}() needs lists of numbers, not {lists[0].type}")
        lists = [X.cast(a, T.LIST(T.DOUBLE)) for a in lists]
        if any(isinstance(a, Lit) and a.value is None for a in lists):
            return Lit(None, T.DOUBLE)
        return Call(name, tuple(lists), T.DOUBLE)
    return bind


def _vector_kernel(args, e, ctx):
    def compute(cols):
        fa, fb = flat(cols[0]), flat(cols[1])
        valid = and_validity(fa.valid, fb.valid)
        if bool((fa.lengths() != fb.lengths()).any()):
            raise DataError(f"{e.op}(): the lists must have the same length")
        if not (bool(fa.values.valid_mask().all()) and bool(fb.values.valid_mask().all())):
            raise DataError(f"{e.op}(): the lists must not contain NULLs")
        x, y = fa.values.data, fb.values.data

        def total(v):
            return torch.zeros(fa.n, dtype=torch.float64, device=x.device).index_add_(0, fa.owner, v)
        out = _VECTOR[e.op][1](total(x * y), total(x * x), total(y * y), total((x - y) ** 2))
        return Column(T.DOUBLE, out, valid)
    return each_tuple(args, compute)


_entry("list_concat", "list_concat(LIST, LIST, ...) → LIST", "The lists one after the other (a NULL list counts as "
       "empty); l1 || l2 too, but NULL if either is NULL.", "list_concat([1, 2], [3]) → [1, 2, 3]", lambda *a: concat(a),
       _concat_kernel, ("list_cat", "array_concat", "array_cat"), (exp.ArrayConcat,))
for _prepend in (False, True):
    _b, _k = _append(_prepend)
    _n = "list_prepend" if _prepend else "list_append"
    _entry(_n, f"{_n}({'ANY x, LIST' if _prepend else 'LIST, ANY x'}) → LIST",
           f"The list with x added at the {'front' if _prepend else 'end'}.",
           "list_prepend(0, [1, 2]) → [0, 1, 2]" if _prepend else "list_append([1, 2], 3) → [1, 2, 3]", _b, _k,
           ("array_prepend", "array_push_front") if _prepend else ("array_append", "array_push_back"),
           (exp.ArrayPrepend,) if _prepend else (exp.ArrayAppend,),
           node_args=(lambda node: ("list_prepend", [node.expression, node.this])) if _prepend
           else (lambda node: ("list_append", [node.this, node.expression])))
_entry("list_position", "list_position(LIST, ANY x) → INTEGER", "The 1-based position of the first element equal to "
       "x (NULL finds NULL); NULL when there is none.", "list_position([1, 2, 3], 2) → 2", _position, _position_kernel,
       ("list_indexof", "array_position", "array_indexof"), (exp.ArrayPosition,))
_entry("list_has_any", "list_has_any(LIST a, LIST b) → BOOLEAN", "Whether a and b share a non-NULL element; also "
       "written a && b.", "list_has_any([1, 2], [2, 3]) → true", _set_test("list_has_any"), _set_test_kernel,
       ("array_has_any",), (exp.ArrayOverlaps,))
_entry("list_has_all", "list_has_all(LIST a, LIST b) → BOOLEAN", "Whether every non-NULL element of b is in a; also "
       "written a @> b (b <@ a).", "list_has_all([1, 2], [2]) → true", _set_test("list_has_all"), _set_test_kernel,
       ("array_has_all",), (exp.ArrayContainsAll,))
_entry("#list_contained_by", "a <@ b → BOOLEAN", "Whether every non-NULL element of a is in b.", "[1] <@ [1, 2] → true",
       lambda *a: _set_test("list_has_all", swap=True)(*a), nodes=(exp.ArrayContainedBy,))
_entry("list_intersect", "list_intersect(LIST a, LIST b) → LIST", "The distinct non-NULL elements of a that are in b.",
       "list_intersect([1, 2, 3], [2, 3, 4]) → [3, 2]", _intersect, _intersect_kernel, ("array_intersect",),
       (exp.ArrayIntersect,))
_entry("list_resize", "list_resize(LIST, BIGINT size [, ANY fill]) → LIST", "The list cut or padded (with fill, "
       "default NULL) to size elements.", "list_resize([1, 2], 3) → [1, 2, NULL]", _resize, _resize_kernel,
       ("array_resize",))
_entry("list_zip", "list_zip(LIST, ...[, BOOLEAN truncate]) → LIST(STRUCT)", "The lists zipped into a list of structs "
       "(v1, v2, ...; DuckDB's are unnamed), padded with NULLs to the longest or cut to the shortest.",
       "list_zip([1, 2], ['a', 'b']) → [(1, a), (2, b)]", _zip, _zip_kernel, ("array_zip",))
_entry("list_select", "list_select(LIST, BIGINT[] positions) → LIST", "The elements at the 1-based positions (NULL out "
       "of range).", "list_select([10, 20, 30], [3, 1]) → [30, 10]", _select, _select_kernel, ("array_select",))
_entry("list_where", "list_where(LIST, BOOLEAN[] mask) → LIST", "The elements where the mask is true.",
       "list_where([10, 20, 30], [true, false, true]) → [10, 30]", _where, _where_kernel, ("array_where",))
for _name, (_what, _) in _VECTOR.items():
    _entry(_name, f"{_name}(LIST, LIST) → DOUBLE", _what + " (same lengths, no NULLs).", f"{_name}([1.0, 2.0], [2.0, 3.0])",
           _vector(_name), _vector_kernel, {"list_inner_product": ("list_dot_product", "array_inner_product",
                                                                   "array_dot_product"),
                                            "list_distance": ("array_distance",),
                                            "list_cosine_similarity": ("array_cosine_similarity",),
                                            "list_cosine_distance": ("array_cosine_distance",),
                                            "list_negative_inner_product": ("array_negative_inner_product",
                                                                            "list_negative_dot_product",
                                                                            "array_negative_dot_product")}[_name],
           {"list_distance": (exp.EuclideanDistance,), "list_cosine_distance": (exp.CosineDistance,)}.get(_name, ()))
_entry("cardinality", "cardinality(LIST | MAP) → BIGINT", "The number of elements (entries of a MAP).",
       "cardinality([1, 2]) → 2", lambda *a: arity("cardinality", a, 1, 1) or (
           Call("array_length", a, T.BIGINT) if a[0].type.kind == "MAP" else _length(*a)))


# ---------------------------------------------------------------- lambdas


def bind_lambda(b, node, types: list[T.SqlType], name: str) -> tuple[Expr, list[Expr]]:
    """A lambda's body bound over its parameters (ColRef 0, 1, ...) and the enclosing query's
    columns it names (ColRef len(types) + k, for the k-th of the returned `captured`), so that
    it runs over a batch of elements with the captured values repeated per element."""
    from ..plan.decorrelate import rewrite
    if not isinstance(node, exp.Lambda):
        raise ProgrammingError(f"{name}() needs a lambda function (lambda x: ...) as its second argument")
    names = [p.name for p in node.expressions]
    if len(names) != len(types):
        raise ProgrammingError(f"{name}() takes a lambda of {' or '.join(map(str, sorted({len(types)})))} "
                               f"parameter(s), not {len(names)}")
    lowered = {n.lower() for n in names}
    body = node.this.copy().transform(
        lambda n: exp.column(n.name) if isinstance(n, exp.Identifier) and n.name.lower() in lowered
        and not isinstance(n.parent, (exp.Column, exp.Dot)) else n)
    width = len(b.scope.columns)
    bound = _private_binder(b, list(zip(names, types)), outer=b.scope).bind(body)
    captured: dict[int, int] = {}
    for n in walk(bound):
        if isinstance(n, ColRef) and n.index < width:
            captured.setdefault(n.index, len(types) + len(captured))
    out = rewrite(bound, lambda i: i - width if i >= width else captured[i])
    return out, [ColRef(i, b.scope.columns[i].type) for i in captured]


def _lambda_arity(node, low: int, high: int) -> int:
    return min(max(len(node.expressions), low), high) if isinstance(node, exp.Lambda) else low


def _bind_lambda_call(name: str, kind: str):
    def bind(b, nodes):
        if len(nodes) != 2 and not (kind == "reduce" and len(nodes) == 3):
            raise ProgrammingError(f"{name}() takes a list and a lambda" + (" [and an initial value]" if kind == "reduce" else ""))
        l = b.bind(nodes[0])
        if l.type.kind == "NULL":
            return Lit(None, T.NULLTYPE)
        l = _need(name, l, "LIST")
        elem = _element_of(l.type)
        if kind == "reduce":
            acc = elem
            initial = b.bind(nodes[2]) if len(nodes) == 3 else None
            if initial is not None:
                acc = T.common_type(elem, initial.type, values=True)
                if acc is None:
                    raise ProgrammingError(f"{name}(): the initial value {initial.type} does not mix with {l.type}")
            k = _lambda_arity(nodes[1], 2, 3)
            body, captured = bind_lambda(b, nodes[1], [acc, elem, T.BIGINT][:k], name)
            if T.common_type(acc, body.type, values=True) is None:
                raise ProgrammingError(f"{name}(): the lambda gives {body.type}, which does not mix with {acc}")
            body = X.cast(body, acc)
            args = (l, X.cast(initial, acc) if initial is not None else Lit(None, acc), *captured)
            return Call("list_reduce", args, acc, (body, k, initial is not None))
        k = _lambda_arity(nodes[1], 1, 2)
        body, captured = bind_lambda(b, nodes[1], [elem, T.BIGINT][:k], name)
        if kind == "filter":
            if body.type.kind not in ("BOOLEAN", "NULL"):
                body = X.cast(body, T.BOOLEAN)
            return Call("list_filter", (l, *captured), l.type, (body, k))
        return Call("list_transform", (l, *captured), T.LIST(body.type), (body, k))
    return bind


def _over_elements(f: Flat, k: int, captured: list[Column], first=()) -> "Batch":
    """The lambda's batch: its parameters' columns, then the captured values per element."""
    from ..exec.batch import Batch
    params = [*first, f.values, Column(T.BIGINT, f.positions() + 1)]
    return Batch.of(params[:k] + [c.take(f.owner) for c in captured], len(f.owner))


def _transform_kernel(args, e, ctx):
    from ..compile.lower import evaluate
    body, k = e.params
    run = C.compile_expr(body)

    def compute(cols):
        f = flat(cols[0])
        out = evaluate(run, _over_elements(f, k, cols[1:]), ctx)
        if e.op == "list_filter":
            keep = C.nonzero(C.true_mask(out)) if out.type.kind == "BOOLEAN" else out.data[:0].long()
            return to_lists(f.values.take(keep), f.owner[keep], f.n, f.valid, e.type)
        return to_lists(out, f.owner, f.n, f.valid, e.type)
    return each_tuple(args, compute)


def _reduce_kernel(args, e, ctx):
    """A fold over positions: step j applies the lambda to every list longer than j at once."""
    from ..compile.lower import evaluate
    from ..exec.batch import Batch
    from ..physical.rows import concat_columns
    body, k, has_initial = e.params
    run = C.compile_expr(body)

    def compute(cols):
        f = flat(cols[0])
        lengths = f.lengths()
        live = lengths > 0 if f.valid is None else (lengths > 0) | ~f.valid
        if not has_initial and not bool(live.all() if f.valid is None else (live | ~f.valid).all()):
            raise DataError("list_reduce() of an empty list needs an initial value")
        dev = lengths.device
        start = 0 if has_initial else 1
        acc = cols[1] if has_initial else _pick(f, torch.arange(f.n, device=dev), torch.zeros(f.n, dtype=torch.int64, device=dev), lengths > 0)
        acc = replace(acc, type=e.type) if acc.type != e.type else acc
        if not has_initial and acc.type != f.values.type:
            acc = C.cast_column(acc, e.type)
        longest = int(lengths.max()) if f.n else 0
        for j in range(start, longest):
            active = C.nonzero(lengths > j)
            pos = torch.full((len(active),), j, dtype=torch.int64, device=dev)
            element = _pick(f, active, pos, pos >= 0)
            params = [acc.take(active), element, Column(T.BIGINT, pos + 1)][:k]
            step = evaluate(run, Batch.of(params + [c.take(active) for c in cols[2:]], len(active)), ctx)
            merged = concat_columns([acc, step])
            at = torch.arange(f.n, device=dev)
            at[active] = torch.arange(len(active), device=dev) + f.n
            acc = merged.take(at)
        return acc.with_validity(and_validity(acc.validity, f.valid))
    return each_tuple(args, compute)


for _name, _kind, _aliases, _nodes, _sig, _what, _example in (
        ("list_transform", "transform", ("array_transform", "list_apply", "array_apply"), (exp.Transform,),
         "list_transform(LIST, lambda x[, i]: expr) → LIST", "The lambda applied to each element (i: its 1-based "
         "position).", "list_transform([1, 2], lambda x: x * 10) → [10, 20]"),
        ("list_filter", "filter", ("array_filter", "filter"), (exp.ArrayFilter,),
         "list_filter(LIST, lambda x[, i]: condition) → LIST", "The elements for which the lambda is true.",
         "list_filter([1, 2, 3], lambda x: x > 1) → [2, 3]"),
        ("list_reduce", "reduce", ("array_reduce", "reduce"), (),
         "list_reduce(LIST, lambda acc, x[, i]: expr [, initial]) → element type", "The elements folded left to right "
         "by the lambda (from the initial value if given; an empty list without one is an error).",
         "list_reduce([1, 2, 3], lambda a, x: a + x) → 6")):
    _entry(_name, _sig, _what, _example, _bind_lambda_call(_name, _kind),
           {"transform": _transform_kernel, "filter": _transform_kernel, "reduce": _reduce_kernel}[_kind],
           _aliases, _nodes, raw=True, node_args=(lambda node, n=_name: (n, [node.this, node.expression])) if _nodes else None)


def _comprehension(b, nodes):
    """[expr FOR x IN list IF cond] = list_transform(list_filter(list, x -> cond), x -> expr)."""
    (node,) = nodes
    var, source, cond = node.expression, node.args.get("iterator"), node.args.get("condition")
    params = [exp.to_identifier(var.name)]
    if cond is not None:
        source = exp.Anonymous(this="list_filter", expressions=[source, exp.Lambda(this=cond, expressions=params)])
    mapped = exp.Anonymous(this="list_transform", expressions=[source, exp.Lambda(this=node.this, expressions=params)])
    return b.bind(mapped)


_entry("#comprehension", "[expr FOR x IN list IF cond]", "A list comprehension (list_filter, then list_transform).",
       "[x * 2 FOR x IN [1, 2, 3] IF x > 1] → [4, 6]", _comprehension, nodes=(exp.Comprehension,), raw=True,
       node_args=lambda node: ("#comprehension", [node]))


# ---------------------------------------------------------------- lists made from scalars


def _series(name: str, inclusive: bool):
    def bind(*args):
        arity(name, args, 1, 3)
        if len(args) == 1:
            args = (Lit(0, T.BIGINT),) + tuple(args)
        if len(args) == 3 and any(a.type.kind in ("DATE", "TIMESTAMP") for a in args[:2]):
            return _time_series(name, args, inclusive)
        if len(args) == 2:
            args = tuple(args) + (Lit(1, T.BIGINT),)
        for a in args:
            if not (a.type.is_integer or a.type.kind == "NULL"):
                raise NotSupportedError(f"{name}() of {a.type} values as a list (integers only)")
        args = [X.cast(a, T.BIGINT) for a in args]
        if any(isinstance(a, Lit) and a.value is None for a in args):
            return Lit(None, T.LIST(T.BIGINT))
        return Call(name, tuple(args), T.LIST(T.BIGINT), (inclusive,))
    return bind


def _time_series(name, args, inclusive):
    """range(start, stop, INTERVAL step) of dates or timestamps: TIMESTAMPs, the step in
    microseconds (a step of calendar months is refused: tqp's interval holds them as 30 days)."""
    start, stop, step = args
    if step.type.kind != "INTERVAL" or any(isinstance(x, Call) and x.op == "months_interval" for x in walk(step)):
        raise NotSupportedError(f"{name}() of dates or timestamps by {'calendar months' if step.type.kind == 'INTERVAL' else step.type}")
    start, stop = (X.cast(a, T.TIMESTAMP) for a in (start, stop))
    if any(isinstance(a, Lit) and a.value is None for a in (start, stop, step)):
        return Lit(None, T.LIST(T.TIMESTAMP))
    return Call(name, (start, stop, step), T.LIST(T.TIMESTAMP), (inclusive,))


def _series_kernel(args, e, ctx):
    from ..exec.limits import reserve
    (inclusive,) = e.params

    def compute(cols):
        start, stop, step = (c.data for c in cols)
        span = stop - start
        safe = torch.where(step == 0, 1, step)
        count = torch.div(span, safe, rounding_mode="floor") + 1 if inclusive else -torch.div(-span, safe, rounding_mode="floor")
        count = torch.where((step == 0) | (span * torch.sign(step) < 0), 0, count)
        if not inclusive:
            count = count.clamp(min=0)
        total = int(count.sum())
        reserve(8 * total, f"{e.op}() of {total} values")
        owner, pos = _expand(count)
        values = Column(e.type.element, start[owner] + step[owner] * pos)
        return to_lists(values, owner, len(count), and_validity(*[c.validity for c in cols]), e.type)
    return each_tuple(args, compute)


def _series_args(node: exp.GenerateSeries):
    name = "range" if node.args.get("is_end_exclusive") else "generate_series"
    return name, [a for a in (node.args.get("start"), node.args.get("end"), node.args.get("step")) if a is not None]


def _series_nodes(name: str, inclusive: bool):
    """The series' bind over argument nodes: a constant INTERVAL step is folded to microseconds
    when bound, so its calendar months are seen here."""
    bind = _series(name, inclusive)

    def raw(b, nodes):
        from .dates import interval_constant
        step = nodes[2] if len(nodes) == 3 else None
        sign = -1 if isinstance(step, exp.Neg) else 1
        step = step.this if isinstance(step, exp.Neg) else step
        months, days, micros = (interval_constant(b, step) if isinstance(step, exp.Interval) else None) or (0, 0, 0)
        months *= sign
        if months and (days or micros):
            raise NotSupportedError(f"{name}() of dates or timestamps by an interval of months and days together")
        if months:
            start, stop = (X.cast(b.bind(n), T.TIMESTAMP) for n in nodes[:2])
            if any(isinstance(a, Lit) and a.value is None for a in (start, stop)):
                return Lit(None, T.LIST(T.TIMESTAMP))
            return Call("#month_series", (start, stop), T.LIST(T.TIMESTAMP), (months, inclusive))
        return bind(*[b.bind(n) for n in nodes])
    return raw


def _month_series_kernel(args, e, ctx):
    """A series by calendar months, each step added to the last as DuckDB adds them: a day
    clamped to a short month stays clamped (Jan 31, Feb 29, Mar 29, ...)."""
    from ..kernels import dates as D
    step, inclusive = e.params

    def compute(cols):
        start, stop = (c.data.to(torch.int64) for c in cols)
        day = torch.div(start, D.US_PER_DAY, rounding_mode="floor")
        clock = start - day * D.US_PER_DAY
        y, m, d = D.civil_from_days(day)
        first = y.to(torch.int64) * 12 + m.to(torch.int64) - 1
        sy, sm, _ = D.civil_from_days(torch.div(stop, D.US_PER_DAY, rounding_mode="floor"))
        span = (sy.to(torch.int64) * 12 + sm.to(torch.int64) - 1 - first) * (1 if step > 0 else -1)
        count = (torch.div(span, abs(step), rounding_mode="floor") + 2).clamp(min=0)
        owner, k = _expand(count)
        month = first[owner] + k * step
        ny = torch.div(month, 12, rounding_mode="floor")
        nm = month - ny * 12 + 1
        clamped = torch.minimum(d.to(torch.int64)[owner], D._days_in_month(ny, nm))
        # the running minimum of the clamped days within each series (owners ascend)
        low = owner * 64 + (63 - clamped)
        clamped = 63 - (torch.cummax(low, 0).values - owner * 64)
        ts = D.days_from_civil(ny, nm, clamped).to(torch.int64) * D.US_PER_DAY + clock[owner]
        end = stop[owner]
        keep = (ts <= end if inclusive else ts < end) if step > 0 else (ts >= end if inclusive else ts > end)
        kept = C.nonzero(keep)
        return to_lists(Column(T.TIMESTAMP, ts[kept]), owner[kept], len(count),
                        and_validity(*[c.validity for c in cols]), e.type)
    return each_tuple(args, compute)


register(Function("#month_series", "", "", "", None, _month_series_kernel, family="nested"))


_entry("range", "range([start,] stop [, step]) → BIGINT[] | TIMESTAMP[]", "The integers from start (default 0) "
       "up to stop, excluded, by step (default 1); or the timestamps by an INTERVAL step.", "range(1, 7, 2) → [1, 3, 5]",
       _series_nodes("range", False), _series_kernel, nodes=(exp.GenerateSeries,), node_args=_series_args, raw=True)
_entry("generate_series", "generate_series([start,] stop [, step]) → BIGINT[] | TIMESTAMP[]", "The integers "
       "from start (default 0) to stop, included, by step (default 1); or the timestamps by an INTERVAL step.",
       "generate_series(1, 3) → [1, 2, 3]", _series_nodes("generate_series", True), _series_kernel, raw=True)


def _texts(col: Column) -> list:
    """A VARCHAR column's values as Python strings (None for NULL): for its distinct tuples."""
    values = C.dict_values(col)
    codes = C.gather_codes(col, len(values)).cpu().numpy()
    valid = col.valid_mask().cpu().numpy()
    return [values[c] if v and len(values) else None for c, v in zip(codes, valid)]


def _split_bind(name: str):
    def bind(*args):
        arity(name, args, 2, 2)
        s, sep = (X.cast(a, T.VARCHAR) if a.type.kind == "NULL" else a for a in args)
        if not (s.type.is_string and sep.type.is_string):
            raise ProgrammingError(f"{name}() takes two strings, not {s.type} and {sep.type}")
        if isinstance(s, Lit) and s.value is None:
            return Lit(None, T.LIST(T.VARCHAR))
        return Call(name, (s, sep), T.LIST(T.VARCHAR))
    return bind


def _split_kernel(args, e, ctx):
    """Once per distinct (string, separator): Python's split (re.split for the regex forms)."""
    regex = e.op == "string_split_regex"

    def split(s, sep):
        if s is None:
            return None
        if sep is None:
            return [s]
        if regex:
            try:
                return re.split(sep, s)
            except re.error as err:
                raise DataError(f"string_split_regex(): invalid regular expression {sep!r}: {err}") from None
        return list(s) if sep == "" else s.split(sep)

    def compute(cols):
        lists = [split(s, sep) for s, sep in zip(_texts(cols[0]), _texts(cols[1]))]
        return _encode(pa.array(lists, pa.list_(pa.string())), e.type, cols[0].device)
    return each_tuple(args, compute)


_entry("string_split", "string_split(VARCHAR s, VARCHAR sep) → VARCHAR[]", "s split at each sep (an empty sep: into "
       "characters; a NULL sep: [s]).", "string_split('a,b', ',') → ['a', 'b']", _split_bind("string_split"),
       _split_kernel, ("str_split", "string_to_array", "split"), (exp.Split,))
_entry("string_split_regex", "string_split_regex(VARCHAR s, VARCHAR pattern) → VARCHAR[]", "s split at each match "
       "of the regular expression.", "string_split_regex('a1b22c', '[0-9]+') → ['a', 'b', 'c']",
       _split_bind("string_split_regex"), _split_kernel, ("str_split_regex", "regexp_split_to_array"), (exp.RegexpSplit,))


def quantile_list(a: AggCall, one) -> Column:
    """quantile_cont(x, [q1, q2, ...]): each group's quantiles (one(q, type) per fraction, a
    column over the groups) as a list; NULL for a group without values."""
    fractions = a.func.split(":")[1].strip("[]").split(",")
    cols = [one(q, a.type.element) for q in fractions]
    g, k = len(cols[0]), len(cols)
    from ..physical.rows import concat_columns
    stacked = concat_columns(cols)  # fraction-major: reorder group-major
    order = (torch.arange(g * k, device=stacked.device).reshape(k, g).T).reshape(-1)
    owner = torch.arange(g, device=stacked.device).repeat_interleave(k)
    return to_lists(stacked.take(order), owner, g, cols[0].validity, a.type)


def _list_repeat(l, n):
    """repeat(LIST, n): the list's elements n times over."""
    arity("repeat", (l, n), 2, 2)
    n = coerce("repeat", 2, n, "BIGINT")
    if isinstance(l, Lit) and l.value is None or isinstance(n, Lit) and n.value is None:
        return Lit(None, l.type)
    return Call("#list_repeat", (l, n), l.type)


def _list_repeat_kernel(args, e, ctx):
    def compute(cols):
        f = flat(cols[0])
        times = C.broadcast(cols[1], f.n)
        counts = times.data.to(torch.int64).clamp(min=0)
        out_lengths = f.lengths() * counts
        lists = torch.arange(f.n, device=counts.device)
        owner = torch.repeat_interleave(lists, out_lengths)
        starts = torch.cumsum(out_lengths, 0) - out_lengths
        at = torch.arange(len(owner), device=owner.device) - starts[owner]
        source = f.offsets[owner] + at % f.lengths()[owner].clamp(min=1)
        return to_lists(f.values.take(source), owner, f.n, and_validity(f.valid, times.validity), e.type)
    return each_tuple(args, compute)


register(Function("#list_repeat", "", "", "", _list_repeat, _list_repeat_kernel, family="nested"))


def _slice_rows_kernel(args, e, ctx):
    """l[begin:end] with bounds per row: begin..end of each list (1-based, both included;
    negative from the end, 0 as the start), every e.params[0]-th."""
    (step,) = e.params

    def compute(cols):
        f = flat(cols[0])
        begin, end = (C.broadcast(c, f.n) for c in cols[1:])
        length, b, z = f.lengths(), begin.data.to(torch.int64), end.data.to(torch.int64)
        lo = torch.where(b > 0, b - 1, torch.where(b == 0, 0, (length + b).clamp(min=0)))
        hi = torch.where(z >= 0, torch.minimum(z, length), length + z + 1)
        pos, owner = f.positions(), f.owner
        at = pos - lo[owner]
        kept = C.nonzero((at >= 0) & (pos < hi[owner]) & (at % step == 0))
        return to_lists(f.values.take(kept), owner[kept], f.n, and_validity(f.valid, begin.validity, end.validity), e.type)
    return each_tuple(args, compute)


register(Function("#list_slice_rows", "", "", "", None, _slice_rows_kernel, family="nested"))
