"""Binding queries: a parsed sqlglot SELECT (or set operation) to a typed logical plan.

Names, types and scopes only: joins are bound as written, inner ones with their conjuncts as
one filter over them (tqp.optimizer places and orders them); a subquery in WHERE, SELECT,
HAVING, ORDER BY, ON or LATERAL becomes an Apply node whose plan reads the outer row's columns
as OuterRef (tqp.optimizer.decorrelate makes joins of it); aggregates go through one Aggregate
node whose keys and calls are matched back into the SELECT list, HAVING and ORDER BY.

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
from ..errors import DataError, NotSupportedError, ProgrammingError
from ..plan import nodes as P
from ..plan.decorrelate import map_outer_refs, plan_outer_refs, rebase
from ..plan.nodes import AggCall, Call, ColRef, Expr, Lit, OuterRef, and_all, equi_pair, refs, walk
from . import expressions as X
from . import windows as W
from .columns_expr import expand_columns
from .expressions import ExprBinder, arg, conjuncts
from .names import column_name
from .scope import Scope, ScopeColumn, suggest


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


@dataclass
class _Level:
    """An enclosing query whose columns a subquery being bound may read (as OuterRef)."""
    id: int
    scope: Scope


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

    def add_join(self, right: P.Rel, right_cols: list[ScopeColumn], kind: str, lkeys, rkeys, residual=None):
        self.rel = P.Join(self.rel, right, kind, tuple(lkeys), tuple(rkeys), residual)
        self.scope = Scope(self.scope.columns + right_cols)


class Binder:
    def __init__(self, catalog: Catalog, params, ctes: dict | None = None):
        self.catalog = catalog
        self.params = params if isinstance(params, Params) else Params(params)
        self.ctes: dict[str, exp.Expression] = dict(ctes or {})
        self._view_depth = 0
        self._cte_plans: dict[int, tuple] = {}  # id(CTE node) -> (Shared plan, names, node)
        self._working: dict[str, tuple] = {}  # recursive CTE name -> (WorkingTable, names) in its step
        self._levels: list[_Level] = []  # enclosing queries of the subquery being bound, innermost last
        self._n_levels = 0

    # ------------------------------------------------------------ queries

    def bind_query(self, node: exp.Expression):
        """Plan for a query and its output names."""
        if isinstance(node, exp.Subquery):
            inner_rel, names = self.bind_query(node.this)
            return self._order_limit_only(node, inner_rel, names), names
        with_ = arg(node, "with")
        saved = dict(self.ctes)
        try:
            if with_ is not None:
                for cte in with_.expressions:
                    self.ctes[cte.alias_or_name.lower()] = cte
                    if with_.args.get("recursive"):
                        cte.meta["tqp_recursive"] = True
            if isinstance(node, exp.Select):
                return self.select(node)
            if isinstance(node, (exp.Union, exp.Intersect, exp.Except)):
                rel = self.set_op(node)
                return rel, [n for n, _ in rel.schema]
            if isinstance(node, exp.Values):
                rel, cols = self.values(node)
                return rel, [c.name for c in cols]
            raise NotSupportedError(f"{type(node).__name__} as a query")
        finally:
            self.ctes = saved

    def set_op(self, node):
        kind = {exp.Union: "union", exp.Intersect: "intersect", exp.Except: "except"}[type(node)]
        distinct = node.args.get("distinct")
        keep_all = not distinct if distinct is not None else False
        parts = _union_chain(node, keep_all) if kind == "union" else [node.this, node.expression]
        bound = [self.bind_query(q) for q in parts]
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
        options = limit.args.get("limit_options") if limit is not None else None
        if options is not None and options.args.get("with_ties"):
            raise NotSupportedError("LIMIT ... WITH TIES")
        k = self._const_int(offset.expression if offset is not None else None, "OFFSET") or 0
        if options is not None and options.args.get("percent"):
            return P.Limit(rel, None, k, self._limit_percent(limit.expression))
        n = self._const_int(limit.expression if limit is not None else None, "LIMIT")
        if isinstance(rel, P.Sort) and rel.limit is None:
            return P.Sort(rel.input, rel.keys, n, k)
        return P.Limit(rel, n, k)

    def _limit_percent(self, node) -> float:
        e = ExprBinder(Scope([]), self.params, self).bind(node)
        if not isinstance(e, Lit) or not (e.type.is_numeric or e.type.kind == "NULL") or e.value is None:
            raise ProgrammingError("LIMIT ... PERCENT needs a constant number")
        share = e.value / 10 ** e.type.scale if e.type.is_decimal else float(e.value)
        if not 0 <= share <= 100:
            raise DataError(f"Limit percent out of range, should be between 0% and 100%, not {share:g}%")
        return share

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

    def select(self, sel: exp.Select):
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
        builder = self.from_where(sel)
        group = arg(sel, "group")
        having = sel.args.get("having")
        select_items = self._expand_stars(sel, builder.scope)
        grouped = group is not None or having is not None or any(X.contains_agg(e) for e in select_items) \
            or any(X.contains_agg(o) for o in order_items) or qualify is not None and X.contains_agg(qualify.this)
        if any(item.find(exp.Explode) for item in select_items):
            if grouped or windowed:
                raise NotSupportedError("unnest() in the SELECT list of a grouped or windowed query")
            select_items = self._unnest(builder, select_items)

        if grouped:
            rel, out_exprs, names, scope_after, order_exprs, qualify_e = self._aggregate(
                sel, builder, select_items, named)
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

        return self._finish(sel, rel, scope_after, out_exprs, names, order_exprs)

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
                item = _name_positionals(item, scope)
                if item.find(exp.Columns):
                    items += expand_columns(item, [c for c in scope.columns if not c.hidden],
                                            lambda s: ExprBinder(s, self.params, self))
                else:
                    items.append(item)
                continue
            star_node = item if isinstance(item, exp.Star) else item.this
            renamed = {r.this.name.lower(): r.alias for r in star_node.args.get("rename") or []}
            excluded = {c.name.lower(): c for c in star_node.args.get("except_") or star_node.args.get("except") or []}
            replaced = {r.alias.lower(): r.this for r in star_node.args.get("replace") or []}
            cols = [c for c in scope.columns if (not c.hidden or c.merged and star_table is not None)
                    and (star_table is None or c.table == star_table)]
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

    def _aggregate(self, sel, builder: Builder, items, named=None):
        scope = builder.scope
        gb = ExprBinder(scope, self.params, self)
        gb.window_error = "GROUP BY clause cannot contain window functions"
        keys, sets = self._group_by(arg(sel, "group"), items, gb)
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
        if sets == [frozenset(range(n_keys))] and not any(a.func == "grouping" for a in aggs):
            rel = P.Aggregate(builder.rel, tuple(keys), tuple(aggs), out_names)
        else:
            for a in aggs:
                if a.func == "grouping":
                    for x, text in zip(a.arg.args, a.arg.params):
                        if x not in key_index:
                            raise ProgrammingError(f'GROUPING() argument "{text}" is not a GROUP BY expression'
                                                   if keys else "GROUPING() needs a GROUP BY")
            rel = P.GroupingSets(builder.rel, tuple(keys), tuple(tuple(sorted(s)) for s in sets), tuple(aggs),
                                 out_names)
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

    def _finish(self, sel, rel, scope, outs, names, post_exprs):
        """Projection, DISTINCT (ON), ORDER BY and LIMIT for a SELECT. `post_exprs` are the
        ORDER BY and DISTINCT ON expressions when an aggregate bound them (None: bind here)."""
        distinct_node = sel.args.get("distinct")
        on = distinct_node.args.get("on") if distinct_node is not None else None
        distinct = distinct_node is not None and on is None
        n_out = len(outs)
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

    def from_where(self, sel: exp.Select) -> Builder:
        """The joined, filtered input of a SELECT."""
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
            on_conds, group = [], 0  # a comma binds looser than JOIN: USING sees its group's items
            for j in joins:
                if _is_comma(j):
                    group = len(items)
                items.append(self.source(j.this))
                if j.args.get("using") or _is_natural(j):
                    on_conds += self._using(items[group:], j, sum(len(cols) for _, cols in items[:group]))
                if j.args.get("on") is not None:
                    on_conds += conjuncts(j.args["on"])
            rel = items[0][0]
            for right, _ in items[1:]:  # in written order: the optimizer orders them
                rel = P.Join(rel, right, "cross")
            return self._where_inner(Builder(rel, Scope([c for _, cols in items for c in cols])),
                                     on_conds + conds)
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
                    preds[-1] = Call("ge", preds[-1].args, T.BOOLEAN, preds[-1].params)
            if on is not None:
                preds += conjuncts(on)
            eb = ExprBinder(scope, self.params, self)
            bound = [c if isinstance(c, Expr) else eb.bool_expr(c, "ON condition") for c in preds]
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
        return self._where(builder, conds)

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
        rel, level = self._bind_subquery(builder.scope, query)
        alias = (node.alias or "").lower() or None
        _, cols = self._derived(rel, [n for n, _ in rel.schema], alias, _column_aliases(node))
        builder.rel = P.Apply(builder.rel, rel, "left lateral" if kind == "left" else "lateral", level)
        builder.scope = Scope(builder.scope.columns + cols)

    def _using(self, items, j, offset: int = 0) -> list[Expr]:
        """The `l = r` conditions of USING / NATURAL, bound by position over the items' columns
        side by side (the sides may share a qualifier, or have none: two derived tables);
        each right column is marked merged. `offset` is the first item's position in the scope."""
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
            lt = [i for i, c in enumerate(lcols) if c.name.lower() == name.lower() and not c.hidden]
            rt = [i for i, c in enumerate(rcols) if c.name.lower() == name.lower() and not c.hidden]
            if not lt or not rt:
                raise ProgrammingError(f'USING column "{name}" is not on both sides of the join')
            left = ColRef(offset + lt[0], lcols[lt[0]].type)
            right = ColRef(offset + len(lcols) + rt[0], rcols[rt[0]].type)
            out.append(X.compare("eq", left, right))
            # USING merges the pair: the unqualified name and SELECT * mean the left column.
            c = rcols[rt[0]]
            rcols[rt[0]] = ScopeColumn(c.table, c.name, c.type, hidden=True, merged=True)
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
            if obj is None and not virtual and "." not in name:  # schema main: the caller's Python variables
                python = self.catalog.python_source(node.name)
                name, obj = (python, self.catalog.lookup(python)) if python else (name, None)
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
        builder = self.from_where(sel)
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

    def _where_inner(self, builder: Builder, conds):
        """The WHERE and ON conjuncts of inner joins: the plain ones as one filter straight over
        the joins (inside any subplan a subquery shares), then the subqueries, then the
        conjuncts that read an enclosing query's columns (a correlation, for the optimizer to
        find on top)."""
        eb = ExprBinder(builder.scope, self.params, self)
        eb.window_error = "WHERE clause cannot contain window functions"
        plain, deferred, correlated = [], [], []
        for c in conds:
            if isinstance(c, Expr):  # (already bound: USING's conditions)
                plain.append(c)
                continue
            if _has_subquery(c):
                deferred.append(c)
                continue
            e = eb.bool_expr(c, "WHERE condition")
            (correlated if any(isinstance(n, OuterRef) for n in walk(e)) else plain).append(e)
        if plain:
            builder.rel = P.Filter(builder.rel, and_all(plain))
        return self._where(builder, deferred, correlated)

    def _where(self, builder: Builder, conds, bound=()) -> Builder:
        """Remaining WHERE conjuncts: [NOT] EXISTS / IN (subquery) as filtering Applies, the
        rest (with the `bound` ones) as one filter."""
        plain = []
        for c in conds:
            node, negated = _strip_not(c)
            if isinstance(node, exp.Exists):
                self._where_subquery(builder, node.this, None, negated)
            elif isinstance(node, exp.In) and node.args.get("query") is not None and not _has_subquery(node.this):
                self._where_subquery(builder, node.args["query"], node.this, negated)
            else:  # (a subquery on IN's left side is bound over the builder's rows first: a mark)
                plain.append(c)
        eb = ExprBinder(builder.scope, self.params, self)
        eb.builder = builder
        eb.window_error = "WHERE clause cannot contain window functions"
        preds = [eb.bool_expr(c, "WHERE condition") for c in plain] + list(bound)
        if preds:
            builder.rel = P.Filter(builder.rel, and_all(preds))
        return builder

    def _where_subquery(self, builder: Builder, query, lhs, negated: bool):
        """[NOT] EXISTS / [NOT] IN (subquery) as a WHERE conjunct: an Apply keeping the rows it holds for."""
        kind = ("not " if negated else "") + ("exists" if lhs is None else "in")
        eb = ExprBinder(builder.scope, self.params, self)
        eb.window_error = "WHERE clause cannot contain window functions"
        left = self._left_items(eb, lhs)
        rel, level = self._bind_subquery(builder.scope, query)
        builder.rel = P.Apply(builder.rel, rel, kind, level, self._condition(kind, left, rel, len(builder.scope)))

    # ------------------------------------------------------------ correlated subqueries

    def outer_column(self, name: str, table: str | None):
        """A column no scope of the query being bound has, found in an enclosing query: a free
        variable of this subquery. None when no enclosing query has it either."""
        for lv in reversed(self._levels):
            if lv.scope.has(name, table):
                i = lv.scope.resolve(name, table)
                return OuterRef(lv.id, i, lv.scope.columns[i].type)
        return None

    def _bind_subquery(self, scope: Scope, query) -> tuple[P.Rel, int]:
        """A subquery's plan, reading the columns of `scope` (the outer row) as OuterRef at a
        new level, and that level."""
        self._n_levels += 1
        level = self._n_levels
        self._levels.append(_Level(level, scope))
        try:
            rel, _ = self.bind_query(query)
        finally:
            self._levels.pop()
        return rel, level

    def _left_items(self, eb: ExprBinder, lhs) -> list[Expr]:
        """The left side of IN / ANY, bound in the caller's terms."""
        if lhs is None:
            return []
        return [eb.bind(i) for i in (lhs.expressions if isinstance(lhs, exp.Tuple) else [lhs])]

    @staticmethod
    def _condition(kind: str, left: list[Expr], rel: P.Rel, nl: int, op: str = "eq") -> Expr | None:
        """An Apply's condition over the outer row's nl columns and then the subquery's:
        `x = value` per IN item; `x op value` for ANY."""
        if not left:
            return None
        width = len(rel.schema)
        if kind == "any":
            if width != 1:
                raise ProgrammingError(f"ANY/ALL subquery returns {width} columns, expected 1")
            return X.compare(op, left[0], ColRef(nl, rel.schema[0][1]))
        if width != len(left):
            raise ProgrammingError(f"IN subquery returns {width} column(s) but the left side has {len(left)}")
        pairs = [X.coerce_pair(x, ColRef(nl + i, t), "compare") for i, (x, (_, t)) in enumerate(zip(left, rel.schema))]
        return and_all([Call("eq", pair, T.BOOLEAN) for pair in pairs])

    def _subquery(self, eb: ExprBinder, query, kind: str, lhs=None, op: str = "eq") -> Expr:
        """A subquery inside an expression: its value (kind scalar), EXISTS, IN or op ANY, from
        an Apply onto the rows of the expression's builder (in a grouped query's SELECT list,
        HAVING or ORDER BY, onto the aggregate's output once it exists)."""
        builder = getattr(eb, "builder", None)
        # the left side of IN / ANY in the caller's terms (HAVING count(*) IN (...) aggregates).
        # A window there is computed over the builder's rows first (the join cannot evaluate
        # one), where the query's other windows see the same rows; a grouped query's placeholders
        # have no such rows yet.
        saved = eb.windows, eb.window_error
        if builder is None or getattr(eb, "pending", None) is not None:
            what = "IN" if kind == "mark" else "IN/ANY/ALL"
            eb.windows, eb.window_error = None, NotSupportedError(f"a window function on the left of {what} (subquery)")
        try:
            left = self._left_items(eb, lhs)
        finally:
            eb.windows, eb.window_error = saved
        if builder is not None and any(isinstance(n, P.WindowCall) for x in left for n in walk(x)):
            builder.rel, left = W.plan_windows(builder.rel, left)
            added = builder.rel.schema[len(builder.scope):]
            builder.scope = Scope(builder.scope.columns + [ScopeColumn(None, n, t, hidden=True) for n, t in added])
        scope = builder.scope if builder is not None else eb.scope
        rel, level = self._bind_subquery(scope, query)
        if kind == "scalar" and len(rel.schema) != 1:
            raise ProgrammingError(f"scalar subquery returns {len(rel.schema)} columns, expected 1")
        self._condition(kind, left, rel, len(scope), op)  # the column count is checked here, whatever the position
        outer = plan_outer_refs(rel)
        if kind == "scalar" and not outer:
            return P.ScalarSubquery(rel, rel.schema[0][1])
        if kind == "mark" and lhs is None and not outer and builder is None:
            # an uncorrelated EXISTS where no Apply can carry it (inside another subquery's
            # left side): a constant, from a count of the subquery's rows
            counted = P.Aggregate(P.Limit(rel, 1, 0), (), (AggCall("count_star", None, T.BIGINT),), ("#n",))
            return X.compare("gt", P.ScalarSubquery(counted, T.BIGINT), Lit(0, T.BIGINT))
        if builder is None:
            pending = getattr(eb, "pending", None)
            if pending is None:
                raise NotSupportedError("a correlated subquery in this position")
            e = _Pending(len(pending), T.BOOLEAN if kind != "scalar" else rel.schema[0][1])
            pending.append({"node": e, "rel": rel, "level": level, "kind": kind, "left": left, "op": op})
            return e
        return self._apply(builder, rel, level, kind, left, op)

    def _apply(self, builder: Builder, rel: P.Rel, level: int, kind: str, left=(), op="eq") -> Expr:
        """An Apply of the subquery onto the builder's rows; its value column over the new scope."""
        nl = len(builder.scope)
        builder.rel = P.Apply(builder.rel, rel, kind, level, self._condition(kind, list(left), rel, nl, op))
        t = rel.schema[0][1] if kind == "scalar" else T.BOOLEAN
        builder.scope = Scope(builder.scope.columns + [ScopeColumn(None, "#sub", t, hidden=True)])
        return ColRef(nl, t)

    def _attach_pending(self, builder: Builder, pending: list, lifted: dict) -> dict:
        """Apply the correlated subqueries of a grouped query's SELECT list, HAVING and ORDER BY
        onto its aggregate's output; their values by placeholder id."""
        out = {}
        for p in pending:
            outer = lifted.get(p["node"].id)
            if outer is None:  # bound, then not used (a discarded attempt)
                continue
            # a subquery inside another's left side was applied first: its value fills the left
            left = [_fill_pending(x, out) for x in outer["left"]]
            cols, level = outer["cols"], p["level"]
            rel = map_outer_refs(p["rel"], lambda o, cols=cols, level=level:
                                 OuterRef(level, cols[o.index].index, o.type) if o.level == level else None)
            out[p["node"].id] = self._apply(builder, rel, level, p["kind"], left, p["op"])
        return out

    # callbacks from ExprBinder for subqueries inside expressions

    def exists(self, eb: ExprBinder, node):
        return self._subquery(eb, node.this, "mark")

    def in_subquery(self, eb: ExprBinder, node):
        return self._subquery(eb, node.args["query"], "mark", node.this)

    def quantified(self, eb: ExprBinder, opname: str, lhs, query, is_all: bool):
        """x op ANY|ALL (subquery), with SQL's NULL rules; ALL is NOT ANY of the negated comparison."""
        while isinstance(query, exp.Subquery):
            query = query.this
        if is_all:
            opname = {"eq": "ne", "ne": "eq", "lt": "ge", "le": "gt", "gt": "le", "ge": "lt"}[opname]
        mark = self._subquery(eb, query, "any", lhs, opname)
        return X.negate(mark) if is_all else mark

    def scalar(self, eb: ExprBinder, node):
        return self._subquery(eb, node.this if isinstance(node, exp.Subquery) else node, "scalar")


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
    # ORDER BY #k is the k-th output column, as ORDER BY k is
    return [exp.Ordered(this=exp.Literal.number(o.this.this.this), desc=o.args.get("desc"),
                        nulls_first=o.args.get("nulls_first")) if isinstance(o.this, exp.PositionalColumn) else o
            for o in items]


def _name_positionals(item, scope: Scope):
    """A bare `#k` select item named after the column it reads, as DuckDB names it."""
    if not isinstance(item, exp.PositionalColumn):
        return item
    return exp.alias_(item, scope.columns[X.positional_column(scope, item)].name, quoted=True)


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
    merged = {}
    for pair in pairs:
        left, right = pair.args
        merged[min(refs(left))] = Call("coalesce", (left, right), left.type)
    cols, exprs = [], []
    for i, c in enumerate(builder.scope.columns):
        if i in merged:  # the bare name: coalesce(l, r); l itself stays readable as t.name
            cols += [ScopeColumn(None, c.name, c.type), ScopeColumn(c.table, c.name, c.type, hidden=True, merged=True)]
            exprs += [merged[i], ColRef(i, c.type)]
        else:
            cols.append(c)
            exprs.append(ColRef(i, c.type))
    builder.rel = P.Project(builder.rel, tuple(exprs), tuple(c.name for c in cols))
    builder.scope = Scope(cols)
