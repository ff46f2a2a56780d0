"""Logical SQL types and how each is held as a tensor.

DECIMAL(p, s) is value * 10**s in int64. Beyond 18 digits a column may instead hold exact
128-bit integers (kernels/wide.py) -- only where its values need them: the type says what the
values may reach, the tensor's dtype how they are held now.

>>> DECIMAL(15, 2).torch_dtype
torch.int64
>>> str(DECIMAL(15, 2))
'DECIMAL(15,2)'

LIST and STRUCT values are held like VARCHAR: int32 codes into a sorted dictionary of the
distinct lists (structs), so equality, ordering, grouping and joins work on the codes.

>>> str(LIST(INTEGER)), str(STRUCT((("a", INTEGER), ("b", VARCHAR))))
('INTEGER[]', 'STRUCT(a INTEGER, b VARCHAR)')
>>> LIST(INTEGER).element
INTEGER
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

# kind -> storage dtype. DECIMAL is value * 10**scale, DATE days since 1970-01-01,
# TIMESTAMP microseconds since the epoch, VARCHAR int32 codes into a sorted dictionary.
# INTERVAL is microseconds with a month counted as 30 days: DuckDB's own normalized value, the
# one it compares, groups and hands to Python (a timedelta); see tqp/functions/dates.py.
_STORAGE = {
    "BOOLEAN": torch.bool,
    "SMALLINT": torch.int16,
    "INTEGER": torch.int32,
    "BIGINT": torch.int64,
    "REAL": torch.float32,
    "DOUBLE": torch.float64,
    "DECIMAL": torch.int64,
    "DATE": torch.int32,
    "TIMESTAMP": torch.int64,
    "TIMESTAMPTZ": torch.int64,  # an instant: UTC microseconds, shown in the session's TimeZone
    "INTERVAL": torch.int64,
    "VARCHAR": torch.int32,
    "LIST": torch.int32,  # codes into a dictionary of distinct lists, as VARCHAR
    "STRUCT": torch.int32,
    "MAP": torch.int32,  # a LIST of STRUCT(key, value), as DuckDB's
    "NULL": torch.bool,  # the type of a bare NULL literal; all rows invalid
}
_INT_RANK = {"SMALLINT": 1, "INTEGER": 2, "BIGINT": 3}
INT64_DECIMAL_DIGITS = 18  # a DECIMAL this narrow is always int64
MAX_DECIMAL_DIGITS = 38


@dataclass(frozen=True)
class SqlType:
    kind: str
    precision: int = 0
    scale: int = 0
    # LIST: (("", element type),); STRUCT: ((field name, field type), ...)
    fields: tuple = ()

    def __post_init__(self):
        if self.kind not in _STORAGE:
            raise ValueError(f"unknown SQL type {self.kind}")

    @property
    def torch_dtype(self) -> torch.dtype:
        return _STORAGE[self.kind]

    @property
    def is_integer(self) -> bool:
        return self.kind in _INT_RANK

    @property
    def is_float(self) -> bool:
        return self.kind in ("REAL", "DOUBLE")

    @property
    def is_decimal(self) -> bool:
        return self.kind == "DECIMAL"

    @property
    def is_numeric(self) -> bool:
        return self.is_integer or self.is_float or self.is_decimal

    @property
    def is_string(self) -> bool:
        return self.kind == "VARCHAR"

    @property
    def is_temporal(self) -> bool:
        return self.kind in ("DATE", "TIMESTAMP", "TIMESTAMPTZ")

    @property
    def is_nested(self) -> bool:
        return self.kind in ("LIST", "STRUCT", "MAP")

    @property
    def uses_dictionary(self) -> bool:
        """Whether values are int32 codes into a sorted Dictionary (VARCHAR, LIST, STRUCT)."""
        return self.kind in ("VARCHAR", "LIST", "STRUCT", "MAP")

    @property
    def is_tuple(self) -> bool:
        """DuckDB's unnamed STRUCT (row(a, b), list_zip): fields by position; Python gets tuples."""
        return self.kind == "STRUCT" and self.precision == 1

    @property
    def element(self) -> "SqlType":
        """A LIST's element type (a MAP's: STRUCT(key, value))."""
        return self.fields[0][1]

    def __str__(self) -> str:
        if self.is_decimal:
            return f"DECIMAL({self.precision},{self.scale})"
        if self.kind == "LIST":
            inner = str(self.element)
            return ('"NULL"' if inner == "NULL" else inner) + "[]"
        if self.kind == "MAP":
            k, v = (str(t) if t.kind != "NULL" else '"NULL"' for _, t in self.element.fields)
            return f"MAP({k}, {v})"
        if self.is_tuple:
            return "TUPLE(" + ", ".join(str(t) for _, t in self.fields) + ")"
        if self.kind == "STRUCT":
            return "STRUCT(" + ", ".join(f"{_quote(n)} {t}" for n, t in self.fields) + ")"
        if self.kind == "TIMESTAMPTZ":
            return "TIMESTAMP WITH TIME ZONE"
        return self.kind

    __repr__ = __str__


BOOLEAN = SqlType("BOOLEAN")
SMALLINT = SqlType("SMALLINT")
INTEGER = SqlType("INTEGER")
BIGINT = SqlType("BIGINT")
REAL = SqlType("REAL")
DOUBLE = SqlType("DOUBLE")
DATE = SqlType("DATE")
TIMESTAMP = SqlType("TIMESTAMP")
TIMESTAMPTZ = SqlType("TIMESTAMPTZ")
INTERVAL = SqlType("INTERVAL")
VARCHAR = SqlType("VARCHAR")
NULLTYPE = SqlType("NULL")


def _quote(name: str) -> str:
    return name if name.isidentifier() and name.isascii() else '"' + name.replace('"', '""') + '"'


def LIST(element: SqlType) -> SqlType:
    return SqlType("LIST", fields=(("", element),))


def MAP(key: SqlType, value: SqlType) -> SqlType:
    return SqlType("MAP", fields=(("", STRUCT((("key", key), ("value", value)))),))


def STRUCT(fields) -> SqlType:
    return SqlType("STRUCT", fields=tuple((str(n), t) for n, t in fields))


def TUPLE(types) -> SqlType:
    """An unnamed STRUCT: its fields are element1, element2, ... (as DuckDB names them in Arrow)."""
    return SqlType("STRUCT", precision=1, fields=tuple((f"element{i + 1}", t) for i, t in enumerate(types)))


def DECIMAL(precision: int = 18, scale: int = 3) -> SqlType:
    return SqlType("DECIMAL", precision, scale)


def integer_for_precision(p: int) -> SqlType:
    """The narrowest integer type able to hold the integer part of a DECIMAL(p, 0)."""
    return SMALLINT if p <= 4 else INTEGER if p <= 9 else BIGINT


def decimal_of(t: SqlType) -> SqlType:
    """The DECIMAL a value of type t widens to when it meets a decimal (as DuckDB does)."""
    if t.is_decimal:
        return t
    return DECIMAL({"SMALLINT": 5, "INTEGER": 10, "BIGINT": 19}.get(t.kind, 18), 0)


def common_numeric(a: SqlType, b: SqlType, values: bool = False) -> SqlType:
    """The type two numeric operands are compared or combined in. Past 38 digits a comparison
    keeps the larger scale (casts may then overflow), while values that merge into one column
    (CASE, COALESCE, UNION: values=True) keep the integer digits, as DuckDB does."""
    if a.kind == "NULL":
        return b
    if b.kind == "NULL":
        return a
    if a.is_float or b.is_float:
        return DOUBLE if "DOUBLE" in (a.kind, b.kind) or not (a.is_float and b.is_float) else REAL
    if a.is_decimal or b.is_decimal:
        da, db = decimal_of(a), decimal_of(b)
        s = max(da.scale, db.scale)
        digits = max(da.precision - da.scale, db.precision - db.scale)
        if values and digits + s > MAX_DECIMAL_DIGITS:
            s = MAX_DECIMAL_DIGITS - digits
        return DECIMAL(min(digits + s, MAX_DECIMAL_DIGITS), s)
    return a if _INT_RANK[a.kind] >= _INT_RANK[b.kind] else b


def common_type(a: SqlType, b: SqlType, values: bool = False) -> SqlType | None:
    """The supertype of two types, or None when they do not mix (VARCHAR with INTEGER, say)."""
    if a == b:
        return a
    if a.kind == "NULL":
        return b
    if b.kind == "NULL":
        return a
    if a.is_numeric and b.is_numeric:
        return common_numeric(a, b, values)
    if {a.kind, b.kind} == {"DATE", "TIMESTAMP"}:
        return TIMESTAMP
    if a.is_temporal and b.is_temporal:  # a local time meeting an instant is read in the session's zone
        return TIMESTAMPTZ
    if a.kind == b.kind and a.kind in ("LIST", "MAP"):
        inner = common_type(a.element, b.element, values)
        return None if inner is None else SqlType(a.kind, fields=(("", inner),))
    if a.kind == b.kind == "STRUCT":
        if [n.lower() for n, _ in a.fields] != [n.lower() for n, _ in b.fields]:
            return None
        inner = [common_type(x, y, values) for (_, x), (_, y) in zip(a.fields, b.fields)]
        if None in inner:
            return None
        return TUPLE(inner) if a.is_tuple and b.is_tuple else STRUCT(zip([n for n, _ in a.fields], inner))
    if a.kind == b.kind:
        return a
    return None


_NAMES = {
    "BOOL": BOOLEAN, "BOOLEAN": BOOLEAN, "LOGICAL": BOOLEAN,
    "TINYINT": SMALLINT, "SMALLINT": SMALLINT, "INT2": SMALLINT,
    "INT": INTEGER, "INTEGER": INTEGER, "INT4": INTEGER, "MEDIUMINT": INTEGER,
    "BIGINT": BIGINT, "INT8": BIGINT, "LONG": BIGINT,
    "REAL": REAL, "FLOAT4": REAL, "FLOAT": REAL, "DOUBLE": DOUBLE, "FLOAT8": DOUBLE,
    "DOUBLE PRECISION": DOUBLE,
    "DATE": DATE, "TIMESTAMP": TIMESTAMP, "DATETIME": TIMESTAMP, "INTERVAL": INTERVAL,
    "VARCHAR": VARCHAR, "TEXT": VARCHAR, "STRING": VARCHAR, "CHAR": VARCHAR, "NCHAR": VARCHAR,
    "NVARCHAR": VARCHAR, "BPCHAR": VARCHAR, "UBIGINT": BIGINT, "UINTEGER": BIGINT, "USMALLINT": INTEGER, "UTINYINT": SMALLINT, "INT128": BIGINT, "HUGEINT": BIGINT,
    "TIMESTAMPTZ": TIMESTAMPTZ, "TIMESTAMP WITH TIME ZONE": TIMESTAMPTZ,
}


def from_name(name: str, params: tuple[int, ...] = ()) -> SqlType | None:
    """A SQL type from its name as written in SQL, or None if tqp has no such type."""
    name = name.upper()
    if name in ("DECIMAL", "NUMERIC", "DEC"):
        p = params[0] if params else 18
        s = params[1] if len(params) > 1 else (0 if params else 3)
        return DECIMAL(p, s)
    return _NAMES.get(name)
