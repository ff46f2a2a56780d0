"""The engine: statements in, Arrow results out. The DB-API layer (tqp.dbapi) sits on top.

>>> import pyarrow as pa, torch
>>> eng = Engine(torch.device("cpu"))
>>> eng.register("t", pa.table({"x": [1, 2, 3]}))
>>> eng.execute("SELECT sum(x) AS s FROM t WHERE x > ?", [1]).table.to_pylist()
[{'s': 5}]
"""
from __future__ import annotations

import gc
import os
import re
import sys
import threading
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, replace

import pyarrow as pa
import sqlglot
import torch
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from . import catalog_sql, types as T
from .catalog import Catalog, ForeignKey, Index, Key, StoredTable, user_types
from .column import Column
from .compile.expr import broadcast, cast_column, unify_strings
from .compile.lower import Context, lower
from .constraints import check_keys, check_not_null, check_references, concat, conflicts, duplicate_row, key_text
from .errors import (DataError, Error, IntegrityError, InternalError, NotSupportedError, OperationalError,
                     ProgrammingError)
from .exec.memory import give_back_memory
from .exec.progress import Progress
from .io.arrow import from_arrow, to_arrow
from .kernels.selection import all_true, nonzero
from .merge import merge
from . import udf as _udf  # noqa: F401 - registers the Python-function kernel
from .plan import nodes as P
from .plan.nodes import record_slots
from .exec.limits import cancellable
from .optimizer import optimize
from .physical.explain import Profile, explain
from .settings import Settings, active, current as current_settings, free_threads
from .sql import expressions as X
from .sql.expressions import python_literal
from .sql.binder import Binder, Params
from .sql.parse import Shape, cut_literal_lists, first_line, parse, restore_literal_lists
from .sql.pivot import expand_pivots, has_pivot
from . import functions as F
from .sql.macros import define, expand_macros
from .sql.scope import suggest

_EXPLAIN = re.compile(r"^\s*EXPLAIN\s+(ANALYZE\s+)?", re.IGNORECASE)
_REINDEX = re.compile(r"^\s*REINDEX\b\s*([^;]*?)\s*;?\s*$", re.IGNORECASE)
_MODEL_STATEMENT = re.compile(r"^\s*(CREATE\s+(OR\s+REPLACE\s+)?|DROP\s+)MODEL\b", re.IGNORECASE)
# SQLite's and MySQL's REPLACE INTO is INSERT OR REPLACE INTO (sqlglot does not parse it)
_REPLACE_INTO = re.compile(r"^(\s*)REPLACE(\s+INTO\b)", re.IGNORECASE)
_VIRTUAL = re.compile(r"\)\s*VIRTUAL\b", re.IGNORECASE)  # GENERATED ALWAYS AS (e) VIRTUAL: sqlglot knows no VIRTUAL
# INSERT INTO t BY POSITION is the plain INSERT; sqlglot knows only BY NAME
_BY_POSITION = re.compile(r"^(\s*INSERT\s+(?:OR\s+\w+\s+)?INTO\s+(?:\"[^\"]*\"|[\w.])+)\s+BY\s+POSITION\b", re.IGNORECASE)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
_MAX_DEPTH = 20000


def _locked(method):
    def run(self, *args, **kwargs):
        with self.lock:
            return method(self, *args, **kwargs)
    run.__name__, run.__doc__ = method.__name__, method.__doc__
    return run


class Result:
    """A statement's outcome. A query's rows stay the engine's columns, on the device, until
    `table` is first read: a caller that wants tensors (tqp.QueryResult.torch) never copies
    them to the host."""

    def __init__(self, table: pa.Table | None, rowcount: int, types: list, names=None, columns=None):
        self._table, self.rowcount, self.types = table, rowcount, types
        self.columns = columns
        self.zone = current_settings().timezone  # instants are shown in the zone of the statement's session
        self.names = list(names) if names is not None else table.column_names if table is not None else None

    @property
    def table(self) -> pa.Table | None:
        if self._table is None and self.columns is not None:
            self._table = to_arrow(self.names, self.columns, self.zone)
        return self._table


@dataclass
class _Compiled:
    plan: P.Rel
    names: list[str]
    run: object


def _operator_count(plan: P.Rel) -> int:
    count = 0

    def one(rel):
        nonlocal count
        count += 1
        return rel
    P.transform(plan, one)  # (visits a shared subplan once)
    return count


def _transaction_control(stmt) -> str | None:
    """begin / commit / rollback for a statement that is one, "nothing" for maintenance
    statements that have nothing to do here (ANALYZE, VACUUM, CHECKPOINT), else None. (sqlglot
    reads START TRANSACTION as an alias, and END / ABORT / CHECKPOINT as a column.)"""
    if isinstance(stmt, exp.Transaction):
        return "begin"
    if isinstance(stmt, exp.Commit):
        return "commit"
    if isinstance(stmt, exp.Rollback):
        if stmt.args.get("savepoint"):
            raise NotSupportedError("savepoints")
        return "rollback"
    if isinstance(stmt, exp.Alias) and isinstance(stmt.this, exp.Column) and stmt.this.name.upper() == "START" \
            and stmt.alias.upper() == "TRANSACTION":
        return "begin"
    if isinstance(stmt, exp.Column) and not stmt.table:
        return {"END": "commit", "ABORT": "rollback", "CHECKPOINT": "nothing"}.get(stmt.name.upper())
    if isinstance(stmt, exp.Analyze) or isinstance(stmt, exp.Command) and stmt.this.upper() in ("VACUUM", "CHECKPOINT"):
        return "nothing"  # statistics are kept from load on, and tables live in memory
    return None


_heap_frozen = False


def _freeze_startup_heap() -> None:
    """Move the objects that exist when the first engine starts (torch's, sqlglot's, pyarrow's
    modules: hundreds of thousands) out of the cyclic collector's reach, once per process.
    They live as long as the process anyway, and every full collection that planning
    triggers would otherwise traverse them all again."""
    global _heap_frozen
    if not _heap_frozen:
        _heap_frozen = True
        gc.freeze()


@contextmanager
def _front_end():
    """Parsing and planning allocate many small acyclic objects; the cyclic collector's full
    passes over them made compile time grow faster than the statement. It runs again after."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


class Engine:
    def __init__(self, device: torch.device):
        _freeze_startup_heap()
        self.device = torch.device(device)
        self.catalog = Catalog(device=self.device)
        self.settings = Settings()
        self._programs: dict = {}  # by statement text and parameter values
        self._shapes: dict = {}  # by statement shape: [(pinned slot values, program)]
        # One statement at a time per engine: threads that share a connection queue here
        # instead of interleaving a read-modify-write of the catalog (and losing rows).
        self.lock = threading.RLock()
        self.cancel = threading.Event()  # set by interrupt() from another thread
        self.transaction: dict | None = None  # the catalog as BEGIN found it, while one is open

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
        self.store(name, list(table.column_names), columns, table.num_rows)

    @_locked
    def store(self, name: str, names: list[str], columns: list[Column], num_rows: int) -> None:
        """Make columns already on this engine's device table `name` (register's last step;
        tensors registered from Python come here directly)."""
        self._check_names(names, name)
        key = name.lower()
        self.catalog.views.pop(key, None)
        self.catalog.forget_indexes(key)
        self.catalog.tables[key] = StoredTable(names, [c.type for c in columns], columns, num_rows).collect_stats()
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
            self.catalog.forget_indexes(key)
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
        if isinstance(model, (str, os.PathLike)):
            from .ml.load import load_model
            model = load_model(model)
        compiled = convert(model).to(self.device)
        self.catalog.models[name.lower()] = compiled
        self.catalog.bump()

    @_locked
    def create_function(self, name: str, fn, parameters, return_type, kind: str) -> None:
        from .functions import lookup
        from .udf import make_function
        if not isinstance(name, str) or not name:
            raise ProgrammingError("a function name must be a non-empty string")
        if lookup(name) is not None or name.lower() in self.catalog.functions:
            raise ProgrammingError(f'function "{name}" already exists')
        self.catalog.functions[name.lower()] = make_function(name, fn, parameters, return_type, kind)
        self.catalog.bump()

    @_locked
    def remove_function(self, name: str) -> None:
        if self.catalog.functions.pop(str(name).lower(), None) is None:
            raise ProgrammingError(f'function "{name}" does not exist' + suggest(str(name).lower(), list(self.catalog.functions)))
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
        if not self.settings.threads:  # the default: what other processes leave free
            threads = free_threads(threads)
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        try:
            with user_types(self.catalog.types):  # CREATE TYPE names, for the binder's type names
                return self._execute(sql, params)
        except Exception as err:
            _release(err)
            out = _translate(err)
            if out is err:
                raise
            raise out from (err if isinstance(out, InternalError) else None)
        finally:
            sys.setrecursionlimit(limit)

    def _execute(self, sql: str, params) -> Result:
        params = list(params) if params is not None else []
        if isinstance(params, (str, bytes)):
            raise ProgrammingError("parameters must be a sequence")
        for i, p in enumerate(params):
            if isinstance(p, str) and not _is_utf8(p):
                raise DataError(f"parameter {i + 1} is not valid text: it holds a lone surrogate, which UTF-8 cannot encode")
        if not _is_utf8(sql):
            raise DataError("the statement text holds a lone surrogate, which UTF-8 cannot encode")
        explain = _EXPLAIN.match(sql)
        body = sql[explain.end():] if explain else sql
        reindex = _REINDEX.match(body)
        if reindex and not explain:
            return self._reindex(reindex.group(1))
        if not explain and _MODEL_STATEMENT.match(body):  # CREATE / DROP MODEL: sqlglot has no grammar
            from .ml.load import run_statement
            with active(self.settings):
                return run_statement(self, body)
        special = None if explain else catalog_sql.run_text(self, body)  # EXPORT / IMPORT DATABASE
        if special is not None:
            return special
        with _front_end():
            text = _BY_POSITION.sub(r"\1", _REPLACE_INTO.sub(r"\1INSERT OR REPLACE\2", body))
            if "VIRTUAL" in text.upper() and text.lstrip()[:6].upper() == "CREATE":
                text = _VIRTUAL.sub(")", text)
            text, cut_lists = cut_literal_lists(text)
            shape = None if explain else self._shape(text, params)
            hit = None if shape is None else self._shaped_program(shape)
            if hit is None:
                statements = parse(text, shape)
                restore_literal_lists(statements, cut_lists)
        if hit is not None:  # the same statement but for constants planning never read: no parsing
            with active(self.settings):
                return self._retried(lambda: self._query_result(hit, shape.slots))
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
                one = shape if len(statements) == 1 else None
                result = self._retried(lambda: self._statement(stmt, params, one))
        return result

    @staticmethod
    def _retried(run) -> Result:
        try:
            return run()
        except Exception as err:
            if not _out_of_memory(err) or not give_back_memory():
                raise
            _release(err)
        # A failed statement changed nothing, so it can run again, now with malloc's defaults.
        return run()

    def _statement(self, stmt, params, shape=None) -> Result:
        control = _transaction_control(stmt)
        if control is not None:
            return self.transaction_control(control)
        if self.catalog.macros and not (isinstance(stmt, exp.Create) and
                                        (stmt.args.get("kind") or "").upper() in ("MACRO", "FUNCTION")):
            stmt = expand_macros(stmt, self.catalog.macros)
        if isinstance(stmt, (exp.Select, exp.Union, exp.Intersect, exp.Except, exp.Subquery, exp.Pivot)) \
                and _mentions_pivot(stmt):
            # the expansion reads the pivot's constants (and the data) into the statement's shape
            stmt, shape = self._expand_pivots(stmt, params), None
        if isinstance(stmt, (exp.Select, exp.Union, exp.Intersect, exp.Except, exp.Subquery, exp.Values)):
            return self._query(stmt, params, shape)
        handled = catalog_sql.run(self, stmt, params)  # DESCRIBE, SHOW, ALTER, COPY, temp tables
        if handled is not None:
            return handled
        if isinstance(stmt, exp.Create):
            return self._create(stmt, params)
        if isinstance(stmt, exp.Drop):
            return self._drop(stmt)
        if isinstance(stmt, exp.Insert):
            return self._insert(stmt, params)
        if isinstance(stmt, exp.Update):
            return self._update(stmt, params)
        if isinstance(stmt, (exp.Delete, exp.TruncateTable)):
            return self._delete(stmt, params)
        if isinstance(stmt, exp.Merge):
            return merge(self, stmt, params)
        if isinstance(stmt, (exp.Set, exp.Pragma)) or isinstance(stmt, exp.Command) and stmt.this.upper() == "RESET":
            return self._set(stmt)
        if isinstance(stmt, exp.Command):
            raise NotSupportedError(f"statement {stmt.this.upper()} is not supported")
        raise NotSupportedError(f"statement {type(stmt).__name__.upper()} is not supported")

    def transaction_control(self, what: str, from_sql: bool = True) -> Result:
        """BEGIN / COMMIT / ROLLBACK. Outside a transaction every statement commits when it
        returns; inside one, ROLLBACK puts back every table, view, index, model and macro as
        BEGIN found them. A failed statement changes nothing and leaves the transaction open
        (as SQLite does; DuckDB would abort it). Settings are not transactional."""
        if what == "nothing":
            return Result(None, -1, [])
        if what == "begin":
            if self.transaction is not None:
                raise ProgrammingError("cannot start a transaction within a transaction")
            self.transaction = self.catalog.snapshot()
        elif self.transaction is None:
            if not from_sql:  # DB-API commit() / rollback() in autocommit: nothing to do
                return Result(None, -1, [])
            raise ProgrammingError(f"cannot {what} - no transaction is active")
        else:
            if what == "rollback":
                self.catalog.restore(self.transaction)
            self.transaction = None
        return Result(None, -1, [])

    def _expand_pivots(self, stmt, params):
        def columns_of(query):
            return Binder(self.catalog, Params(params)).bind_query(query.copy())[1]

        def distinct_rows(query):
            names, cols = self._select(query, params)
            return [tuple(r.values()) for r in to_arrow(names, cols).to_pylist()]
        out = expand_pivots(stmt, columns_of, distinct_rows)
        out.meta.pop("tqp_text", None)  # the values read from the data are part of the text now
        return out

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
            elif isinstance(value, (exp.Array, exp.Tuple)):  # SET allowed_directories = ['/data']
                value = [v.name for v in value.expressions]
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
        compiled = self._plan(stmt, Params(params))
        if len(self._programs) > 256:
            self._programs.clear()
        self._programs[key] = compiled
        return compiled

    def _plan(self, stmt, params: Params) -> _Compiled:
        with _front_end():
            plan, names = Binder(self.catalog, params).bind_query(stmt)
            plan = optimize(plan, self.catalog)
            return _Compiled(plan, names, lower(plan))

    # Programs by statement shape: literals and parameters are slots (plan.nodes.Slot) that the
    # program reads at run time. A slot whose value planning read is pinned: the program
    # serves only statements whose pinned slots hold the values it was planned with.

    def _shape(self, text: str, params) -> Shape | None:
        shape = Shape.of(text)
        if shape is None:
            return None
        try:
            typed = [python_literal(p) for p in params]
        except Error:
            return None  # planning raises it, where the statement uses the parameter
        shape.slots = shape.values + [p.value for p in typed]
        shape.cache_key = (shape.key, tuple(p.type for p in typed), self.catalog.version, self.settings)
        return shape

    def _shaped_program(self, shape: Shape) -> _Compiled | None:
        slots = shape.slots
        for pins, guards, compiled in self._shapes.get(shape.cache_key, ()):
            if all(type(slots[k]) is type(v) and slots[k] == v for k, v in pins) and _guarded(guards, slots):
                return compiled
        return None

    def _compile_shaped(self, stmt, params, shape: Shape) -> _Compiled:
        hit = self._shaped_program(shape)
        if hit is not None:
            return hit
        shape.tag(stmt)
        bound = Params(params)
        bound.first_slot = len(shape.values)
        with record_slots() as record:
            compiled = self._plan(stmt, bound)
        free = record.bound - record.pinned
        pins = tuple((k, v) for k, v in enumerate(shape.slots) if k not in free)
        if len(self._shapes) > 256:
            self._shapes.clear()
        programs = self._shapes.setdefault(shape.cache_key, [])
        programs.insert(0, (pins, record.guards, compiled))
        del programs[8:]  # a shape planned for many pinned values keeps the latest few
        return compiled

    def _query_result(self, c: _Compiled, slots) -> Result:
        ctx = self._context(slots=slots)
        if self.settings.enable_progress_bar:
            ctx.progress = Progress(_operator_count(c.plan), self.settings.progress_bar_time / 1000)
        try:
            cols = _columns(c.run(ctx))
        finally:
            if ctx.progress is not None:
                ctx.progress.finish()
        return Result(None, len(cols[0]) if cols else 0, [t for _, t in c.plan.schema], c.names, cols)

    def _context(self, profile=None, slots=()) -> Context:
        return Context(self.device, self.catalog.tables, profile, self.catalog.models,
                       functions=self.catalog.functions, slots=slots)

    def _run(self, stmt, params):
        c = self._compile(stmt, params)
        return c, _columns(c.run(self._context()))

    def _query(self, stmt, params, shape=None) -> Result:
        if shape is None:
            return self._query_result(self._compile(stmt, params), ())
        return self._query_result(self._compile_shaped(stmt, params, shape), shape.slots)

    def _explain(self, stmt, params, analyze: bool) -> Result:
        if not isinstance(stmt, (exp.Select, exp.Union, exp.Intersect, exp.Except, exp.Subquery)):
            raise NotSupportedError("EXPLAIN of a statement other than a query")
        c = self._compile(stmt, params)
        profile = None
        if analyze:
            profile = Profile()
            profile.run(c.run, self._context(profile))
        table = pa.table({"explain": [explain(c.plan, profile)]})
        return Result(table, 1, [T.VARCHAR])

    # ------------------------------------------------------------ DDL and DML

    def _stored(self, target, verb: str):
        """(name, catalog key, StoredTable) of the table a DML statement writes."""
        key = self.catalog.key_of(target)
        name = key if "." in key else target.name
        table = self.catalog.tables.get(key)
        if table is None:
            if key in self.catalog.views:
                raise ProgrammingError(f'cannot {verb} view "{name}"')
            raise ProgrammingError(f'table "{name}" does not exist' + suggest(key, self.catalog.names()))
        return name, key, table

    def _select(self, query, params=(), scratch: dict | None = None) -> tuple[list[str], list[Column]]:
        """Run a query a statement built, over the catalog with `scratch` tables standing in for
        stored ones (rows being inserted or updated, with hidden helper columns)."""
        tables = self.catalog.tables.overlay(scratch)
        catalog = Catalog(tables, self.catalog.views, self.catalog.models, functions=self.catalog.functions)
        plan, names = Binder(catalog, Params(list(params))).bind_query(query)
        batch = lower(optimize(plan, catalog))(Context(self.device, tables, None, self.catalog.models,
                                                       functions=self.catalog.functions))
        return names, _columns(batch)

    def _create(self, stmt: exp.Create, params) -> Result:
        kind = (stmt.args.get("kind") or "").upper()
        if kind == "INDEX":
            return self._create_index(stmt)
        if kind in ("MACRO", "FUNCTION"):
            return self._create_macro(stmt)
        target = stmt.this
        schema_cols = None
        if isinstance(target, exp.Schema):
            schema_cols = target.expressions
            target = target.this
        key = self.catalog.key_of(target)
        name = key if "." in key else target.name
        exists = self.catalog.lookup(key) is not None
        if exists and stmt.args.get("exists"):
            return Result(None, -1, [])
        what = "view" if key in self.catalog.views else "table"
        if exists and not stmt.args.get("replace"):
            raise ProgrammingError(f'{what} "{name}" already exists')
        if exists and kind in ("VIEW", "TABLE") and what != kind.lower():
            raise ProgrammingError(f'"{name}" is a {what}: CREATE OR REPLACE {kind} cannot replace it')
        if kind == "VIEW":
            query = stmt.expression
            if query is None:
                raise ProgrammingError("CREATE VIEW needs AS SELECT ...")
            if params:
                raise NotSupportedError("parameters in CREATE VIEW")
            _, names = Binder(self.catalog, []).bind_query(query.copy())
            if schema_cols:
                if len(schema_cols) > len(names):
                    raise ProgrammingError(f'view "{name}" names {len(schema_cols)} columns but its query gives {len(names)}')
                names = [c.name for c in schema_cols] + names[len(schema_cols):]
            self.catalog.tables.pop(key, None)
            self.catalog.forget_indexes(key)
            self.catalog.views[key] = (query.copy(), names)
            self.catalog.bump()
            return Result(None, -1, [])
        if kind != "TABLE":
            raise NotSupportedError(f"CREATE {kind}")
        typed = any(isinstance(c, exp.ColumnDef) and c.args.get("kind") is not None or
                    not isinstance(c, (exp.ColumnDef, exp.Identifier, exp.Column)) for c in schema_cols or [])
        if stmt.expression is not None:
            c, cols = self._run(stmt.expression, params)
            if typed:  # CREATE TABLE t (a INT PRIMARY KEY, ...) AS SELECT: the rows must obey it
                stored = self._table_definition(name, schema_cols)
                if len(cols) != len(stored.names):
                    raise ProgrammingError(f"CREATE TABLE {name} defines {len(stored.names)} columns "
                                           f"but its query gives {len(cols)}")
                m = len(cols[0]) if cols else 0
                rows = [_conform(col, t, n) for col, t, n in zip(cols, stored.types, stored.names)]
                self._check_rows(name, stored, rows, m)
                stored = stored.with_rows(rows, m)
                check_not_null(name, stored)
                check_keys(name, stored)
                check_references(self.catalog.tables, key, stored)
            else:
                names = [c.name for c in schema_cols] if schema_cols else list(c.names)
                self._check_names(names, name)
                stored = StoredTable(names, [col.type for col in cols], cols, len(cols[0]) if cols else 0)
        else:
            stored = self._table_definition(name, schema_cols or [])
        self.catalog.views.pop(key, None)
        self.catalog.forget_indexes(key)
        self.catalog.tables[key] = stored
        self.catalog.bump()
        return Result(None, -1, [])

    def _table_definition(self, name: str, items) -> StoredTable:
        """An empty table with the columns and constraints of CREATE TABLE name (items)."""
        names, types, not_null, keys, primary, defaults, checks, generated = [], [], set(), [], [], [], [], []
        references = []  # (column identifiers, exp.Reference)
        later = []
        for item in items:
            if not isinstance(item, exp.ColumnDef):
                later.append(item)  # table constraints may name columns defined after them
                continue
            kind_node = item.args.get("kind")
            formula = _generation(item)
            if kind_node is None and formula is None:
                raise ProgrammingError(f'column "{item.name}" needs a type')
            i, default = len(names), None
            names.append(item.name)
            types.append(X.sql_type(kind_node) if kind_node is not None else None)
            generated.append(formula)
            for cc in item.args.get("constraints") or []:
                c = cc.args.get("kind")
                if c is not None and _generation_constraint(c):
                    continue
                if isinstance(c, exp.PrimaryKeyColumnConstraint):
                    primary.append((i,))
                elif isinstance(c, exp.NotNullColumnConstraint):
                    if not c.args.get("allow_null"):
                        not_null.add(i)
                elif isinstance(c, exp.UniqueColumnConstraint):
                    keys.append(Key((i,)))
                elif isinstance(c, exp.DefaultColumnConstraint):
                    default = c.this
                elif isinstance(c, exp.CheckColumnConstraint):
                    checks.append(c.this)
                elif isinstance(c, exp.Reference):
                    references.append(([exp.to_identifier(item.name)], c))
                else:
                    raise NotSupportedError(f'column constraint "{cc.sql("duckdb")}" (column "{item.name}")')
            defaults.append(default)
        if not names:
            raise ProgrammingError("CREATE TABLE needs at least one column")
        self._check_names(names, name)
        lower_names = [n.lower() for n in names]

        def position(ident) -> int:
            col = ident.this if isinstance(ident, exp.Ordered) else ident
            if col.name.lower() not in lower_names:
                raise ProgrammingError(f'table "{name}" does not have a column named "{col.name}"'
                                       + suggest(col.name, names))
            return lower_names.index(col.name.lower())

        for item in later:
            for c in item.expressions if isinstance(item, exp.Constraint) else [item]:
                if isinstance(c, exp.PrimaryKey):
                    primary.append(tuple(position(e) for e in c.expressions))
                elif isinstance(c, exp.UniqueColumnConstraint) and isinstance(c.this, exp.Schema):
                    keys.append(Key(tuple(position(e) for e in c.this.expressions)))
                elif isinstance(c, exp.CheckColumnConstraint):
                    checks.append(c.this)
                elif isinstance(c, exp.ForeignKey):
                    references.append((c.expressions, c.args["reference"]))
                else:
                    raise NotSupportedError(f'table constraint "{c.sql("duckdb")}"')
        if len(primary) > 1:
            raise ProgrammingError(f'table "{name}" has more than one primary key')
        if primary:
            keys.insert(0, Key(tuple(dict.fromkeys(primary[0])), primary=True))
            not_null |= set(primary[0])
        for j, formula in enumerate(generated):  # an untyped one takes its expression's type
            if types[j] is None:
                known = [i for i, t in enumerate(types) if t is not None]
                scratch = StoredTable([names[i] for i in known], [types[i] for i in known],
                                      [_empty_column(types[i], self.device) for i in known], 0)
                _, (col,) = self._select(exp.select(formula.copy()).from_(_SCRATCH_TABLE), (), {_SCRATCH: scratch})
                types[j] = col.type
        stored = StoredTable(names, types, [_empty_column(t, self.device) for t in types], 0,
                             not_null=frozenset(not_null), keys=tuple(keys),
                             defaults=tuple(defaults) if any(d is not None for d in defaults) else (),
                             checks=tuple(checks), generated=tuple(generated) if any(generated) else ())
        if references:
            stored = replace(stored, foreign=tuple(self._foreign_key(name, stored, [position(c) for c in cols], ref)
                                                   for cols, ref in references))
        self._generate(stored, stored.columns, 0)  # a bad expression fails CREATE
        # Bind DEFAULT and CHECK expressions now, so that a bad one fails CREATE, not a later INSERT.
        self._default_rows(stored, [i for i, d in enumerate(defaults) if d is not None], 0)
        self._check_rows(name, stored, stored.columns, 0)
        return stored

    def _foreign_key(self, name: str, table: StoredTable, columns: list, ref: exp.Reference) -> ForeignKey:
        """The ForeignKey of REFERENCES parent [(columns)]: the parent's PRIMARY KEY by default;
        the columns must be a PRIMARY KEY or UNIQUE constraint of it (a table may name itself)."""
        target = ref.this.this if isinstance(ref.this, exp.Schema) else ref.this
        wanted = [c.name for c in ref.this.expressions] if isinstance(ref.this, exp.Schema) else None
        pkey = self.catalog.key_of(target)
        own = target.name.lower() == name.lower() and not target.db
        parent = table if own else self.catalog.tables.get(pkey)
        if parent is None:
            raise ProgrammingError(f'table "{target.name}" referenced by a FOREIGN KEY does not exist')
        lower = [n.lower() for n in parent.names]
        if wanted is None:
            found = [k.columns for k in parent.keys if k.primary]
            if not found:
                raise ProgrammingError(f'table "{target.name}" has no PRIMARY KEY for the FOREIGN KEY to reference')
            positions = found[0]
        else:
            missing = [w for w in wanted if w.lower() not in lower]
            if missing:
                raise ProgrammingError(f'table "{target.name}" has no column "{missing[0]}"' + suggest(missing[0], parent.names))
            positions = tuple(lower.index(w.lower()) for w in wanted)
        if not any(set(k.columns) == set(positions) and k.index is None for k in parent.keys):
            raise ProgrammingError(f'table "{target.name}" has no PRIMARY KEY or UNIQUE constraint on '
                                   f'({", ".join(parent.names[p] for p in positions)}) for a FOREIGN KEY to reference')
        if len(positions) != len(columns):
            raise ProgrammingError(f"a FOREIGN KEY names {len(columns)} columns but references {len(positions)}")
        return ForeignKey(tuple(columns), name.lower() if own else pkey, tuple(positions),
                          tuple(parent.names[p] for p in positions))

    def _create_macro(self, stmt: exp.Create) -> Result:
        macro = define(stmt)
        if macro.name in self.catalog.macros or F.lookup(macro.name) is not None or macro.name in self.catalog.functions:
            if stmt.args.get("exists") and macro.name in self.catalog.macros:
                return Result(None, -1, [])
            if not (stmt.args.get("replace") and macro.name in self.catalog.macros):
                raise ProgrammingError(f'function "{macro.name}" already exists')
        self.catalog.macros[macro.name] = macro
        self.catalog.bump()
        return Result(None, -1, [])

    def _create_index(self, stmt: exp.Create) -> Result:
        index = stmt.this
        name, key = index.name, index.name.lower()
        if key in self.catalog.indexes:
            if stmt.args.get("exists"):
                return Result(None, -1, [])
            raise ProgrammingError(f'index "{name}" already exists')
        tname, tkey, table = self._stored(index.args["table"], "create an index on")
        params = index.args.get("params")
        exprs = [o.this if isinstance(o, exp.Ordered) else o for o in (params.args.get("columns") if params else None) or []]
        if not exprs:
            raise ProgrammingError(f'index "{name}" needs at least one column')
        lower_names = [n.lower() for n in table.names]
        if all(isinstance(e, exp.Column) and not e.table for e in exprs):
            missing = [e.name for e in exprs if e.name.lower() not in lower_names]
            if missing:
                raise ProgrammingError(f'table "{tname}" does not have a column named "{missing[0]}"'
                                       + suggest(missing[0], table.names))
            positions = tuple(dict.fromkeys(lower_names.index(e.name.lower()) for e in exprs))
        else:
            positions = None
            self._select(exp.select(*[e.copy() for e in exprs]).from_(index.args["table"].copy()).limit(0))
        unique = bool(stmt.args.get("unique"))
        if unique:
            if positions is None:
                raise NotSupportedError("a UNIQUE index on expressions")
            k = Key(positions, index=name)
            found = duplicate_row(table, k)
            if found is not None:
                raise IntegrityError(f'cannot create unique index "{name}": table "{tname}" holds the key '
                                     f'"{key_text(table, k, found[1], found[0])}" more than once')
            self.catalog.tables[tkey] = replace(table, keys=table.keys + (k,))
        self.catalog.indexes[key] = Index(name, tkey, positions, unique)
        self.catalog.bump()
        return Result(None, -1, [])

    def _drop(self, stmt: exp.Drop) -> Result:
        kind = (stmt.args.get("kind") or "").upper()
        targets = stmt.args.get("tables") or [stmt.this]
        if kind == "INDEX":
            return self._drop_index(targets, stmt.args.get("exists"))
        store = self.catalog.views if kind == "VIEW" else self.catalog.tables if kind == "TABLE" else \
            self.catalog.macros if kind in ("MACRO", "FUNCTION") else None
        if store is None:
            raise NotSupportedError(f"DROP {kind}")
        keys = [self.catalog.key_of(target, missing_ok=bool(stmt.args.get("exists"))) for target in targets]
        for target, key in zip(targets, keys):  # check all first: a failed DROP drops nothing
            name = target.name
            if key not in store and not stmt.args.get("exists"):
                other = "table" if kind == "VIEW" and key in self.catalog.tables else \
                    "view" if kind == "TABLE" and key in self.catalog.views else None
                hint = f' ("{name}" is a {other})' if other else suggest(key, list(store))
                raise ProgrammingError(f'{kind.lower()} "{name}" does not exist{hint}')
        if kind == "TABLE":
            for other, table in self.catalog.tables.items():
                used = [fk.table for fk in getattr(table, "foreign", ()) if fk.table in keys and fk.table != other]
                if used and other not in keys:
                    raise ProgrammingError(f'cannot drop table "{used[0]}": table "{other}" references it '
                                           '(FOREIGN KEY); drop that table first')
        for key in keys:
            if store.pop(key, None) is not None and kind == "TABLE":
                self.catalog.forget_indexes(key)
        self.catalog.bump()
        return Result(None, -1, [])

    def _drop_index(self, targets, if_exists) -> Result:
        indexes = self.catalog.indexes
        for target in targets:
            if target.name.lower() not in indexes and not if_exists:
                raise ProgrammingError(f'index "{target.name}" does not exist' + suggest(target.name, list(indexes)))
        for target in targets:
            ix = indexes.pop(target.name.lower(), None)
            if ix is not None and ix.unique:
                table = self.catalog.tables[ix.table]
                self.catalog.tables[ix.table] = replace(table, keys=tuple(k for k in table.keys if k.index != ix.name))
        self.catalog.bump()
        return Result(None, -1, [])

    def _reindex(self, name: str) -> Result:
        """REINDEX [name]: tqp's indexes hold no data to rebuild, so this only checks the name."""
        name = name.strip().strip('"')
        if name and name.lower() not in self.catalog.indexes and name.lower() not in self.catalog.tables:
            raise ProgrammingError(f'index or table "{name}" does not exist')
        return Result(None, -1, [])

    # ------------------------------------------------------------ INSERT, UPDATE, DELETE

    def _insert(self, stmt: exp.Insert, params) -> Result:
        target = stmt.this
        columns = None
        if isinstance(target, exp.Schema):
            columns = [c.name for c in target.expressions]
            target = target.this
        name, key, table = self._stored(target, "insert into")
        if stmt.args.get("overwrite"):
            raise NotSupportedError("INSERT OVERWRITE")
        positions, given, m = self._source_rows(stmt, table, name, columns, params)
        new = self._complete_rows(table, positions, given, m)
        action = self._conflict_action(stmt, name, table, positions)
        fresh = table.with_rows(new, m)
        check_not_null(name, fresh)  # before conflicts: DuckDB refuses a NULL key even when it would be ignored
        n = table.num_rows
        cols, changed, updated = list(table.columns), m, torch.zeros(0, dtype=torch.int64, device=self.device)
        if action is not None:
            keys, assignments, where = action
            keep = torch.ones(m, dtype=torch.bool, device=self.device)
            for k in keys:
                match, first = conflicts(table, new, k)
                keep &= first & (match < 0)
            if assignments is not None and m:
                hit = nonzero((match >= 0) & first)
                updated, values = self._assigned_values(target, table, assignments, where, params,
                                                        match.index_select(0, hit), [c.take(hit) for c in new])
                cols = self._generate(table, [_put(c, updated, values[j]) if j in values else c
                                              for j, c in enumerate(cols)], n)
            if not all_true(keep):
                new = [c.take(keep) for c in new]
                fresh = table.with_rows(new, len(new[0]))
            changed = fresh.num_rows + len(updated)
            if len(updated):
                self._check_rows(name, table, [c.take(updated) for c in cols], len(updated))
        self._check_rows(name, table, new, fresh.num_rows)
        final = table.with_rows([concat([old, c]) for old, c in zip(cols, new)], n + fresh.num_rows)
        check_not_null(name, final)
        check_keys(name, final)
        check_references(self.catalog.tables, key, final)
        affected = torch.cat([updated, torch.arange(n, final.num_rows, device=self.device)])
        result = self._returning(stmt, target, final, affected, params, changed)
        # Built completely before the swap: a failure above leaves the table as it was.
        self.catalog.tables[key] = final
        self.catalog.bump()
        return result

    def _source_rows(self, stmt, table, name, columns, params):
        """(target positions, their columns, row count) of the rows an INSERT adds."""
        source = stmt.expression
        if stmt.args.get("with_") is not None and isinstance(source, exp.Query):  # WITH ... INSERT ... SELECT
            source = _with_ctes(source, stmt.args["with_"])
        lower_names = [n.lower() for n in table.names]
        binder = Binder(self.catalog, Params(params))
        plan = names = None
        if source is not None and not isinstance(source, exp.Values):
            plan, names = binder.bind_query(source)
            plan = optimize(plan, self.catalog)
            if stmt.args.get("by_name"):
                columns = names
        if columns is None:  # every column but the generated ones
            positions = [j for j in range(len(table.names)) if not (table.generated and table.generated[j] is not None)] \
                if source is not None else []
        else:
            positions = []
            for c in columns:
                if c.lower() not in lower_names:
                    raise ProgrammingError(f'table "{name}" has no column "{c}"' + suggest(c, table.names))
                if lower_names.index(c.lower()) in positions:
                    raise ProgrammingError(f'column "{c}" appears twice in the INSERT column list')
                if table.generated and table.generated[lower_names.index(c.lower())] is not None:
                    raise ProgrammingError(f'cannot insert into the generated column "{c}"')
                positions.append(lower_names.index(c.lower()))
        if source is None:  # DEFAULT VALUES
            return positions, [], 1
        if isinstance(source, exp.Values):
            rows = []
            for tup in source.expressions:
                items = tup.expressions if isinstance(tup, exp.Tuple) else [tup]
                if len(items) != len(positions):
                    raise ProgrammingError(
                        f"INSERT has {len(items)} values but {len(positions)} target columns")
                eb = X.ExprBinder(_empty_scope(), binder.params, binder)
                rows.append(tuple(X.cast(eb.bind(_default_of(table, p, e)), table.types[p])
                                  for e, p in zip(items, positions)))
            # optimized for the subqueries its values may hold
            plan = optimize(P.Values(tuple(rows), tuple((table.names[p], table.types[p]) for p in positions)),
                            self.catalog)
        elif len(plan.schema) != len(positions):
            raise ProgrammingError(f"INSERT has {len(plan.schema)} values but {len(positions)} target columns")
        batch = lower(plan)(self._context())
        cols = [_conform(broadcast(batch.column(i), batch.length), table.types[p], table.names[p])
                for i, p in enumerate(positions)]
        return positions, cols, batch.length

    def _complete_rows(self, table, positions, given, m) -> list[Column]:
        """Full-width rows in table order: DEFAULT (else NULL) where the INSERT gave no value."""
        missing = [j for j in range(len(table.types)) if j not in positions]
        defaults = self._default_rows(table, [j for j in missing if table.defaults and table.defaults[j] is not None], m)
        out = []
        for j, t in enumerate(table.types):
            if j in positions:
                out.append(given[positions.index(j)])
            elif j in defaults:
                out.append(defaults[j])
            else:
                out.append(Column(t, torch.zeros(m, dtype=t.torch_dtype, device=self.device),
                                  torch.zeros(m, dtype=torch.bool, device=self.device),
                                  _empty_column(t, self.device).dictionary))
        return self._generate(table, out, m)

    def _generate(self, table, cols, m) -> list[Column]:
        """The rows' generated columns computed from the others, in column order (one may use
        an earlier one); `cols` itself when the table has none."""
        cols = list(cols)
        for j, formula in enumerate(table.generated):
            if formula is not None:
                query = exp.select(exp.cast(formula.copy(), exp.DataType.build(str(table.types[j]), dialect="duckdb")))
                _, (value,) = self._select(query.from_(_SCRATCH_TABLE), (), {_SCRATCH: table.with_rows(cols, m)})
                cols[j] = _conform(broadcast(value, m), table.types[j], table.names[j])
        return cols

    def _default_rows(self, table, positions, m) -> dict:
        if not positions:
            return {}
        # once per row: DEFAULT nextval('s') numbers the rows (constants come back broadcast)
        rows = exp.Table(this=exp.GenerateSeries(start=exp.Literal.number(0), end=exp.Literal.number(m),
                                                 is_end_exclusive=True))
        _, values = self._select(exp.select(*[table.defaults[j].copy() for j in positions]).from_(rows))
        return {j: _conform(v, table.types[j], table.names[j]) for j, v in zip(positions, values)}

    def _check_rows(self, name, table, cols, m) -> None:
        """CHECK constraints hold on the given rows (a NULL condition passes, as in SQL)."""
        if not table.checks:
            return
        scratch = {name.lower(): table.with_rows(cols, m)}
        for cond in table.checks:
            query = exp.select("count(*)").from_(exp.table_(name, quoted=True)).where(exp.not_(cond.copy()))
            _, (count,) = self._select(query, (), scratch)
            if int(count.data.reshape(-1)[0]):
                raise IntegrityError(f'CHECK constraint failed on table "{name}": CHECK ({cond.sql("duckdb")})')

    def _conflict_action(self, stmt, name, table, positions):
        """None for a plain INSERT, else (keys, assignments, where): a new row whose key one of
        `keys` already holds, or an earlier new row holds, is dropped (assignments None) or updates
        the existing row, as DuckDB does (INSERT OR REPLACE/IGNORE, ON CONFLICT)."""
        alternative = (stmt.args.get("alternative") or "").upper()
        oc = stmt.args.get("conflict")
        if not alternative and oc is None:
            return None
        if alternative not in ("", "REPLACE", "IGNORE"):
            raise NotSupportedError(f"INSERT OR {alternative}")
        if oc is not None and (oc.args.get("duplicate") or oc.args.get("constraint")):
            raise NotSupportedError("ON DUPLICATE KEY / ON CONFLICT ON CONSTRAINT; use ON CONFLICT (columns)")
        update = alternative == "REPLACE" or oc is not None and "UPDATE" in oc.args["action"].name.upper()
        if not table.keys:
            raise ProgrammingError(f'table "{name}" has no PRIMARY KEY or UNIQUE constraint for '
                                   f'{"INSERT OR " + alternative if alternative else "ON CONFLICT"} to act on')
        targets = oc.args.get("conflict_keys") if oc is not None else None
        lower_names = [n.lower() for n in table.names]
        if targets:
            want = set()
            for t in targets:
                col = t.this if isinstance(t, exp.Ordered) else t
                if col.name.lower() not in lower_names:
                    raise ProgrammingError(f'table "{name}" has no column "{col.name}"' + suggest(col.name, table.names))
                want.add(lower_names.index(col.name.lower()))
            keys = [k for k in table.keys if set(k.columns) == want][:1]
            if not keys:
                raise ProgrammingError("the ON CONFLICT columns are not a PRIMARY KEY, UNIQUE constraint "
                                       f'or UNIQUE index of table "{name}"')
        else:
            keys = list(table.keys)
            if update and len(keys) > 1:
                raise ProgrammingError(f'table "{name}" has more than one PRIMARY KEY or UNIQUE constraint: '
                                       "name the conflict columns, ON CONFLICT (columns) DO UPDATE")
        if not update:
            return keys, None, None
        if alternative == "REPLACE":
            assignments = {p: exp.column(table.names[p], "excluded", quoted=True)
                           for p in positions if p not in keys[0].columns}
            return keys, assignments, None
        where = oc.args.get("where")
        return keys, self._assignments(oc.expressions, name, table), where.this if where is not None else None

    @staticmethod
    def _assignments(items, name, table) -> dict:
        """{position: expression} of SET col = expr, ...; a column set twice keeps its last value."""
        lower_names = [n.lower() for n in table.names]
        out = {}
        for item in items:
            col = item.this
            if not isinstance(item, exp.EQ) or not isinstance(col, exp.Column):
                raise ProgrammingError(f"SET needs column = value, not {item.sql('duckdb')}")
            if col.name.lower() not in lower_names:
                raise ProgrammingError(f'table "{name}" has no column "{col.name}"' + suggest(col.name, table.names))
            j = lower_names.index(col.name.lower())
            if table.generated and table.generated[j] is not None:
                raise ProgrammingError(f'cannot update the generated column "{col.name}"')
            out[j] = _default_of(table, j, item.expression)
        return out

    def _assigned_values(self, target, table, assignments, where, params, rows, excluded=None, sources=(), ctes=None):
        """(row ids, {position: Column}) for UPDATE and DO UPDATE: the rows `rows` of the table that
        satisfy `where` (with the inserted rows `excluded`, one per row, readable as excluded.col),
        and each assigned column's new values on them, cast to the column's type."""
        names = list(table.names) + ["#rowid"]
        cols = [c.take(rows) for c in table.columns] + [Column(T.BIGINT, rows)]
        if excluded is not None:
            names += [f"#excluded.{n}" for n in table.names]
            cols += excluded
            lower_names = [n.lower() for n in table.names]

            def rename(node):
                if isinstance(node, exp.Column) and node.table.lower() == "excluded":
                    if node.name.lower() not in lower_names:
                        raise ProgrammingError(f'column "excluded.{node.name}" not found'
                                               + suggest(node.name, table.names))
                    return exp.column(f"#excluded.{table.names[lower_names.index(node.name.lower())]}", quoted=True)
                return node
        else:
            def rename(node):
                return node
        scratch = StoredTable(names, list(table.types) + [T.BIGINT] + (list(table.types) if excluded else []),
                              cols, len(rows), hidden=len(names) - len(table.names))
        positions = list(assignments)
        query = exp.select(exp.column("#rowid", quoted=True),
                           *[assignments[p].copy().transform(rename) for p in positions])
        query = query.from_(_scratch_scan(target))
        for s in sources:
            query = query.join(s.copy(), join_type="cross")
        if where is not None:
            query = query.where(where.copy().transform(rename))
        if ctes is not None:  # WITH ... UPDATE / DELETE
            query = _with_ctes(query, ctes)
        _, out = self._select(query, params, {_SCRATCH: scratch})
        values = {p: _conform(v, table.types[p], table.names[p]) for p, v in zip(positions, out[1:])}
        return out[0].data.to(torch.int64), values

    def _update(self, stmt: exp.Update, params) -> Result:
        target = stmt.this
        name, key, table = self._stored(target, "update")
        assignments = self._assignments(stmt.expressions, name, table)
        sources = []
        src = stmt.args.get("from_") or stmt.args.get("from")
        if src is not None:
            sources = [src.this] + [j.this for j in src.args.get("joins") or []]
        where = stmt.args.get("where")
        rows = torch.arange(table.num_rows, device=self.device)
        updated, values = self._assigned_values(target, table, assignments, where.this if where is not None else None,
                                                params, rows, sources=sources, ctes=stmt.args.get("with_"))
        count = len(updated)  # DuckDB counts a row once per FROM match
        if sources and count > 1:  # a row several FROM rows match takes the first one's values
            order = torch.argsort(updated, stable=True)
            ranked = updated.index_select(0, order)
            first = torch.ones(count, dtype=torch.bool, device=self.device)
            first[1:] = ranked[1:] != ranked[:-1]
            pick = order[first]
            updated, values = updated.index_select(0, pick), {j: v.take(pick) for j, v in values.items()}
        cols = [_put(c, updated, values[j]) if j in values else c for j, c in enumerate(table.columns)]
        cols = self._generate(table, cols, table.num_rows)
        final = table.with_rows(cols, table.num_rows)
        check_not_null(name, final, columns=set(values))
        check_keys(name, final, [k for k in final.keys if set(k.columns) & set(values)])
        check_references(self.catalog.tables, key, final)
        self._check_rows(name, table, [c.take(updated) for c in cols], len(updated))
        result = self._returning(stmt, target, final, updated, params, count)
        self.catalog.tables[key] = final
        self.catalog.bump()
        return result

    def _delete(self, stmt, params) -> Result:
        if isinstance(stmt, exp.TruncateTable):
            targets, where, sources = stmt.expressions, None, []
        else:
            targets, where, sources = [stmt.this], stmt.args.get("where"), stmt.args.get("using") or []
        out = None
        for target in targets:
            name, key, table = self._stored(target, "delete from")
            if where is None and not sources:
                gone = torch.arange(table.num_rows, device=self.device)
            else:
                gone, _ = self._assigned_values(target, table, {}, where.this if where is not None else None,
                                                params, torch.arange(table.num_rows, device=self.device),
                                                sources=sources, ctes=stmt.args.get("with_"))
            keep = torch.ones(table.num_rows, dtype=torch.bool, device=self.device)
            keep[gone] = False
            gone = nonzero(~keep)  # a row matched twice through USING goes once
            final = table.with_rows([c.take(keep) for c in table.columns], table.num_rows - len(gone))
            check_references(self.catalog.tables, key, final)
            out = self._returning(stmt, target, table, gone, params, len(gone))
            self.catalog.tables[key] = final
            self.catalog.bump()
        return out

    def _returning(self, stmt, target, table, rows, params, count) -> Result:
        """RETURNING exprs over the rows a statement wrote (their new values; DELETE: the old)."""
        returning = stmt.args.get("returning")
        if returning is None:
            return Result(None, count, [])
        query = exp.select(*[e.copy() for e in returning.expressions]).from_(_scratch_scan(target))
        scratch = table.with_rows([c.take(rows) for c in table.columns], len(rows))
        names, cols = self._select(query, params, {_SCRATCH: scratch})
        out = to_arrow(names, cols)
        return Result(out, out.num_rows, [c.type for c in cols])


_SCRATCH = "#dml"  # the rows a statement works on, under a name no query can spell unquoted
_SCRATCH_TABLE = exp.Table(this=exp.to_identifier(_SCRATCH, quoted=True))


def _columns(batch) -> list[Column]:
    """A program's output columns, each as long as the batch (constants expanded)."""
    return [broadcast(batch.column(i), batch.length) for i in range(batch.width)]


def _mentions_pivot(stmt) -> bool:
    text = stmt.meta.get("tqp_text")
    if text is not None and "PIVOT" not in text[0].upper():
        return False  # no tree walk for the statements that cannot hold one
    return has_pivot(stmt)


def _generation_constraint(c) -> bool:
    return isinstance(c, exp.ComputedColumnConstraint) or isinstance(c, exp.GeneratedAsIdentityColumnConstraint) \
        and c.args.get("expression") is not None


def _generation(item: exp.ColumnDef):
    """A column's GENERATED ALWAYS AS (expression) / AS (expression), else None."""
    for cc in item.args.get("constraints") or []:
        c = cc.args.get("kind")
        if isinstance(c, exp.ComputedColumnConstraint):
            if c.args.get("persisted"):
                raise NotSupportedError(f'a STORED generated column ("{item.name}"); DuckDB has VIRTUAL ones only')
            e = c.this
            return e.this if isinstance(e, exp.Paren) else e
        if isinstance(c, exp.GeneratedAsIdentityColumnConstraint) and c.args.get("expression") is not None:
            return c.args["expression"]
    return None


def _with_ctes(query: exp.Query, ctes: exp.With) -> exp.Query:
    """`query` with the statement's WITH clause before its own CTEs."""
    query = query.copy()
    own = query.args.get("with_")
    merged = ctes.copy()
    if own is not None:
        merged.set("expressions", merged.expressions + [c.copy() for c in own.expressions])
        merged.set("recursive", bool(ctes.args.get("recursive") or own.args.get("recursive")))
    query.set("with_", merged)
    return query


def _default_of(table, j: int, value: exp.Expression) -> exp.Expression:
    """`value`, or column j's DEFAULT (NULL without one) where it is the keyword DEFAULT."""
    if isinstance(value, (exp.Var, exp.Column)) and not value.args.get("table") and value.name.upper() == "DEFAULT" \
            and not (isinstance(value, exp.Column) and value.this.quoted):
        found = table.defaults[j] if table.defaults else None
        return found.copy() if found is not None else exp.null()
    return value


def _scratch_scan(target: exp.Table) -> exp.Table:
    """FROM for the scratch rows, known by the target's name or alias; a subquery that names
    the target table itself still reads the whole stored table."""
    alias = target.alias or target.name
    return exp.Table(this=exp.to_identifier(_SCRATCH, quoted=True), alias=exp.TableAlias(this=exp.to_identifier(alias)))


def _conform(col: Column, t: T.SqlType, name: str) -> Column:
    """`col` as the type of the column it is stored in."""
    if col.type != t or col.type.name != t.name:
        if T.common_type(col.type, t) is None and not (col.type.is_string or t.is_string):
            raise ProgrammingError(f'cannot store {col.type} in column "{name}" of type {t}')
        col = cast_column(col, t)
    return col


def _put(col: Column, rows: torch.Tensor, value: Column) -> Column:
    """`col` with the rows at `rows` replaced by `value`'s, in order."""
    if col.type.uses_dictionary:
        col, value = unify_strings([col, value])
    data = col.data.index_put((rows,), value.data.to(col.data.dtype))
    if col.validity is None and value.validity is None:
        return replace(col, data=data)
    return replace(col, data=data, validity=col.valid_mask().index_put((rows,), value.valid_mask()))


def _release(err: BaseException) -> None:
    """Drop the locals of the frames a failed statement left in its traceback: they hold its
    tensors, and reference cycles through the exception would keep them alive until the
    collector runs, so that after running out of memory even a small next query failed."""
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        traceback.clear_frames(err.__traceback__)
        err = err.__cause__ or err.__context__


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _out_of_memory(err: BaseException) -> bool:
    if isinstance(err, (MemoryError, torch.cuda.OutOfMemoryError)):
        return True
    text = str(err)
    return isinstance(err, RuntimeError) and any(
        s in text for s in ("can't allocate memory", "DefaultCPUAllocator", "std::bad_alloc", "out of memory"))


def _translate(err: Exception) -> Exception:
    """The PEP 249 error for an exception a statement raised."""
    if isinstance(err, Error):
        return err
    if isinstance(err, RecursionError):
        return ProgrammingError("statement is nested too deeply")
    if _out_of_memory(err):
        wanted = re.search(r"tried to allocate (\d+) bytes", str(err))
        where = "device" if isinstance(err, torch.cuda.OutOfMemoryError) else "host"
        return OperationalError(f"out of {where} memory" + (f" (an allocation of {int(wanted.group(1)):,} bytes failed)"
                                                            if wanted else ""))
    if isinstance(err, UnicodeError):
        return DataError(f"text that is not valid UTF-8: {err}")
    if isinstance(err, (ParseError, TokenError)):
        return ProgrammingError(f"syntax error: {first_line(err)}")
    if isinstance(err, sqlglot.errors.SqlglotError):
        return ProgrammingError(str(err))
    return InternalError(f"{type(err).__name__}: {err}")  # a bug in tqp: say so, as a PEP 249 error


def _guarded(guards, slots) -> bool:
    """Whether the slot values keep true what planning took to hold of the slots."""
    try:
        return all(g(slots) for g in guards)
    except Exception:  # e.g. a value that does not convert: planning again says what is wrong
        return False


def _empty_scope():
    from .sql.scope import Scope
    return Scope([])


def _empty_column(t: T.SqlType, device) -> Column:
    from .column import Dictionary
    import numpy as np
    return Column(t, torch.zeros(0, dtype=t.torch_dtype, device=device), None,
                  Dictionary(np.array([], dtype=object)) if t.uses_dictionary else None)


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
