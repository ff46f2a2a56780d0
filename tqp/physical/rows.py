"""Helpers several operators share: dense group ids for rows, each row's rank within its
group, a validity mask dropped when it holds everywhere, and concatenation of columns and batches (one dictionary, one width).

>>> import torch
>>> occurrence(torch.tensor([0, 1, 0, 0]), 2).tolist()
[0, 0, 1, 2]
"""
from __future__ import annotations

from dataclasses import replace

import torch

from ..column import Column
from ..compile.expr import key_columns, same_width, unify_strings
from ..exec.batch import Batch
from ..kernels import group as G
from ..kernels import keys as K
from ..kernels.selection import all_true


def group_rows(cols: list[Column], n: int, device):
    """Dense group ids for rows, the group count, and one representative row per group."""
    if not cols:
        return torch.zeros(n, dtype=torch.int64, device=device), 1, torch.zeros(1, dtype=torch.int64, device=device)
    key, domain = K.dense_keys([part for c in cols for part in key_columns(c)])
    return G.group_ids_and_first_rows(key, domain)


def occurrence(ids: torch.Tensor, g: int) -> torch.Tensor:
    """For each row, how many earlier rows share its group (0 for the first)."""
    n = len(ids)
    if n == 0:
        return ids
    order = torch.sort(ids, stable=True).indices
    sorted_ids = ids[order]
    starts = torch.zeros(g + 1, dtype=torch.int64, device=ids.device)
    starts[1:] = torch.cumsum(torch.bincount(sorted_ids, minlength=g), 0)
    pos = torch.arange(n, device=ids.device) - starts[sorted_ids]
    rank = torch.empty_like(pos)
    rank[order] = pos
    return rank


def none_if_all(mask: torch.Tensor) -> torch.Tensor | None:
    """A validity mask, or None (no NULLs) where every row is valid."""
    return None if all_true(mask) else mask


def concat_columns(cols: list[Column]) -> Column:
    if cols[0].type.uses_dictionary:
        cols = unify_strings(cols)
    cols = same_width(cols)
    data = torch.cat([c.data for c in cols])
    if all(c.validity is None for c in cols):
        valid = None
    else:
        valid = torch.cat([c.valid_mask() for c in cols])
    return replace(cols[0], data=data, validity=valid)


def concat_batches(*batches: Batch) -> Batch:
    """The batches' rows one after the other (columns brought to one width and dictionary)."""
    return Batch.of([concat_columns(list(cols)) for cols in zip(*(b.columns() for b in batches))],
                    sum(b.length for b in batches))
