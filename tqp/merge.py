"""MERGE INTO: update, delete and insert rows of a table from a source, in one atomic statement.

The target's rows (with their row ids) are FULL JOINed with the source's (numbered) on the
merge condition, by one query that also evaluates every WHEN clause's condition and the values
its action writes. Each pair then takes the first WHEN clause of its kind (MATCHED, NOT MATCHED
[BY TARGET], NOT MATCHED BY SOURCE) whose condition holds, as the SQL standard says. A target
row that two source rows match and that an UPDATE or DELETE would touch is an error (the
standard's cardinality violation) rather than an arbitrary choice. Bare `UPDATE` / `UPDATE SET *`
and `INSERT` / `INSERT *` take the source's columns by position, `INSERT BY NAME` by name, as in
DuckDB. The new table is built completely and checked (NOT NULL, keys, CHECK) before it replaces
the old one, so a failed MERGE changes nothing.

RETURNING evaluates its expressions over the rows the MERGE wrote: an updated row's new
values, a deleted row's old ones, an inserted row; `merge_action` says which ('UPDATE',
'DELETE', 'INSERT'), as in DuckDB and PostgreSQL 17. Only the target's columns are in scope.

>>> import tqp
>>> con = tqp.connect()
>>> _ = con.execute("CREATE TABLE t (id INTEGER, v INTEGER)")
>>> _ = con.execute("INSERT INTO t VALUES (1, 10), (2, 20)")
>>> con.execute("MERGE INTO t USING (SELECT 2 AS id, 99 AS v UNION ALL SELECT 3, 30) AS s ON t.id = s.id "
...             "WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)").rowcount
2
>>> con.execute("SELECT * FROM t ORDER BY id").fetchall()
[(1, 10), (2, 99), (3, 30)]
>>> con.execute("MERGE INTO t USING (SELECT 3 AS id) AS s ON t.id = s.id WHEN MATCHED THEN DELETE "
...             "RETURNING merge_action, *").fetchall()
[('DELETE', 3, 30)]
"""
from __future__ import annotations

import numpy as np
import torch
from sqlglot import exp

from . import types as T
from .column import Column, Dictionary
from .constraints import check_keys, check_not_null, check_references, concat
from .errors import DataError, NotSupportedError, ProgrammingError
from .kernels.selection import any_true, nonzero
from .sql.scope import suggest

_ROWID, _SRCID = "#rowid", "#srcid"


def merge(engine, stmt: exp.Merge, params):
    from .engine import Result, _conform, _put, _scratch_scan, _SCRATCH  # the DML helpers live with the engine
    from .catalog import StoredTable

    target = stmt.this
    name, key, table = engine._stored(target, "merge into")
    source = stmt.args["using"]
    t_alias = target.alias or target.name
    s_alias = source.alias_or_name
    if not s_alias:
        raise ProgrammingError("the MERGE source needs an alias")
    source_names = engine._select(exp.select("*").from_(source.copy()).limit(0), params)[0]
    on = _condition(stmt, t_alias, s_alias)

    whens = stmt.args["whens"].expressions
    clauses, selected = [], [exp.column(_ROWID, t_alias, quoted=True), exp.column(_SRCID, s_alias, quoted=True)]
    for w in whens:
        kind = "source" if w.args.get("source") else "matched" if w.args.get("matched") else "target"
        action, positions, values = _action(w.args["then"], kind, name, table, source_names, s_alias)
        cond = w.args.get("condition")
        clause = {"kind": kind, "action": action, "positions": positions, "cond": None, "values": []}
        if cond is not None:
            clause["cond"] = len(selected)
            selected.append(exp.Case(ifs=[exp.If(this=cond.copy(), true=exp.true())], default=exp.false()))
        clause["values"] = list(range(len(selected), len(selected) + len(values)))
        selected += values
        clauses.append(clause)

    numbered = exp.select("*", exp.alias_(exp.Window(this=exp.RowNumber()), _SRCID, quoted=True)).from_(source.copy())
    query = exp.select(*selected).from_(_scratch_scan(target)).join(
        exp.Subquery(this=numbered, alias=exp.TableAlias(this=exp.to_identifier(s_alias))), on=on, join_type="full")
    rows = torch.arange(table.num_rows, device=engine.device)
    scratch = StoredTable(list(table.names) + [_ROWID], list(table.types) + [T.BIGINT],
                          list(table.columns) + [Column(T.BIGINT, rows)], table.num_rows, hidden=1)
    _, out = engine._select(query, params, {_SCRATCH: scratch})
    rowid, has_t, has_s = out[0].data.to(torch.int64), out[0].valid_mask(), out[1].valid_mask()
    kinds = {"matched": has_t & has_s, "target": has_s & ~has_t, "source": has_t & ~has_s}

    taken = torch.full(has_t.shape, -1, dtype=torch.int64, device=engine.device)
    for i in reversed(range(len(clauses))):  # the first clause that applies wins
        c = clauses[i]
        ok = kinds[c["kind"]]
        if c["cond"] is not None:
            ok = ok & out[c["cond"]].data.to(torch.bool) & out[c["cond"]].valid_mask()
        taken = torch.where(ok, i, taken)

    touched = torch.zeros_like(has_t)
    for i, c in enumerate(clauses):
        if c["action"] in ("update", "delete"):
            touched |= taken == i
    hit = rowid[touched]
    if len(hit) and len(torch.unique(hit)) != len(hit):
        raise DataError(f'MERGE: a row of "{name}" is matched by more than one source row')

    cols = list(table.columns)
    changed = []
    inserted: list[list[Column]] = []
    for i, c in enumerate(clauses):
        pick = nonzero(taken == i)
        if c["action"] == "nothing" or len(pick) == 0:
            continue
        if c["action"] == "update":
            ids = rowid[pick]
            for p, j in zip(c["positions"], c["values"]):
                cols[p] = _put(cols[p], ids, _conform(out[j].take(pick), table.types[p], table.names[p]))
            changed.append(ids)
        elif c["action"] == "insert":
            given = [_conform(out[j].take(pick), table.types[p], table.names[p]) for p, j in zip(c["positions"], c["values"])]
            inserted.append(engine._complete_rows(table, c["positions"], given, len(pick)))
    keep = torch.ones(table.num_rows, dtype=torch.bool, device=engine.device)
    deleted = [rowid[taken == i] for i, c in enumerate(clauses) if c["action"] == "delete"]
    for ids in deleted:
        keep[ids] = False
    count = sum(len(nonzero((taken == i))) for i, c in enumerate(clauses) if c["action"] != "nothing")

    updated = torch.cat(changed) if changed else torch.zeros(0, dtype=torch.int64, device=engine.device)
    deleted = torch.cat(deleted) if deleted else updated[:0]
    written = [("UPDATE", [col.take(updated) for col in cols]), ("DELETE", [col.take(deleted) for col in table.columns])]
    written += [("INSERT", new) for new in inserted]
    if len(updated):
        engine._check_rows(name, table, [col.take(updated) for col in cols], len(updated))
    if any_true(~keep):
        rows_left = nonzero(keep)
        cols = [col.take(rows_left) for col in cols]
    n = len(cols[0]) if cols else 0
    for new in inserted:
        engine._check_rows(name, table, new, len(new[0]))
        cols = [concat([old, add]) for old, add in zip(cols, new)]
        n += len(new[0])
    final = table.with_rows(cols, n)
    check_not_null(name, final)
    check_keys(name, final)
    check_references(engine.catalog.tables, key, final)
    returned = _returning(engine, stmt, target, table, written, params) if stmt.args.get("returning") else None
    engine.catalog.tables[key] = final
    engine.catalog.bump()
    if returned is not None:
        return returned
    return Result(None, count, [])


_ACTIONS = np.array(["DELETE", "INSERT", "UPDATE"], dtype=object)  # merge_action's sorted dictionary


def _returning(engine, stmt, target, table, written, params):
    """RETURNING over the written rows, with merge_action as a hidden column (SELECT * leaves it out)."""
    from .catalog import StoredTable
    from .engine import Result, _SCRATCH, _scratch_scan
    from .io.arrow import to_arrow

    parts = [(action, rows) for action, rows in written if len(rows) and len(rows[0])]
    n = sum(len(rows[0]) for _, rows in parts)
    cols = [concat([rows[i] for _, rows in parts]) if parts else table.columns[i].take(torch.zeros(0, dtype=torch.int64,
            device=engine.device)) for i in range(len(table.names))]
    codes = torch.cat([torch.full((len(rows[0]),), int(np.flatnonzero(_ACTIONS == action)[0]), dtype=torch.int32)
                       for action, rows in parts]) if parts else torch.zeros(0, dtype=torch.int32)
    action = Column(T.VARCHAR, codes.to(engine.device), None, Dictionary(_ACTIONS))
    scratch = StoredTable(list(table.names) + ["merge_action"], list(table.types) + [T.VARCHAR], cols + [action], n,
                          hidden=1)
    query = exp.select(*[e.copy() for e in stmt.args["returning"].expressions]).from_(_scratch_scan(target))
    names, out = engine._select(query, params, {_SCRATCH: scratch})
    table_out = to_arrow(names, out)
    return Result(table_out, table_out.num_rows, [c.type for c in out])


def _condition(stmt, t_alias: str, s_alias: str) -> exp.Expression:
    using = stmt.args.get("using_cond")
    if using:
        return exp.and_(*[exp.EQ(this=exp.column(c.name, t_alias), expression=exp.column(c.name, s_alias))
                          for c in using])
    on = stmt.args.get("on")
    if on is None:
        raise ProgrammingError("MERGE needs ON or USING")
    return on.copy()


def _action(then, kind: str, table_name: str, table, source_names: list[str], s_alias: str):
    """(action, target positions, value expressions) of one WHEN clause."""
    lower_names = [n.lower() for n in table.names]

    def position(col: str) -> int:
        if col.lower() not in lower_names:
            raise ProgrammingError(f'table "{table_name}" has no column "{col}"' + suggest(col, table.names))
        return lower_names.index(col.lower())

    def by_position() -> tuple[list[int], list[exp.Expression]]:
        if len(source_names) < len(table.names):
            raise ProgrammingError(f"the MERGE source has {len(source_names)} columns, the target {len(table.names)}")
        return list(range(len(table.names))), [exp.column(n, s_alias, quoted=True) for n in source_names[:len(table.names)]]

    if isinstance(then, exp.Var):
        word = then.name.upper()
        if word == "DELETE":
            if kind == "target":
                raise ProgrammingError("WHEN NOT MATCHED [BY TARGET] cannot DELETE: there is no target row")
            return "delete", [], []
        if word == "DO NOTHING":
            return "nothing", [], []
        raise NotSupportedError(f"MERGE action {word}")
    if isinstance(then, exp.Update):
        if kind == "target":
            raise ProgrammingError("WHEN NOT MATCHED [BY TARGET] cannot UPDATE: there is no target row")
        items = then.expressions or []
        if not items or isinstance(items[0], exp.Star):
            return ("update", *by_position())
        positions, values = [], []
        for item in items:
            if not isinstance(item, exp.EQ) or not isinstance(item.this, exp.Column):
                raise ProgrammingError(f"MERGE UPDATE SET needs column = value, not {item.sql('duckdb')}")
            p = position(item.this.name)
            if p in positions:
                raise ProgrammingError(f'column "{item.this.name}" is set twice')
            positions.append(p)
            values.append(item.expression.copy())
        return "update", positions, values
    if isinstance(then, exp.Insert):
        if kind != "target":
            raise ProgrammingError("only WHEN NOT MATCHED [BY TARGET] can INSERT")
        cols, vals = then.this or None, then.expression or None
        if cols is None and vals is None or isinstance(cols, exp.Star):
            return ("insert", *by_position())
        items = [] if cols is None else cols.expressions if isinstance(cols, exp.Tuple) else [cols]
        if len(items) == 1 and isinstance(items[0], exp.Alias) and items[0].this.name.upper() == "BY" \
                and items[0].alias.upper() == "NAME":
            return "insert", [position(n) for n in source_names], [exp.column(n, s_alias, quoted=True) for n in source_names]
        if cols is None or vals is None:  # INSERT VALUES (...): the values, for every column in order
            values = [e.copy() for e in (items or (vals.expressions if isinstance(vals, exp.Tuple) else [vals]))]
            if len(values) != len(table.names):
                raise ProgrammingError(f"INSERT has {len(values)} values but the table has {len(table.names)} columns")
            return "insert", list(range(len(values))), values
        positions = [position(c.name) for c in items]
        values = [e.copy() for e in (vals.expressions if isinstance(vals, exp.Tuple) else [vals])]
        if len(values) != len(positions):
            raise ProgrammingError(f"INSERT has {len(values)} values but {len(positions)} target columns")
        return "insert", positions, values
    raise NotSupportedError(f"MERGE action {then.sql('duckdb')[:40]}")
