"""Columnar storage: a Column is a data tensor, an optional validity mask and a SQL type.

VARCHAR columns hold int32 codes into a Dictionary of strings. Per-entry work (LIKE, SUBSTRING,
CAST, output) takes any dictionary; two canonical forms are made lazily, once per dictionary,
for the operations that need them, because finding them costs more at load than most queries
that read a comment column:
- unique (`Column.with_unique_dictionary()`): equal strings have equal codes, so equality,
  IN, grouping, DISTINCT and joins work on codes. A column read from Arrow is unique in
  Arrow's first-seen order, except a mostly-distinct one, whose rows are its own entries;
- sorted (`Column.with_sorted_dictionary()`, unique too): codes compare as the strings do,
  for <, MIN/MAX, ORDER BY, window order and quantiles.
Each re-codes the rows it is given through the twin dictionary, which all columns sharing the
dictionary share. LIST and STRUCT columns hold codes into a dictionary of their distinct lists
(structs) as NestedValue objects, always unique and in DuckDB's order.

>>> import torch
>>> from tqp import types as T
>>> c = Column(T.INTEGER, torch.tensor([1, 2, 3], dtype=torch.int32))
>>> c.take(torch.tensor([2, 0])).data.tolist()
[3, 1]
>>> s = Column(T.VARCHAR, torch.tensor([0, 1, 2], dtype=torch.int32),
...            dictionary=Dictionary(np.array(["pear", "apple", "pear"], dtype=object), is_unique=False))
>>> u = s.with_unique_dictionary()
>>> u.data.tolist(), list(u.dictionary.values), u.dictionary.codes_of(["apple", "fig"]).tolist()
([0, 1, 0], ['pear', 'apple'], [1, -1])
>>> ordered = s.with_sorted_dictionary()
>>> ordered.data.tolist(), list(ordered.dictionary.values)
([1, 0, 1], ['apple', 'pear'])
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from .exec.limits import reserve
from .io import buffers
from .kernels.selection import nonzero
from .types import SqlType


def _order_key(v):
    """DuckDB's order of nested values: element by element (a prefix first), a NULL element
    after every value and NaN after every number; structs field by field."""
    if v is None:
        return (2,)
    if isinstance(v, list):
        return (0, tuple(_order_key(x) for x in v))
    if isinstance(v, dict):
        return (0, tuple(_order_key(x) for x in v.values()))
    if isinstance(v, float) and v != v:
        return (1,)
    return (0, v)


class NestedValue:
    """A LIST (Python list) or STRUCT (dict) value as a dictionary entry: ordered, equal and
    hashed as DuckDB compares such values, so numpy's sort, unique and searchsorted apply.

    >>> sorted([NestedValue([1, None]), NestedValue([1, 2]), NestedValue([1])])
    [[1], [1, 2], [1, None]]
    """

    __slots__ = ("value", "key")

    def __init__(self, value):
        self.value = value
        self.key = _order_key(value)

    def __lt__(self, other):
        return self.key < other.key

    def __le__(self, other):
        return self.key <= other.key

    def __gt__(self, other):
        return self.key > other.key

    def __ge__(self, other):
        return self.key >= other.key

    def __eq__(self, other):
        return isinstance(other, NestedValue) and self.key == other.key

    def __hash__(self):
        return hash(self.key)

    def __repr__(self):
        return repr(self.value)


def nested_values(values) -> np.ndarray:
    """An object array of NestedValue for Python lists / dicts (numpy would otherwise read a
    list of lists as a matrix)."""
    out = np.empty(len(values), dtype=object)
    out[:] = [v if isinstance(v, NestedValue) else NestedValue(v) for v in values]
    return out


class Dictionary:
    """Strings that rows refer to by int32 code.

    `is_unique`: no string repeats; `is_sorted`: unique and in order. `unique()` and `sorted()`
    make the twin of each form once (see the module docstring).

    The strings live on the host as a numpy object array; `byte_matrix` gives a padded uint8
    matrix on a device, built once per device, for string kernels (LIKE, SUBSTRING, ...).
    """

    __slots__ = ("_values", "_bytes", "derived", "arrow", "_flat", "is_unique", "is_sorted", "_twins")

    def __init__(self, values: np.ndarray | None, arrow=None, is_sorted: bool = True, is_unique: bool = True):
        if values is None and arrow is None:
            raise ValueError("a Dictionary needs its values, as numpy or as Arrow")
        self._values = values  # numpy object array of str
        self.arrow = arrow  # the same strings as a pyarrow array, when they came from Arrow
        self._flat: dict = {}
        self._bytes: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
        # Results of per-entry functions (substring, upper, LIKE, ...), keyed by the function
        # and its constants: a dictionary never changes, so each is computed once.
        self.derived: dict = {}
        self.is_unique = is_unique or len(self) <= 1
        self.is_sorted = is_sorted and self.is_unique or len(self) <= 1
        self._twins: dict = {}  # "unique" / "sorted" -> (twin, int32 position of each entry in it)

    @property
    def values(self) -> np.ndarray:
        """The strings as Python objects, made from Arrow on first use: a comment column's
        millions of distinct values cost ~0.5 s to convert, and most queries never ask."""
        if self._values is None:
            import pyarrow as pa
            if pa.types.is_list(self.arrow.type) or pa.types.is_struct(self.arrow.type):
                self._values = nested_values(self.arrow.to_pylist())
            else:
                self._values = np.empty(len(self.arrow), dtype=object)  # (to_numpy imports pandas)
                self._values[:] = self.arrow.to_pylist()
        return self._values

    def __len__(self) -> int:
        return len(self._values) if self._values is not None else len(self.arrow)

    @staticmethod
    def encode(strings: np.ndarray) -> tuple["Dictionary", np.ndarray]:
        """Dictionary and int32 codes for an object array of str (no None)."""
        if len(strings) == 0:
            return Dictionary(np.array([], dtype=object)), np.zeros(0, dtype=np.int32)
        uniq, codes = np.unique(strings.astype(object), return_inverse=True)
        return Dictionary(uniq.astype(object)), codes.astype(np.int32)

    def unique(self) -> tuple["Dictionary", np.ndarray | None]:
        """(the distinct entries, each entry's int32 position among them), made once by
        hashing; (self, None) when unique already."""
        if self.is_unique:
            return self, None
        if "unique" not in self._twins:
            if self.arrow is not None:
                import pyarrow.compute as pc
                enc = pc.dictionary_encode(self.arrow)
                twin, position = Dictionary(None, enc.dictionary, is_sorted=False), buffers.values(enc.indices)
            else:
                uniq, first, position = np.unique(self._values, return_index=True, return_inverse=True)
                order = np.argsort(first)  # first-seen order, as Arrow's
                rank = np.empty(len(order), dtype=np.int64)
                rank[order] = np.arange(len(order))
                twin, position = Dictionary(uniq[order], is_sorted=False), rank[position.reshape(-1)]
            self._twins["unique"] = (twin, position.astype(np.int32))
        return self._twins["unique"]

    def sorted(self) -> tuple["Dictionary", np.ndarray | None]:
        """(the distinct entries sorted, each entry's int32 position there), made once;
        (self, None) when sorted already."""
        if self.is_sorted:
            return self, None
        if "sorted" not in self._twins:
            if self.arrow is not None:  # Arrow's C++ sort (UTF-8 bytes: code point order)
                from .kernels.strings import sorted_dictionary
                position, uniq = sorted_dictionary(self.arrow)
                twin = Dictionary(None, uniq)
            else:
                uniq, position = np.unique(self._values, return_inverse=True)
                twin = Dictionary(uniq.astype(object))
            self._twins["sorted"] = (twin, position.reshape(-1).astype(np.int32))
        return self._twins["sorted"]

    def codes_of(self, values) -> np.ndarray:
        """int64 code of each of `values` (str), -1 where it is not an entry, in a unique
        dictionary: a binary search when sorted, else one pass of Arrow's lookup."""
        if not self.is_unique:
            raise ValueError("codes_of needs a unique dictionary (Column.with_unique_dictionary)")
        want = list(values)
        n = len(self)
        if not want or n == 0:
            return np.full(len(want), -1, dtype=np.int64)
        if self.is_sorted:
            vals = self.values
            pos = np.minimum(np.searchsorted(vals, np.array(want, dtype=object)), n - 1)
            return np.where(vals[pos] == np.array(want, dtype=object), pos, -1).astype(np.int64)
        uniq, back = np.unique(np.array(want, dtype=object), return_inverse=True)
        if self.arrow is not None:
            import pyarrow as pa
            import pyarrow.compute as pc
            wanted = buffers.strings(uniq) if all(isinstance(v, str) for v in uniq) else pa.array(uniq.tolist())
            at = pc.index_in(self.arrow, value_set=wanted.cast(self.arrow.type))
            at = buffers.filled(at, -1)
        else:
            at = np.full(n, -1, dtype=np.int64)
            for j, v in enumerate(uniq):  # per wanted value (a query's constants)
                at[self._values == v] = j
        entries = np.flatnonzero(at >= 0)
        code = np.full(len(uniq), -1, dtype=np.int64)
        code[at[entries]] = entries
        return code[back.reshape(-1)]

    def flat_bytes(self, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """(uint8 UTF-8 bytes of all entries back to back, int64 [n + 1] offsets) on `device`."""
        key = str(device)
        if key not in self._flat:
            self._flat[key] = _flat_bytes(self._values, device, self.arrow)
        return self._flat[key]

    def byte_matrix(self, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """(uint8 [n, maxlen] zero-padded UTF-8 bytes, int32 [n] byte lengths) on `device`."""
        key = str(device)
        if key not in self._bytes:
            self._bytes[key] = _padded_bytes(*self.flat_bytes(device))
        return self._bytes[key]


def _flat_bytes(values: np.ndarray, device, arrow=None) -> tuple[torch.Tensor, torch.Tensor]:
    arr = _large_strings(values, arrow)
    n = len(arr)
    if n == 0:
        return torch.zeros(0, dtype=torch.uint8, device=device), torch.zeros(1, dtype=torch.int64, device=device)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64, count=n + 1)
    base = int(offsets[0])
    buf = arr.buffers()[2]
    if buf is None or int(offsets[-1]) == base:
        data = torch.zeros(0, dtype=torch.uint8)
    else:
        # Zero copy on the host: the kernels only read the bytes, and a copy of a large
        # dictionary (~100 MB for a comment column) costs more than the LIKE that wants it.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # Arrow buffers are read-only
            data = torch.frombuffer(buf, dtype=torch.uint8, count=int(offsets[-1]) - base, offset=base)
    return data.to(device), torch.from_numpy(offsets - base).to(device)


def _large_strings(values, arrow):
    import pyarrow as pa

    if arrow is not None:
        arr = arrow.cast(pa.large_string())
        if arr.null_count:
            arr = arr.fill_null("")
        return pa.concat_arrays([arr]) if arr.offset else arr
    return buffers.strings(values).cast(pa.large_string())


def _padded_bytes(data: torch.Tensor, offsets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The padded matrix is a gather from the flat byte buffer, in row chunks so the index
    never gets large."""
    n = offsets.shape[0] - 1
    lens = offsets[1:] - offsets[:-1]
    width = int(lens.max()) if n else 0
    reserve(n * width, f"a padded matrix of {n} strings of up to {width} bytes")
    mat = torch.zeros((n, width), dtype=torch.uint8, device=data.device)
    if n and width:
        cols = torch.arange(width, device=data.device)
        step = max(1, (1 << 22) // width)
        for lo in range(0, n, step):
            hi = min(n, lo + step)
            idx = offsets[lo:hi, None] + cols
            inside = cols < lens[lo:hi, None]
            mat[lo:hi] = torch.where(inside, data[idx.clamp_(max=len(data) - 1)], 0)
    return mat, lens.to(torch.int32)


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
        """Rows at `index` (int64 positions, a bool mask, or a slice)."""
        if isinstance(index, slice):
            valid = None if self.validity is None else self.validity[index]
            return replace(self, data=self.data[index], validity=valid)
        if index.dtype == torch.bool:
            index = nonzero(index)
        # index_select, not data[index]: on the host it gathers 1.5-2x faster (6M rows).
        valid = None if self.validity is None else self.validity.index_select(0, index)
        return replace(self, data=self.data.index_select(0, index), validity=valid)

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

    def with_unique_dictionary(self) -> "Column":
        """This column over its dictionary's unique twin (itself when unique already): the
        way to codes that compare for equality (=, IN, GROUP BY, DISTINCT, joins)."""
        d = self.dictionary
        return self if d is None or d.is_unique else self._recoded("unique", *d.unique())

    def with_sorted_dictionary(self) -> "Column":
        """This column over its dictionary's sorted twin (itself when sorted already): the
        way to codes that compare as the strings do (ORDER BY, <, MIN/MAX)."""
        d = self.dictionary
        return self if d is None or d.is_sorted else self._recoded("sorted", *d.sorted())

    def _recoded(self, form: str, twin: Dictionary, position: np.ndarray) -> "Column":
        key = (form + "_position", str(self.device))
        pos = self.dictionary.derived.get(key)
        if pos is None:
            pos = self.dictionary.derived[key] = torch.from_numpy(position).to(self.device)
        codes = self.data if self.validity is None else self.data.clamp(0, len(pos) - 1)  # NULLs' codes may be anything
        return replace(self, data=pos.index_select(0, codes.reshape(-1)).reshape(codes.shape), dictionary=twin)


def and_validity(*masks: torch.Tensor | None) -> torch.Tensor | None:
    """Combined validity of several operands: valid where all are valid."""
    out = None
    for m in masks:
        if m is not None:
            out = m if out is None else out & m
    return out
