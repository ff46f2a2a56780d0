"""The in-memory catalog: stored tables (columns already on the connection's device), views and
indexes.

Every change bumps `version`, which keys the compiled-program cache.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import torch

from .column import Column
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


@dataclass
class Catalog:
    tables: dict[str, StoredTable] = field(default_factory=dict)
    views: dict[str, object] = field(default_factory=dict)  # name -> (sqlglot query, column names)
    models: dict[str, object] = field(default_factory=dict)  # name -> tqp.ml.CompiledModel on the device
    version: int = 0
    indexes: dict[str, Index] = field(default_factory=dict)  # lower-case name -> Index

    def forget_indexes(self, table: str):
        """A table that is dropped or replaced takes its indexes with it."""
        for name in [n for n, ix in self.indexes.items() if ix.table == table]:
            del self.indexes[name]

    def bump(self):
        self.version += 1

    def lookup(self, name: str):
        key = name.lower()
        if key in self.tables:
            return self.tables[key]
        return self.views.get(key)

    def names(self) -> list[str]:
        return sorted(list(self.tables) + list(self.views))


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
            present = torch.zeros(hi - lo + 1, dtype=torch.bool, device=data.device)
            present[data.to(torch.int64) - lo] = True
            return int(torch.count_nonzero(present))
    return int(torch.unique(data).numel()) if sort else None
