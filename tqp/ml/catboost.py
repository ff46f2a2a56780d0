"""CatBoost models (CatBoostClassifier / CatBoostRegressor / CatBoost, numeric features) as a
tensor program, read from CatBoost's JSON export (``save_model(path, format="json")``).

CatBoost's trees are oblivious: every node of one depth level tests the same split, so a row's
leaf is the bit pattern of its level decisions. The program evaluates every distinct split once
([rows, splits] comparisons of the float32 feature with the float32 border, as CatBoost does),
turns the bits into each tree's leaf index with one matrix product against powers of two, and
gathers and sums the leaf values: no traversal at all. The raw sum is scaled and biased as the
model says; the head applies CatBoost's link (sigmoid for Logloss, softmax for MultiClass).

>>> import numpy as np, torch, catboost
>>> from tqp.ml import convert
>>> rng = np.random.default_rng(0); X = rng.normal(size=(200, 3)); y = X[:, 0] - X[:, 1]
>>> reg = catboost.CatBoostRegressor(iterations=20, depth=3, verbose=0, thread_count=1,
...                                  allow_writing_files=False).fit(X, y)
>>> m = convert(reg)
>>> bool(np.allclose(m.predict(torch.from_numpy(X)).numpy(), reg.predict(X)))
True
"""
from __future__ import annotations

import json
import os
import tempfile

import numpy as np
import torch
from torch import nn

from ..errors import NotSupportedError
from .compiled import Head
from .sklearn_models import Converted
from .trees import CHUNK_ELEMENTS

_IDENTITY = {"RMSE", "MAE", "Quantile", "MAPE", "Huber", "Lq", "Expectile", "RMSEWithUncertainty",
             "MultiQuantile", "LogCosh", "FairLoss", "SMAPE", "R2", "MSLE", "MedianAbsoluteError"}


class Oblivious(nn.Module):
    """float64 [n, k] -> raw scores [n, D]: the sum of every tree's leaf, scaled and biased."""

    def __init__(self, features, borders, nan_true, powers, offsets, values, scale, bias):
        super().__init__()
        self.register_buffer("features", torch.from_numpy(np.asarray(features, np.int64)))
        self.register_buffer("borders", torch.from_numpy(np.asarray(borders, np.float64)))
        self.register_buffer("nan_true", torch.from_numpy(np.asarray(nan_true, bool)))
        self.any_nan_true = bool(np.any(nan_true))
        self.register_buffer("powers", torch.from_numpy(np.asarray(powers, np.float64)))  # [S, T]
        self.register_buffer("offsets", torch.from_numpy(np.asarray(offsets, np.int64)))
        self.register_buffer("values", torch.from_numpy(np.asarray(values, np.float64)))  # [leaves, D]
        self.register_buffer("bias", torch.from_numpy(np.asarray(bias, np.float64)))
        self.scale = float(scale)

    def forward(self, x):
        n = x.shape[0]
        xs = x.to(torch.float32).to(torch.float64).index_select(1, self.features)
        bits = xs > self.borders  # NaN fails the comparison: bit 0, unless its split says otherwise
        if self.any_nan_true:
            bits = bits | (torch.isnan(xs) & self.nan_true)
        leaf = (bits.to(torch.float64) @ self.powers).to(torch.int64) + self.offsets  # [n, T]
        out = self.values.index_select(0, leaf.view(-1)).view(n, leaf.shape[1], -1).sum(1)
        return out * self.scale + self.bias if self.scale != 1.0 else out + self.bias


def _json(model) -> dict:
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "model.json")
        model.save_model(path, format="json")
        with open(path) as f:
            return json.load(f)


def catboost_model(model) -> Converted:
    doc = _json(model)
    info = doc.get("features_info", {})
    if info.get("categorical_features") or info.get("text_features") or info.get("embedding_features"):
        raise NotSupportedError("CatBoost model with categorical, text or embedding features")
    if "non_symmetric_trees" in doc or "oblivious_trees" not in doc:
        raise NotSupportedError("CatBoost model with non-symmetric trees (grow_policy other than SymmetricTree)")
    floats = {int(f["feature_index"]): f for f in info.get("float_features", [])}
    flat = {i: int(f.get("flat_feature_index", i)) for i, f in floats.items()}
    splits: dict[tuple[int, float], int] = {}  # distinct (feature, border) -> column of `powers`
    nan_true, entries, offsets, values = [], [], [], []
    offset = 0
    for t, tree in enumerate(doc["oblivious_trees"]):
        for level, s in enumerate(tree.get("splits", [])):
            if s.get("split_type") != "FloatFeature":
                raise NotSupportedError(f"CatBoost split of type {s.get('split_type')!r}")
            f = int(s["float_feature_index"])
            key = (flat[f], float(np.float32(s["border"])))
            if key not in splits:
                splits[key] = len(splits)
                nan_true.append(floats[f].get("nan_value_treatment") == "AsTrue")
            entries.append((splits[key], t, float(1 << level)))  # level i is bit i of the leaf index
        leaves = np.asarray(tree["leaf_values"], np.float64)
        values.append(leaves)
        offsets.append(offset)
        offset += 1 << len(tree.get("splits", []))
    n_trees = len(doc["oblivious_trees"])
    powers = np.zeros((max(len(splits), 1), n_trees))
    for s, t, p in entries:
        powers[s, t] += p
    keys = sorted(splits, key=splits.get)
    scale, bias = doc.get("scale_and_bias", [1.0, [0.0]])
    bias = np.atleast_1d(np.asarray(bias, np.float64))
    dim = max(len(bias), 1)
    leaf_values = np.concatenate(values).reshape(-1, dim) if values else np.zeros((1, dim))
    module = Oblivious([k[0] for k in keys] or [0], [k[1] for k in keys] or [np.inf], nan_true or [False],
                       powers, offsets or [0], leaf_values, scale, np.broadcast_to(bias, (dim,)).copy())
    rows = int(min(max(CHUNK_ELEMENTS // (len(splits) + n_trees * dim + 1), 1024), 1 << 22))
    depth = max((len(t.get("splits", [])) for t in doc["oblivious_trees"]), default=0)
    strategy = f"oblivious(depth={depth}, trees={n_trees})"
    loss = doc.get("model_info", {}).get("params", {}).get("loss_function", {}).get("type", "RMSE")
    name = type(model).__name__
    if name == "CatBoostRegressor" or (name == "CatBoost" and loss in _IDENTITY):
        if loss not in _IDENTITY or dim != 1:
            raise NotSupportedError(f"CatBoost regressor with loss_function {loss!r}")
        return Converted(module, Head("identity"), "regressor", strategy=strategy, chunk_rows=rows)
    classes = np.asarray(model.classes_)
    if loss in ("Logloss", "CrossEntropy") and dim == 1:
        head = Head("sigmoid", "margin_gt0")  # CatBoost: class 1 when the raw value is > 0
    elif loss == "MultiClass":
        head = Head("softmax", "argmax_raw")
    elif loss == "MultiClassOneVsAll":
        head = Head("ovr_sigmoid", "argmax_raw")
    else:
        raise NotSupportedError(f"CatBoost classifier with loss_function {loss!r}")
    return Converted(module, head, "classifier", classes, strategy=strategy, chunk_rows=rows)


def feature_names(model) -> list[str] | None:
    """Column names the model was fitted on; None for CatBoost's default names "0", "1", ..."""
    names = [str(v) for v in (getattr(model, "feature_names_", None) or [])]
    return None if names == [str(i) for i in range(len(names))] else names or None
