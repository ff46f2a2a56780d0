"""The in-memory catalog: stored tables (columns already on the connection's device) and views.

Every change bumps `version`, which keys the compiled-program cache.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch

from .column import Column
from .types import SqlType


@dataclass
class StoredTable:
    names: list[str]
    types: list[SqlType]
    columns: list[Column]
    num_rows: int
    stats: dict = field(default_factory=dict)  # per-column facts found once: ndv, min, max

    def ndv(self, i: int) -> int:
        """Distinct non-NULL values of column i, counted once and remembered."""
        key = ("ndv", i)
        if key not in self.stats:
            col = self.columns[i]
            data = col.data if col.validity is None else col.data[col.validity]
            self.stats[key] = int(torch.unique(data).numel()) if data.numel() else 0
        return self.stats[key]


@dataclass
class Catalog:
    tables: dict[str, StoredTable] = field(default_factory=dict)
    views: dict[str, object] = field(default_factory=dict)  # name -> (sqlglot query, column names)
    models: dict[str, object] = field(default_factory=dict)  # name -> tqp.ml.CompiledModel on the device
    version: int = 0

    def bump(self):
        self.version += 1

    def lookup(self, name: str):
        key = name.lower()
        if key in self.tables:
            return self.tables[key]
        return self.views.get(key)

    def names(self) -> list[str]:
        return sorted(list(self.tables) + list(self.views))
