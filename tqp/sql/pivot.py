"""PIVOT and UNPIVOT, rewritten into plain SQL before binding.

PIVOT becomes a grouped aggregate with one `agg FILTER (WHERE on = value)` column per value
(per combination of values, with several ON columns), grouped by the GROUP BY columns or, as in
DuckDB, by every source column that neither ON nor the aggregates name. Without an IN list the
values are the source's distinct non-NULL values, sorted, which `distinct_rows` reads from the
data when the statement is planned. Columns are named by the value, joined with `_` to the
aggregate's alias (or its SQL) when there are several aggregates or it has an alias.

UNPIVOT becomes a UNION ALL with one branch per listed column: the other columns, the column's
name and its value, NULL values left out, as DuckDB does.

>>> import tqp
>>> con = tqp.connect()
>>> con.register("t", {"g": [1, 1, 2], "k": ["a", "b", "a"], "v": [10, 20, 30]})
>>> con.execute("SELECT * FROM (PIVOT t ON k USING sum(v) GROUP BY g) ORDER BY g").fetchall()
[(1, 10, 20), (2, 30, None)]
>>> con.execute("SELECT * FROM (UNPIVOT (SELECT 1 AS id, 2 AS x, 3 AS y) ON x, y) ORDER BY name").fetchall()
[(1, 'x', 2), (1, 'y', 3)]
"""
from __future__ import annotations

from sqlglot import exp

from ..errors import NotSupportedError, ProgrammingError


def has_pivot(stmt: exp.Expression) -> bool:
    return stmt.find(exp.Pivot) is not None


def expand_pivots(stmt: exp.Expression, columns_of, distinct_rows) -> exp.Expression:
    """stmt with every PIVOT/UNPIVOT rewritten. `columns_of(query)` gives a query's output column
    names; `distinct_rows(query)` runs a query and gives its rows as Python tuples."""
    stmt = stmt.copy()
    while True:
        pivots = list(stmt.find_all(exp.Pivot))
        if not pivots:
            return stmt
        node = pivots[-1]  # an innermost one first: its source may hold no other pivot
        parent = node.parent
        if isinstance(parent, (exp.Table, exp.Subquery)) and node in (parent.args.get("pivots") or []):
            source = parent.copy()
            source.set("pivots", None)
            alias = node.alias or parent.alias
            source.set("alias", None)
            query = _rewrite(node, _as_query(source), columns_of, distinct_rows, standard=True)
            replacement = exp.Subquery(this=query, alias=exp.TableAlias(this=exp.to_identifier(alias or "pivot")))
            if parent is stmt:
                return query
            parent.replace(replacement)
        else:
            query = _rewrite(node, _as_query(node.this), columns_of, distinct_rows, standard=False)
            if node is stmt:
                stmt = query
            else:
                node.replace(exp.Subquery(this=query, alias=exp.TableAlias(this=exp.to_identifier(node.alias or "pivot"))))


def _as_query(source: exp.Expression) -> exp.Select:
    if isinstance(source, exp.Subquery) and not source.alias:
        inner = source.this
        return inner if isinstance(inner, exp.Select) else exp.select("*").from_(source)
    return exp.select("*").from_(source)


def _rewrite(node: exp.Pivot, source: exp.Select, columns_of, distinct_rows, standard: bool) -> exp.Expression:
    if node.args.get("unpivot"):
        return _unpivot(node, source, columns_of, standard)
    return _pivot(node, source, columns_of, distinct_rows, standard)


def _pivot(node, source, columns_of, distinct_rows, standard):
    if standard:
        aggs, ons, group = node.expressions, node.args.get("fields") or [], None
    else:
        aggs, ons = node.args.get("using") or [], node.expressions
        group = node.args.get("group")
    if not aggs:
        raise ProgrammingError("PIVOT needs an aggregate (USING ...)")
    on_cols, listed = [], []
    for on in ons:
        if isinstance(on, exp.In):
            on_cols.append(on.this)
            listed.append(list(on.expressions))
        else:
            on_cols.append(on)
            listed.append(None)
    if not on_cols:
        raise ProgrammingError("PIVOT needs ON columns")
    sub = exp.Subquery(this=source, alias=exp.TableAlias(this=exp.to_identifier("#pivot_source")))
    # the values: listed, or the data's distinct combinations (NULLs left out), sorted
    if all(v is not None for v in listed):
        combos = _product([[(v, _literal_name(v)) for v in values] for values in listed])
    else:
        on_sql = [c.copy() for c in on_cols]
        query = exp.select(*on_sql).from_(sub.copy()).distinct().where(
            exp.and_(*[exp.Not(this=exp.Is(this=c.copy(), expression=exp.null())) for c in on_cols]))
        query = query.order_by(*[exp.Ordered(this=exp.Literal.number(i + 1)) for i in range(len(on_cols))])
        rows = distinct_rows(query)
        combos = [[(_to_literal(v), _value_name(v)) for v in row] for row in rows]
        for i, values in enumerate(listed):  # an IN list restricts its column's values
            if values is not None:
                names = {_literal_name(v) for v in values}
                combos = [c for c in combos if c[i][1] in names]
    used = {c.name.lower() for c in on_cols if isinstance(c, exp.Column)}
    for a in aggs:
        used |= {c.name.lower() for c in a.find_all(exp.Column)}
    if group is not None:
        keys = [g.copy() for g in group.expressions]
    else:
        keys = [exp.column(n, quoted=True) for n in columns_of(source) if n.lower() not in used]
    named = len(aggs) > 1 or any(isinstance(a, exp.Alias) for a in aggs)
    outputs = list(keys)
    for combo in combos:
        cond = exp.and_(*[exp.NullSafeEQ(this=c.copy(), expression=v.copy()) for c, (v, _) in zip(on_cols, combo)])
        base = "_".join(name for _, name in combo)
        for a in aggs:
            agg = a.this if isinstance(a, exp.Alias) else a
            label = f"{base}_{a.alias if isinstance(a, exp.Alias) else agg.sql('duckdb', normalize_functions='lower')}" \
                if named else base
            outputs.append(exp.alias_(exp.Filter(this=agg.copy(), expression=exp.Where(this=cond)), label, quoted=True))
    query = exp.select(*outputs).from_(sub)
    if keys:
        query = query.group_by(*[k.copy() for k in keys])
    return query


def _unpivot(node, source, columns_of, standard):
    if standard:
        fields = node.args.get("fields") or []
        if len(fields) != 1 or not isinstance(fields[0], exp.In) or len(node.expressions) != 1:
            raise NotSupportedError("UNPIVOT with several value columns")
        name_col, value_col = fields[0].this.name, node.expressions[0].name
        cols = fields[0].expressions
    else:
        into = node.args.get("into")
        name_col = into.this.name if into is not None else "name"
        values = into.expressions if into is not None else []
        if len(values) > 1:
            raise NotSupportedError("UNPIVOT with several value columns")
        value_col = values[0].name if values else "value"
        cols = node.expressions
    if any(not isinstance(c, exp.Column) for c in cols):
        raise NotSupportedError("UNPIVOT ON needs plain column names")
    names = [c.name for c in cols]
    listed = {n.lower() for n in names}
    keep = [n for n in columns_of(source) if n.lower() not in listed]
    sub = exp.Subquery(this=source, alias=exp.TableAlias(this=exp.to_identifier("#unpivot_source")))
    branches = []
    for n in names:
        col = exp.column(n, quoted=True)
        branches.append(exp.select(*[exp.column(k, quoted=True) for k in keep],
                                   exp.alias_(exp.Literal.string(n), name_col, quoted=True),
                                   exp.alias_(col, value_col, quoted=True))
                        .from_(sub.copy()).where(exp.Not(this=exp.Is(this=col.copy(), expression=exp.null()))))
    out = branches[0]
    for b in branches[1:]:
        out = exp.union(out, b, distinct=False)
    return out if len(branches) == 1 else exp.select("*").from_(exp.Subquery(this=out, alias=exp.TableAlias(
        this=exp.to_identifier("#unpivot"))))


def _product(lists):
    out = [[]]
    for values in lists:
        out = [c + [v] for c in out for v in values]
    return out


def _literal_name(v: exp.Expression) -> str:
    if isinstance(v, exp.Literal):
        return v.this
    if isinstance(v, exp.Null):
        return "NULL"
    if isinstance(v, exp.Alias):
        return v.alias
    return v.sql("duckdb")


def _value_name(v) -> str:
    return "NULL" if v is None else str(v)


def _to_literal(v) -> exp.Expression:
    if isinstance(v, bool):
        return exp.true() if v else exp.false()
    if isinstance(v, (int, float)):
        return exp.Literal.number(v)
    if v is None:
        return exp.null()
    if isinstance(v, str):
        return exp.Literal.string(v)
    return exp.cast(exp.Literal.string(str(v)), _type_of(v))


def _type_of(v) -> str:
    import datetime
    import decimal
    if isinstance(v, datetime.datetime):
        return "TIMESTAMP"
    if isinstance(v, datetime.date):
        return "DATE"
    if isinstance(v, decimal.Decimal):
        return "DECIMAL(38, %d)" % max(0, -v.as_tuple().exponent)
    raise NotSupportedError(f"PIVOT on values of type {type(v).__name__}")
