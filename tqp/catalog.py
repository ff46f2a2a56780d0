"""The in-memory catalog: stored tables (columns already on the connection's device), views and
indexes; and the tables a query reads without storing them: files (tqp.io.files) and the
information_schema views (tqp.catalog_sql), looked up by keys no unquoted name can spell.

Tables and views live in schema main (the search path) or in schemas made by CREATE SCHEMA;
a table t of schema s has the key 's.t' (main's keep their bare names).

Every change bumps `version`, which keys the compiled-program cache.

>>> from sqlglot import exp
>>> c = Catalog()
>>> c.schemas["sales"] = "Sales"
>>> c.key_of(exp.table_("Orders", db="Sales")), c.key_of(exp.table_("Orders")), c.schema_of("sales.orders")
('sales.orders', 'orders', ('sales', 'orders'))
"""
from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from .column import Column
from .errors import ProgrammingError
from .kernels.selection import any_true
from .types import SqlType


@dataclass(frozen=True)
class Key:
    """A PRIMARY KEY, a UNIQUE constraint or a UNIQUE index: no two rows hold equal values in
    all of `columns` (positions in the table). Rows with a NULL among them are exempt."""
    columns: tuple[int, ...]
    primary: bool = False
    index: str | None = None  # the UNIQUE index that declared it

    def describe(self) -> str:
        return "primary key constraint" if self.primary else f'unique index "{self.index}"' if self.index \
            else "unique constraint"


@dataclass(frozen=True)
class Index:
    name: str
    table: str  # the table's catalog key
    columns: tuple  # column positions, or None for an index on expressions
    unique: bool


@dataclass
class StoredTable:
    names: list[str]
    types: list[SqlType]
    columns: list[Column]
    num_rows: int
    stats: dict = field(default_factory=dict)  # per-column facts found once: ndv
    not_null: frozenset = frozenset()  # positions of NOT NULL columns (PRIMARY KEY ones included)
    keys: tuple = ()  # Key constraints
    defaults: tuple = ()  # per column: the DEFAULT expression (sqlglot) or None; () for none at all
    checks: tuple = ()  # CHECK conditions (sqlglot)
    hidden: int = 0  # trailing helper columns that SELECT * leaves out (row ids during DML)

    def with_rows(self, columns: list[Column], num_rows: int) -> "StoredTable":
        """The same table (schema and constraints) holding other rows."""
        return replace(self, columns=columns, num_rows=num_rows, stats={}, hidden=0)

    def ndv(self, i: int) -> int:
        """Distinct non-NULL values of column i, counted once and remembered."""
        return self._ndv(i, sort=True)

    def collect_stats(self) -> "StoredTable":
        """Count distinct values at load wherever no sort is needed (dictionary columns, and
        integer or date columns whose range fits a presence bitmap), so planning never pays
        for it inside a query's first run. Other columns stay lazy."""
        for i in range(len(self.columns)):
            self._ndv(i, sort=False)
        return self

    def _ndv(self, i: int, sort: bool) -> int | None:
        key = ("ndv", i)
        if key not in self.stats:
            col = self.columns[i]
            data = col.data if col.validity is None else col.data[col.validity]
            found = _count_distinct(data, col.dictionary, sort)
            if found is None:
                return None
            self.stats[key] = found
        return self.stats[key]


class Tables(dict):
    """Stored tables by lower-case name. A file source's or an information_schema view's key
    is answered by reading the files (again only once they change) or listing the catalog, at
    each execution, so a cached program never reads stale rows."""

    def __init__(self, items=(), owner: "Catalog | None" = None):
        super().__init__(items)
        self.owner = owner

    def __missing__(self, key):
        if isinstance(key, str) and self.owner is not None:
            from .io.files import FILE_PREFIX
            if key.startswith(FILE_PREFIX):
                return self.owner.file_cache.get(key)
            from .catalog_sql import INFO_PREFIX, info_table
            if key.startswith(INFO_PREFIX):
                return info_table(self.owner, key)
            from .io.python_scan import PYTHON_PREFIX
            if key.startswith(PYTHON_PREFIX):
                return self.owner.python_sources.get(key)
        raise KeyError(key)

    def overlay(self, extra: dict | None) -> "Tables":
        """These tables with `extra` standing in for some (a DML statement's scratch rows)."""
        out = Tables(self, self.owner)
        out.update(extra or {})
        return out


class FileCache:
    """The last few file sources read, on the device, each kept while its files are unchanged."""

    def __init__(self, catalog: "Catalog", size: int = 4):
        self.catalog, self.size = catalog, size
        self.entries: OrderedDict = OrderedDict()  # key -> (signature, StoredTable)
        self.schemas: dict = {}  # key -> the (names, types) its plans were made for

    def get(self, key: str) -> StoredTable:
        from .errors import OperationalError
        from .io.files import FileSpec, read_columns, resolve

        spec = FileSpec.from_key(key)
        files = resolve(spec)
        signature = tuple((f, os.stat(f).st_mtime_ns, os.stat(f).st_size) for f in files)
        hit = self.entries.get(key)
        if hit is not None and hit[0] == signature:
            self.entries.move_to_end(key)
            return hit[1]
        names, columns, num_rows = read_columns(spec, self.catalog.device or torch.device("cpu"), files)
        stored = StoredTable(names, [c.type for c in columns], columns, num_rows)
        schema = (tuple(stored.names), tuple(stored.types))
        if self.schemas.setdefault(key, schema) != schema:
            # Programs planned for the old columns must not read these: plan again.
            self.schemas[key] = schema
            self.catalog.bump()
            raise OperationalError(f"the columns of {spec.describe()} changed while the statement "
                                   "was planned for the old ones; run it again")
        self.entries[key] = (signature, stored)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)
        return stored


@dataclass
class Catalog:
    tables: dict[str, StoredTable] = field(default_factory=dict)
    views: dict[str, object] = field(default_factory=dict)  # name -> (sqlglot query, column names)
    models: dict[str, object] = field(default_factory=dict)  # name -> tqp.ml.CompiledModel on the device
    version: int = 0
    indexes: dict[str, Index] = field(default_factory=dict)  # lower-case name -> Index
    device: object = None  # torch.device that file sources are read onto
    temporary: set = field(default_factory=set)  # names of tables made by CREATE TEMP TABLE
    functions: dict[str, object] = field(default_factory=dict)  # name -> tqp.udf.PythonFunction
    macros: dict[str, object] = field(default_factory=dict)  # name -> tqp.sql.macros.Macro
    schemas: dict = field(default_factory=dict)  # the schemas besides main: lower-case name -> name as created

    def __post_init__(self):
        if isinstance(self.tables, Tables) and self.tables.owner is not None:
            self.file_cache = self.tables.owner.file_cache  # a statement's scratch view of a catalog
            self.python_sources = self.tables.owner.python_sources
            self.device = self.device or self.tables.owner.device
            self.schemas = self.tables.owner.schemas
        else:
            from .io.python_scan import PythonSources
            self.tables = Tables(self.tables, self)
            self.file_cache = FileCache(self)
            self.python_sources = PythonSources(self)

    def forget_indexes(self, table: str):
        """A table that is dropped or replaced takes its indexes with it."""
        for name in [n for n, ix in self.indexes.items() if ix.table == table]:
            del self.indexes[name]

    def bump(self):
        self.version += 1

    def snapshot(self) -> dict:
        """What a transaction's ROLLBACK restores: every name's object (tables are replaced on
        change, never changed in place, so the objects themselves need no copy)."""
        return {"tables": dict(self.tables), **{k: dict(getattr(self, k)) for k in _SNAPSHOT},
                "temporary": set(self.temporary)}

    def restore(self, snap: dict) -> None:
        self.tables.clear()
        self.tables.update(snap["tables"])
        for k in _SNAPSHOT:
            setattr(self, k, dict(snap[k]))
        self.temporary = set(snap["temporary"])
        self.bump()  # (a new version: programs planned inside the transaction must not serve)

    def key_of(self, node, missing_ok: bool = False) -> str | None:
        """The key of the table or view an exp.Table names ([catalog.][schema.]name); a schema
        that does not exist is a ProgrammingError (None with missing_ok)."""
        schema = (node.db or "main").lower()
        if schema in ("main", "memory") and (not node.catalog or node.catalog.lower() == "memory"):
            return node.name.lower()
        if schema not in self.schemas:
            if missing_ok:
                return None
            raise ProgrammingError(f'table "{node.db}.{node.name}" does not exist because schema "{node.db}" does not exist')
        return f"{schema}.{node.name.lower()}"

    def schema_of(self, key: str) -> tuple[str, str]:
        """(schema, name) of a table or view key."""
        schema, dot, name = key.partition(".")
        return (schema, name) if dot and schema in self.schemas else ("main", key)

    def table_node(self, key: str):
        """An exp.Table naming the table or view of `key`."""
        from sqlglot import exp
        schema, name = self.schema_of(key)
        return exp.table_(name, db=schema if schema != "main" else None, quoted=True)

    def lookup(self, name: str):
        if name.startswith("#"):  # a file source or an information_schema view: see Tables
            return self.tables[name]
        key = name.lower()
        if key in self.tables:
            return self.tables[key]
        return self.views.get(key)

    def python_source(self, name: str) -> str | None:
        """The key of the caller's Python variable `name`, for a name nothing else holds (see
        tqp.io.python_scan)."""
        from .io.python_scan import python_source
        return python_source(self, name)

    def names(self) -> list[str]:
        return sorted(list(self.tables) + list(self.views))

    def virtual_source(self, node, ctes) -> tuple[str, str] | None:
        """(key, default alias) when the FROM item `node` reads files or information_schema
        rather than a stored table; its rows are read now, since binding needs their columns."""
        from sqlglot import exp

        from .catalog_sql import info_source, sqlite_master_source
        from .io.files import replacement, table_function

        found = None
        if isinstance(node.this, exp.Func):
            found = table_function(node.this)
        elif node.db:
            found = info_source(node)
        elif node.name.lower() not in ctes and self.lookup(node.name) is None:
            spec = replacement(node.name)
            if spec is not None:
                found = spec, os.path.basename(node.name).split(".")[0]
            else:
                found = sqlite_master_source(node.name)
        if found is None:
            return None
        what, alias = found
        key = what if isinstance(what, str) else what.key
        self.tables[key]  # noqa: B018 - reads the files (or lists the catalog) now
        return key, alias


_SNAPSHOT = ("views", "models", "indexes", "functions", "macros", "schemas")  # name -> object dicts of a Catalog


def _count_distinct(data: torch.Tensor, dictionary, sort: bool = True) -> int | None:
    """Distinct values, by the cheapest exact route: a dictionary's size bounds its codes, a
    small integer range takes a presence bitmap, anything else a sort (None when `sort` is
    False and one would be needed)."""
    n = data.numel()
    if n == 0:
        return 0
    if dictionary is not None:
        return min(len(dictionary), n)
    if data.is_complex():  # a wide DECIMAL: distinct (hi, lo) word pairs
        return int(torch.unique(torch.view_as_real(data).view(torch.int64), dim=0).shape[0]) if sort else None
    if not data.is_floating_point() and data.dtype != torch.bool:
        lo, hi = (int(v) for v in torch.aminmax(data))
        if hi - lo < 4 * n:
            head = data[:4096]
            if not any_true(head[1:] < head[:-1]) and not any_true(data[1:] < data[:-1]):
                # ascending (keys often are): count the steps
                return int(torch.count_nonzero(data[1:] != data[:-1])) + 1
            if data.device.type == "cpu":  # numpy's flag scatter, a slice at a time: one warm
                x = data.numpy()  # index temporary, never a fresh n-long one
                present = np.zeros(hi - lo + 1, dtype=np.bool_)
                for start in range(0, n, 1 << 18):
                    part = x[start:start + (1 << 18)]
                    present[part - lo if lo else part] = True
                return int(np.count_nonzero(present))
            present = torch.zeros(hi - lo + 1, dtype=torch.bool, device=data.device)
            present.index_fill_(0, data.to(torch.int64) - lo, True)
            return int(torch.count_nonzero(present))
    return int(torch.unique(data).numel()) if sort else None
