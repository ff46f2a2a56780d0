"""The engine: statements in, Arrow results out. The DB-API layer (tqp.dbapi) sits on top.

>>> import pyarrow as pa, torch
>>> eng = Engine(torch.device("cpu"))
>>> eng.register("t", pa.table({"x": [1, 2, 3]}))
>>> eng.execute("SELECT sum(x) AS s FROM t WHERE x > ?", [1]).table.to_pylist()
[{'s': 5}]
"""
from __future__ import annotations

import gc
import re
import sys
import threading
from dataclasses import dataclass

import pyarrow as pa
import sqlglot
import torch
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from . import types as T
from .catalog import Catalog, StoredTable
from .column import Column
from .compile.expr import broadcast, cast_column
from .compile.lower import Context, _concat_columns, lower
from .errors import (Error, InternalError, NotSupportedError, OperationalError,
                     ProgrammingError)
from .io.arrow import from_arrow, to_arrow
from .plan import nodes as P
from .exec.limits import cancellable
from .optimizer import optimize
from .settings import Settings, active
from .sql import expressions as X
from .sql.binder import Binder, Params
from .sql.parse import first_line, parse
from .sql.scope import suggest

_EXPLAIN = re.compile(r"^\s*EXPLAIN\s+(ANALYZE\s+)?", re.IGNORECASE)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
_MAX_DEPTH = 20000


def _locked(method):
    def run(self, *args, **kwargs):
        with self.lock:
            return method(self, *args, **kwargs)
    run.__name__, run.__doc__ = method.__name__, method.__doc__
    return run


@dataclass
class Result:
    table: pa.Table | None
    rowcount: int
    types: list


@dataclass
class _Compiled:
    plan: P.Rel
    names: list[str]
    run: object


class Engine:
    def __init__(self, device: torch.device):
        self.device = torch.device(device)
        self.catalog = Catalog()
        self.settings = Settings()
        self._programs: dict = {}
        # One statement at a time per engine: threads that share a connection queue here
        # instead of interleaving a read-modify-write of the catalog (and losing rows).
        self.lock = threading.RLock()
        self.cancel = threading.Event()  # set by interrupt() from another thread

    def interrupt(self) -> None:
        """Cancel the statement running now (from any thread): it fails with OperationalError
        at its next operator or large allocation, and the connection stays usable."""
        self.cancel.set()

    # ------------------------------------------------------------ catalog

    @_locked
    def register(self, name: str, table: pa.Table) -> None:
        if not isinstance(name, str) or not name:
            raise ProgrammingError("a table name must be a non-empty string")
        if not isinstance(table, pa.Table):
            raise ProgrammingError(f"register() needs a pyarrow.Table here, not {type(table).__name__}")
        try:
            columns = from_arrow(table, self.device)
        except Error:
            raise
        except (ValueError, TypeError, pa.ArrowException) as err:
            raise ProgrammingError(f"cannot register {name!r}: {err}") from None
        names = list(table.column_names)
        self._check_names(names, name)
        key = name.lower()
        self.catalog.views.pop(key, None)
        self.catalog.tables[key] = StoredTable(names, [c.type for c in columns], columns, table.num_rows).collect_stats()
        self.catalog.bump()

    @staticmethod
    def _check_names(names, table):
        seen = set()
        for n in names:
            if n.lower() in seen:
                raise ProgrammingError(f'table "{table}" has two columns named "{n}"')
            seen.add(n.lower())

    @_locked
    def unregister(self, name: str) -> None:
        key = str(name).lower()
        if key in self.catalog.tables:
            del self.catalog.tables[key]
        elif key in self.catalog.views:
            del self.catalog.views[key]
        else:
            raise ProgrammingError(f'table "{name}" is not registered' + suggest(key, self.catalog.names()))
        self.catalog.bump()

    def tables(self) -> list[str]:
        return self.catalog.names()

    @_locked
    def register_model(self, name: str, model) -> None:
        if not isinstance(name, str) or not name:
            raise ProgrammingError("a model name must be a non-empty string")
        from .ml import convert  # the converters pull in nothing until a model is registered
        compiled = convert(model).to(self.device)
        self.catalog.models[name.lower()] = compiled
        self.catalog.bump()

    @_locked
    def unregister_model(self, name: str) -> None:
        key = str(name).lower()
        if key not in self.catalog.models:
            raise ProgrammingError(f'model "{name}" is not registered' + suggest(key, list(self.catalog.models)))
        del self.catalog.models[key]
        self.catalog.bump()

    # ------------------------------------------------------------ statements

    def execute(self, sql: str, params=None) -> Result:
        if not isinstance(sql, str):
            raise ProgrammingError(f"SQL must be a string, not {type(sql).__name__}")
        with self.lock:
            self.cancel.clear()
            with cancellable(self.cancel):
                return self._execute_guarded(sql, params)

    def _execute_guarded(self, sql, params) -> Result:
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, _MAX_DEPTH))
        threads = self.settings.value("threads")
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        try:
            return self._execute(sql, params)
        except Error:
            raise
        except RecursionError:
            raise ProgrammingError("statement is nested too deeply") from None
        except torch.cuda.OutOfMemoryError as err:
            raise OperationalError(f"out of device memory: {err}") from None
        except MemoryError:
            raise OperationalError("out of memory") from None
        except (ParseError, TokenError) as err:
            raise ProgrammingError(f"syntax error: {first_line(err)}") from None
        except sqlglot.errors.SqlglotError as err:
            raise ProgrammingError(str(err)) from None
        except Exception as err:  # a bug in tqp: say so, as a PEP 249 error
            raise InternalError(f"{type(err).__name__}: {err}") from err
        finally:
            sys.setrecursionlimit(limit)

    def _execute(self, sql: str, params) -> Result:
        params = list(params) if params is not None else []
        if isinstance(params, (str, bytes)):
            raise ProgrammingError("parameters must be a sequence")
        explain = _EXPLAIN.match(sql)
        body = sql[explain.end():] if explain else sql
        statements = parse(body)
        if not statements:
            raise ProgrammingError("empty statement")
        if len(statements) > 1 and params:
            raise ProgrammingError("parameters are only allowed with a single statement")
        result = None
        for i, stmt in enumerate(statements):
            _number_placeholders(stmt, len(params))
            stmt.meta["tqp_text"] = (body, i)  # the program cache's key: no regeneration of SQL
            with active(self.settings):
                if explain:
                    return self._explain(stmt, params, analyze=bool(explain.group(1)))
                result = self._statement(stmt, params)
        return result

    def _statement(self, stmt, params) -> Result:
        if isinstance(stmt, (exp.Select, exp.Union, exp.Intersect, exp.Except, exp.Subquery, exp.Values)):
            return self._query(stmt, params)
        if isinstance(stmt, exp.Create):
            return self._create(stmt, params)
        if isinstance(stmt, exp.Drop):
            return self._drop(stmt)
        if isinstance(stmt, exp.Insert):
            return self._insert(stmt, params)
        if isinstance(stmt, (exp.Set, exp.Pragma)) or isinstance(stmt, exp.Command) and stmt.this.upper() == "RESET":
            return self._set(stmt)
        if isinstance(stmt, exp.Command):
            raise NotSupportedError(f"statement {stmt.this.upper()} is not supported")
        raise NotSupportedError(f"statement {type(stmt).__name__.upper()} is not supported")

    def _set(self, stmt) -> Result:
        """SET name = value, SET name TO value, RESET name, PRAGMA name = value."""
        if isinstance(stmt, exp.Command):  # RESET [SESSION|GLOBAL|LOCAL] name
            words = stmt.expression.name.split() if stmt.expression is not None else []
            if not words:
                raise ProgrammingError("RESET needs a setting name")
            self.settings = self.settings.reset(words[-1])
            return Result(None, -1, [])
        items = [stmt] if isinstance(stmt, exp.Pragma) else stmt.expressions
        settings = self.settings
        for item in items:
            eq = item.this
            if not isinstance(eq, exp.EQ) or not isinstance(eq.this, (exp.Column, exp.Identifier)):
                raise NotSupportedError(f"statement {stmt.sql()!r} is not supported")
            value = eq.expression
            if isinstance(value, exp.Boolean):
                value = value.this
            elif isinstance(value, exp.Literal):
                value = value.this
            elif isinstance(value, (exp.Column, exp.Identifier, exp.Var)):
                value = value.name
            elif isinstance(value, exp.Neg) and isinstance(value.this, exp.Literal):
                value = "-" + value.this.this
            elif isinstance(value, exp.Null):
                value = None
            else:
                raise ProgrammingError(f"setting {eq.this.name} needs a constant value")
            settings = settings.with_value(eq.this.name, value)
        self.settings = settings  # all items parsed before any takes effect
        return Result(None, -1, [])

    def _compile(self, stmt, params) -> _Compiled:
        key = (stmt.meta.get("tqp_text") or stmt.sql("duckdb"), tuple((type(p).__name__, repr(p)) for p in params), self.catalog.version,
               self.settings)
        hit = self._programs.get(key)
        if hit is not None:
            return hit
        # Planning allocates many small acyclic objects; the cyclic collector's full passes over
        # them made compile time grow faster than the statement. It runs again afterwards.
        gc_was_on = gc.isenabled()
        gc.disable()
        try:
            binder = Binder(self.catalog, Params(params))
            plan, names = binder.bind_query(stmt)
            plan = optimize(plan)
            compiled = _Compiled(plan, names, lower(plan))
        finally:
            if gc_was_on:
                gc.enable()
        if len(self._programs) > 256:
            self._programs.clear()
        self._programs[key] = compiled
        return compiled

    def _context(self, profile=None) -> Context:
        return Context(self.device, self.catalog.tables, profile, self.catalog.models)

    def _run(self, stmt, params):
        c = self._compile(stmt, params)
        batch = c.run(self._context())
        cols = [broadcast(batch.column(i), batch.length) for i in range(batch.width)]
        return c, cols

    def _query(self, stmt, params) -> Result:
        c, cols = self._run(stmt, params)
        table = to_arrow(c.names, cols)
        return Result(table, table.num_rows, [t for _, t in c.plan.schema])

    def _explain(self, stmt, params, analyze: bool) -> Result:
        if not isinstance(stmt, (exp.Select, exp.Union, exp.Intersect, exp.Except, exp.Subquery)):
            raise NotSupportedError("EXPLAIN of a statement other than a query")
        c = self._compile(stmt, params)
        lines = ["logical plan:", P.render(c.plan), "", "tensor program:", _program_text(c.plan)]
        if analyze:
            profile = []
            c.run(self._context(profile))
            lines += ["", "analyze (operator: ms, rows):"]
            for node, seconds, rows in profile:
                lines.append(f"  {type(node).__name__:<10} {seconds * 1000:9.2f} ms {rows:>10} rows")
        text = "\n".join(lines)
        table = pa.table({"explain": [text]})
        return Result(table, 1, [T.VARCHAR])

    # ------------------------------------------------------------ DDL and DML

    def _create(self, stmt: exp.Create, params) -> Result:
        kind = (stmt.args.get("kind") or "").upper()
        target = stmt.this
        schema_cols = None
        if isinstance(target, exp.Schema):
            schema_cols = target.expressions
            target = target.this
        name = target.name
        key = name.lower()
        if target.db and target.db.lower() not in ("main", "memory"):
            raise ProgrammingError(f'schema "{target.db}" not found')
        exists = self.catalog.lookup(key) is not None
        if exists and stmt.args.get("exists"):
            return Result(None, -1, [])
        if exists and not stmt.args.get("replace"):
            what = "view" if key in self.catalog.views else "table"
            raise ProgrammingError(f'{what} "{name}" already exists')
        if kind == "VIEW":
            query = stmt.expression
            if query is None:
                raise ProgrammingError("CREATE VIEW needs AS SELECT ...")
            if params:
                raise NotSupportedError("parameters in CREATE VIEW")
            _, names = Binder(self.catalog, []).bind_query(query.copy())
            if schema_cols:
                names = [c.name for c in schema_cols]
            self.catalog.tables.pop(key, None)
            self.catalog.views[key] = (query.copy(), names)
            self.catalog.bump()
            return Result(None, -1, [])
        if kind != "TABLE":
            raise NotSupportedError(f"CREATE {kind}")
        if stmt.expression is not None:
            c, cols = self._run(stmt.expression, params)
            names = [c.name for c in schema_cols] if schema_cols else list(c.names)
            self._check_names(names, name)
            stored = StoredTable(names, [col.type for col in cols], cols, len(cols[0]) if cols else 0)
        else:
            names, types = [], []
            for cd in schema_cols or []:
                if not isinstance(cd, exp.ColumnDef):
                    continue  # table constraints (PRIMARY KEY ...) are accepted and not enforced
                kind_node = cd.args.get("kind")
                if kind_node is None:
                    raise ProgrammingError(f'column "{cd.name}" needs a type')
                names.append(cd.name)
                types.append(X.sql_type(kind_node))
            if not names:
                raise ProgrammingError("CREATE TABLE needs at least one column")
            self._check_names(names, name)
            cols = [_empty_column(t, self.device) for t in types]
            stored = StoredTable(names, types, cols, 0)
        self.catalog.views.pop(key, None)
        self.catalog.tables[key] = stored
        self.catalog.bump()
        return Result(None, -1, [])

    def _drop(self, stmt: exp.Drop) -> Result:
        kind = (stmt.args.get("kind") or "").upper()
        store = self.catalog.views if kind == "VIEW" else self.catalog.tables if kind == "TABLE" else None
        if store is None:
            raise NotSupportedError(f"DROP {kind}")
        targets = stmt.args.get("tables") or [stmt.this]
        for target in targets:  # check all first: a failed DROP drops nothing
            name = target.name
            key = name.lower()
            if key not in store and not stmt.args.get("exists"):
                other = "table" if kind == "VIEW" and key in self.catalog.tables else \
                    "view" if kind == "TABLE" and key in self.catalog.views else None
                hint = f' ("{name}" is a {other})' if other else suggest(key, list(store))
                raise ProgrammingError(f'{kind.lower()} "{name}" does not exist{hint}')
        for target in targets:
            store.pop(target.name.lower(), None)
        self.catalog.bump()
        return Result(None, -1, [])

    def _insert(self, stmt: exp.Insert, params) -> Result:
        target = stmt.this
        columns = None
        if isinstance(target, exp.Schema):
            columns = [c.name for c in target.expressions]
            target = target.this
        key = target.name.lower()
        table = self.catalog.tables.get(key)
        if table is None:
            if key in self.catalog.views:
                raise ProgrammingError(f'cannot insert into view "{target.name}"')
            raise ProgrammingError(f'table "{target.name}" does not exist' + suggest(key, self.catalog.names()))
        if stmt.args.get("conflict") or stmt.args.get("returning") or stmt.args.get("overwrite"):
            raise NotSupportedError("INSERT ... ON CONFLICT / RETURNING / OVERWRITE")
        lower_names = [n.lower() for n in table.names]
        if columns is None:
            positions = list(range(len(table.names)))
        else:
            positions = []
            for c in columns:
                if c.lower() not in lower_names:
                    raise ProgrammingError(f'table "{target.name}" has no column "{c}"' + suggest(c, table.names))
                positions.append(lower_names.index(c.lower()))
        source = stmt.expression
        binder = Binder(self.catalog, Params(params))
        if isinstance(source, exp.Values):
            rows = []
            for tup in source.expressions:
                items = tup.expressions if isinstance(tup, exp.Tuple) else [tup]
                if len(items) != len(positions):
                    raise ProgrammingError(
                        f"INSERT has {len(items)} values but {len(positions)} target columns")
                eb = X.ExprBinder(_empty_scope(), binder.params, binder)
                rows.append(tuple(X.cast(eb.bind(e), table.types[p]) for e, p in zip(items, positions)))
            plan = P.Values(tuple(rows), tuple((table.names[p], table.types[p]) for p in positions))
            batch = lower(plan)(self._context())
            new_cols = [broadcast(batch.column(i), batch.length) for i in range(batch.width)]
        else:
            plan, _ = binder.bind_query(source)
            plan = optimize(plan)
            if len(plan.schema) != len(positions):
                raise ProgrammingError(
                    f"INSERT has {len(plan.schema)} values but {len(positions)} target columns")
            batch = lower(plan)(self._context())
            new_cols = []
            for i, p in enumerate(positions):
                col = broadcast(batch.column(i), batch.length)
                if col.type != table.types[p]:
                    if T.common_type(col.type, table.types[p]) is None and not (
                            col.type.is_string or table.types[p].is_string):
                        raise ProgrammingError(
                            f'cannot insert {col.type} into column "{table.names[p]}" of type {table.types[p]}')
                    col = cast_column(col, table.types[p])
                new_cols.append(col)
        n_new = batch.length
        full = []
        for j, t in enumerate(table.types):
            if j in positions:
                full.append(new_cols[positions.index(j)])
            else:
                full.append(Column(t, torch.zeros(n_new, dtype=t.torch_dtype, device=self.device),
                                   torch.zeros(n_new, dtype=torch.bool, device=self.device),
                                   _empty_column(t, self.device).dictionary))
        merged = [_concat_columns([old, new]) for old, new in zip(table.columns, full)]
        # Built completely before the swap: a failure above leaves the table as it was.
        self.catalog.tables[key] = StoredTable(table.names, table.types, merged, table.num_rows + n_new)
        self.catalog.bump()
        return Result(None, n_new, [])


def _empty_scope():
    from .sql.scope import Scope
    return Scope([])


def _empty_column(t: T.SqlType, device) -> Column:
    from .column import Dictionary
    import numpy as np
    return Column(t, torch.zeros(0, dtype=t.torch_dtype, device=device), None,
                  Dictionary(np.array([], dtype=object)) if t.is_string else None)


def _number_placeholders(stmt, given: int):
    """Give `?` placeholders their positions in text order, and check the count."""
    marks = list(stmt.find_all(exp.Placeholder, bfs=False))
    positional = [m for m in marks if m.this is None]
    numbered = [int(m.this) for m in marks if isinstance(m.this, str) and m.this.isdigit()]
    if any(m.this is not None and not (isinstance(m.this, str) and m.this.isdigit()) for m in marks):
        raise NotSupportedError("named parameters are not supported; use ? or $1")
    if positional and numbered:
        raise ProgrammingError("cannot mix ? and $n parameters in one statement")
    for i, m in enumerate(positional):
        m.set("this", str(i + 1))
    needed = len(positional) if positional else (max(numbered) if numbered else 0)
    if needed != given:
        raise ProgrammingError(f"statement has {needed} parameter(s) but {given} were given")


def _program_text(rel: P.Rel, indent: int = 0) -> str:
    """The tensor operations each operator runs, as a tree."""
    pad = "  " * indent
    what = {
        P.Scan: lambda r: f"scan {r.table}: {len(r.columns)} column tensors, no copy",
        P.Filter: lambda r: "mask = predicate(columns); index = nonzero(mask); compose selection",
        P.Project: lambda r: f"evaluate {sum(not isinstance(e, P.ColRef) for e in r.exprs)} expression(s) lazily",
        P.Aggregate: lambda r: (f"keys = dense_keys({len(r.keys)} cols); ids = group_ids(keys); " if r.keys else "ids = 0; ")
        + ", ".join(f"{a.func} via " + ("bincount" if a.func.startswith("count") else "scatter_add_/scatter_reduce") for a in r.aggs),
        P.Join: lambda r: f"{r.kind} join: join_keys; " + ("equi_join (direct address or sort+searchsorted)" if r.left_keys else "cross product")
        + ("; residual mask" if r.residual is not None else ""),
        P.Sort: lambda r: ("top_k" if r.limit is not None else "lexsort (stable argsort per key)") + f" over {len(r.keys)} key(s); gather",
        P.Limit: lambda r: "slice selection",
        P.Distinct: lambda r: "dense_keys over all columns; first row per group",
        P.SetOp: lambda r: f"{r.kind}{' all' if r.all else ''}: concat; dense_keys; counts per group",
        P.Values: lambda r: f"{len(r.rows)} literal row(s)",
        P.Shared: lambda r: "computed once, read by two operators",
    }[type(rel)](rel)
    return "\n".join([f"{pad}{type(rel).__name__}: {what}"] + [_program_text(c, indent + 1) for c in rel.inputs()])
