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
import sqlglot
import torch
from sqlglot import exp

from .. import types as T
from ..column import Column, and_validity
from ..compile import expr as C
from ..errors import DataError, NotSupportedError, ProgrammingError
from ..plan.nodes import AggCall, Call, ColRef, Expr, Lit, walk
from ..sql import expressions as X
from .nested import _all_null, _codes, _elements, _encode, _entry, _need
from .signature import arity


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
        spec += [(d, v, desc, nulls_first) for d, v in C.key_columns(col)]
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
    node = sqlglot.parse_one(f"{name}(__x{''.join(', ' + x for x in extras)})", read="duckdb")
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


def _distinct(f: Flat):
    """DuckDB's order: each distinct element where it first occurs, last first."""
    at = _distinct_elements(f)
    at = at[_sorted_by_list(Column(T.BIGINT, at), f.owner[at], (Column(T.BIGINT, at), True, False))]
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
