"""Binding window functions: an OVER clause (a named window and its refinement, PARTITION BY,
ORDER BY, the frame) becomes a WindowCall expression, and the calls of one SELECT become
Window plan nodes, one per distinct (PARTITION BY, ORDER BY), each sorting once.

Semantics follow DuckDB: with ORDER BY the default frame is RANGE BETWEEN UNBOUNDED PRECEDING
AND CURRENT ROW (peers included), without it the whole partition; ranking functions and
LAG/LEAD ignore frames; a RANGE offset needs exactly one ORDER BY key and moves along its
values (numbers, or dates and timestamps by days or INTERVALs).

>>> import sqlglot
>>> named = named_windows(sqlglot.parse_one("SELECT 1 FROM t WINDOW w AS (PARTITION BY a), "
...                                         "v AS (w ORDER BY b)", read="duckdb"))
>>> [[p.sql() for p in spec[0]] + [o.sql() for o in spec[1]] for spec in named.values()]
[['a'], ['a', 'b NULLS LAST']]
"""
from __future__ import annotations

from sqlglot import exp

from .. import functions as F
from .. import types as T
from ..errors import DataError, NotSupportedError, ProgrammingError
from ..plan import nodes as P
from ..plan.nodes import Call, ColRef, Expr, Lit, WindowCall, walk
from . import expressions as X

_RANKING = {exp.RowNumber: "row_number", exp.Rank: "rank", exp.DenseRank: "dense_rank",
            exp.PercentRank: "percent_rank", exp.CumeDist: "cume_dist", exp.Ntile: "ntile"}
_VALUES = {exp.Lag: "lag", exp.Lead: "lead", exp.FirstValue: "first_value", exp.LastValue: "last_value",
           exp.NthValue: "nth_value"}
_FRAMED_VALUES = ("first_value", "last_value", "nth_value")
NOT_HERE = "window functions are only allowed in the SELECT list, QUALIFY and ORDER BY"


def contains_window(node: exp.Expression) -> bool:
    """True if the expression holds an OVER clause outside any nested subquery."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, exp.Window):
            return True
        if isinstance(n, (exp.Subquery, exp.Select, exp.Exists)) and n is not node:
            continue
        stack.extend(n.iter_expressions())
    return False


def named_windows(sel: exp.Select) -> dict:
    """WINDOW name AS (...) definitions as (partition, order, frame) nodes, each resolved
    against the definitions before it."""
    out: dict = {}
    for w in sel.args.get("windows") or []:
        name = w.this.name
        if name.lower() in out:
            raise ProgrammingError(f'window "{name}" is already defined')
        out[name.lower()] = _spec(w, out)
    return out


def _spec(node: exp.Window, named: dict):
    """(PARTITION BY nodes, ORDER BY items, frame node) of an OVER clause, with the named
    window it refines filled in."""
    order = node.args.get("order")
    own = (list(node.args.get("partition_by") or []), list(order.expressions) if order else [],
           node.args.get("spec"))
    base = node.args.get("alias")
    if base is None:
        return own
    name = base.name
    if name.lower() not in named:
        raise ProgrammingError(f'window "{name}" does not exist')
    bp, bo, bs = named[name.lower()]
    if own[1] and bo:
        raise ProgrammingError(f'cannot override the ORDER BY of window "{name}"')
    if bs is not None and (own[0] or own[1] or own[2] is not None):
        raise ProgrammingError(f'cannot copy window "{name}" because it has a frame clause')
    return own[0] or bp, own[1] or bo, own[2] if own[2] is not None else bs


def bind_window(b, node: exp.Window) -> WindowCall | Lit:
    """The WindowCall for `f(...) OVER (...)`; its expressions are bound over b's scope (and
    may hold aggregates where b allows them: a window over a grouped query)."""
    if b.windows is None:
        err = b.window_error
        raise err if isinstance(err, Exception) else ProgrammingError(err)
    part_nodes, order_nodes, spec = _spec(node, b.windows)
    fn, ignore_nulls, filt = node.this, False, None
    while isinstance(fn, (exp.IgnoreNulls, exp.RespectNulls, exp.Filter)):
        if isinstance(fn, exp.Filter):
            filt = fn.expression.this if isinstance(fn.expression, exp.Where) else fn.expression
        ignore_nulls |= isinstance(fn, exp.IgnoreNulls)
        fn = fn.this
    inner = X.ExprBinder(b.scope, b.params, b.subqueries, allow_aggs=b.allow_aggs)
    inner.window_error = "window function calls cannot be nested"
    inner.aliases = b.aliases  # a grouped query's aliases name its keys here too, as DuckDB allows
    if hasattr(b, "builder"):
        inner.builder = b.builder
    partition = [inner.bind(p) for p in part_nodes]
    order = [X.sort_key(o, inner.bind(o.this)) for o in order_nodes]
    composite = _composite_aggregate(inner, fn)
    if composite is not None:  # string_agg, bool_and, corr, arg_max...: each aggregate inside goes OVER
        if ignore_nulls and not isinstance(fn, exp.AnyValue):  # (sqlglot says any_value ignores NULLs, as it does)
            raise ProgrammingError(f"IGNORE NULLS is not allowed for {fn.sql('duckdb').split('(')[0].lower()}()")
        outer = None if filt is None else inner.bool_expr(filt, "FILTER condition")
        frame = _frame(inner, spec, order)

        def over(agg: P.AggCall) -> Expr:
            both = agg.filter if outer is None else outer if agg.filter is None else Call("and", (agg.filter, outer), T.BOOLEAN)
            args = () if agg.func == "count_star" else (agg.arg,)
            return _call(agg.func, args, agg.type, partition, order, frame, False, agg.distinct, both)
        return _map_aggregates(composite, over)
    func, args, t, distinct = _function(inner, fn)
    if t.kind == "NULL":
        return Lit(None, T.NULLTYPE)  # min/max of an untyped NULL, as min(NULL) without OVER
    if ignore_nulls and func not in ("lag", "lead") + _FRAMED_VALUES:
        raise ProgrammingError(f"IGNORE NULLS is not allowed for {func}(); only for lag, lead, first_value, "
                               "last_value and nth_value")
    filter_e = None
    if filt is not None:
        if func in _NOT_AGGREGATES:
            raise ProgrammingError(f"FILTER is only allowed for aggregates, not {func}()")
        filter_e = inner.bool_expr(filt, "FILTER condition")
    frame = _frame(inner, spec, order)
    if func in _NOT_AGGREGATES and func not in _FRAMED_VALUES:
        frame = None  # ranking functions and LAG/LEAD ignore frames
    return _call(func, args, t, partition, order, frame, ignore_nulls, distinct, filter_e)


def _call(func, args, t, partition, order, frame, ignore_nulls, distinct, filter_e) -> WindowCall:
    if distinct and (frame.start != "unbounded" or frame.exclude != "no others"):
        raise NotSupportedError("DISTINCT window aggregates with a frame that does not start at "
                                "UNBOUNDED PRECEDING, or with EXCLUDE")
    # Constant keys order and partition nothing (a RANGE offset still reads its one key).
    partition = [p for p in partition if not isinstance(p, Lit)]
    if frame is None or frame.key is None:
        order = [k for k in order if not isinstance(k.expr, Lit)]
    return WindowCall(func, args, t, partition, order, frame, ignore_nulls, distinct, filter_e)


def _composite_aggregate(b, fn) -> Expr | None:
    """A registry aggregate written over other aggregates (string_agg, bool_and, covar_pop,
    arg_max, ...) bound as an expression whose AggCalls are those, or None for any other call."""
    bound = _bound_registry_aggregate(b, fn)
    return None if bound is None or _plain(bound) else bound


def _bound_registry_aggregate(b, fn) -> Expr | None:
    entry, nodes = F.resolve(fn)
    if not (isinstance(entry, F.Function) and entry.raw and entry.family == "aggregate"):
        return None
    allowed, b.allow_aggs = b.allow_aggs, True
    try:
        return entry.bind(b, nodes)
    finally:
        b.allow_aggs = allowed


def _plain(e: Expr) -> bool:
    return isinstance(e, P.AggCall) and e.filter is None and e.arg is not None


def _map_aggregates(e: Expr, fn) -> Expr:
    """e with fn applied to each AggCall in it (the call's own arguments are not entered)."""
    if isinstance(e, P.AggCall):
        return fn(e)
    kids = e.children()
    if not kids:
        return e
    new = [_map_aggregates(k, fn) for k in kids]
    if all(a is b for a, b in zip(new, kids)):
        return e
    if isinstance(e, Call):
        return Call(e.op, tuple(new), e.type, e.params)
    raise NotSupportedError(f"{type(e).__name__} around an aggregate under OVER")


_NOT_AGGREGATES = set(_RANKING.values()) | set(_VALUES.values())


def _registry_aggregate(b, fn) -> P.AggCall | None:
    """A registry function bound into one plain aggregate call (quantile_cont(x, q)), or None."""
    bound = _bound_registry_aggregate(b, fn)
    return bound if bound is not None and _plain(bound) else None


def _function(b, fn) -> tuple[str, tuple, T.SqlType, bool]:
    """(function name, bound arguments, result type, DISTINCT) of the function under OVER."""
    func = F.aggregate_nodes().get(type(fn))
    if func is not None:
        target, distinct = fn.this, False
        if isinstance(target, exp.Distinct):
            if len(target.expressions) != 1:
                raise NotSupportedError("DISTINCT aggregate over several columns")
            target, distinct = target.expressions[0], True
        if func == "count" and (target is None or isinstance(target, exp.Star)):
            return "count_star", (), T.BIGINT, False
        x = b.bind(target)
        if func in ("min", "max") and x.type.kind == "NULL":
            return func, (x,), T.NULLTYPE, distinct  # NULL over every frame, and untyped
        agg = X.make_agg(func, x, distinct)
        return agg.func, (agg.arg,), agg.type, agg.distinct
    agg = _registry_aggregate(b, fn)
    if agg is not None:
        return agg.func, (agg.arg,), agg.type, agg.distinct
    entry = F.lookup(fn.name) if isinstance(fn, exp.Anonymous) else None
    if isinstance(entry, F.Aggregate) and len(fn.expressions) == 1:  # one called by name: mad(x), entropy(x)
        agg = X.make_agg(entry.name, b.bind(fn.expressions[0]))
        return agg.func, (agg.arg,), agg.type, agg.distinct
    if isinstance(fn, exp.AggFunc) and type(fn) not in _RANKING and type(fn) not in _VALUES:
        written = fn.sql("duckdb").split("(")[0].lower()
        raise NotSupportedError(f"aggregate function {written}() is not supported")
    if type(fn) in _RANKING:
        func = _RANKING[type(fn)]
        if func == "ntile":
            return func, (_integer(b, fn.this, "ntile"),), T.BIGINT, False
        if fn.this is not None or fn.expressions:
            raise ProgrammingError(f"{func}() takes no arguments")
        return func, (), T.DOUBLE if func in ("percent_rank", "cume_dist") else T.BIGINT, False
    if type(fn) in _VALUES:
        func = _VALUES[type(fn)]
        x = b.bind(fn.this)
        if x.type.kind == "NULL":
            x = Lit(None, T.INTEGER)
        if func in ("first_value", "last_value"):
            return func, (x,), x.type, False
        offset = fn.args.get("offset")
        k = _integer(b, offset, func) if offset is not None else Lit(1, T.BIGINT)
        default = fn.args.get("default")
        if default is None:
            return func, (x, k), x.type, False
        # the default takes the value's type, as in DuckDB (lag(i, 1, 0.5) is an INTEGER 1)
        return func, (x, k, X.cast(b.bind(default), x.type)), x.type, False
    name = fn.name if isinstance(fn, exp.Anonymous) else fn.sql("duckdb").split("(")[0].lower()
    raise ProgrammingError(f"{name}() is not a window function or an aggregate")


def _integer(b, node, what: str) -> Expr:
    e = b.bind(node)
    if e.type.kind == "NULL":
        return Lit(None, T.BIGINT)
    if not e.type.is_integer:
        raise ProgrammingError(f"{what}() needs an integer, not {e.type}: {node.sql('duckdb')}")
    return X.cast(e, T.BIGINT)


_BOUND_ERRORS = {
    ("start", "unbounded following"): "Frame start cannot be UNBOUNDED FOLLOWING",
    ("end", "unbounded preceding"): "Frame end cannot be UNBOUNDED PRECEDING",
}


def _frame(b, spec, order) -> P.Frame:
    if spec is None:
        return P.Frame() if order else P.WHOLE_PARTITION
    kind = spec.args["kind"].lower()
    sides = []
    for which in ("start", "end"):
        node, side = spec.args.get(which), (spec.args.get(which + "_side") or "").lower()
        if node is None:  # `ROWS 2 PRECEDING` ends at the current row
            node = "CURRENT ROW"
        if isinstance(node, str):
            word = node.upper()
            side = "current" if word == "CURRENT ROW" else f"unbounded {side}"
            node = None
        if (which, side) in _BOUND_ERRORS:
            raise ProgrammingError(_BOUND_ERRORS[(which, side)])
        sides.append((side, node))
    (start, snode), (end, enode) = sides
    if start == "current" and end == "preceding":
        raise ProgrammingError("Frame starting from current row cannot have preceding rows")
    if start == "following" and end in ("preceding", "current"):
        raise ProgrammingError("Frame starting from following row cannot have preceding rows")
    exclude = spec.args.get("exclude")
    exclude = exclude.name.lower() if exclude is not None else "no others"
    start, end = start.split()[0], end.split()[0]
    fields = {}
    if kind == "range" and (snode is not None or enode is not None):
        fields = _range_values(b, order, (start, snode), (end, enode))
    else:
        for which, node in (("start", snode), ("end", enode)):
            if node is not None:
                fields[which + "_offset"] = _integer(b, node, f"{kind.upper()} frame offset of a window")
    frame = P.Frame(kind, start, end, exclude=exclude, **fields)
    if start == end == "unbounded" and exclude == "no others":
        return P.WHOLE_PARTITION
    return frame


def _range_values(b, order, *bounds) -> dict:
    """A RANGE frame's offset bounds: per bound the order key moved back or ahead by the offset
    (in the key's direction), and the key in the type those values share."""
    if len(order) != 1:
        raise ProgrammingError("RANGE frames with an offset must have exactly one ORDER BY expression")
    key, desc = order[0].expr, order[0].descending
    fields, values = {}, {}
    for which, (side, node) in zip(("start", "end"), bounds):
        if node is None:
            continue
        back = (side == "preceding") != desc
        if isinstance(node, exp.Interval):
            iv = X._interval(node)
            if any(v < 0 for v in iv):
                raise DataError("Window RANGE offset cannot be negative")
            values[which] = X._add_interval(b, key, iv, -1 if back else 1)
            continue
        off = b.bind(node)
        if not (off.type.is_numeric or off.type.kind == "NULL"):
            raise ProgrammingError(f"a RANGE frame offset must be a number or an INTERVAL, not {off.type}")
        fields[which + "_offset"] = off
        values[which] = X.arith("sub" if back else "add", key, off)
    target = key.type
    for v in values.values():
        target = T.common_type(target, v.type)
        if target is None:
            raise ProgrammingError(f"cannot compare the RANGE key {key.type} with its bound {v.type}")
    fields["key"] = X.cast(key, target)
    for which, v in values.items():
        fields[which + "_value"] = X.cast(v, target)
    return fields


# ---------------------------------------------------------------- planning


def plan_windows(rel: P.Rel, exprs: list) -> tuple[P.Rel, list]:
    """rel with a Window node per distinct (PARTITION BY, ORDER BY) of the calls in exprs, and
    exprs with each call replaced by a reference to its column (None entries stay None)."""
    calls = dict.fromkeys(n for e in exprs if e is not None for n in walk(e) if isinstance(n, WindowCall))
    if not calls:
        return rel, exprs
    specs: dict = {}
    for c in calls:
        specs.setdefault((c.partition, c.order), []).append(c)
    mapping = {}
    for (part, order), group in specs.items():
        base = len(rel.schema)
        rel = P.Window(rel, part, order, tuple(group), tuple(f"#w{base + j}" for j in range(len(group))))
        mapping.update({c: ColRef(base + j, c.type) for j, c in enumerate(group)})
    return rel, [None if e is None else _replace(e, mapping) for e in exprs]


def _replace(e: Expr, mapping: dict) -> Expr:
    hit = mapping.get(e) if isinstance(e, WindowCall) else None
    if hit is not None:
        return hit
    if isinstance(e, Call):
        return Call(e.op, tuple(_replace(a, mapping) for a in e.args), e.type, e.params)
    return e


def qualify_node(sel: exp.Select, items: list, scope) -> exp.Expression:
    """The QUALIFY condition, with names of select-list aliases (that are not input columns)
    replaced by the aliased expressions: `QUALIFY rn = 1` filters on `row_number() ... AS rn`."""
    aliases = {i.alias.lower(): i.this for i in items if isinstance(i, exp.Alias)}

    def sub(n):
        if isinstance(n, exp.Column) and not n.table and n.name.lower() in aliases \
                and not scope.has(n.name, None) and n.find_ancestor(exp.Select) is None:
            return aliases[n.name.lower()].copy()
        return n
    return sel.args["qualify"].this.copy().transform(sub)
