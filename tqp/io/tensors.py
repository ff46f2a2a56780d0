"""Torch tensors straight into tqp columns, on the connection's device, without Arrow.

``tensor_columns(obj, names)`` recognises a dict of 1-D tensors or one 2-D tensor (with column
names, or column0, column1, ...) and returns (names, tensors); anything else gives None and goes
through Arrow (tqp.io.sources). ``to_columns`` makes the columns: a tensor already on the
device and of a column dtype is shared, not copied (as a registered numpy array is);
others are converted once.

>>> import torch
>>> names, ts = tensor_columns(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), ["x", "y"])
>>> names, [c.data.tolist() for c in to_columns(ts, torch.device("cpu"))]
(['x', 'y'], [[1.0, 3.0], [2.0, 4.0]])
"""
from __future__ import annotations

import sys
from typing import Any

from ..errors import NotSupportedError, ProgrammingError

# tqp.types and tqp.column import torch: they are imported where used, so that `import tqp`
# (which imports this module through tqp.io.sources) does not load torch.


def _is_tensor(obj: Any) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(obj, torch.Tensor)


def default_names(k: int) -> list[str]:
    return [f"column{j}" for j in range(k)]


def tensor_columns(obj: Any, names: list[str] | None) -> tuple[list[str], list] | None:
    if _is_tensor(obj):
        if obj.dim() == 1:
            obj = obj.unsqueeze(1)
        if obj.dim() != 2:
            raise ProgrammingError(f"a tensor to register must be 1-D or 2-D [rows, columns], "
                                   f"got shape {tuple(obj.shape)}")
        names = check_names(names, obj.shape[1])
        # one transposed copy makes every column contiguous
        cols = obj.detach().t().contiguous()
        return names, [cols[j] for j in range(obj.shape[1])]
    if isinstance(obj, dict) and obj and all(_is_tensor(v) for v in obj.values()):
        if names is not None:
            raise ProgrammingError("columns= names the columns of a 2-D array; a dict names its own")
        for name, t in obj.items():
            if not isinstance(name, str):
                raise ProgrammingError(f"column names must be str, got {type(name).__name__} {name!r}")
            if t.dim() != 1:
                raise ProgrammingError(f"column {name!r}: expected a 1-D tensor, got shape {tuple(t.shape)}")
        lengths = {len(t) for t in obj.values()}
        if len(lengths) > 1:
            detail = ", ".join(f"{n}={len(t)}" for n, t in obj.items())
            raise ProgrammingError(f"columns have different lengths: {detail}")
        return list(obj), [t.detach() for t in obj.values()]
    return None


def check_names(names, k: int) -> list[str]:
    if names is None:
        return default_names(k)
    names = list(names)
    if len(names) != k or not all(isinstance(n, str) and n for n in names):
        raise ProgrammingError(f"columns= needs {k} non-empty str names, got {names!r}")
    return names


def _column_type(dtype):
    import torch

    from .. import types as T

    return {torch.bool: (T.BOOLEAN, torch.bool), torch.int8: (T.SMALLINT, torch.int16),
            torch.uint8: (T.SMALLINT, torch.int16), torch.int16: (T.SMALLINT, torch.int16),
            torch.uint16: (T.INTEGER, torch.int32), torch.int32: (T.INTEGER, torch.int32),
            torch.uint32: (T.BIGINT, torch.int64), torch.int64: (T.BIGINT, torch.int64),
            torch.float16: (T.REAL, torch.float32), torch.bfloat16: (T.REAL, torch.float32),
            torch.float32: (T.REAL, torch.float32), torch.float64: (T.DOUBLE, torch.float64)}.get(dtype)


def to_columns(tensors: list, device) -> list:
    from ..column import Column

    out = []
    for t in tensors:
        found = _column_type(t.dtype)
        if found is None:  # uint64 values past int64, complex, quantized...
            raise NotSupportedError(f"tensors of dtype {t.dtype} are not supported")
        sql_type, dtype = found
        out.append(Column(sql_type, t.to(device=device, dtype=dtype).contiguous()))
    return out
