"""Integrity constraints: NOT NULL and keys (PRIMARY KEY, UNIQUE, UNIQUE indexes), checked with
tensor ops over whole key columns.

A key's rows get dense group ids from the exact keys GROUP BY uses (tqp.kernels.keys), so a
check is a ranking and a bincount, never a loop over rows; strings compare by code over one
shared dictionary. A NULL in any key column exempts the row, as in DuckDB and the standard.

>>> import torch
>>> from tqp import types as T
>>> from tqp.catalog import Key, StoredTable
>>> t = StoredTable(["k"], [T.INTEGER], [Column(T.INTEGER, torch.tensor([1, 2], dtype=torch.int32))], 2,
...                 keys=(Key((0,), primary=True),))
>>> new = [Column(T.INTEGER, torch.tensor([2, 5, 5], dtype=torch.int32))]
>>> match, first = conflicts(t, new, t.keys[0])
>>> match.tolist(), first.tolist()   # 2 is row 1 already; the second 5 repeats the first
([1, -1, -1], [True, True, False])
"""
from __future__ import annotations

import torch
from torch import Tensor

from .catalog import ForeignKey, Key, StoredTable
from .column import Column
from .errors import IntegrityError
from .kernels import group as G
from .kernels import keys as K
from .kernels.selection import all_true, any_true, nonzero


def concat(cols: list[Column]) -> Column:
    from .physical.rows import concat_columns  # the operators import the catalog; no cycle at load
    return concat_columns(cols)


def _key_ids(cols: list[Column]) -> tuple[Tensor, int, Tensor | None]:
    """Dense ids of the rows' key tuples, how many there are, and the rows with no NULL in the
    key (None: all rows)."""
    key, domain = K.dense_keys([(u.data, u.validity) for u in (c.with_unique_dictionary() for c in cols)])
    ids, g = G.group_ids(key, domain)
    valid = None
    for c in cols:
        if c.validity is not None:
            valid = c.validity if valid is None else valid & c.validity
    return ids, g, valid


def key_text(table: StoredTable, key: Key, columns: list[Column], row: int) -> str:
    """'a: 1, b: x' for one row, as DuckDB words a duplicate key."""
    from .io.arrow import column_to_arrow
    index = torch.tensor([row], device=columns[0].device)
    return ", ".join(f"{table.names[i]}: {column_to_arrow(c.take(index)).to_pylist()[0]}"
                     for i, c in zip(key.columns, columns))


def check_not_null(name: str, table: StoredTable, start: int = 0, columns=None) -> None:
    """Rows from `start` on hold a value in every NOT NULL column (only `columns`, if given)."""
    for i in sorted(table.not_null):
        v = table.columns[i].validity
        if (columns is None or i in columns) and v is not None and not all_true(v[start:]):
            raise IntegrityError(f"NOT NULL constraint failed: {name}.{table.names[i]}")


def duplicate_row(table: StoredTable, key: Key) -> tuple[int, list[Column]] | None:
    """A row whose key an earlier row holds too, or None when the key is unique."""
    if table.num_rows < 2:
        return None
    cols = [table.columns[i] for i in key.columns]
    ids, g, valid = _key_ids(cols)
    counted = ids if valid is None else ids[valid]
    dup = torch.bincount(counted, minlength=g).index_select(0, ids) > 1
    if valid is not None:
        dup &= valid
    if not any_true(dup):
        return None
    return int(nonzero(dup)[-1]), cols


def check_keys(name: str, table: StoredTable, keys=None) -> None:
    """Every key of the table (or only `keys`) is unique; IntegrityError naming the key if not."""
    for key in table.keys if keys is None else keys:
        found = duplicate_row(table, key)
        if found is not None:
            text = key_text(table, key, found[1], found[0])
            raise IntegrityError(f'duplicate key "{text}" violates {key.describe()} of table "{name}"')


def conflicts(table: StoredTable, new: list[Column], key: Key) -> tuple[Tensor, Tensor]:
    """For each new row (full-width columns in table order): the existing row holding its key
    (-1 for none, and for a NULL in the key), and whether no earlier new row holds that key."""
    n, m = table.num_rows, len(new[0])
    cols = [concat([table.columns[i], new[i]]) for i in key.columns]
    ids, g, valid = _key_ids(cols)
    dev = ids.device
    pos = torch.arange(n + m, device=dev)
    # existing rows hold distinct keys, so at most one lands in each slot (NULL rows are masked below)
    old_of = torch.full((g,), -1, dtype=torch.int64, device=dev).scatter_(0, ids[:n], pos[:n])
    first_new = torch.full((g,), n + m, dtype=torch.int64, device=dev).scatter_reduce_(
        0, ids[n:], pos[n:], "amin")
    match = old_of.index_select(0, ids[n:])
    first = first_new.index_select(0, ids[n:]) == pos[n:]
    if valid is not None:
        nv = valid[n:]
        match = torch.where(nv, match, -1)
        first |= ~nv
    return match, first


def _absent(child: list[Column], parent: list[Column]) -> int | None:
    """The first child row whose key (no NULL in it) no parent row holds, else None."""
    from .compile.expr import cast_column
    n = len(parent[0])
    cols = [concat([p, c if c.type == p.type else cast_column(c, p.type)]) for p, c in zip(parent, child)]
    ids, g, valid = _key_ids(cols)
    held = ids[:n] if valid is None else ids[:n][valid[:n]]
    present = torch.zeros(max(g, 1), dtype=torch.bool, device=ids.device).index_fill_(0, held, True)
    missing = ~present.index_select(0, ids[n:])
    if valid is not None:
        missing &= valid[n:]
    return int(nonzero(missing)[0]) if any_true(missing) else None


def check_references(tables: dict, key: str, table: StoredTable) -> None:
    """`table`, about to be stored under `key`, keeps every FOREIGN KEY: its own rows' keys exist
    in their parents, and every row of another table that references it still finds its key.
    A table referencing itself is checked against the rows it held before, as DuckDB does."""
    pairs = [(table, fk, tables.get(fk.table, table), True) for fk in table.foreign]
    pairs += [(child, fk, table, False) for other, child in list(tables.items()) if other != key
              for fk in getattr(child, "foreign", ()) if fk.table == key]
    for child, fk, parent, own in pairs:
        cols = [child.columns[c] for c in fk.columns]
        row = _absent(cols, [parent.columns[c] for c in fk.parent_columns])
        if row is not None:  # DuckDB names the key by the parent's columns, or the child's when it is still used
            text = key_text(parent if own else child, Key(fk.parent_columns if own else fk.columns), cols, row)
            raise IntegrityError(f'violates foreign key constraint: key "{text}" ' + (
                f'does not exist in the referenced table "{fk.table}"' if own else "is still referenced by another table"))
