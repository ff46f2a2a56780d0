"""Binding queries: a parsed sqlglot SELECT (or set operation) to a typed logical plan.

Names, types and scopes only: joins are bound as written, inner ones with their conjuncts as
one filter over them (tqp.optimizer places and orders them); subqueries become semi/anti/mark
joins or decorrelated aggregates joined back; aggregates go through one Aggregate node whose
keys and calls are matched back into the SELECT list, HAVING and ORDER BY.

>>> import sqlglot, torch, tqp.types as T
>>> from tqp.catalog import Catalog, StoredTable
>>> cat = Catalog({"t": StoredTable(["a"], [T.INTEGER], [], 0)})
>>> plan, names = Binder(cat, []).bind_query(sqlglot.parse_one("select a + 1 as b from t"))
>>> names
['b']
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from .. import types as T
from ..catalog import Catalog, StoredTable
from ..errors import NotSupportedError, ProgrammingError
from ..plan import nodes as P
from ..plan.decorrelate import decorrelate, plan_outer_refs, rebase
from ..plan.nodes import AggCall, Call, ColRef, Expr, Lit, OuterRef, and_all, equi_pair, refs
from . import expressions as X
from . import windows as W
from .expressions import ExprBinder, arg, conjuncts
from .names import column_name
from .scope import CorrelatedScope, Scope, ScopeColumn, suggest


class Params:
    def __init__(self, values):
        self.values = list(values or [])
        self.used: set[int] = set()
        self._next = 0
        self.first_slot: int | None = None  # parameter i is slot first_slot + i when planning records slots

    def slot(self, i: int) -> int | None:
        return None if self.first_slot is None else self.first_slot + i

    def next_positional(self) -> int:
        i = self._next
        self._next += 1
        return i


class _NeedGeneral(NotSupportedError):
    """The fast plan for a correlated subquery (equality correlations in its WHERE, as keys of a
    semi join or of a grouped aggregate) does not fit this one; plan it by general
    decorrelation instead. Uncaught it reads as the NotSupportedError it is."""


@dataclass
class _Level:
    """An enclosing query whose columns a subquery being bound may read (as OuterRef)."""
    id: int
    scope: Scope
    fast: bool  # bound by the fast path: a reference that reaches it asks for the general one


@dataclass(frozen=True)
class _Pending(Expr):
    """A correlated subquery in a grouped query's SELECT list, HAVING or ORDER BY: joined onto
    the aggregate's output once that exists (tqp never lowers one)."""
    id: int = 0

    def __init__(self, id: int, type: T.SqlType):
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "id", id)


@dataclass
class Builder:
    """The relation being built for one SELECT, with the scope its columns are known by."""
    rel: P.Rel
    scope: Scope

    def add_join(self, right: P.Rel, right_cols: list[ScopeColumn], kind: str, lkeys, rkeys, residual=None,
                 null_safe: bool = False):
        self.rel = P.Join(self.rel, right, kind, tuple(lkeys), tuple(rkeys), residual, null_safe)
        if kind not in ("semi", "anti", "anti_null_aware"):  # these keep the left columns only
            self.scope = Scope(self.scope.columns + right_cols)


class Binder:
    def __init__(self, catalog: Catalog, params, ctes: dict | None = None):
        self.catalog = catalog
        self.params = params if isinstance(params, Params) else Params(params)
        self.ctes: dict[str, exp.Expression] = dict(ctes or {})
        self._view_depth = 0
        self._outer_rel = None  # the outer query's relation while a scalar subquery binds
        self._cte_plans: dict[int, tuple] = {}  # id(CTE node) -> (Shared plan, names, node)
        self._working: dict[str, tuple] = {}  # recursive CTE name -> (WorkingTable, names) in its step
        self._levels: list[_Level] = []  # enclosing queries of the subquery being bound, innermost last
        self._n_levels = 0

    # ------------------------------------------------------------ queries

    def bind_query(self, node: exp.Expression, outer: Scope | None = None):
        """Plan for a query and its output names. Correlation is not allowed at this level."""
        rel, names, corr = self.query(node, outer)
        if corr:
            raise _NeedGeneral("a correlated subquery in this position")
        return rel, names

    def query(self, node, outer=None, corr_ok=False):
        if isinstance(node, exp.Subquery):
            inner_rel, names, corr = self.query(node.this, outer, corr_ok)
            return self._order_limit_only(node, inner_rel, names), names, corr
        with_ = arg(node, "with")
        saved = dict(self.ctes)
        try:
            if with_ is not None:
                for cte in with_.expressions:
                    self.ctes[cte.alias_or_name.lower()] = cte
                    if with_.args.get("recursive"):
                        cte.meta["tqp_recursive"] = True
            if isinstance(node, exp.Select):
                return self.select(node, outer, corr_ok)
            if isinstance(node, (exp.Union, exp.Intersect, exp.Except)):
                rel = self.set_op(node, outer)
                return rel, [n for n, _ in rel.schema], []
            if isinstance(node, exp.Values):
                rel, cols = self.values(node)
                return rel, [c.name for c in cols], []
            raise NotSupportedError(f"{type(node).__name__} as a query")
        finally:
            self.ctes = saved

    def set_op(self, node, outer):
        kind = {exp.Union: "union", exp.Intersect: "intersect", exp.Except: "except"}[type(node)]
        distinct = node.args.get("distinct")
        keep_all = not distinct if distinct is not None else False
        parts = _union_chain(node, keep_all) if kind == "union" else [node.this, node.expression]
        bound = [self.bind_query(q, outer) for q in parts]
        names = list(bound[0][1])
        width = len(names)
        target = [t for _, t in bound[0][0].schema]
        for rel, _ in bound[1:]:
            if len(rel.schema) != width:
                raise ProgrammingError(
                    f"{type(node).__name__.upper()} inputs have {width} and {len(rel.schema)} columns")
            for i, (_, b) in enumerate(rel.schema):
                t = T.common_type(target[i], b, values=True)
                if t is None:
                    raise ProgrammingError(f"{type(node).__name__.upper()} cannot combine {target[i]} and {b}")
                target[i] = t
        target = [T.INTEGER if t.kind == "NULL" else t for t in target]
        rel: P.Rel = P.SetOp(kind, keep_all, tuple(_cast_rel(r, target) for r, _ in bound))
        rel = P.Project(rel, tuple(ColRef(i, t) for i, t in enumerate(target)), tuple(names))
        return self._order_limit_only(node, rel, names)

    def _order_limit_only(self, node, rel, names):
        """ORDER BY / LIMIT attached to a set operation or parenthesized query: output columns only."""
        order = _order_items(node, len(names))
        if order:
            scope = Scope([ScopeColumn(None, n, t) for n, (_, t) in zip(names, rel.schema)])
            keys = []
            for o in order:
                if isinstance(o.this, exp.Literal) and not o.this.is_string:
                    e = self._ordinal(o.this, rel)
                else:
                    e = ExprBinder(scope, self.params, self).bind(o.this)
                keys.append(_sort_key(o, e))
            rel = P.Sort(rel, tuple(keys))
        return self._limit(node, rel)

    def _ordinal(self, lit, rel):
        k = int(lit.this)
        if not 1 <= k <= len(rel.schema):
            raise ProgrammingError(f"ORDER BY position {k} is not in the select list (1..{len(rel.schema)})")
        return ColRef(k - 1, rel.schema[k - 1][1])

    def _limit(self, node, rel):
        limit, offset = node.args.get("limit"), node.args.get("offset")
        if limit is None and offset is None:
            return rel
        n = self._const_int(limit.expression if limit is not None else None, "LIMIT")
        k = self._const_int(offset.expression if offset is not None else None, "OFFSET") or 0
        if isinstance(rel, P.Sort) and rel.limit is None:
            return P.Sort(rel.input, rel.keys, n, k)
        return P.Limit(rel, n, k)

    def _const_int(self, node, what):
        if node is None:
            return None
        e = ExprBinder(Scope([]), self.params, self).bind(node)
        if not isinstance(e, Lit) or not (e.value is None or isinstance(e.value, int)) or e.type.is_decimal:
            raise ProgrammingError(f"{what} must be a constant integer")
        if e.value is not None and e.value < 0:
            raise ProgrammingError(f"{what} must not be negative")
        return e.value

    # ------------------------------------------------------------ SELECT

    def select(self, sel: exp.Select, outer: Scope | None, corr_ok: bool):
        if sel.args.get("sample") is not None:
            # USING SAMPLE samples the FROM clause's rows before WHERE: the one FROM item's.
            if sel.args.get("joins") or arg(sel, "from") is None:
                raise NotSupportedError("USING SAMPLE over a join: sample a table with TABLESAMPLE instead")
            sel = sel.copy()
            sel.args["from_"].this.set("sample", sel.args.pop("sample"))
        for key in ("prewhere", "connect", "sample", "into", "pivots"):
            if sel.args.get(key):
                raise NotSupportedError(f"{key.upper()} clause")
        if sel.args.get("kind"):
            raise NotSupportedError(f"SELECT AS {sel.args['kind'].upper()}")
        named = W.named_windows(sel)
        qualify = sel.args.get("qualify")
        order_items = [o.this for o in sel.args["order"].expressions] if sel.args.get("order") else []
        windowed = any(W.contains_window(e) for e in sel.expressions + order_items + _on_items(sel))
        if qualify is not None and not (windowed or W.contains_window(qualify.this)):
            raise ProgrammingError("QUALIFY needs a window function in the SELECT list or in QUALIFY")
        windowed = windowed or qualify is not None
        outer_rel, self._outer_rel = self._outer_rel, None  # only this level's correlation
        builder, correlated = self.from_where(sel, outer)
        group = arg(sel, "group")
        having = sel.args.get("having")
        select_items = self._expand_stars(sel, builder.scope)
        grouped = group is not None or having is not None or any(X.contains_agg(e) for e in select_items) \
            or any(X.contains_agg(o) for o in order_items) or qualify is not None and X.contains_agg(qualify.this)
        if any(item.find(exp.Explode) for item in select_items):
            if grouped or windowed or correlated:
                raise NotSupportedError("unnest() in the SELECT list of a grouped, windowed or correlated query")
            select_items = self._unnest(builder, select_items)

        corr_pairs: list[tuple[Expr, int]] = []  # (outer expression, inner output column)
        extra_keys: list[Expr] = []
        if correlated:
            if windowed:  # the windows would see every outer row's rows at once
                raise _NeedGeneral("window functions in a correlated subquery")
            if not corr_ok:
                raise _NeedGeneral("a correlated subquery in this position")
            # The fast plan groups by the correlation keys and joins back: one row per outer
            # key, NULL where no row matched. That is the subquery's value only for one
            # aggregate expression that is NULL over no rows (or a bare count, made 0).
            if not grouped or arg(sel, "group") or having is not None or sel.args.get("limit") \
                    or sel.args.get("offset") or len(select_items) != 1 or not _null_on_empty(select_items[0]):
                raise _NeedGeneral("a correlated scalar subquery of this shape")
            n_outer = len(outer)
            for c in correlated:
                e = c
                if not (isinstance(e, Call) and e.op == "eq"):
                    raise _NeedGeneral("a correlated scalar subquery with a non-equality correlation")
                a, b = e.args
                ra, rb = refs(a), refs(b)
                if ra and max(ra) < n_outer <= min(rb or {n_outer}):
                    outer_e, inner_e = a, b
                elif rb and max(rb) < n_outer <= min(ra or {n_outer}):
                    outer_e, inner_e = b, a
                else:
                    raise _NeedGeneral("a correlated scalar subquery with a complex correlation")
                extra_keys.append(rebase(inner_e, -n_outer))
                corr_pairs.append((outer_e, -1))
            if outer_rel is not None:
                # Aggregate only the rows whose keys occur outside: a semi join with the outer
                # relation (computed once, shared with the join back) filters the input first.
                pairs = [X.coerce_pair(k, oe, "compare") for k, (oe, _) in zip(extra_keys, corr_pairs)]
                builder.rel = P.Join(builder.rel, outer_rel, "semi", tuple(a for a, _ in pairs),
                                     tuple(b for _, b in pairs))

        if grouped:
            rel, out_exprs, names, scope_after, order_exprs, qualify_e = self._aggregate(
                sel, builder, select_items, extra_keys, named)
        else:
            eb = ExprBinder(builder.scope, self.params, self)
            eb.builder = builder  # subqueries in the select list join onto the input
            eb.windows = named
            out_exprs, names = [], []
            for item in select_items:
                out_exprs.append(eb.bind(_unalias(item)))
                names.append(_name_of(item))
                eb.scope = builder.scope
            rel, scope_after = builder.rel, builder.scope
            order_exprs = qualify_e = None
            if windowed:  # ORDER BY and QUALIFY bound here, so their windows join the others
                wb = ExprBinder(scope_after, self.params, self)
                wb.windows, wb.builder = named, builder  # their subqueries join onto the input too
                order_exprs = self._order_exprs(sel, names, wb.bind)
                if qualify is not None:
                    qualify_e = wb.bool_expr(W.qualify_node(sel, select_items, scope_after), "QUALIFY")
                rel, scope_after = builder.rel, builder.scope
        if windowed:
            n_out, n_order = len(out_exprs), len(order_exprs)
            rel, exprs = W.plan_windows(rel, out_exprs + order_exprs + [qualify_e])
            out_exprs, order_exprs = exprs[:n_out], exprs[n_out:n_out + n_order]
            if qualify_e is not None:
                rel = P.Filter(rel, exprs[-1])

        # Correlation keys ride along as extra outputs, after the select list, for the caller's join.
        n_sel = len(out_exprs) - len(extra_keys)
        corr_pairs = [(oe, n_sel + j) for j, (oe, _) in enumerate(corr_pairs)]
        rel, names = self._finish(sel, rel, scope_after, out_exprs, names, order_exprs, extra_keys)
        return rel, names, corr_pairs

    def _expand_stars(self, sel, scope: Scope):
        items = []
        for item in sel.expressions:
            star_table = None
            if isinstance(item, exp.Star):
                star = True
            elif isinstance(item, exp.Column) and isinstance(item.this, exp.Star):
                star, star_table = True, item.table.lower()
            else:
                star = False
            if not star:
                items.append(item)
                continue
            star_node = item if isinstance(item, exp.Star) else item.this
            renamed = {r.this.name.lower(): r.alias for r in star_node.args.get("rename") or []}
            excluded = {c.name.lower(): c for c in star_node.args.get("except_") or star_node.args.get("except") or []}
            replaced = {r.alias.lower(): r.this for r in star_node.args.get("replace") or []}
            cols = [c for c in scope.columns if not c.hidden and (star_table is None or c.table == star_table)]
            if star_table and not cols:
                raise ProgrammingError(f'table "{star_table}" not found in this query'
                                       + suggest(star_table, [c.table for c in scope.columns if c.table]))
            names = {c.name.lower() for c in cols}
            for what, listed in (("EXCLUDE", excluded), ("REPLACE", replaced), ("RENAME", renamed)):
                for n in listed:
                    if n not in names:
                        raise ProgrammingError(f'column "{n}" in the {what} list is not in *' + suggest(n, list(names)))
            for c in cols:
                if c.name.lower() in excluded:
                    continue
                col = exp.column(c.name, c.table, quoted=True) if c.table else exp.column(c.name, quoted=True)
                items.append(exp.alias_(replaced.get(c.name.lower(), col), renamed.get(c.name.lower(), c.name), quoted=True))
        if not items:
            raise ProgrammingError("SELECT list is empty")
        return items

    def _aggregate(self, sel, builder: Builder, items, extra_keys, named=None):
        scope = builder.scope
        gb = ExprBinder(scope, self.params, self)
        gb.window_error = "GROUP BY clause cannot contain window functions"
        keys, sets = self._group_by(arg(sel, "group"), items, gb)
        n_plain = len(keys)
        keys += extra_keys
        aggs: list[AggCall] = []
        ab = ExprBinder(scope, self.params, self, allow_aggs=True)
        ab.aliases = {i.alias.lower(): i.this for i in items if isinstance(i, exp.Alias)}
        ab.pending, ab.agg_builder = [], builder
        ab.windows = named
        lifted: dict[int, dict] = {}  # pending subquery id -> its outer values over the output
        key_index = {k: i for i, k in enumerate(keys)}
        n_keys = len(keys)

        def lift(e: Expr) -> Expr:
            """Rewrite a pre-aggregate expression over the Aggregate's output."""
            if isinstance(e, _Pending):
                p = ab.pending[e.id]
                idx = {o.index for o in plan_outer_refs(p["rel"]) if o.level == p["level"]}
                lifted[e.id] = {"cols": {i: lift(ColRef(i, scope.columns[i].type)) for i in idx},
                                "left": [lift(x) for x in p["left"]]}
                return e
            if e in key_index:
                return ColRef(key_index[e], e.type)
            if isinstance(e, AggCall):
                if e not in aggs:
                    aggs.append(e)
                return ColRef(n_keys + aggs.index(e), e.type)
            if isinstance(e, ColRef):
                name = scope.columns[e.index].name
                raise ProgrammingError(
                    f'column "{name}" must appear in the GROUP BY clause or be used in an aggregate function')
            if isinstance(e, Call):
                return Call(e.op, tuple(lift(a) for a in e.args), e.type, e.params)
            if isinstance(e, P.WindowCall):  # a window over the groups: its arguments are lifted
                return e.map(lift)
            return e

        outs, names = [], []
        for item in items:
            outs.append(lift(ab.bind(_unalias(item))))
            names.append(_name_of(item))
        having = sel.args.get("having")
        hb = ExprBinder(scope, self.params, self, allow_aggs=True)
        hb.aliases, hb.pending, hb.agg_builder = ab.aliases, ab.pending, builder
        hb.window_error = "HAVING clause cannot contain window functions"
        having_e = None
        if having is not None:
            n_aggs, n_pending = len(aggs), len(ab.pending)
            try:
                having_e = lift(hb.bool_expr(having.this, "HAVING"))
            except ProgrammingError as err:
                if "GROUP BY clause" not in str(err) or not hb.aliases:
                    raise
                # DuckDB reads a name that is both an ungrouped column and a select alias as the alias
                del aggs[n_aggs:], ab.pending[n_pending:]
                hb.prefer_aliases = True
                having_e = lift(hb.bool_expr(having.this, "HAVING"))
        post_exprs = self._order_exprs(sel, names, lambda t: lift(ab.bind(t)))
        qualify_e = None
        if sel.args.get("qualify") is not None:
            qualify_e = lift(ab.bool_expr(W.qualify_node(sel, items, scope), "QUALIFY"))
        names_k = [f"#k{i}" for i in range(n_keys)]
        out_names = tuple(names_k + [f"#a{j}" for j in range(len(aggs))])
        extra = tuple(range(n_plain, n_keys))
        if sets == [frozenset(range(n_plain))] and not any(a.func == "grouping" for a in aggs):
            rel = P.Aggregate(builder.rel, tuple(keys), tuple(aggs), out_names)
        else:
            rel = _grouping_sets_plan(builder.rel, keys, [tuple(sorted(s)) + extra for s in sets], aggs, out_names)
        if lifted:
            after = Builder(rel, Scope([ScopeColumn(None, n, t, hidden=True) for n, t in rel.schema]))
            values = self._attach_pending(after, ab.pending, lifted)
            rel = after.rel
            outs = [_fill_pending(e, values) for e in outs]
            having_e = _fill_pending(having_e, values)
            post_exprs = [_fill_pending(e, values) for e in post_exprs]
            qualify_e = _fill_pending(qualify_e, values)
        if having_e is not None:
            rel = P.Filter(rel, having_e)
        scope_after = Scope([ScopeColumn(None, n, t, hidden=True) for n, t in rel.schema])
        if extra_keys:
            outs = outs + [ColRef(len(keys) - len(extra_keys) + j, k.type) for j, k in enumerate(extra_keys)]
            names = names + [f"#corr{j}" for j in range(len(extra_keys))]
        return rel, outs, names, scope_after, post_exprs, qualify_e

    @staticmethod
    def _order_exprs(sel, names, bind):
        """ORDER BY (ORDER BY ALL expanded) then DISTINCT ON items bound by `bind`; None for
        positions and output aliases, which _finish resolves against the output."""
        return [None if _names_output(t, names) else bind(t.this if isinstance(t, exp.Ordered) else t)
                for t in _post_nodes(sel, len(names))]

    def _group_by(self, group, items, eb: ExprBinder):
        """The GROUP BY keys (distinct bound expressions) and its grouping sets, each a set of
        key positions: the cross product of its elements' sets, where ROLLUP(a, b) gives
        (a, b), (a), (); CUBE every subset; GROUPING SETS its list; a plain key one set."""
        keys: list[Expr] = []
        if group is None:
            return keys, [frozenset()]
        for k in ("rollup", "cube", "grouping_sets"):
            if group.args.get(k):
                raise NotSupportedError("this form of ROLLUP/CUBE/GROUPING SETS (write GROUP BY ROLLUP(...))")
        if group.args.get("all"):
            # GROUP BY ALL: every select item without an aggregate is a key.
            for item in items:
                node = _unalias(item)
                if not X.contains_agg(node):
                    e = eb.bind(node)
                    if e not in keys:
                        keys.append(e)
                elif _column_outside_aggregate(node):
                    raise ProgrammingError(f"GROUP BY ALL cannot group {node.sql('duckdb')[:60]}: it mixes "
                                           "aggregates with columns outside them")
            return keys, [frozenset(range(len(keys)))]

        def key(node) -> int:
            e = eb.bind(self._group_item(node, items, eb.scope))
            if e not in keys:
                keys.append(e)
            return keys.index(e)

        def element(node) -> frozenset:  # one item of ROLLUP/CUBE: a key or a parenthesised list
            if isinstance(node, exp.Tuple):
                return frozenset(key(x) for x in node.expressions)
            return frozenset({key(node)})

        def sets_of(node, top: bool) -> list[frozenset]:
            if isinstance(node, exp.Rollup):
                elems = [element(x) for x in node.expressions]
                return [frozenset().union(*elems[:i]) for i in range(len(elems), -1, -1)]
            if isinstance(node, exp.Cube):
                elems = [element(x) for x in node.expressions]
                if len(elems) > 12:
                    raise NotSupportedError(f"CUBE over {len(elems)} elements (at most 12)")
                return [frozenset().union(*(s for j, s in enumerate(elems) if m >> j & 1))
                        for m in range(2 ** len(elems) - 1, -1, -1)]
            if isinstance(node, exp.GroupingSets):
                if not top:
                    raise NotSupportedError("GROUPING SETS nested inside GROUPING SETS")
                return [s for x in node.expressions for s in sets_of(x, False)]
            return [element(node)]

        sets = [frozenset()]
        for node in group.expressions:
            sets = [a | b for a in sets for b in sets_of(node, True)]
        if len(sets) > 4096:
            raise NotSupportedError(f"{len(sets)} grouping sets (at most 4096)")
        return keys, sets

    def _group_item(self, g, items, scope: Scope):
        """A GROUP BY item with select-list positions and output aliases resolved."""
        while isinstance(g, exp.Paren):
            g = g.this
        if isinstance(g, exp.Literal) and not g.is_string:
            k = int(g.this)
            if not 1 <= k <= len(items):
                raise ProgrammingError(f"GROUP BY position {k} is not in the select list")
            return _unalias(items[k - 1])
        if isinstance(g, exp.Column) and not g.table and not scope.has(g.name, None):
            match = [i for i in items if isinstance(i, exp.Alias) and i.alias.lower() == g.name.lower()]
            if match:
                return match[0].this
        return g

    def _finish(self, sel, rel, scope, outs, names, post_exprs, extra_keys):
        """Projection, DISTINCT (ON), ORDER BY and LIMIT for a SELECT. `post_exprs` are the
        ORDER BY and DISTINCT ON expressions when an aggregate bound them (None: bind here)."""
        distinct_node = sel.args.get("distinct")
        on = distinct_node.args.get("on") if distinct_node is not None else None
        distinct = distinct_node is not None and on is None
        n_out = len(outs) - len(extra_keys)
        post = _post_nodes(sel, n_out)
        eb = ExprBinder(scope, self.params, self)
        if post_exprs is None:  # subqueries in ORDER BY join onto the rows being sorted
            eb.builder = Builder(rel, scope)
        lower_names = [n.lower() for n in names[:n_out]]
        hidden = []

        def position(i: int, t) -> int:
            """The column of the projection that holds ORDER BY / DISTINCT ON item i."""
            if isinstance(t, exp.Literal) and not t.is_string:
                k = int(t.this)
                if not 1 <= k <= n_out:
                    raise ProgrammingError(f"ORDER BY position {k} is not in the select list (1..{n_out})")
                return k - 1
            if _names_output(t, lower_names):
                return lower_names.index(t.name.lower())
            e = post_exprs[i] if post_exprs is not None else eb.bind(t)
            if e in outs[:n_out]:
                return outs.index(e)
            if distinct:
                raise ProgrammingError("for SELECT DISTINCT, ORDER BY expressions must appear in the select list")
            if e not in hidden:
                hidden.append(e)
            return len(outs) + hidden.index(e)

        positions = [position(i, o.this if isinstance(o, exp.Ordered) else o) for i, o in enumerate(post)]
        n_order = len(post) - (len(on.expressions) if on is not None else 0)
        sort_keys = list(zip(post[:n_order], positions[:n_order]))
        if post_exprs is None:
            rel = eb.builder.rel
        all_exprs = list(outs) + hidden
        all_names = list(names) + [f"#o{i}" for i in range(len(hidden))]
        rel = P.Project(rel, tuple(all_exprs), tuple(all_names))
        if distinct:
            rel = P.Distinct(rel)
        if sort_keys:
            rel = P.Sort(rel, tuple(_sort_key(o, ColRef(i, all_exprs[i].type)) for o, i in sort_keys))
        if on is not None:  # the first row of each ON value in ORDER BY's order
            rel = P.Distinct(rel, tuple(ColRef(i, all_exprs[i].type) for i in positions[n_order:]))
        rel = self._limit(sel, rel)
        if hidden:
            rel = P.Project(rel, tuple(ColRef(i, e.type) for i, e in enumerate(outs)), tuple(names))
        return rel, names

    # ------------------------------------------------------------ FROM and WHERE

    def from_where(self, sel: exp.Select, outer: Scope | None):
        """The joined, filtered input of a SELECT, and its correlated conjuncts (bound over
        outer columns followed by this query's columns)."""
        frm = arg(sel, "from")
        joins = sel.args.get("joins") or []
        where = sel.args.get("where")
        items = []
        if frm is None:
            items.append((P.Values(((),), ()), []))
        else:
            items.append(self.source(frm.this))
        plain = all(_is_inner(j) and not isinstance(j.this, exp.Lateral) and not _unnests_a_column(j.this)
                    for j in joins)
        conds = conjuncts(where.this) if where is not None else []
        if plain:
            on_conds = []
            for j in joins:
                items.append(self.source(j.this))
                if j.args.get("using") or _is_natural(j):
                    on_conds += self._using(items, j)
                if j.args.get("on") is not None:
                    on_conds += conjuncts(j.args["on"])
            rel = items[0][0]
            for right, _ in items[1:]:  # in written order: the optimizer orders them
                rel = P.Join(rel, right, "cross")
            return self._where_inner(Builder(rel, Scope([c for _, cols in items for c in cols])),
                                     on_conds + conds, outer)
        # Outer joins: bind in written order, then apply WHERE on top. A comma binds looser than
        # JOIN (`a, b RIGHT JOIN c` is `a, (b RIGHT JOIN c)`), so each comma starts a group of its
        # own; the groups are crossed at the end and WHERE makes equi joins of them.
        rel, cols = items[0]
        groups = [Builder(rel, Scope(cols))]
        for j in joins:
            if isinstance(j.this, exp.Lateral) or _unnests_a_column(j.this):
                for g in groups[1:]:  # a lateral subquery sees every FROM item before it
                    groups[0].add_join(g.rel, g.scope.columns, "inner", [], [], None)
                del groups[1:]
                if isinstance(j.this, exp.Lateral):
                    self._lateral(groups[0], j)
                else:
                    self._unnest_join(groups[0], j)
                continue
            rrel, rcols = self.source(j.this)
            if _is_comma(j):
                groups.append(Builder(rrel, Scope(rcols)))
                continue
            builder = groups[-1]
            kind = _join_kind(j)
            on = j.args.get("on")
            using = j.args.get("using") or _is_natural(j)
            if kind == "positional":
                if on is not None or using:
                    raise ProgrammingError("POSITIONAL JOIN takes no ON or USING condition")
                builder.add_join(rrel, rcols, kind, [], [], None)
                continue
            scope = Scope(builder.scope.columns + rcols)
            nl = len(builder.scope)
            preds = []
            if using:
                preds += self._using([(builder.rel, builder.scope.columns), (rrel, rcols)], j)
                if kind.startswith("asof"):  # USING (k, t): the last column is t >= t
                    preds[-1] = exp.GTE(this=preds[-1].this, expression=preds[-1].expression)
            if on is not None:
                preds += conjuncts(on)
            eb = ExprBinder(scope, self.params, self)
            bound = [eb.bool_expr(c, "ON condition") for c in preds]
            merged = bound[:len(preds) - len(conjuncts(on) if on is not None else [])] if kind in ("right", "full") else []
            lkeys, rkeys, resid = [], [], []
            for e in bound:
                pair = equi_pair(e, nl)
                if pair:
                    lkeys.append(pair[0])
                    rkeys.append(rebase(pair[1], -nl))
                else:
                    resid.append(e)
            if kind == "cross":
                kind = "inner"
            if kind in ("semi", "anti"):  # SEMI / ANTI JOIN keep the left columns only
                builder.rel = P.Join(builder.rel, rrel, kind, tuple(lkeys), tuple(rkeys), and_all(resid))
                continue
            if kind.startswith("asof"):
                resid = [asof_condition(resid, nl)]
            builder.add_join(rrel, rcols, kind, lkeys, rkeys, and_all(resid))
            if merged:
                _merge_using(builder, merged)
        builder = groups[0]
        for g in groups[1:]:
            builder.add_join(g.rel, g.scope.columns, "inner", [], [], None)
        return self._where(builder, conds, outer)

    def _unnest(self, builder: Builder, items: list) -> list:
        """unnest(list) in the SELECT list: each row repeated once per element, the element in a
        new column (several unnests side by side, the shorter lists padded with NULL, as DuckDB)."""
        eb = ExprBinder(builder.scope, self.params, self)
        lists, out = [], []
        for item in items:
            item = item.copy()
            for node in list(item.find_all(exp.Explode)):
                e = eb.bind(node.this)
                if e.type.kind == "NULL":
                    e = Lit(None, T.LIST(T.INTEGER))
                if e.type.kind != "LIST":
                    raise ProgrammingError(f"unnest() needs a LIST, not {e.type}")
                name = f"#unnest{len(lists)}"
                lists.append(e)
                replacement = exp.column(name, quoted=True)
                if node is item:
                    item = exp.alias_(replacement, column_name(node), quoted=True)
                else:
                    node.replace(replacement)
            out.append(item)
        builder.rel = P.Unnest(builder.rel, tuple(lists))
        builder.scope = Scope(builder.scope.columns + [ScopeColumn(None, f"#unnest{i}", e.type.element, hidden=True)
                                                       for i, e in enumerate(lists)])
        return out

    def _unnest_join(self, builder: Builder, j: exp.Join) -> None:
        """`FROM t, unnest(t.l) AS u(x)`: each row of the items before it repeated once per
        element of its list (an implicit LATERAL), the element as a new column."""
        node = j.this
        kind = _join_kind(j)
        on = j.args.get("on")
        if kind not in ("inner", "cross") or j.args.get("using") or on is not None \
                and not (isinstance(on, exp.Boolean) and on.this):
            raise NotSupportedError("unnest() of a column joins with a comma or CROSS JOIN")
        if len(node.expressions) != 1:
            raise NotSupportedError("unnest() of several lists in FROM")
        e = ExprBinder(builder.scope, self.params, self).bind(node.expressions[0])
        if e.type.kind != "LIST":
            raise ProgrammingError(f"unnest() needs a LIST, not {e.type}")
        alias = (node.alias or "").lower() or None
        names = _column_aliases(node) or [node.alias or "unnest"]
        builder.rel = P.Unnest(builder.rel, (e,))
        builder.scope = Scope(builder.scope.columns + [ScopeColumn(alias, names[0], e.type.element)])

    def _lateral(self, builder: Builder, j: exp.Join) -> None:
        """`, LATERAL (subquery)` / `[LEFT] JOIN LATERAL (subquery) ON true`: the subquery once
        per distinct value of the earlier FROM items' columns it names (decorrelated), joined
        back to their rows."""
        node = j.this
        kind = _join_kind(j)
        on = j.args.get("on")
        if kind not in ("inner", "cross", "left") or j.args.get("using") \
                or on is not None and not (isinstance(on, exp.Boolean) and on.this):
            raise NotSupportedError("LATERAL joins take a comma, CROSS JOIN, or [LEFT] JOIN ... ON true")
        query = node.this.this if isinstance(node.this, exp.Subquery) else node.this
        if not isinstance(query, (exp.Select, exp.Union, exp.Intersect, exp.Except)):
            raise NotSupportedError(f"LATERAL {node.this.sql('duckdb')[:40]}")
        lv = self._level(builder.scope, False)
        try:
            rel, names = self.bind_query(query)
        finally:
            self._levels.pop()
        alias = (node.alias or "").lower() or None
        _, cols = self._derived(rel, names, alias, _column_aliases(node))
        kind = "inner" if kind == "cross" else kind
        idx = sorted({o.index for o in plan_outer_refs(rel) if o.level == lv.id})
        if not idx:
            builder.add_join(rel, cols, kind, [], [], None)
            return
        if not isinstance(builder.rel, P.Shared):
            builder.rel = P.Shared(builder.rel)  # read twice: for the domain and joined back
        outer_exprs = [ColRef(i, builder.scope.columns[i].type) for i in idx]
        sub = decorrelate(rel, lv.id, builder.rel, outer_exprs, idx)
        keys = [ScopeColumn(None, f"#lateral{i}", e.type, hidden=True) for i, e in enumerate(outer_exprs)]
        builder.add_join(sub, keys + cols, kind, outer_exprs, [ColRef(i, e.type) for i, e in enumerate(outer_exprs)],
                         None, True)

    def _using(self, items, j):
        out = []
        lcols, rcols = [], items[-1][1]
        for _, cols in items[:-1]:
            lcols += cols
        names = [ident.name for ident in j.args.get("using") or []]
        if _is_natural(j):  # NATURAL: USING the names both sides show
            shown = {c.name.lower() for c in rcols if not c.hidden}
            names = list(dict.fromkeys(c.name for c in lcols if not c.hidden and c.name.lower() in shown))
            if not names:
                raise ProgrammingError("NATURAL JOIN: the two sides have no column name in common (use CROSS JOIN "
                                       "for a cross product)")
        for name in names:
            lt = [c for c in lcols if c.name.lower() == name.lower()]
            rt = [c for c in rcols if c.name.lower() == name.lower()]
            if not lt or not rt:
                raise ProgrammingError(f'USING column "{name}" is not on both sides of the join')
            out.append(exp.EQ(this=exp.column(name, lt[0].table), expression=exp.column(name, rt[0].table)))
            # USING merges the pair: the unqualified name and SELECT * mean the left column.
            i = rcols.index(rt[0])
            rcols[i] = ScopeColumn(rt[0].table, rt[0].name, rt[0].type, hidden=True)
        return out

    def source(self, node) -> tuple[P.Rel, list[ScopeColumn]]:
        """A FROM item: table, view, CTE, derived table, VALUES or a parenthesised join."""
        sample = node.args.get("sample")
        if sample is not None:
            node = node.copy()
            node.set("sample", None)
            rel, cols = self.source(node)
            return self._sample(rel, sample), cols
        if isinstance(node, (exp.Table, exp.Subquery)) and node.args.get("joins"):
            return self._join_tree(node, None, [])
        if isinstance(node, exp.Subquery) and isinstance(node.this, (exp.Table, exp.Subquery)) \
                and node.this.args.get("joins"):
            return self._join_tree(node.this, (node.alias or "").lower() or None, _column_aliases(node))
        if isinstance(node, exp.Unnest) and len(node.expressions) == 1 and isinstance(node.expressions[0], exp.Array):
            # UNNEST of a list written in the query: its items as rows (LIST columns do not exist yet)
            rows = [exp.Tuple(expressions=[v.copy()]) for v in node.expressions[0].expressions]
            if not rows:
                raise NotSupportedError("UNNEST of an empty list")
            rel, _ = self.values(exp.Values(expressions=rows))
            alias = (node.alias or "").lower() or None
            return self._derived(rel, [node.alias or "unnest"], alias, _column_aliases(node))  # DuckDB's naming
        if isinstance(node, exp.Table):
            if node.args.get("pivots"):
                raise NotSupportedError("PIVOT")
            if isinstance(node.this, exp.GenerateSeries):
                return self._derived(*self._range(node.this), (node.alias or "").lower() or None, _column_aliases(node))
            virtual = self.catalog.virtual_source(node, self.ctes)  # files, information_schema
            if virtual is None and isinstance(node.this, exp.Func):
                raise NotSupportedError(f"table function {node.this.sql('duckdb')[:40]}")
            name = virtual[0] if virtual else self.catalog.key_of(node)
            alias = (node.alias or (virtual[1] if virtual else node.name)).lower()
            col_aliases = _column_aliases(node)
            if name in self._working and not node.db:
                rel, names = self._working[name]
                return self._derived(rel, names, alias, col_aliases)
            if name in self.ctes and not node.db:
                cte = self.ctes[name]
                bound = self._cte_plans.get(id(cte))
                if bound is None:
                    saved = dict(self.ctes)
                    # A CTE sees the CTEs defined before it, not itself.
                    self.ctes = {k: v for k, v in self.ctes.items() if k != name}
                    levels, self._levels = self._levels, []  # nor the queries around its reader
                    try:
                        if cte.meta.get("tqp_recursive") and _reads_table(cte.this, name):
                            rel, names = self._recursive_cte(cte, name)
                        else:
                            rel, names = self.bind_query(cte.this)
                    finally:
                        self.ctes, self._levels = saved, levels
                    # A CTE cannot see the query that reads it, so every reference reads one
                    # plan, computed once per execution (Q15 reads its view twice).
                    bound = self._cte_plans[id(cte)] = (P.Shared(rel), _cte_columns(cte) or names, cte)
                rel, names, _ = bound
                return self._derived(rel, names, alias, col_aliases)
            obj = self.catalog.lookup(name)
            if obj is None:
                raise ProgrammingError(f'table "{node.name}" not found'
                                       + suggest(name, self.catalog.names() + list(self.ctes)))
            if isinstance(obj, StoredTable):
                schema = tuple(zip(obj.names, obj.types))
                rel = P.Scan(name, schema, tuple(range(len(schema))))
                names = list(col_aliases or obj.names) + [n for n, _ in schema[len(col_aliases or obj.names):]]
                shown = len(schema) - obj.hidden
                return rel, [ScopeColumn(alias, n, t, hidden=i >= shown)
                             for i, (n, (_, t)) in enumerate(zip(names, schema))]
            query, view_names = obj
            if self._view_depth > 32:
                raise ProgrammingError(f'view "{name}" refers to itself')
            self._view_depth += 1
            try:
                rel, names = Binder(self.catalog, [], {}).bind_query(query.copy())
            finally:
                self._view_depth -= 1
            return self._derived(rel, view_names or names, alias, col_aliases)
        if isinstance(node, exp.Subquery):
            inner = node.this
            alias = (node.alias or "").lower() or None
            if isinstance(inner, exp.Values):
                rel, cols = self.values(inner)
                names = [c.name for c in cols]
            else:
                rel, names = self.bind_query(node)
            return self._derived(rel, names, alias, _column_aliases(node))
        if isinstance(node, exp.Values):
            rel, cols = self.values(node)
            alias = (node.alias or "").lower() or None
            return self._derived(rel, [c.name for c in cols], alias, _column_aliases(node))
        if isinstance(node, exp.Lateral) or isinstance(node, exp.Unnest):
            raise NotSupportedError(f"{type(node).__name__.upper()} in FROM")
        raise NotSupportedError(f"FROM item {node.sql('duckdb')[:60]}")

    def _join_tree(self, table: exp.Expression, alias, col_aliases):
        """`(a JOIN b ON ...)` as a FROM item: its columns keep their tables' names (a.x, b.y)
        unless the parentheses are aliased."""
        first = table.copy()
        joins = first.args.pop("joins")
        first.set("joins", None)
        sel = exp.Select(expressions=[exp.Star()])
        sel.set("from_", exp.From(this=first))
        sel.set("joins", joins)
        builder, corr = self.from_where(sel, None)
        if corr:
            raise NotSupportedError("a correlated condition inside a parenthesised join")
        cols = builder.scope.columns
        if alias is None and not col_aliases:
            return builder.rel, cols
        visible = [c for c in cols if not c.hidden]
        rel = P.Project(builder.rel, tuple(ColRef(cols.index(c), c.type) for c in visible),
                        tuple(c.name for c in visible))
        return self._derived(rel, [c.name for c in visible], alias, col_aliases)

    def _range(self, node: exp.GenerateSeries):
        """range(stop) / range(start, stop[, step]) and generate_series (stop included) over integers."""
        inclusive = not node.args.get("is_end_exclusive")
        eb = ExprBinder(Scope([]), self.params, self)
        values = []
        for part in ("start", "end", "step"):
            arg_node = node.args.get(part)
            if arg_node is None:
                values.append(1 if part == "step" else 0)
                continue
            e = eb.bind(arg_node)
            if not isinstance(e, Lit) or not (e.type.is_integer or e.type.kind == "NULL"):
                raise NotSupportedError("range() and generate_series() take constant integers")
            values.append(e.value)
        name = "generate_series" if inclusive else "range"
        if any(v is None for v in values):
            values = [0, 0, 1]  # a NULL bound: no rows
        start, stop, step = values
        if step == 0:
            raise ProgrammingError(f"{name}() step must not be zero")
        return P.Range(start, stop, step, inclusive, ((name, T.BIGINT),)), [name]

    def _sample(self, rel: P.Rel, sample: exp.TableSample) -> P.Rel:
        """TABLESAMPLE / USING SAMPLE: a percentage (each row kept with that chance, or with
        RESERVOIR exactly that share) or a number of rows, optionally with a seed."""
        method = (sample.args.get("method").name if sample.args.get("method") else "").lower()
        if sample.args.get("bucket_numerator") is not None or method not in ("", "system", "bernoulli", "reservoir"):
            raise NotSupportedError(f"sampling method {sample.sql('duckdb')}")
        percent, size, seed = (sample.args.get(k) for k in ("percent", "size", "seed"))
        if percent is not None:
            share = float(self._sample_number(percent, "sample percentage"))
            if not 0 <= share <= 100:
                raise ProgrammingError(f"sample percentage must be between 0 and 100, not {share:g}")
            amount, rows = share / 100, False
        elif size is not None:
            amount, rows = self._sample_number(size, "sample size"), True
            if amount != int(amount):
                raise ProgrammingError("a sample of rows needs a whole number")
            amount = int(amount)
        else:
            raise ProgrammingError("TABLESAMPLE needs a percentage or a number of rows")
        seed_value = None if seed is None else int(self._sample_number(seed, "sample seed"))
        exact = rows or method == "reservoir"
        return P.Sample(rel, amount, rows, exact, seed_value)

    def _sample_number(self, node, what: str):
        e = ExprBinder(Scope([]), self.params, self).bind(node)
        if not isinstance(e, Lit) or not (e.type.is_numeric) or e.value is None or e.value < 0:
            raise ProgrammingError(f"{what} must be a non-negative constant number")
        return e.value / 10 ** e.type.scale if e.type.is_decimal else e.value

    def _recursive_cte(self, cte, name: str):
        """`base UNION [ALL] step` where step reads the CTE itself: a Recursive plan whose step
        reads the previous iteration's rows; its columns take the base's types."""
        body = cte.this
        if not isinstance(body, exp.Union) or _reads_table(body.this, name):
            raise NotSupportedError(f'recursive CTE "{name}" must be "base UNION [ALL] recursive term"')
        if body.args.get("order") or body.args.get("limit") or body.args.get("offset"):
            raise NotSupportedError(f'ORDER BY or LIMIT on recursive CTE "{name}"')
        base, base_names = self.bind_query(body.this)
        names = _cte_columns(cte) or base_names
        if len(names) != len(base.schema):
            raise ProgrammingError(f'recursive CTE "{name}" names {len(names)} columns but its query has {len(base.schema)}')
        types = [T.INTEGER if t.kind == "NULL" else t for _, t in base.schema]
        base = _cast_rel(base, types)
        working = P.WorkingTable(tuple(zip(names, types)))
        self._working[name] = (working, names)
        try:
            step, _ = self.bind_query(body.expression)
        finally:
            del self._working[name]
        if len(step.schema) != len(types):
            raise ProgrammingError(f'recursive CTE "{name}": its two terms have {len(types)} and {len(step.schema)} columns')
        for (_, a), b in zip(step.schema, types):
            if a != b and T.common_type(a, b, values=True) is None:
                raise ProgrammingError(f'recursive CTE "{name}" cannot combine {b} and {a}')
        distinct = body.args.get("distinct")
        return P.Recursive(base, _cast_rel(step, types), working, bool(distinct) if distinct is not None else True), names

    def _derived(self, rel, names, alias, col_aliases):
        names = list(names)
        if col_aliases:
            if len(col_aliases) > len(names):
                raise ProgrammingError(f"too many column aliases for {alias}")
            names[:len(col_aliases)] = col_aliases
        taken = {n.lower() for n in names}
        seen = set()
        for i, n in enumerate(names):  # a derived table's repeated names become k, k_1, ... as in DuckDB
            if n.lower() in seen:
                k = 1
                while f"{n}_{k}".lower() in taken:
                    k += 1
                names[i] = f"{n}_{k}"
                taken.add(names[i].lower())
            seen.add(names[i].lower())
        return rel, [ScopeColumn(alias, n, t) for n, (_, t) in zip(names, rel.schema)]

    def values(self, node: exp.Values):
        rows = []
        eb = ExprBinder(Scope([]), self.params, self)
        for tup in node.expressions:
            rows.append([eb.bind(e) for e in (tup.expressions if isinstance(tup, exp.Tuple) else [tup])])
        width = len(rows[0])
        if any(len(r) != width for r in rows):
            raise ProgrammingError("VALUES rows differ in length")
        cols = []
        for j in range(width):
            typed = X.unify_types([r[j] for r in rows], "mix in VALUES", values=True)
            if typed[0].type.kind == "NULL":
                typed = [Lit(None, T.INTEGER) for _ in typed]
            for r, e in zip(rows, typed):
                r[j] = e
            cols.append(ScopeColumn(None, f"col{j}", typed[0].type))
        rel = P.Values(tuple(tuple(r) for r in rows), tuple((c.name, c.type) for c in cols))
        return rel, cols

    def _where_inner(self, builder: Builder, conds, outer):
        """The WHERE and ON conjuncts of inner joins: the plain ones as one filter straight over
        the joins (inside any subplan a subquery shares), then the subqueries and correlations."""
        eb = ExprBinder(builder.scope, self.params, self)
        eb.window_error = "WHERE clause cannot contain window functions"
        plain, deferred, correlated = [], [], []
        for c in conds:
            if _has_subquery(c):
                deferred.append(c)
            elif outer is not None and self._is_correlated(c, builder.scope, outer):
                correlated.append(c)
            else:
                plain.append(eb.bool_expr(c, "WHERE condition"))
        if plain:
            builder.rel = P.Filter(builder.rel, and_all(plain))
        return self._where(builder, deferred, outer, correlated)

    def _where(self, builder: Builder, conds, outer, correlated=None):
        """Remaining WHERE conjuncts: subqueries as semi/anti joins, the rest as one filter."""
        correlated_nodes = list(correlated or [])
        plain = []
        for c in conds:
            node, negated = _strip_not(c)
            if isinstance(node, exp.Exists):
                self._where_subquery(builder, node.this, None, negated)
                continue
            if isinstance(node, exp.In) and node.args.get("query") is not None and not _has_subquery(node.this):
                self._where_subquery(builder, node.args["query"], node.this, negated)
                continue
            # (a subquery on IN's left side is bound over the builder's rows first: a mark join)
            if outer is not None and not _has_subquery(c) and self._is_correlated(c, builder.scope, outer):
                correlated_nodes.append(c)
                continue
            plain.append(c)
        if plain:
            eb = ExprBinder(builder.scope, self.params, self)
            eb.builder = builder
            eb.window_error = "WHERE clause cannot contain window functions"
            preds = [eb.bool_expr(c, "WHERE condition") for c in plain]
            builder.rel = P.Filter(builder.rel, and_all(preds))
        corr = []
        if correlated_nodes:
            combined = CorrelatedScope(outer.columns, builder.scope.columns)
            eb = ExprBinder(combined, self.params, self)
            corr = [eb.bool_expr(c, "WHERE condition") for c in correlated_nodes]
        return builder, corr

    def _is_correlated(self, node, scope: Scope, outer: Scope) -> bool:
        for col in node.find_all(exp.Column):
            if isinstance(col.this, exp.Star):
                continue
            parent = col.find_ancestor(exp.Subquery, exp.Select, exp.Exists)
            if parent is not None and parent is not node and node in list(parent.walk()) is False:
                continue
            if not scope.has(col.name, col.table or None) and outer.has(col.name, col.table or None):
                return True
        return False

    # ------------------------------------------------------------ subqueries

    def _subquery_input(self, query, outer_scope: Scope):
        """A subquery for EXISTS / IN: its relation, scope and correlated conjuncts."""
        while isinstance(query, exp.Subquery):
            query = query.this
        if not isinstance(query, exp.Select) or arg(query, "group") or query.args.get("having") \
                or any(X.contains_agg(e) for e in query.expressions) or query.args.get("limit") \
                or query.args.get("distinct") or arg(query, "with") or query.args.get("qualify") \
                or any(W.contains_window(e) for e in query.expressions):
            rel, names = self.bind_query(query, outer_scope)
            return rel, [ScopeColumn(None, n, t) for n, (_, t) in zip(names, rel.schema)], [], True
        builder, corr = self.from_where(query, outer_scope)
        return builder.rel, builder.scope.columns, corr, query

    def _subquery_join(self, builder: Builder, query, lhs, equi_ok: bool = True, corr_ok: bool = True):
        """The subquery's relation and the join condition tying it to the outer rows: the IN
        comparison and equality correlations as keys, other correlations as a residual."""
        outer_scope = builder.scope
        rel, cols, corr, q = self._subquery_input(query, outer_scope)
        if corr and not corr_ok:
            # the NOT IN anti join's NULL rule looks at the whole subquery, not one row's part
            raise _NeedGeneral("a correlated NOT IN subquery")
        nl = len(outer_scope)
        lkeys, rkeys, resid = [], [], []
        if lhs is not None:
            self._in_keys(lhs, rel, cols, q, outer_scope, lkeys, rkeys)
        for e in corr:
            pair = equi_pair(e, nl) if equi_ok else None
            if pair:
                lkeys.append(pair[0])
                rkeys.append(rebase(pair[1], -nl))
            else:
                resid.append(e)
        return rel, cols, lkeys, rkeys, resid

    def _semi(self, builder: Builder, query, lhs, kind):
        rel, cols, lkeys, rkeys, resid = self._subquery_join(builder, query, lhs, kind != "anti_null_aware",
                                                              kind != "anti_null_aware")
        builder.add_join(rel, cols, kind, lkeys, rkeys, and_all(resid))

    def _where_subquery(self, builder: Builder, query, lhs, negated: bool):
        """[NOT] EXISTS / [NOT] IN (subquery) as a WHERE conjunct: a semi or anti join, or a
        filter on the general plan's mark."""
        kind = ("anti" if negated else "semi") if lhs is None else ("anti_null_aware" if negated else "semi")

        def general():
            eb = ExprBinder(builder.scope, self.params, self)
            eb.builder = builder
            if lhs is None:
                self._general(eb, query, "anti" if negated else "semi")
                return
            mark = self._general(eb, query, "in", lhs)
            builder.rel = P.Filter(builder.rel, X.negate(mark) if negated else mark)
        self._attempt(builder, builder.scope, lambda: self._semi(builder, query, lhs, kind), general)

    def _in_keys(self, lhs, rel, cols, q, outer_scope, lkeys, rkeys):
        """Key pairs for `x IN (subquery)` or `(x, y) IN (subquery)`."""
        left_items = lhs.expressions if isinstance(lhs, exp.Tuple) else [lhs]
        if q is True:
            values = [ColRef(i, t) for i, (_, t) in enumerate(rel.schema)]
        else:
            items = q.expressions
            if any(isinstance(i, exp.Star) for i in items):
                values = [ColRef(i, c.type) for i, c in enumerate(cols) if not c.hidden]
            else:
                eb = ExprBinder(Scope(cols), self.params, self)
                values = [eb.bind(_unalias(i)) for i in items]
        if len(values) != len(left_items):
            raise ProgrammingError(f"IN subquery returns {len(values)} column(s) but the left side has {len(left_items)}")
        ob = ExprBinder(outer_scope, self.params, self)
        ob.window_error = NotSupportedError("a window function on the left of IN (subquery)")
        for item, v in zip(left_items, values):
            a, b = X.coerce_pair(ob.bind(item), v, "compare")
            lkeys.append(a)
            rkeys.append(b)

    # ------------------------------------------------------------ correlated subqueries

    def outer_column(self, name: str, table: str | None):
        """A column no scope of the query being bound has, found in an enclosing query: a free
        variable of this subquery. None when no enclosing query has it either."""
        for depth in range(len(self._levels) - 1, -1, -1):
            lv = self._levels[depth]
            if lv.scope.has(name, table):
                if any(x.fast for x in self._levels[depth:]):
                    raise _NeedGeneral("a correlation outside the subquery's WHERE conjuncts")
                i = lv.scope.resolve(name, table)
                return OuterRef(lv.id, i, lv.scope.columns[i].type)
        return None

    def _level(self, scope: Scope, fast: bool) -> _Level:
        self._n_levels += 1
        lv = _Level(self._n_levels, scope, fast)
        self._levels.append(lv)
        return lv

    def _attempt(self, builder: Builder | None, scope: Scope, fast, general):
        """The fast plan of a subquery where it fits (see _NeedGeneral), else the general one;
        a fast attempt that gives up leaves nothing behind."""
        saved = (builder.rel, builder.scope) if builder is not None else None
        params = self.params._next, set(self.params.used)
        self._level(scope, True)
        try:
            return fast()
        except _NeedGeneral:
            pass
        finally:
            self._levels.pop()
        if builder is not None:
            builder.rel, builder.scope = saved
        self.params._next, self.params.used = params
        return general()

    def _general(self, eb: ExprBinder, query, kind: str, lhs=None, op: str = "eq"):
        """A subquery of any shape and correlation by decorrelation: bound with the outer
        columns as free variables, evaluated once per distinct outer value (the domain) and
        joined back to the outer rows. kind: scalar, exists, in (x op ANY), or semi / anti
        (a WHERE conjunct's [NOT] EXISTS, filtering the builder's rows; no value)."""
        builder = getattr(eb, "builder", None)
        scope = builder.scope if builder is not None else eb.scope
        # the left side of IN / ANY in the caller's terms (HAVING count(*) IN (...) aggregates);
        # a window there would be evaluated by the join, which cannot
        saved = eb.windows, eb.window_error
        eb.windows, eb.window_error = None, NotSupportedError("a window function on the left of IN/ANY/ALL (subquery)")
        try:
            left = [eb.bind(i) for i in (lhs.expressions if isinstance(lhs, exp.Tuple) else [lhs])] \
                if lhs is not None else []
        finally:
            eb.windows, eb.window_error = saved
        lv = self._level(scope, False)
        try:
            rel, _ = self.bind_query(query)
        finally:
            self._levels.pop()
        width = len(rel.schema)
        if kind == "scalar" and width != 1:
            raise ProgrammingError(f"scalar subquery returns {width} columns, expected 1")
        if kind == "in" and width != len(left):
            raise ProgrammingError(f"IN subquery returns {width} column(s) but the left side has {len(left)}")
        outer = plan_outer_refs(rel)
        if kind == "scalar" and not outer:
            return P.ScalarSubquery(rel, rel.schema[0][1])
        if kind == "exists" and not outer and builder is None:
            # an uncorrelated EXISTS where no join can carry it (inside another subquery's
            # left side): a constant, from a count of the subquery's rows
            counted = P.Aggregate(P.Limit(rel, 1, 0), (), (AggCall("count_star", None, T.BIGINT),), ("#n",))
            return X.compare("gt", P.ScalarSubquery(counted, T.BIGINT), Lit(0, T.BIGINT))
        if builder is None:
            pending = getattr(eb, "pending", None)
            if pending is None:
                raise NotSupportedError("a correlated subquery in this position")
            e = _Pending(len(pending), T.BOOLEAN if kind != "scalar" else rel.schema[0][1])
            pending.append({"node": e, "rel": rel, "level": lv.id, "kind": kind, "left": left, "op": op})
            return e
        return self._join_dependent(builder, rel, lv.id, kind, left, op)

    def _join_dependent(self, builder: Builder, rel: P.Rel, level: int, kind: str, left=(), op="eq",
                        outer_of=None) -> Expr:
        """Join a dependent subquery plan onto the builder's rows; its value (or mark) over the
        builder's new scope. `outer_of(i)` is the outer expression OuterRef(level, i) stands
        for (default: column i of the builder)."""
        idx = sorted({o.index for o in plan_outer_refs(rel) if o.level == level})
        if not isinstance(builder.rel, P.Shared):
            builder.rel = P.Shared(builder.rel)  # read twice: for the domain and joined back
        outer_exprs = [outer_of(i) if outer_of else ColRef(i, builder.scope.columns[i].type) for i in idx]
        sub = decorrelate(rel, level, builder.rel, outer_exprs, idx) if idx else rel
        k, nl = len(idx), len(builder.scope)
        dkeys = [ColRef(j, e.type) for j, e in enumerate(outer_exprs)]
        if kind == "scalar":
            cols = [ScopeColumn(None, f"#sub{i}", t, hidden=True) for i, (_, t) in enumerate(sub.schema)]
            builder.add_join(sub, cols, "single", outer_exprs, dkeys, None, True)
            return ColRef(nl + k, sub.schema[k][1])
        if kind in ("semi", "anti"):  # [NOT] EXISTS as a WHERE conjunct
            builder.add_join(sub, [], kind, outer_exprs, dkeys, None, True)
            return None
        if kind == "in" and op == "eq" and len(left) == 1:
            return self._in_by_keys(builder, sub, outer_exprs, dkeys, left[0])
        cond = None
        if kind == "in":
            cond = and_all([X.compare(op, x, ColRef(nl + k + i, t))
                            for i, (x, (_, t)) in enumerate(zip(left, rel.schema))])
        builder.add_join(sub, [ScopeColumn(None, "#mark", T.BOOLEAN, hidden=True)],
                         "mark" if cond is None else "mark_any", outer_exprs, dkeys, cond, True)
        return ColRef(nl, T.BOOLEAN)

    def _in_by_keys(self, builder: Builder, sub: P.Rel, outer_exprs, dkeys, x: Expr) -> Expr:
        """x IN (dependent subquery) with x as one more join key, not a comparison over every
        (row, subquery row) pair: TRUE on a match; else NULL when the outer row's part of the
        subquery is not empty and x or one of its values is NULL; else FALSE."""
        k, nl = len(dkeys), len(builder.scope)
        x, v = X.coerce_pair(x, ColRef(k, sub.schema[k][1]), "compare")
        sub = P.Shared(sub)
        values = P.Filter(sub, Call("not", (Call("is_null", (v,), T.BOOLEAN),), T.BOOLEAN))
        builder.add_join(values, [ScopeColumn(None, "#mark", T.BOOLEAN, hidden=True)], "mark",
                         outer_exprs + [x], dkeys + [v], None, True)  # v is never NULL: x NULL misses
        stats = P.Aggregate(sub, tuple(dkeys), (AggCall("count_star", None, T.BIGINT), AggCall("count", v, T.BIGINT)),
                            tuple(f"#d{j}" for j in range(k)) + ("#rows", "#values"))
        builder.add_join(stats, [ScopeColumn(None, n, t, hidden=True) for n, t in stats.schema], "left",
                         outer_exprs, dkeys, None, True)
        rows, vals = ColRef(nl + 1 + k, T.BIGINT), ColRef(nl + 2 + k, T.BIGINT)
        unknown = Call("and", (X.compare("gt", rows, Lit(0, T.BIGINT)), Call("or", (
            Call("is_null", (x,), T.BOOLEAN), X.compare("lt", vals, rows)), T.BOOLEAN)), T.BOOLEAN)
        return X.case([ColRef(nl, T.BOOLEAN), unknown],
                      [Lit(True, T.BOOLEAN), Lit(None, T.BOOLEAN), Lit(False, T.BOOLEAN)])

    def _attach_pending(self, builder: Builder, pending: list, lifted: dict) -> dict:
        """Join the correlated subqueries of a grouped query's SELECT list, HAVING and ORDER BY
        onto its aggregate's output; their values by placeholder id."""
        out = {}
        for p in pending:
            outer = lifted.get(p["node"].id)
            if outer is None:  # bound, then not used (a discarded attempt)
                continue
            # a subquery inside another's left side was joined first: its value fills the left
            left = [_fill_pending(x, out) for x in outer["left"]]
            out[p["node"].id] = self._join_dependent(builder, p["rel"], p["level"], p["kind"], left,
                                                     p["op"], outer["cols"].__getitem__)
        return out

    # callbacks from ExprBinder for subqueries inside expressions

    def exists(self, eb: ExprBinder, node):
        builder = getattr(eb, "builder", None)
        if builder is None:
            return self._general(eb, node.this, "exists")

        def fast():
            before = len(builder.scope)
            self._mark(builder, node.this, None)
            return ColRef(before, T.BOOLEAN)
        return self._attempt(builder, builder.scope, fast, lambda: self._general(eb, node.this, "exists"))

    def in_subquery(self, eb: ExprBinder, node):
        builder = getattr(eb, "builder", None)
        query = node.args["query"]
        if builder is None or _has_subquery(node.this):  # a subquery on the left is bound over the builder
            return self._general(eb, query, "in", node.this)

        def fast():
            before = len(builder.scope)
            self._mark(builder, query, node.this)
            return ColRef(before, T.BOOLEAN)
        return self._attempt(builder, builder.scope, fast, lambda: self._general(eb, query, "in", node.this))

    def _mark(self, builder, query, lhs):
        rel, _, lkeys, rkeys, resid = self._subquery_join(builder, query, lhs)
        builder.add_join(rel, [ScopeColumn(None, "#mark", T.BOOLEAN, hidden=True)],
                         "mark" if lhs is None else "mark_in",
                         lkeys, rkeys, and_all(resid))

    def quantified(self, eb: ExprBinder, opname: str, lhs, query, is_all: bool):
        """x op ANY|ALL (subquery) as a mark join over (row, subquery value) pairs, with SQL's
        NULL rules; ALL is NOT ANY of the negated comparison."""
        builder = getattr(eb, "builder", None)
        while isinstance(query, exp.Subquery):
            query = query.this
        if is_all:
            opname = {"eq": "ne", "ne": "eq", "lt": "ge", "le": "gt", "gt": "le", "ge": "lt"}[opname]

        def fast():
            rel, _ = self.bind_query(query, builder.scope)
            if len(rel.schema) != 1:
                raise ProgrammingError(f"ANY/ALL subquery returns {len(rel.schema)} columns, expected 1")
            nl = len(builder.scope)
            xb = ExprBinder(builder.scope, self.params, self)
            xb.window_error = NotSupportedError("a window function compared with ANY/ALL (subquery)")
            x = xb.bind(lhs)
            cond = X.compare(opname, x, ColRef(nl, rel.schema[0][1]))
            builder.add_join(rel, [ScopeColumn(None, "#mark", T.BOOLEAN, hidden=True)], "mark_any", (), (), cond)
            return ColRef(nl, T.BOOLEAN)

        def general():
            return self._general(eb, query, "in", lhs, opname)
        mark = general() if builder is None else self._attempt(builder, builder.scope, fast, general)
        return X.negate(mark) if is_all else mark

    def scalar(self, eb: ExprBinder, node):
        query = node.this if isinstance(node, exp.Subquery) else node
        builder = getattr(eb, "builder", None)
        outer_scope = eb.scope if builder is None else builder.scope
        return self._attempt(builder, outer_scope, lambda: self._scalar_fast(query, builder, outer_scope),
                             lambda: self._general(eb, query, "scalar"))

    def _scalar_fast(self, query, builder, outer_scope):
        shared = P.Shared(builder.rel) if builder is not None else None
        saved, self._outer_rel = self._outer_rel, shared
        try:
            rel, names, corr = self.query(query, outer_scope, corr_ok=builder is not None)
        finally:
            self._outer_rel = saved
        if corr:
            builder.rel = shared
        if not corr:
            if len(rel.schema) != 1:
                raise ProgrammingError(f"scalar subquery returns {len(rel.schema)} columns, expected 1")
            return P.ScalarSubquery(rel, rel.schema[0][1])
        value_t = rel.schema[0][1]
        lkeys = [oe for oe, _ in corr]
        rkeys = [ColRef(i, rel.schema[i][1]) for _, i in corr]
        lkeys2, rkeys2 = [], []
        for a, c in zip(lkeys, rkeys):
            a2, c2 = X.coerce_pair(a, c, "compare")
            lkeys2.append(a2)
            rkeys2.append(c2)
        before = len(builder.scope)
        cols = [ScopeColumn(None, f"#sub{i}", t, hidden=True) for i, (_, t) in enumerate(rel.schema)]
        builder.add_join(rel, cols, "left", lkeys2, rkeys2)
        ref = ColRef(before, value_t)
        if _is_bare_count(query):
            return Call("coalesce", (ref, Lit(0, T.BIGINT)), T.BIGINT)
        return ref


# ---------------------------------------------------------------- helpers


def _order_items(node, n: int) -> list:
    """The ORDER BY items; ORDER BY ALL is every output column, left to right."""
    order = node.args.get("order")
    if order is None:
        return []
    items = order.expressions
    if any(isinstance(o.this, exp.Var) and o.this.name.upper() == "ALL" for o in items):
        if len(items) != 1:
            raise ProgrammingError("ORDER BY ALL cannot be combined with other ORDER BY items")
        o = items[0]
        return [exp.Ordered(this=exp.Literal.number(i + 1), desc=o.args.get("desc"),
                            nulls_first=o.args.get("nulls_first")) for i in range(n)]
    return list(items)


def _on_items(sel) -> list:
    d = sel.args.get("distinct")
    on = d.args.get("on") if d is not None else None
    if on is None:
        return []
    return list(on.expressions) if isinstance(on, exp.Tuple) else [on]


def _post_nodes(sel, n: int) -> list:
    """What is bound after the select list: ORDER BY items, then DISTINCT ON expressions."""
    return _order_items(sel, n) + _on_items(sel)


def _names_output(t, names) -> bool:
    """An ORDER BY / DISTINCT ON item that names an output column (a position or an alias)."""
    if isinstance(t, exp.Ordered):
        t = t.this
    return isinstance(t, exp.Literal) and not t.is_string or \
        isinstance(t, exp.Column) and not t.table and t.name.lower() in {n.lower() for n in names}


def _column_outside_aggregate(node) -> bool:
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, exp.Column):
            return True
        if not isinstance(n, (exp.AggFunc, exp.Filter, exp.Subquery, exp.Select, exp.Exists, exp.Window)):
            stack.extend(n.iter_expressions())
    return False


_ROLLS_UP = {"count_star", "count", "sum", "min", "max", "avg"}


def _grouping_sets_plan(rel: P.Rel, keys: list[Expr], sets: list[tuple], aggs: list[AggCall], names) -> P.Rel:
    """GROUPING SETS as a UNION ALL of one aggregate per set, each row laid out as the plain
    Aggregate's (every key, then every aggregate): keys outside the set are NULL and each
    GROUPING(...) call is its set's constant.

    When every aggregate rolls up (sum, count, min, max, avg as sum / count), the input is
    aggregated once by all keys and each set aggregates that result, a far smaller input;
    otherwise (DISTINCT, variance) each set aggregates the input."""
    n = len(keys)
    real = [a for a in aggs if a.func != "grouping"]
    key_at = {k: i for i, k in enumerate(keys)}
    bits = {}
    for a in aggs:
        if a.func == "grouping":
            for x, text in zip(a.arg.args, a.arg.params):
                if x not in key_at:
                    raise ProgrammingError(f'GROUPING() argument "{text}" is not a GROUP BY expression'
                                           if keys else "GROUPING() needs a GROUP BY")
            bits[a] = [key_at[x] for x in a.arg.args]

    def layout(s: tuple, agg_ref) -> list[Expr]:
        """A set's output row over its aggregate's (set keys, then aggregates)."""
        out = [ColRef(s.index(i), keys[i].type) if i in s else Lit(None, keys[i].type) for i in range(n)]
        for a in aggs:
            if a.func == "grouping":
                v = sum(1 << (len(bits[a]) - 1 - j) for j, i in enumerate(bits[a]) if i not in s)
                out.append(Lit(v, T.BIGINT))
            else:
                out.append(agg_ref(s, a))
        return out

    branches = []
    if len(sets) > 1 and all(a.func in _ROLLS_UP and not a.distinct for a in real):
        partials: list[AggCall] = []

        def part(a: AggCall) -> int:
            if a not in partials:
                partials.append(a)
            return partials.index(a)
        # per aggregate: the partial columns it reads, and how a set combines each of them
        plan = {}
        for a in real:
            if a.func == "avg":
                plan[a] = [part(X.make_agg("sum", a.arg, filter=a.filter)),
                           part(AggCall("count", a.arg, T.BIGINT, filter=a.filter))]
            else:
                plan[a] = [part(a)]
        full = tuple(range(n))
        # Each set aggregates the smallest set already planned that holds its keys: a ROLLUP
        # level reads the level above it, not the input.
        order = sorted(set(sets) | {full}, key=len, reverse=True)
        source = {t: min((u for u in order[:k] if set(t) <= set(u)), key=len) for k, t in enumerate(order) if k}
        readers = {t: sets.count(t) + list(source.values()).count(t) for t in order}
        built = {}
        for t in order:
            if t == full:
                node = P.Aggregate(rel, tuple(keys), tuple(partials), tuple(f"#p{i}" for i in range(n + len(partials))))
            else:
                u = source[t]
                merges = tuple(AggCall(p.func if p.func in ("min", "max") else "sum", ColRef(len(u) + j, p.type),
                                       p.type if p.func not in ("count", "count_star") else T.BIGINT)
                               for j, p in enumerate(partials))
                node = P.Aggregate(built[u], tuple(ColRef(u.index(i), keys[i].type) for i in t), merges,
                                   tuple(f"#m{i}" for i in range(len(t) + len(merges))))
            built[t] = P.Shared(node) if readers[t] > 1 else node

        def agg_ref(s, a):
            cols = []
            for j in plan[a]:
                c = ColRef(len(s) + j, partials[j].type)
                if not s and partials[j].func in ("count", "count_star"):
                    c = Call("coalesce", (c, Lit(0, T.BIGINT)), T.BIGINT)  # () over no rows counts 0, not NULL
                cols.append(c)
            return X.arith("div", cols[0], cols[1]) if a.func == "avg" else cols[0]
        branches = [P.Project(built[s], tuple(layout(s, agg_ref)), names) for s in sets]
    else:
        shared = P.Shared(rel) if len(sets) > 1 else rel
        for s in sets:
            agg = P.Aggregate(shared, tuple(keys[i] for i in s), tuple(real),
                              tuple(f"#g{i}" for i in range(len(s) + len(real))))
            branches.append(P.Project(agg, tuple(layout(s, lambda s, a: ColRef(len(s) + real.index(a), a.type))), names))
    return P.SetOp("union", True, tuple(branches)) if len(branches) > 1 else branches[0]


def _union_chain(node: exp.Union, keep_all: bool) -> list:
    """The queries of a left-deep chain of UNIONs that one n-ary union computes: inner UNION
    ALLs always, inner distinct UNIONs only under a distinct one (distinct of a distinct part
    is the distinct of the whole; an ALL over a distinct part is not)."""
    parts = [node.expression]
    inner = node.this
    while (isinstance(inner, exp.Union) and not any(inner.args.get(k) for k in ("order", "limit", "offset", "with"))
           and (not keep_all or inner.args.get("distinct") is False)):
        parts.append(inner.expression)
        inner = inner.this
    parts.append(inner)
    return parts[::-1]


def _strip_not(node) -> tuple[exp.Expression, bool]:
    """A WHERE conjunct without its parentheses and one NOT, and whether there was a NOT."""
    def bare(n):
        while isinstance(n, exp.Paren):
            n = n.this
        return n
    node = bare(node)
    if isinstance(node, exp.Not):
        return bare(node.this), True
    return node, False



def _has_subquery(node) -> bool:
    return node.find(exp.Subquery, exp.Exists, exp.Select) is not None or any(
        isinstance(n, exp.In) and n.args.get("query") is not None for n in node.walk())


def _is_comma(j: exp.Join) -> bool:
    """`FROM a, b`: a join with no kind, side, condition or USING."""
    return not j.args.get("kind") and not j.args.get("side") and j.args.get("on") is None \
        and not j.args.get("using") and not j.args.get("method")


def _is_inner(j: exp.Join) -> bool:
    side = (j.args.get("side") or "").upper()
    kind = (j.args.get("kind") or "").upper()
    method = (j.args.get("method") or "").upper()
    return side == "" and kind in ("", "INNER", "CROSS") and method in ("", "NATURAL")


def _is_natural(j: exp.Join) -> bool:
    return (j.args.get("method") or "").upper() == "NATURAL"


def _join_kind(j: exp.Join) -> str:
    side = (j.args.get("side") or "").upper()
    kind = (j.args.get("kind") or "").upper()
    method = (j.args.get("method") or "").upper()
    if kind in ("SEMI", "ANTI"):
        if side:
            raise ProgrammingError(f'syntax error at or near "{kind}" (DuckDB writes SEMI JOIN / ANTI JOIN)')
        return kind.lower()
    if method == "ASOF":
        return "asof_left" if side == "LEFT" else "asof"
    if method == "POSITIONAL":
        return "positional"
    if method not in ("", "NATURAL"):
        raise NotSupportedError(f"{method} JOIN")
    if side in ("LEFT", "RIGHT", "FULL"):
        return side.lower()
    return "cross" if kind == "CROSS" else "inner"


def _unalias(node):
    return node.this if isinstance(node, exp.Alias) else node


def _name_of(item) -> str:
    return column_name(item)


_sort_key = X.sort_key


def _column_aliases(node) -> list[str]:
    alias = node.args.get("alias")
    if isinstance(alias, exp.TableAlias) and alias.columns:
        return [c.name for c in alias.columns]
    return []


def _cte_columns(cte) -> list[str]:
    alias = cte.args.get("alias")
    if isinstance(alias, exp.TableAlias) and alias.columns:
        return [c.name for c in alias.columns]
    return []


def _unnests_a_column(node) -> bool:
    """unnest(...) of anything but a list written in the query (which is a plain FROM item)."""
    return isinstance(node, exp.Unnest) and not (len(node.expressions) == 1 and isinstance(node.expressions[0], exp.Array))


def _reads_table(node, name: str) -> bool:
    return any(t.name.lower() == name and not t.db for t in node.find_all(exp.Table))


def _cast_rel(rel: P.Rel, types: list[T.SqlType]) -> P.Rel:
    if [t for _, t in rel.schema] == types:
        return rel
    exprs = tuple(X.cast(ColRef(i, t0), t) for i, ((_, t0), t) in enumerate(zip(rel.schema, types)))
    return P.Project(rel, exprs, tuple(n for n, _ in rel.schema))


def _fill_pending(e: Expr | None, values: dict) -> Expr | None:
    if isinstance(e, _Pending):
        return values[e.id]
    if isinstance(e, Call):
        return Call(e.op, tuple(_fill_pending(a, values) for a in e.args), e.type, e.params)
    if isinstance(e, P.WindowCall):
        return e.map(lambda a: _fill_pending(a, values))
    return e


def _null_on_empty(item) -> bool:
    """Whether a select item over aggregates is NULL over no rows (so the NULL of a group that
    does not exist is its value), or is a bare count (which the fast plan makes 0)."""
    e = _unalias(item)
    if isinstance(e, exp.Count):
        return True
    return _strict(e)


_STRICT_OPS = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.IntDiv, exp.Mod, exp.Neg, exp.Cast, exp.Paren)


def _strict(e) -> bool:
    """NULL whenever one of its aggregates is: a non-count aggregate under arithmetic and casts."""
    if isinstance(e, (exp.Sum, exp.Avg, exp.Min, exp.Max)):
        return True
    if isinstance(e, _STRICT_OPS):
        return any(_strict(c) for c in (e.this, e.args.get("expression")) if c is not None)
    return False


def _is_bare_count(query) -> bool:
    while isinstance(query, exp.Subquery):
        query = query.this
    if not isinstance(query, exp.Select) or len(query.expressions) != 1:
        return False
    item = _unalias(query.expressions[0])
    return isinstance(item.this if isinstance(item, exp.Filter) else item, exp.Count)


_FLIP = {"ge": "le", "gt": "lt", "le": "ge", "lt": "gt"}


def asof_condition(residual: list[Expr], nl: int) -> Expr:
    """The one inequality of an ASOF join's condition (besides its equalities), written
    `left op right`; NotSupportedError for anything else."""
    if not residual:
        raise ProgrammingError("ASOF JOIN is missing its inequality (ON l.k = r.k AND l.t >= r.t)")
    if len(residual) != 1 or not (isinstance(residual[0], Call) and residual[0].op in _FLIP):
        raise NotSupportedError("ASOF JOIN takes equalities and exactly one inequality (>=, >, <=, <) "
                                "between a left and a right expression")
    e = residual[0]
    a, b = (refs(x) for x in e.args)
    if a and b and max(a) < nl <= min(b):
        out = e
    elif a and b and max(b) < nl <= min(a):
        out = Call(_FLIP[e.op], (e.args[1], e.args[0]), e.type)
    else:
        raise NotSupportedError("ASOF JOIN's inequality must compare a left expression with a right one")
    if not (out.args[0].type.is_numeric or out.args[0].type.is_temporal):
        raise NotSupportedError(f"ASOF JOIN on an inequality of {out.args[0].type} (numbers, dates and timestamps)")
    return out


def _merge_using(builder: Builder, pairs: list[Expr]):
    """A RIGHT / FULL join's USING columns (l = r pairs): the name stands for coalesce(l, r),
    as in DuckDB, so the right side's keys show where the left has none."""
    cols = list(builder.scope.columns)
    exprs = [ColRef(i, c.type) for i, c in enumerate(cols)]
    for pair in pairs:
        left, right = pair.args
        i = min(refs(left))
        exprs[i] = Call("coalesce", (left, right), left.type)
        cols[i] = ScopeColumn(cols[i].table, cols[i].name, left.type, hidden=cols[i].hidden)
    builder.rel = P.Project(builder.rel, tuple(exprs), tuple(c.name for c in cols))
    builder.scope = Scope(cols)
