"""Query results for the Python data stack: Arrow, pandas, Polars, numpy and torch.

``con.sql(query)`` returns a `QueryResult`; a `Cursor` offers the same methods over its
remaining rows. pandas and Polars are imported only when asked for.

>>> import tqp
>>> con = tqp.connect(device="cpu")
>>> res = con.sql("SELECT 1 AS a, 2.5 AS b, 'x' AS s")
>>> res.arrow().column_names, res.fetchall()
(['a', 'b', 's'], [(1, Decimal('2.5'), 'x')])
>>> {k: v.tolist() for k, v in con.sql("SELECT a, b FROM (SELECT 1 AS a, 2.5 AS b)").torch().items()}
{'a': [1], 'b': [2.5]}
>>> res
┌─────────┬──────────────┬─────────┐
│ a       │ b            │ s       │
│ INTEGER │ DECIMAL(2,1) │ VARCHAR │
├─────────┼──────────────┼─────────┤
│       1 │          2.5 │ x       │
└─────────┴──────────────┴─────────┘
1 row, 3 columns

Tensors (`torch()`) come from the engine's columns, on the connection's device, without going
through Arrow or the host. A column that is a stored table's own tensor (``SELECT x FROM t``) is
cloned, so writing into the result cannot change the table; every other column is handed over
as it is. DECIMAL becomes float64, DATE int32 days and TIMESTAMP int64 microseconds since
1970-01-01; NULL becomes NaN in floating columns, and a NULL in any other column raises
DataError (tensors have no NULL; that check is the only time torch() waits for a GPU). VARCHAR, LIST, STRUCT and MAP columns have no tensor form
(NotSupportedError).
"""
from __future__ import annotations

import html
import importlib
from typing import Any

import pyarrow as pa

from .errors import DataError, NotSupportedError

__all__ = ["QueryResult"]

_SHOWN = 20  # rows a repr shows: the first and last ten of a longer result


class QueryResult:
    """The rows of one query, held once and convertible as often as wanted.

    ``arrow()`` (pyarrow.Table), ``df()`` (pandas), ``pl()`` (Polars), ``fetchnumpy()`` (dict of
    numpy arrays, masked where NULL), ``torch()`` (dict of tensors on the connection's device),
    ``fetchall()`` (tuples), the Arrow PyCapsule stream (``pa.table(res)``, ``pl.DataFrame(res)``,
    ``duckdb.sql("SELECT * FROM res")``), and a table-like ``repr`` / ``_repr_html_``.
    """

    def __init__(self, result, connection):
        self._result = result
        self._connection = connection

    @property
    def columns(self) -> list[str]:
        return list(self._result.names)

    @property
    def types(self) -> list[str]:
        """The SQL type of each column, as cursor.description names them."""
        return [str(t) for t in self._result.types]

    @property
    def shape(self) -> tuple[int, int]:
        return self._result.rowcount, len(self._result.names)

    def __len__(self) -> int:
        return self._result.rowcount

    def arrow(self) -> pa.Table:
        return _guarded(lambda: self._result.table, "converting the result to Arrow")

    def fetchall(self) -> list[tuple]:
        from .dbapi import _rows

        return _guarded(_rows, "converting result rows", self.arrow())

    def df(self):
        return _guarded(to_pandas, "converting the result to pandas", self.arrow())

    def pl(self):
        return _guarded(to_polars, "converting the result to polars", self.arrow())

    def fetchnumpy(self) -> dict:
        return _guarded(to_numpy, "converting the result to numpy", self.arrow())

    def torch(self) -> dict:
        return _guarded(to_torch, "converting the result to tensors", self._result, self._connection)

    def __arrow_c_stream__(self, requested_schema=None):
        return self.arrow().__arrow_c_stream__(requested_schema)

    def __repr__(self) -> str:
        return _guarded(lambda: render_text(*self._preview()), "showing the result")

    def _repr_html_(self) -> str:
        return _guarded(lambda: render_html(*self._preview()), "showing the result")

    def _preview(self):
        """(names, types, rows shown, index of the gap or None, total rows), converting only the
        rows shown."""
        r, n = self._result, self._result.rowcount
        cuts = [(0, n)] if n <= _SHOWN else [(0, _SHOWN // 2), (n - _SHOWN // 2, n)]
        rows = []
        for lo, hi in cuts:
            rows += _rows_of(r, lo, hi)
        return r.names, self.types, rows, (_SHOWN // 2 if n > _SHOWN else None), n


def _guarded(fn, what: str, *args):
    from .dbapi import _guarded

    return _guarded(fn, what, *args)


def _rows_of(result, lo: int, hi: int) -> list[tuple]:
    from .dbapi import _rows
    from .io.arrow import to_arrow

    if result._table is None and result.columns is not None:  # not on the host yet: only these rows
        return _rows(to_arrow(result.names, [c.take(slice(lo, hi)) for c in result.columns], result.zone))
    return _rows(result.table.slice(lo, hi - lo))


# ---------------------------------------------------------------------------- conversions


def unique_names(names: list[str]) -> list[str]:
    """Names as dict keys: a repeated name gets _1, _2... (case-insensitively, as DuckDB)."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        k = seen.get(name.lower(), 0)
        seen[name.lower()] = k + 1
        out.append(name if k == 0 else f"{name}_{k}")
    return out


def require(library: str, method: str):
    """Import an optional library for `method`, or say how to install it."""
    try:
        return importlib.import_module(library)
    except ImportError as exc:
        raise NotSupportedError(f"{method}() needs {library}: pip install {library}") from exc


def _as_numpy_types(table: pa.Table) -> pa.Table:
    """DECIMAL as float64 and DATE as datetime64[us], the types DuckDB gives numpy and pandas."""
    for i, t in enumerate(table.schema.types):
        if pa.types.is_decimal(t) or pa.types.is_date(t):
            to = pa.float64() if pa.types.is_decimal(t) else pa.timestamp("us")
            table = table.set_column(i, table.field(i).with_type(to), table.column(i).cast(to))
    return table


def to_pandas(table: pa.Table):
    """As DuckDB's df(): an integer or boolean column with NULLs becomes pandas' nullable dtype
    (Int64, boolean), other columns plain numpy dtypes; DECIMAL float64, DATE datetime64."""
    from .dbapi import _array_to_python, _holds_tuple
    pd = require("pandas", "df")
    nullable = {pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(),
                pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}
    table = _as_numpy_types(table)
    df = table.to_pandas(types_mapper=nullable.get)
    for i, col in enumerate(table.columns):
        if col.type in nullable and col.null_count == 0:
            df.isetitem(i, df.iloc[:, i].to_numpy(col.type.to_pandas_dtype()))
        elif _holds_tuple(col.type):  # unnamed STRUCTs as tuples, as DuckDB's df() has them
            df.isetitem(i, pd.Series(_array_to_python(col.combine_chunks()), dtype=object, index=df.index))
    return df


def to_polars(table: pa.Table):
    return require("polars", "pl").from_arrow(table)


def to_numpy(table: pa.Table) -> dict:
    """One numpy array per column; a column with NULLs is a numpy.ma.MaskedArray (as DuckDB's
    fetchnumpy). DECIMAL becomes float64, strings object arrays, dates datetime64[us]."""
    import numpy as np

    out = {}
    table = _as_numpy_types(table)
    for name, col in zip(unique_names(table.column_names), table.columns):
        t = col.type
        if col.null_count == 0:
            out[name] = col.to_numpy()
            continue
        mask = col.is_null().to_numpy(zero_copy_only=False)
        fill = pa.scalar("" if pa.types.is_string(t) or pa.types.is_large_string(t)
                         else False if pa.types.is_boolean(t) else 0, type=t) if not pa.types.is_null(t) else None
        values = col.fill_null(fill).to_numpy() if fill is not None else np.zeros(len(col), np.int32)
        if values.dtype == object:
            values[mask] = None
        out[name] = np.ma.MaskedArray(values, mask=mask)
    return out


def to_torch(result, connection) -> dict:
    """Column tensors of an engine Result (see the module docstring for the rules)."""
    from .kernels.selection import all_true

    columns = result.columns
    if columns is None:  # a result made as Arrow (EXPLAIN, say): bring it to the device
        from .io.arrow import from_arrow

        columns = from_arrow(result.table, connection.device)
    # A closed connection has let its tables go: nothing else can see their tensors any more.
    tables = connection._engine.catalog.tables.values() if not connection.closed else ()
    stored = {c.data.untyped_storage().data_ptr() for table in tables for c in table.columns}
    out = {}
    for name, key, col in zip(result.names, unique_names(result.names), columns):
        t = col.type
        if t.uses_dictionary:  # codes into a dictionary of strings, lists or structs
            hint = " or select its fields (s.field)" if t.kind == "STRUCT" else ""
            raise NotSupportedError(f'column "{name}" is {t}, which has no tensor form; use '
                                    f"arrow(), df() or fetchnumpy(){hint}")
        x = col.data
        if t.is_decimal:
            from . import types as T
            from .compile.expr import cast_column

            x = cast_column(col, T.DOUBLE).data
        if col.validity is not None and x.is_floating_point():
            x = x.masked_fill(~col.validity, float("nan"))  # a new tensor, and no wait on a GPU
        else:
            if col.validity is not None and not all_true(col.validity):  # (to raise, the host must know)
                raise DataError(f'column "{name}" has NULLs, which a {str(x.dtype).replace("torch.", "")} '
                                f"tensor cannot hold: use coalesce() in the query, or CAST it to DOUBLE "
                                "(NULL becomes NaN)")
            if x.untyped_storage().data_ptr() in stored:
                x = x.clone()
        out[key] = x
    return out


# ---------------------------------------------------------------------------- display


def _cell(v: Any, width: int = 40) -> str:
    s = "NULL" if v is None else str(v)
    s = s.replace("\n", "\\n")
    return s if len(s) <= width else s[: width - 1] + "…"


def _numeric(t: str) -> bool:
    return t.split("(")[0] in ("SMALLINT", "INTEGER", "BIGINT", "REAL", "DOUBLE", "DECIMAL")


def render_text(names, types, rows, gap, total) -> str:
    """A box-drawn table like DuckDB's: names, types, the rows shown, and the row count."""
    cells = [[_cell(v) for v in row] for row in rows]
    if gap is not None:
        cells.insert(gap, ["…"] * len(names))
    widths = [max([len(str(n)), len(t)] + [len(r[i]) for r in cells]) for i, (n, t) in enumerate(zip(names, types))]

    def line(l, m, r):
        return l + m.join("─" * (w + 2) for w in widths) + r

    def row(values, right):
        return "│" + "│".join(f" {v:>{w}} " if ri else f" {v:<{w}} " for v, w, ri in zip(values, widths, right)) + "│"

    left = [False] * len(names)
    out = [line("┌", "┬", "┐"), row(names, left), row(types, left), line("├", "┼", "┤")]
    out += [row(r, [_numeric(t) for t in types]) for r in cells]
    out += [line("└", "┴", "┘"),
            f"{total} row{'s' if total != 1 else ''}, {len(names)} column{'s' if len(names) != 1 else ''}"
            + (f" ({len(rows)} shown)" if len(rows) < total else "")]
    return "\n".join(out)


def render_html(names, types, rows, gap, total) -> str:
    esc = html.escape
    head = "".join(f"<th>{esc(str(n))}<br><small>{esc(t)}</small></th>" for n, t in zip(names, types))
    body = ["<tr>" + "".join(f"<td>{esc(_cell(v, 200))}</td>" for v in r) + "</tr>" for r in rows]
    if gap is not None:
        body.insert(gap, "<tr>" + "<td>…</td>" * len(names) + "</tr>")
    shown = f" ({len(rows)} shown)" if len(rows) < total else ""
    return (f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f"<p>{total} rows × {len(names)} columns{shown}</p>")

