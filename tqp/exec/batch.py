"""Batches with late materialization.

A Batch is a row count and a list of columns, each a source (a Column, or a thunk that makes one)
plus an optional selection index. Filters, joins and sorts only compose selection indices;
a column is gathered when an operator first reads it, so columns no operator reads are never
copied. A selection entry of -1 stands for a NULL row (the unmatched side of an outer join).

>>> import torch
>>> from tqp.column import Column
>>> from tqp import types as T
>>> b = Batch.of([Column(T.INTEGER, torch.tensor([5, 6, 7], dtype=torch.int32))])
>>> b.take(torch.tensor([2, -1]), nullable=True).column(0).valid_mask().tolist()
[True, False]
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable

import torch

from ..column import Column


class Selection:
    __slots__ = ("index", "nullable")

    def __init__(self, index: torch.Tensor, nullable: bool):
        self.index = index
        self.nullable = nullable  # may hold -1 entries

    def then(self, index: torch.Tensor, nullable: bool) -> "Selection":
        if not nullable:
            return Selection(self.index.index_select(0, index), self.nullable)
        safe = index.clamp(min=0)
        inner = self.index.index_select(0, safe) if len(self.index) else torch.full_like(index, -1)
        return Selection(torch.where(index >= 0, inner, -1), True)


def gather(col: Column, sel: Selection) -> Column:
    idx = sel.index
    if not sel.nullable:
        return col.take(idx)
    hit = idx >= 0
    if len(col) == 0:
        data = torch.zeros(idx.shape[0], dtype=col.data.dtype, device=col.device)
        return replace(col, data=data, validity=torch.zeros_like(hit))
    safe = idx.clamp(min=0)
    valid = hit if col.validity is None else hit & col.validity.index_select(0, safe)
    return replace(col, data=col.data.index_select(0, safe), validity=valid)


class Batch:
    __slots__ = ("length", "_sources", "_sels", "_cache", "memo")

    def __init__(self, length: int, sources: list, sels: list):
        self.length = length
        self._sources = sources  # Column | Callable[[], Column]
        self._sels = sels  # Selection | None
        self._cache: dict[int, Column] = {}
        self.memo: dict = {}  # expression results over this batch (shared subexpressions)

    @staticmethod
    def of(columns: list[Column], length: int | None = None) -> "Batch":
        n = length if length is not None else (len(columns[0]) if columns else 0)
        return Batch(n, list(columns), [None] * len(columns))

    @property
    def width(self) -> int:
        return len(self._sources)

    def column(self, i: int) -> Column:
        col = self._cache.get(i)
        if col is None:
            src = self._sources[i]
            col = src() if callable(src) else src
            sel = self._sels[i]
            if sel is not None:
                col = gather(col, sel)
            self._cache[i] = col
        return col

    def unmaterialized(self, i: int) -> tuple[Column, Selection] | None:
        """Column i as a stored column and the selection of its rows, while not yet gathered
        (None otherwise), for operators that can work on the smaller stored column."""
        src, sel = self._sources[i], self._sels[i]
        if i in self._cache or sel is None or callable(src):
            return None
        return src, sel

    def columns(self) -> list[Column]:
        return [self.column(i) for i in range(self.width)]

    def take(self, index: torch.Tensor, nullable: bool = False) -> "Batch":
        """Rows at `index` (int64; with nullable=True, -1 gives a NULL row)."""
        memo: dict[int, Selection] = {}
        sources, sels = [], []
        fresh = Selection(index, nullable)
        for i, (src, sel) in enumerate(zip(self._sources, self._sels)):
            if i in self._cache:
                sources.append(self._cache[i])
                sels.append(fresh)
            elif sel is None:
                sources.append(src)
                sels.append(fresh)
            else:
                key = id(sel)
                if key not in memo:
                    memo[key] = sel.then(index, nullable)
                sources.append(src)
                sels.append(memo[key])
        return Batch(int(index.shape[0]), sources, sels)

    def select(self, positions: list[int]) -> "Batch":
        """Some of the columns, in a new order, without touching data."""
        out = Batch(self.length, [self._sources[i] for i in positions], [self._sels[i] for i in positions])
        for j, i in enumerate(positions):
            if i in self._cache:
                out._cache[j] = self._cache[i]
        return out

    def extend(self, other: "Batch") -> "Batch":
        """Columns of self followed by columns of other (same row count)."""
        out = Batch(self.length, self._sources + other._sources, self._sels + other._sels)
        out._cache.update(self._cache)
        out._cache.update({k + self.width: v for k, v in other._cache.items()})
        return out

    def with_columns(self, columns: list[Column | Callable[[], Column]]) -> "Batch":
        return Batch(self.length, list(columns), [None] * len(columns))
