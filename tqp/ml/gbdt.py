"""LightGBM and XGBoost models, read from their own model dumps into a `TreeEnsemble`.

* LightGBM: ``booster_.dump_model()``. Splits are ``x <= threshold`` in float64; missing values
  follow the node's missing_type: "NaN" (NaN -> default direction), "Zero" (NaN and |x| <= 1e-35
  -> default direction) or "None" (NaN is read as 0.0). The boost-from-average init score is
  already inside the first trees' leaves. Categorical splits and linear trees are not supported.
* XGBoost: the JSON model (``get_booster().save_raw("json")``). Splits are ``x < threshold`` in
  float32 (input rounded to float32 first), which is rewritten to ``x <= previous float32 below
  threshold`` so one comparison rule serves every library; missing values follow default_left.
  ``base_score`` is a string such as "[5E-1]" (one value per class for multiclass in 3.x), kept
  in probability space for logistic objectives and turned into a margin here.

>>> import numpy as np, torch, lightgbm as lgb
>>> from tqp.ml import convert
>>> rng = np.random.default_rng(0); X = rng.normal(size=(300, 3)); y = (X[:, 0] > 0).astype(int)
>>> clf = lgb.LGBMClassifier(n_estimators=5, num_leaves=4, verbose=-1).fit(X, y)
>>> m = convert(clf)
>>> bool((m.predict(torch.from_numpy(X)).numpy() == clf.predict(X)).all())
True
"""
from __future__ import annotations

import json

import numpy as np

from ..errors import NotSupportedError
from .compiled import Head
from .sklearn_models import Converted, _tree_converted
from .trees import NAN_LEFT, NAN_ZERO, RAW, ZERO_LEFT, ZERO_RIGHT, Tree, TreeEnsemble

# ------------------------------------------------------------------------------ LightGBM

_LGBM_IDENTITY = {"regression", "regression_l1", "huber", "fair", "quantile", "mape", "lambdarank",
                  "rank_xendcg"}
_LGBM_EXP = {"poisson", "gamma", "tweedie"}


def _lgbm_tree(info: dict) -> Tree:
    feats, thrs, variants, lefts, rights, vals = [], [], [], [], [], []

    def add(node) -> int:
        i = len(feats)
        feats.append(0)
        thrs.append(0.0)
        variants.append(RAW)
        lefts.append(-1)
        rights.append(-1)
        vals.append(0.0)
        if "leaf_value" in node:
            if "leaf_coeff" in node or "leaf_features" in node:
                raise NotSupportedError("LightGBM linear trees (linear_tree=True)")
            vals[i] = float(node["leaf_value"])
            return i
        if node["decision_type"] != "<=":
            raise NotSupportedError(f"LightGBM split {node['decision_type']!r} (categorical features)")
        feats[i] = int(node["split_feature"])
        thrs[i] = float(node["threshold"])
        mt, dl = node.get("missing_type", "None"), bool(node.get("default_left", True))
        if mt == "NaN":
            variants[i] = NAN_LEFT if dl else RAW
        elif mt == "Zero":
            variants[i] = ZERO_LEFT if dl else ZERO_RIGHT
        else:  # "None": LightGBM reads NaN as 0.0 and compares it
            variants[i] = NAN_ZERO
        lefts[i] = add(node["left_child"])
        rights[i] = add(node["right_child"])
        return i

    add(info["tree_structure"])
    return Tree(np.array(feats, np.int64), np.array(thrs, np.float64), np.array(variants, np.int8),
                np.array(lefts, np.int64), np.array(rights, np.int64),
                np.array(vals, np.float64).reshape(-1, 1))


def lightgbm_model(model) -> Converted:
    booster = model.booster_
    dump = booster.dump_model()  # num_iteration=None: the best iteration, as predict uses
    if dump.get("pandas_categorical"):
        raise NotSupportedError("LightGBM model with pandas categorical features")
    objective = str(dump.get("objective", "regression")).split()
    obj, params = objective[0], dict(p.split(":", 1) for p in objective[1:] if ":" in p)
    n_per_iter = int(dump["num_tree_per_iteration"])
    trees = [_lgbm_tree(t) for t in dump["tree_info"]]
    n_iter = len(trees) // n_per_iter
    outs = np.arange(len(trees)) % n_per_iter
    ens = TreeEnsemble(trees, int(dump["max_feature_idx"]) + 1, n_per_iter, tree_output=outs,
                       divisor=float(n_iter) if dump.get("average_output") else 1.0)
    name = type(model).__name__
    if name == "LGBMRegressor":
        if obj in _LGBM_EXP:
            head = Head("exp")
        elif obj in _LGBM_IDENTITY:
            head = Head("identity")
        elif obj in ("cross_entropy", "xentropy"):
            head = Head("logistic")
        else:
            raise NotSupportedError(f"LightGBM objective {obj!r}")
        return _tree_converted(ens, head, "regressor")
    classes = np.asarray(model.classes_)
    sig = float(params.get("sigmoid", 1.0))
    if obj == "binary":
        # LGBMClassifier.predict: argmax of [1 - p, p]
        head = Head("sigmoid", "pair_argmax", sig)
    elif obj in ("multiclass", "softmax"):
        head = Head("softmax", "argmax_proba")
    elif obj in ("multiclassova", "multiclass_ova", "ova", "ovr"):
        head = Head("ovr_sigmoid", "argmax_proba", sig)
    else:
        raise NotSupportedError(f"LGBMClassifier with objective {obj!r}")
    return _tree_converted(ens, head, "classifier", classes)


# ------------------------------------------------------------------------------ XGBoost

_XGB_IDENTITY = {"reg:squarederror", "reg:squaredlogerror", "reg:absoluteerror",
                 "reg:pseudohubererror", "reg:linear"}
_XGB_EXP = {"count:poisson", "reg:gamma", "reg:tweedie"}
_XGB_LOGISTIC = {"binary:logistic", "reg:logistic"}


def _parse_floats(s) -> np.ndarray:
    """base_score: "[5E-1]" / "[1E0,2E0]" in 3.x, "5E-1" in older versions."""
    s = str(s).strip().strip("[]")
    return np.array([float(v) for v in s.split(",") if v.strip()], dtype=np.float64)


def _prev_float32(t: np.ndarray) -> np.ndarray:
    """Largest float32 strictly below t (float32): for float32 x, x < t  <=>  x <= prev(t)."""
    return np.nextafter(t.astype(np.float32), np.float32(-np.inf)).astype(np.float64)


def _xgb_tree(t: dict) -> Tree:
    if int(t["tree_param"].get("size_leaf_vector", "1")) > 1:
        raise NotSupportedError("XGBoost multi-output trees (multi_strategy='multi_output_tree')")
    if any(int(s) != 0 for s in t.get("split_type", [])):
        raise NotSupportedError("XGBoost categorical splits")
    left = np.asarray(t["left_children"], dtype=np.int64)
    right = np.asarray(t["right_children"], dtype=np.int64)
    cond = np.asarray(t["split_conditions"], dtype=np.float64)
    leaf = left < 0
    # split_conditions holds the threshold at internal nodes and the leaf value at leaves
    thr = np.where(leaf, 0.0, _prev_float32(cond))
    values = np.where(leaf, cond.astype(np.float32).astype(np.float64), 0.0).reshape(-1, 1)
    dl = np.asarray(t["default_left"], dtype=bool)
    return Tree(np.asarray(t["split_indices"], dtype=np.int64), thr,
                np.where(dl, NAN_LEFT, RAW).astype(np.int8),
                np.where(leaf, -1, left), np.where(leaf, -1, right), values)


def xgboost_model(model) -> Converted:
    booster = model.get_booster()
    doc = json.loads(bytes(booster.save_raw(raw_format="json")))
    learner = doc["learner"]
    gb = learner["gradient_booster"]
    if gb.get("name") != "gbtree":
        raise NotSupportedError(f"xgboost.{type(model).__name__} with booster {gb.get('name')!r} (only gbtree)")
    missing = getattr(model, "missing", np.nan)
    if missing is not None and not (isinstance(missing, float) and np.isnan(missing)):
        raise NotSupportedError(f"XGBoost missing={missing!r} (only NaN)")
    gm = gb["model"]
    raw_trees = gm["trees"]
    tree_info = np.asarray(gm["tree_info"], dtype=np.int64)
    best = getattr(model, "best_iteration", None)  # predict() stops there after early stopping
    if best is not None:
        indptr = gm.get("iteration_indptr")
        if indptr:
            n_keep = int(indptr[best + 1])
        else:
            per_iter = max(1, int(learner["learner_model_param"].get("num_class", "0"))) * int(
                gm["gbtree_model_param"].get("num_parallel_tree", "1"))
            n_keep = (best + 1) * per_iter
        raw_trees, tree_info = raw_trees[:n_keep], tree_info[:n_keep]
    params = learner["learner_model_param"]
    n_class = max(1, int(params.get("num_class", "0")))
    if int(params.get("num_target", "1")) > 1:
        raise NotSupportedError("XGBoost multi-target models")
    objective = learner["objective"]["name"]
    base = _parse_floats(params.get("base_score", "0"))
    if base.size == 1:
        base = np.repeat(base, n_class)
    base = base.astype(np.float32).astype(np.float64)
    if objective in _XGB_LOGISTIC:
        base = np.log(base / (1.0 - base))  # base_score is a probability: the margin is its logit
    elif objective in _XGB_EXP:
        base = np.log(base)
    trees = [_xgb_tree(t) for t in raw_trees]
    k = int(params.get("num_feature", model.n_features_in_))
    ens = TreeEnsemble(trees, k, n_class, tree_output=tree_info, base=base, float32_input=True)
    if type(model).__name__ in ("XGBRegressor", "XGBRFRegressor"):
        if objective in _XGB_IDENTITY:
            head = Head("identity")
        elif objective in _XGB_EXP:
            head = Head("exp")
        elif objective in _XGB_LOGISTIC:
            head = Head("logistic")
        else:
            raise NotSupportedError(f"XGBoost objective {objective!r}")
        return _tree_converted(ens, head, "regressor")
    classes = np.asarray(model.classes_)
    if objective == "binary:logistic" and n_class == 1:
        head = Head("sigmoid", "proba_gt_half")  # XGBClassifier.predict: proba > 0.5
    elif objective in ("multi:softprob", "multi:softmax"):
        head = Head("softmax", "argmax_proba")
    else:
        raise NotSupportedError(f"XGBClassifier with objective {objective!r}")
    return _tree_converted(ens, head, "classifier", classes)
