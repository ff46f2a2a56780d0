"""Name resolution: which input column a SQL name refers to, with helpful errors.

>>> from tqp import types as T
>>> s = Scope([ScopeColumn("t", "name", T.VARCHAR)])
>>> s.resolve("name", None)
0
>>> s.resolve("nmae", None)
Traceback (most recent call last):
...
tqp.errors.ProgrammingError: column "nmae" not found; did you mean "name"?
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..errors import ProgrammingError
from ..types import SqlType


@dataclass(frozen=True)
class ScopeColumn:
    table: str | None  # the qualifier that names it (alias or table name), lower case
    name: str
    type: SqlType
    hidden: bool = False  # helper columns (decorrelation, sort keys) that SELECT * must not show
    # a join column that USING / NATURAL merged into one: hidden from * and from its bare
    # name, still read as t.name and shown by t.*
    merged: bool = False


class Scope:
    def __init__(self, columns: list[ScopeColumn]):
        self.columns = list(columns)  # (never changed: a wider scope is a new Scope)
        self._by_name: dict[str, list[int]] | None = None

    def __len__(self):
        return len(self.columns)

    def find(self, name: str, table: str | None) -> list[int]:
        if self._by_name is None:  # built on first lookup: a join of wide tables resolves many names
            self._by_name = {}
            for i, c in enumerate(self.columns):
                self._by_name.setdefault(c.name.lower(), []).append(i)
        hits = self._by_name.get(name.lower(), [])
        if not table:
            return list(hits)
        table = table.lower()
        return [i for i in hits if self.columns[i].table == table]

    def has(self, name: str, table: str | None) -> bool:
        return bool(self.find(name, table))

    def resolve(self, name: str, table: str | None) -> int:
        hits = self.find(name, table)
        if len(hits) == 1:
            return hits[0]
        full = f"{table}.{name}" if table else name
        if not hits:
            if table and not any(c.table == table.lower() for c in self.columns):
                tables = sorted({c.table for c in self.columns if c.table})
                raise ProgrammingError(f'table "{table}" not found in this query' + _suggest(table, tables))
            names = [c.name for c in self.columns if not c.hidden]
            raise ProgrammingError(f'column "{full}" not found' + _suggest(name, names))
        visible = [i for i in hits if not self.columns[i].hidden]
        if len(visible) == 1:
            return visible[0]
        sources = sorted({f"{self.columns[i].table}.{self.columns[i].name}" for i in hits})
        raise ProgrammingError(f'column reference "{full}" is ambiguous: it could be {" or ".join(sources)}')


def _suggest(word: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(word.lower(), sorted(set(c.lower() for c in candidates)), n=3, cutoff=0.5)
    if not close:
        return ""
    return "; did you mean " + " or ".join(f'"{c}"' for c in close) + "?"


def suggest(word: str, candidates: list[str]) -> str:
    return _suggest(word, candidates)


class CorrelatedScope(Scope):
    """Outer columns followed by a subquery's own; a name found in the subquery hides the outer
    one, as SQL's scoping rules say (lineitem inside a subquery over lineitem means the inner)."""

    def __init__(self, outer: list[ScopeColumn], inner: list[ScopeColumn]):
        super().__init__(list(outer) + list(inner))
        self.split = len(outer)

    def find(self, name, table):
        hits = super().find(name, table)
        inner = [i for i in hits if i >= self.split]
        return inner or hits
