"""Python functions callable from SQL: `con.create_function(name, fn, parameters, return_type, type=...)`.

Three kinds, each called on whole columns, never once per row:
- `type="arrow"`: fn gets one pyarrow Array per argument (the batch's rows) and returns an
  array (Arrow, numpy or list) of the same length; NULL handling is the function's own.
- `type="torch"`: fn gets one tensor per argument, on the connection's device (numbers and
  booleans; DECIMAL arrives as float64), and returns a tensor of the same length; a row with a
  NULL argument gives NULL without the function seeing a value for it.
- `type="native"` (the default, DuckDB's): fn takes Python scalars and is called once per
  distinct argument tuple (a dictionary entry for strings), never for a NULL argument. Arguments
  and result are numbers, booleans or strings.

Names share the namespace of built-in functions, so a UDF cannot shadow one; parameters are
SQL type names (or tqp types), and arguments are cast to them as for built-in functions.

>>> import tqp
>>> con = tqp.connect()
>>> con.create_function("twice", lambda x: 2 * x, ["BIGINT"], "BIGINT")
>>> con.execute("SELECT twice(21), twice(NULL)").fetchall()
[(42, None)]
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pyarrow as pa
import torch

from . import types as T
from .column import Column, and_validity
from .compile.expr import broadcast, cast_column, op
from .errors import DataError, NotSupportedError, ProgrammingError
from .io.arrow import arrow_type_of, column_from_arrow, column_to_arrow
from .plan.nodes import Call, Expr

KINDS = ("native", "arrow", "torch")
_NATIVE_TYPES = ("BOOLEAN", "SMALLINT", "INTEGER", "BIGINT", "FLOAT", "DOUBLE", "VARCHAR")


@dataclass(frozen=True, eq=False)
class PythonFunction:
    name: str
    fn: Callable
    parameters: tuple[T.SqlType, ...]
    result: T.SqlType
    kind: str


def make_function(name: str, fn, parameters, return_type, kind: str) -> PythonFunction:
    from .sql.expressions import parse_type_name  # the binder's type names
    if not callable(fn):
        raise ProgrammingError(f"create_function({name!r}): the function is not callable")
    if kind not in KINDS:
        raise ProgrammingError(f"create_function type must be one of {', '.join(KINDS)}, not {kind!r}")
    if parameters is None or return_type is None:
        raise ProgrammingError("create_function needs the parameter types and the return type")
    params = tuple(t if isinstance(t, T.SqlType) else parse_type_name(str(t)) for t in parameters)
    result = return_type if isinstance(return_type, T.SqlType) else parse_type_name(str(return_type))
    if kind == "native":
        for t in (*params, result):
            if t.kind not in _NATIVE_TYPES:
                raise NotSupportedError(f'a native function takes numbers, booleans and strings, not {t}; '
                                        'use type="arrow"')
    if kind == "torch":
        for t in (*params, result):
            if t.is_string or t.is_temporal:
                raise NotSupportedError(f'a torch function takes numbers and booleans, not {t}; use type="arrow"')
    return PythonFunction(name.lower(), fn, params, result, kind)


def bind_call(udf: PythonFunction, args: list[Expr]) -> Expr:
    from .sql import expressions as X
    if len(args) != len(udf.parameters):
        raise ProgrammingError(f"{udf.name}() takes {len(udf.parameters)} arguments, not {len(args)}")
    typed = tuple(X.cast(a, t) for a, t in zip(args, udf.parameters))
    return Call("python_udf", typed, udf.result, (udf.name,))


@op("python_udf")
def _run(args: list[Column], e: Call, ctx) -> Column:
    udf = ctx.functions.get(e.params[0])
    if udf is None:
        raise DataError(f'function "{e.params[0]}" was removed')
    scalar = all(a.data.dim() == 0 for a in args)
    n = 1 if scalar else max(a.data.shape[0] for a in args if a.data.dim())
    args = [broadcast(a, n) if a.data.dim() == 0 else a for a in args]
    try:
        if udf.kind == "torch":
            out = _torch(udf, args, n, ctx.device)
        else:
            out = _arrow(udf, args, n, ctx.device)
    except (DataError, NotSupportedError, ProgrammingError):
        raise
    except Exception as err:  # the user's function failed: a data error of this statement
        raise DataError(f"function {udf.name}() raised {type(err).__name__}: {err}") from err
    if scalar:
        out = Column(out.type, out.data[0], None if out.validity is None else out.validity[0], out.dictionary)
    return out


def _arrow(udf: PythonFunction, args: list[Column], n: int, device) -> Column:
    arrays = [column_to_arrow(a) for a in args]
    if udf.kind == "native":
        result = _native(udf, arrays, n)
    else:
        result = udf.fn(*arrays)
    if isinstance(result, pa.ChunkedArray):
        result = result.combine_chunks()
    try:
        result = pa.array(result, type=arrow_type_of(udf.result)) if not isinstance(result, pa.Array) \
            else result.cast(arrow_type_of(udf.result))
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as err:
        raise DataError(f"function {udf.name}() returned values that are not {udf.result}: {err}") from None
    if len(result) != n:
        raise DataError(f"function {udf.name}() returned {len(result)} values for {n} rows")
    return column_from_arrow(result, device)


def _native(udf: PythonFunction, arrays: list[pa.Array], n: int) -> pa.Array:
    """fn once per distinct tuple of non-NULL arguments (dictionary-encoded, so each tuple's
    position is found by numpy, not by Python per row)."""
    codes, values = [], []
    valid = np.ones(n, dtype=bool)
    for arr in arrays:
        enc = arr.dictionary_encode() if not pa.types.is_dictionary(arr.type) else arr
        idx = enc.indices.to_numpy(zero_copy_only=False)
        nulls = np.asarray(enc.indices.is_null())
        valid &= ~nulls
        codes.append(np.where(nulls, 0, idx).astype(np.int64))
        values.append(enc.dictionary.to_pylist())
    if not arrays:
        return pa.array([udf.fn()] * n)
    key = np.stack(codes, axis=1)[valid]
    out = [None] * n
    if len(key):
        uniq, inverse = np.unique(key, axis=0, return_inverse=True)
        results = [udf.fn(*(values[j][int(c)] for j, c in enumerate(row))) for row in uniq]
        picked = np.empty(len(results), dtype=object)
        picked[:] = results
        full = np.empty(n, dtype=object)
        full[valid] = picked[inverse.reshape(-1)]
        out = full
    return pa.array(out, type=arrow_type_of(udf.result), from_pandas=True)


def _torch(udf: PythonFunction, args: list[Column], n: int, device) -> Column:
    tensors = [cast_column(a, T.DOUBLE).data if a.type.is_decimal else a.data for a in args]
    out = udf.fn(*tensors)
    if not isinstance(out, torch.Tensor):
        raise DataError(f"function {udf.name}() returned {type(out).__name__}, not a tensor")
    if out.shape != (n,):
        raise DataError(f"function {udf.name}() returned a tensor of shape {tuple(out.shape)} for {n} rows")
    t, valid = udf.result, and_validity(*[a.validity for a in args])
    if t.is_decimal:  # through the DOUBLE -> DECIMAL cast: rounding and range checks of every width
        return cast_column(Column(T.DOUBLE, out.to(device, torch.float64), valid), t)
    return Column(t, out.to(device, t.torch_dtype), valid)
