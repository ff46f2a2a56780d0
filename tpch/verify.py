"""Compare two query results (pyarrow Tables) the way a differential test needs.

Columns are matched by position, never by name, so engines may label
expressions differently.  Exact types (strings, integers, booleans, dates,
timestamps, decimals) compare exactly; a float on either side compares with a
relative tolerance.  A decimal or integer against a float compares numerically;
a decimal against an integer compares by value (``Decimal("3.00") == 3``).
A decimal against a float also matches within one unit of the decimal's last
place, since engines round or truncate to the scale (DataFusion's AVG).

Example::

    >>> import pyarrow as pa
    >>> from decimal import Decimal
    >>> e = pa.table({"k": ["a", "b"], "v": [Decimal("1.50"), Decimal("2.00")]})
    >>> a = pa.table({"x": ["b", "a"], "y": [2.0, 1.5]})
    >>> compare(e, a, ordered=False) is None
    True
    >>> print(compare(e, a, ordered=True))
    row 0, column 0 (k): expected 'a', got 'b'
      expected row: ('a', Decimal('1.50'))
      actual row:   ('b', 2.0)

With ``order_key_columns`` the result is checked as ordered on those columns and
as a multiset within each run of equal keys (an ORDER BY that leaves ties may
legitimately order tied rows differently in different engines).
"""
from __future__ import annotations

import datetime as _dt
import math
from decimal import Decimal
from typing import Any, Callable, Sequence

import pyarrow as pa

__all__ = ["compare", "values_equal"]

ABS_FLOOR = 1e-12

# Kinds a value can have once converted to Python; used both to order rows
# canonically and to decide how two values compare.
_NULL, _BOOL, _NUM, _STR, _TEMPORAL, _OTHER = range(6)


def _kind(v: Any) -> int:
    if v is None:
        return _NULL
    if isinstance(v, bool):  # before int: bool is an int subclass
        return _BOOL
    if isinstance(v, (int, float, Decimal)):
        return _NUM
    if isinstance(v, str):
        return _STR
    if isinstance(v, (_dt.date, _dt.datetime, _dt.time, _dt.timedelta)):
        return _TEMPORAL
    return _OTHER


def _floats_close(a: float, b: float, rtol: float) -> bool:
    if a == b:  # also equal infinities
        return True
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= max(ABS_FLOOR, rtol * max(abs(a), abs(b)))


def values_equal(a: Any, b: Any, rtol: float = 1e-9) -> bool:
    """Whether two Python values (as from ``to_pylist``) match under the rules above."""
    if a is None or b is None:
        return a is None and b is None
    ka, kb = _kind(a), _kind(b)
    if ka != kb:
        return False
    if ka == _NUM:
        if isinstance(a, float) or isinstance(b, float):
            try:
                if _floats_close(float(a), float(b), rtol):
                    return True
            except (OverflowError, ValueError):
                return False
            # A decimal stands for a value rounded (or truncated: DataFusion's AVG) to
            # its scale, so against a float it matches within one unit of its last place.
            d = a if isinstance(a, Decimal) else b if isinstance(b, Decimal) else None
            if d is not None and d.is_finite():
                other = b if d is a else a
                return abs(float(d) - float(other)) <= float(Decimal(1).scaleb(d.as_tuple().exponent))
            return False
        return a == b  # int/Decimal: exact by value, scale ignored
    if ka == _TEMPORAL:
        # datetime is a date subclass: a date must not equal a timestamp.
        return type(a) is type(b) and a == b
    return a == b


def _is_float_type(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        t = t.value_type
    return pa.types.is_floating(t)


def _sort_key_fn(values: Sequence[Any]) -> Callable[[Any], tuple]:
    """A key that orders any mix of values without raising (None first)."""

    def key(v: Any) -> tuple:
        k = _kind(v)
        if k == _NUM:
            if isinstance(v, float) and math.isnan(v):
                return (_NUM, 1, 0)
            if isinstance(v, Decimal) and not v.is_finite():
                return (_NUM, 1, 0)
            return (_NUM, 0, v)  # int, float and Decimal compare with each other
        if k == _TEMPORAL:
            # Different temporal classes do not compare with each other.
            return (_TEMPORAL, type(v).__name__, v)
        if k == _OTHER:
            return (_OTHER, type(v).__name__, repr(v))
        if k == _NULL:
            return (_NULL,)
        return (k, v)

    return key


def _column_keys(values: list) -> list:
    """Sort keys for one column's values; a fast path for the usual homogeneous case."""
    kinds = {_kind(v) for v in values}
    nonnull = kinds - {_NULL}
    if len(nonnull) <= 1 and nonnull <= {_BOOL, _STR, _NUM}:
        # Homogeneous: the values themselves compare, only NULL and NaN need wrapping.
        has_nan = _NUM in nonnull and any(
            (isinstance(v, float) and math.isnan(v)) or (isinstance(v, Decimal) and not v.is_finite())
            for v in values
        )
        if not has_nan:
            if _NULL in kinds:
                return [(0,) if v is None else (1, v) for v in values]
            return values
    key = _sort_key_fn(values)
    return [key(v) for v in values]


def _fmt_row(cols: list[list], i: int) -> str:
    return repr(tuple(c[i] for c in cols))


def _col_label(names: list[str], j: int) -> str:
    return f"column {j} ({names[j]})" if j < len(names) and names[j] else f"column {j}"


def _diff_message(
    names: list[str], ecols: list[list], acols: list[list], ei: int, ai: int, j: int, what: str
) -> str:
    return (
        f"{what}, {_col_label(names, j)}: expected {ecols[j][ei]!r}, got {acols[j][ai]!r}\n"
        f"  expected row: {_fmt_row(ecols, ei)}\n"
        f"  actual row:   {_fmt_row(acols, ai)}"
    )


def _canonical_order(cols: list[list], col_order: list[int], prefix: list | None) -> list[int]:
    """Row indices sorted by the columns in col_order (after an optional prefix key)."""
    n = len(cols[0]) if cols else 0
    keycols = [_column_keys(cols[j]) for j in col_order]
    if prefix is not None:
        keycols.insert(0, prefix)
    if not keycols:
        return list(range(n))
    if len(keycols) == 1:
        k0 = keycols[0]
        return sorted(range(n), key=k0.__getitem__)
    rows = list(zip(*keycols))
    return sorted(range(n), key=rows.__getitem__)


def compare(
    expected: pa.Table,
    actual: pa.Table,
    *,
    ordered: bool,
    float_rtol: float = 1e-9,
    order_key_columns: list[int] | None = None,
) -> str | None:
    """Return None when ``actual`` matches ``expected``, else a message naming the first difference.

    ordered: compare rows in the given order.  Otherwise both sides are sorted by
    a canonical key first (exact-typed columns before float columns, so float noise
    does not reorder rows).
    order_key_columns: with ordered=True, the ORDER BY columns (positions).  The key
    values must match row by row; rows within a run of equal keys compare as a multiset.
    """
    if expected.num_columns != actual.num_columns:
        return (
            f"column count differs: expected {expected.num_columns} {expected.column_names}, "
            f"got {actual.num_columns} {actual.column_names}"
        )
    if expected.num_rows != actual.num_rows:
        return f"row count differs: expected {expected.num_rows}, got {actual.num_rows}"
    ncols, nrows = expected.num_columns, expected.num_rows
    names = list(expected.column_names)
    if nrows == 0:
        return None

    ecols = [c.to_pylist() for c in expected.columns]
    acols = [c.to_pylist() for c in actual.columns]

    # Columns that are floats on either side compare approximately; order on them last.
    approx = [_is_float_type(expected.schema.types[j]) or _is_float_type(actual.schema.types[j]) for j in range(ncols)]
    exact_first = [j for j in range(ncols) if not approx[j]] + [j for j in range(ncols) if approx[j]]

    def eq(a: Any, b: Any) -> bool:
        return values_equal(a, b, float_rtol)

    if not ordered:
        eorder = _canonical_order(ecols, exact_first, None)
        aorder = _canonical_order(acols, exact_first, None)
        what = "row {} after canonical sort (unordered comparison)"
    elif order_key_columns:
        keys = list(order_key_columns)
        for k in keys:
            if not 0 <= k < ncols:
                raise ValueError(f"order key column {k} out of range for {ncols} columns")
        # 1. The ORDER BY keys themselves must match row by row.
        for j in keys:
            ec, ac = ecols[j], acols[j]
            for i in range(nrows):
                if not eq(ec[i], ac[i]):
                    return _diff_message(names, ecols, acols, i, i, j, f"row {i} (order key)")
        # 2. Group consecutive rows with equal keys (approximately equal for floats, so
        #    near-ties that two engines round differently still count as ties).
        group = [0] * nrows
        g = 0
        for i in range(1, nrows):
            if not all(eq(ecols[j][i - 1], ecols[j][i]) for j in keys):
                g += 1
            group[i] = g
        if g == nrows - 1:  # no ties at all: plain ordered comparison
            eorder = aorder = list(range(nrows))
        else:
            rest = [j for j in exact_first if j not in keys]
            eorder = _canonical_order(ecols, rest, group)
            aorder = _canonical_order(acols, rest, group)
        what = "row {} (ties within equal ORDER BY keys compared as a multiset)"
    else:
        eorder = aorder = list(range(nrows))
        what = "row {}"

    # Row-major, so the message names the first differing row, then its first differing column.
    cols = list(zip(ecols, acols))
    for pos in range(nrows):
        ei, ai = eorder[pos], aorder[pos]
        for j, (ec, ac) in enumerate(cols):
            a, b = ec[ei], ac[ai]
            if a == b and type(a) is type(b) and not isinstance(a, float):
                continue  # fast path: exactly equal values of one type
            if not eq(a, b):
                return _diff_message(names, ecols, acols, ei, ai, j, what.format(pos))
    return None
