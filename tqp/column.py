"""Columnar storage: a Column is a data tensor, an optional validity mask and a SQL type.

VARCHAR columns hold int32 codes into a sorted, duplicate-free Dictionary, so equality, ordering,
MIN/MAX and ORDER BY work on the codes alone.

>>> import torch
>>> from tqp import types as T
>>> c = Column(T.INTEGER, torch.tensor([1, 2, 3], dtype=torch.int32))
>>> c.take(torch.tensor([2, 0])).data.tolist()
[3, 1]
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import torch

from .types import SqlType


class Dictionary:
    """Sorted unique strings; rows refer to them by int32 code.

    The strings live on the host as a numpy object array; `byte_matrix` gives a padded uint8
    matrix on a device, built once per device, for string kernels (LIKE, SUBSTRING, ...).
    """

    __slots__ = ("values", "_bytes", "derived")

    def __init__(self, values: np.ndarray):
        self.values = values  # numpy object array of str, sorted, unique
        self._bytes: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
        # Results of per-entry functions (substring, upper, LIKE, ...), keyed by the function
        # and its constants: a dictionary never changes, so each is computed once.
        self.derived: dict = {}

    def __len__(self) -> int:
        return len(self.values)

    @staticmethod
    def encode(strings: np.ndarray) -> tuple["Dictionary", np.ndarray]:
        """Dictionary and int32 codes for an object array of str (no None)."""
        if len(strings) == 0:
            return Dictionary(np.array([], dtype=object)), np.zeros(0, dtype=np.int32)
        uniq, codes = np.unique(strings.astype(object), return_inverse=True)
        return Dictionary(uniq.astype(object)), codes.astype(np.int32)

    def byte_matrix(self, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """(uint8 [n, maxlen] zero-padded UTF-8 bytes, int32 [n] byte lengths) on `device`."""
        key = str(device)
        if key not in self._bytes:
            encoded = [s.encode("utf-8") for s in self.values]  # once per distinct value
            lengths = np.fromiter((len(b) for b in encoded), dtype=np.int32, count=len(encoded))
            width = int(lengths.max()) if len(encoded) else 0
            buf = np.frombuffer(b"".join(b.ljust(width, b"\0") for b in encoded), dtype=np.uint8)
            mat = torch.from_numpy(buf.reshape(len(encoded), width).copy()).to(device)
            self._bytes[key] = (mat, torch.from_numpy(lengths).to(device))
        return self._bytes[key]


@dataclass(frozen=True, eq=False)
class Column:
    type: SqlType
    data: torch.Tensor
    validity: torch.Tensor | None = None  # bool, True where a value is present; None: no NULLs
    dictionary: Dictionary | None = field(default=None)

    def __len__(self) -> int:
        return self.data.shape[0]

    @property
    def device(self) -> torch.device:
        return self.data.device

    def take(self, index: torch.Tensor) -> "Column":
        """Rows at `index` (int64 positions or a bool mask)."""
        valid = None if self.validity is None else self.validity[index]
        return replace(self, data=self.data[index], validity=valid)

    def to(self, device: torch.device) -> "Column":
        valid = None if self.validity is None else self.validity.to(device)
        return replace(self, data=self.data.to(device), validity=valid)

    def valid_mask(self) -> torch.Tensor:
        """A bool tensor of validity, materialized even when there are no NULLs."""
        if self.validity is None:
            return torch.ones(len(self), dtype=torch.bool, device=self.device)
        return self.validity

    def with_validity(self, validity: torch.Tensor | None) -> "Column":
        return replace(self, validity=validity)


def and_validity(*masks: torch.Tensor | None) -> torch.Tensor | None:
    """Combined validity of several operands: valid where all are valid."""
    out = None
    for m in masks:
        if m is not None:
            out = m if out is None else out & m
    return out
