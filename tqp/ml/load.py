"""Models from files, so they outlive a connection: ``register_model(name, path)`` in Python and
``CREATE [OR REPLACE] MODEL [IF NOT EXISTS] m FROM 'path'`` / ``DROP MODEL [IF EXISTS] m`` in SQL.

A file is read by its contents: a zip archive holding a torch.export program (``.pt2``, from
``torch.export.save``), TorchScript (``torch.jit.save``) or a ``torch.save``'d module, a CatBoost
binary model (``.cbm``, ``save_model``'s default format), an ONNX model (named ``*.onnx``; read
with the ``onnx`` package, which runs nothing the file carries), anything else as a joblib /
pickle file (scikit-learn, LightGBM, XGBoost estimators, pipelines). **Unpickling runs code that
the file carries: load only files you trust.** A path named in SQL obeys the
``enable_external_access`` setting like every other file read (see tqp.io.files).

>>> import os, tempfile, joblib, numpy as np
>>> from sklearn.linear_model import LinearRegression
>>> path = os.path.join(tempfile.mkdtemp(), "lin.joblib")
>>> _ = joblib.dump(LinearRegression().fit(np.array([[0.0], [1.0]]), [1.0, 3.0]), path)
>>> type(load_model(path)).__name__
'LinearRegression'
>>> load_model(path + ".missing")
Traceback (most recent call last):
...
tqp.errors.ProgrammingError: model file '...lin.joblib.missing' does not exist
"""
from __future__ import annotations

import os
import re
import zipfile

from ..errors import NotSupportedError, OperationalError, ProgrammingError  # noqa: F401

_NAME = r'("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
CREATE_MODEL = re.compile(r"^\s*CREATE\s+(OR\s+REPLACE\s+)?MODEL\s+(IF\s+NOT\s+EXISTS\s+)?" + _NAME +
                          r"\s+FROM\s+'((?:[^']|'')*)'\s*;?\s*$", re.IGNORECASE)
DROP_MODEL = re.compile(r"^\s*DROP\s+MODEL\s+(IF\s+EXISTS\s+)?" + _NAME + r"\s*;?\s*$", re.IGNORECASE)


def load_model(path) -> object:
    """The model stored at `path`: a torch.export program's module, a TorchScript module, a
    CatBoost model, an ``onnx.ModelProto``, or the unpickled object of a joblib / pickle file
    (trusted files only: unpickling runs code)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ProgrammingError(f"model file {path!r} does not exist")
    try:
        if zipfile.is_zipfile(path):
            return _torch_file(path)
        with open(path, "rb") as f:
            magic = f.read(4)
        if magic == b"CBM1":
            return _need("catboost", "ml").CatBoost().load_model(path)
        if path.lower().endswith(".onnx"):
            return _need("onnx", "onnx").load(path)
        import joblib

        return joblib.load(path)
    except (ProgrammingError, NotSupportedError):
        raise
    except Exception as e:  # noqa: BLE001 - any reader's failure, reported with the file's name
        raise OperationalError(f"cannot read model file {path!r}: {type(e).__name__}: {e}") from e


def _need(package: str, extra: str):
    import importlib

    try:
        return importlib.import_module(package)
    except ImportError as e:
        raise NotSupportedError(f"reading this model file needs the {package} package "
                                f"(pip install {package}, or tqp[{extra}])") from e


def _torch_file(path: str):
    import torch

    with zipfile.ZipFile(path) as z:
        names = z.namelist()
    if any(n.endswith("serialized_exported_program.json") or "/models/" in n for n in names):
        return torch.export.load(path)
    if any(n.endswith("constants.pkl") or n.endswith("code/") or "/code/" in n for n in names):
        return torch.jit.load(path, map_location="cpu")
    return torch.load(path, map_location="cpu", weights_only=False)  # a torch.save'd module: pickle


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def run_statement(engine, text: str):
    """Run CREATE MODEL / DROP MODEL text on `engine`; None when `text` is neither."""
    from ..engine import Result
    from ..io.files import check_access

    create = CREATE_MODEL.match(text)
    if create:
        replace, if_not_exists, name, path = create.groups()
        name, path = _unquote(name), path.replace("''", "'")
        if replace and if_not_exists:
            raise ProgrammingError("CREATE MODEL cannot have both OR REPLACE and IF NOT EXISTS")
        if name.lower() in engine.catalog.models and not replace:
            if if_not_exists:
                return Result(None, -1, [])
            raise ProgrammingError(f'model "{name}" already exists (use CREATE OR REPLACE MODEL)')
        check_access(path)
        engine.register_model(name, load_model(path))
        return Result(None, -1, [])
    drop = DROP_MODEL.match(text)
    if drop:
        if_exists, name = drop.groups()
        name = _unquote(name)
        if name.lower() in engine.catalog.models or not if_exists:
            engine.unregister_model(name)
        return Result(None, -1, [])
    raise ProgrammingError("syntax error in model statement: expected CREATE [OR REPLACE] MODEL name "
                           "FROM 'path' or DROP MODEL [IF EXISTS] name")
