"""scikit-learn models as torch modules: linear models, MLPs, trees and tree ensembles,
and pipelines whose preprocessing steps are scalers, one-hot, ordinal and target encoders (of
numbers or strings), imputers and column transformers of those.

Every converter returns ``(module, head, extra)`` where the module maps float64 [n, k] to raw
scores and `Head` (see compiled.py) turns those into labels / probabilities following
scikit-learn's own rules. Tree models go through the library-neutral `TreeEnsemble` (trees.py).

>>> import numpy as np, torch
>>> from sklearn.ensemble import RandomForestRegressor
>>> from tqp.ml import convert
>>> rng = np.random.default_rng(0); X = rng.normal(size=(200, 3)); y = X[:, 0] - X[:, 1]
>>> rf = RandomForestRegressor(n_estimators=5, max_depth=4, random_state=0).fit(X, y)
>>> m = convert(rf)
>>> bool(np.allclose(m.predict(torch.from_numpy(X)).numpy(), rf.predict(X)))
True
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..errors import NotSupportedError
from .compiled import Head
from .trees import NAN_LEFT, RAW, Tree, TreeEnsemble, chunk_rows, choose_strategy, compile_ensemble

# Inputs to the MLP / linear paths are chunked so that the widest [rows, units] activation stays
# around this many float64 elements (64 MiB).
_ACTIVATION_ELEMENTS = 1 << 23


def _name(obj) -> str:
    return f"{type(obj).__module__.split('.')[0]}.{type(obj).__name__}"


class Converted:
    """What a converter hands back to `convert`."""

    def __init__(self, module, head, kind, classes=None, strategy=None, chunk_rows=1 << 20,
                 ensemble=None):
        self.module, self.head, self.kind = module, head, kind
        self.classes, self.strategy, self.chunk_rows = classes, strategy, chunk_rows
        self.ensemble = ensemble  # the TreeEnsemble of tree models, to recompile on request
        self.post = None  # a module applied to a tree ensemble's output (IsolationForest's score)

    def tree_build(self, strategy: str | None = None):
        """For tree models: device -> (module, strategy description, chunk rows), choosing the
        strategy per device unless one is forced; None for other models."""
        ens = self.ensemble
        if ens is None:
            return None

        def build(device):
            s = strategy or choose_strategy(ens.max_depth, len(ens.trees), device)
            core = compile_ensemble(ens, s)
            if self.post is not None:
                core = nn.Sequential(core, self.post)
            return core, _describe(ens, s), chunk_rows(ens, s, device)

        return build


# ------------------------------------------------------------------------------ linear


class Affine(nn.Module):
    """x @ W + b: the decision function of every linear model."""

    def __init__(self, coef: np.ndarray, intercept: np.ndarray):
        super().__init__()
        self.register_buffer("w", torch.from_numpy(np.ascontiguousarray(coef.T, dtype=np.float64)))
        self.register_buffer("b", torch.from_numpy(np.asarray(intercept, dtype=np.float64).reshape(-1)))

    def forward(self, x):
        return x @ self.w + self.b


_LINEAR_REGRESSORS = {
    "LinearRegression", "Ridge", "RidgeCV", "Lasso", "LassoCV", "ElasticNet", "ElasticNetCV",
    "Lars", "LarsCV", "LassoLars", "LassoLarsCV", "LassoLarsIC", "BayesianRidge", "ARDRegression",
    "HuberRegressor", "SGDRegressor", "LinearSVR", "TheilSenRegressor", "OrthogonalMatchingPursuit",
}


def linear_regressor(model) -> Converted:
    coef = np.asarray(model.coef_, dtype=np.float64)
    if coef.ndim == 2 and coef.shape[0] != 1:
        raise NotSupportedError(f"{_name(model)} with {coef.shape[0]} targets (multi-output)")
    coef = coef.reshape(1, -1)
    intercept = np.asarray(getattr(model, "intercept_", 0.0), dtype=np.float64).reshape(-1)[:1]
    if intercept.size == 0:
        intercept = np.zeros(1)
    return Converted(Affine(coef, intercept), Head("identity"), "regressor", strategy="linear")


def logistic_regression(model) -> Converted:
    coef = np.asarray(model.coef_, dtype=np.float64)
    intercept = np.asarray(model.intercept_, dtype=np.float64).reshape(-1)
    classes = np.asarray(model.classes_)
    if len(classes) <= 2:
        # sklearn: class 1 iff decision > 0; probability expit(decision)
        head = Head("sigmoid", "margin_gt0")
    else:
        head = Head("softmax", "argmax_raw")
    return Converted(Affine(coef, intercept), head, "classifier", classes, strategy="linear")


# ------------------------------------------------------------------------------ MLP

_ACTIVATIONS = {
    "identity": lambda h: h,
    "relu": torch.relu,
    "tanh": torch.tanh,
    # scipy's expit, written out as sklearn's callers see it
    "logistic": lambda h: 1.0 / (1.0 + torch.exp(-h)),
}


class MLP(nn.Module):
    """Dense layers with sklearn's hidden activation; the output layer stays pre-activation
    (the head applies logistic / softmax), so labels can follow sklearn's thresholds."""

    def __init__(self, coefs, intercepts, activation: str):
        super().__init__()
        self.activation = activation
        self.n_layers = len(coefs)
        for i, (w, b) in enumerate(zip(coefs, intercepts)):
            self.register_buffer(f"w{i}", torch.from_numpy(np.asarray(w, dtype=np.float64).copy()))
            self.register_buffer(f"b{i}", torch.from_numpy(np.asarray(b, dtype=np.float64).copy()))

    def forward(self, x):
        act = _ACTIVATIONS[self.activation]
        h = x
        for i in range(self.n_layers):
            h = h @ getattr(self, f"w{i}") + getattr(self, f"b{i}")
            if i + 1 < self.n_layers:
                h = act(h)
        return h


def mlp(model) -> Converted:
    if model.activation not in _ACTIVATIONS:
        raise NotSupportedError(f"{_name(model)} with activation {model.activation!r}")
    module = MLP(model.coefs_, model.intercepts_, model.activation)
    widest = max(w.shape[1] for w in model.coefs_)
    rows = max(1024, _ACTIVATION_ELEMENTS // max(widest, 1))
    out = model.out_activation_
    if type(model).__name__ == "MLPRegressor":
        if model.n_outputs_ != 1:
            raise NotSupportedError(f"{_name(model)} with {model.n_outputs_} outputs (multi-output)")
        if out not in ("identity", "exp"):  # exp: loss="poisson"
            raise NotSupportedError(f"{_name(model)} with output activation {out!r}")
        return Converted(module, Head(out), "regressor", strategy="mlp", chunk_rows=rows)
    classes = np.asarray(model.classes_)
    if out == "logistic" and model.n_outputs_ == 1:
        head = Head("sigmoid", "proba_gt_half")  # LabelBinarizer thresholds the proba at 0.5
    elif out == "softmax":
        head = Head("softmax", "argmax_proba")
    else:
        raise NotSupportedError(f"{_name(model)} fitted as a multi-label classifier")
    return Converted(module, head, "classifier", classes, strategy="mlp", chunk_rows=rows)


# ------------------------------------------------------------------------------ trees


def _sk_tree(tree_, value: np.ndarray) -> Tree:
    """A fitted sklearn Tree object (tree_) with given per-node leaf values [m, W]."""
    left = tree_.children_left.astype(np.int64)
    right = tree_.children_right.astype(np.int64)
    mgl = getattr(tree_, "missing_go_to_left", None)
    if mgl is None:
        variant = np.full(len(left), RAW, dtype=np.int8)  # NaN fails "<=": goes right
    else:
        variant = np.where(np.asarray(mgl).astype(bool), NAN_LEFT, RAW).astype(np.int8)
    return Tree(feature=np.maximum(tree_.feature.astype(np.int64), 0),
                threshold=tree_.threshold.astype(np.float64),
                variant=variant, left=left, right=right,
                value=np.ascontiguousarray(value, dtype=np.float64))


def _check_single_output(model):
    if getattr(model, "n_outputs_", 1) != 1:
        raise NotSupportedError(f"{_name(model)} with {model.n_outputs_} outputs (multi-output)")


def _normalized(v: np.ndarray) -> np.ndarray:
    # exactly the arithmetic of DecisionTreeClassifier.predict_proba, done once per leaf
    s = v.sum(axis=1)[:, np.newaxis]
    s[s == 0.0] = 1.0
    return v / s


def _describe(ens: TreeEnsemble, strategy: str) -> str:
    return f"tree:{strategy}(depth={ens.max_depth}, trees={len(ens.trees)})"


def _tree_converted(ens: TreeEnsemble, head: Head, kind: str, classes=None) -> Converted:
    """A tree model; convert() compiles it per device through tree_build()."""
    return Converted(None, head, kind, classes, ensemble=ens)


def decision_tree(model) -> Converted:
    _check_single_output(model)
    t = model.tree_
    k = model.n_features_in_
    if type(model).__name__ == "DecisionTreeClassifier":
        v = t.value[:, 0, :]
        # label from the raw leaf values (as DecisionTreeClassifier.predict), proba normalized
        tree = _sk_tree(t, np.concatenate([v, _normalized(v)], axis=1))
        ens = TreeEnsemble([tree], k, 2 * v.shape[1], float32_input=True)
        return _tree_converted(ens, Head("split_proba", "argmax_raw"), "classifier",
                               np.asarray(model.classes_))
    ens = TreeEnsemble([_sk_tree(t, t.value[:, 0, :1])], k, 1, float32_input=True)
    return _tree_converted(ens, Head("identity"), "regressor")


def forest(model) -> Converted:
    _check_single_output(model)
    k = model.n_features_in_
    ests = model.estimators_
    if type(model).__name__.endswith("Classifier"):
        trees = [_sk_tree(e.tree_, _normalized(e.tree_.value[:, 0, :])) for e in ests]
        n_out = trees[0].value.shape[1]
        # sum of per-tree probabilities divided by the tree count, as sklearn averages
        ens = TreeEnsemble(trees, k, n_out, divisor=float(len(ests)), float32_input=True)
        return _tree_converted(ens, Head("proba", "argmax_proba"), "classifier",
                               np.asarray(model.classes_))
    trees = [_sk_tree(e.tree_, e.tree_.value[:, 0, :1]) for e in ests]
    ens = TreeEnsemble(trees, k, 1, divisor=float(len(ests)), float32_input=True)
    return _tree_converted(ens, Head("identity"), "regressor")


def gradient_boosting(model) -> Converted:
    from sklearn.dummy import DummyClassifier, DummyRegressor
    from sklearn.ensemble._gb import _init_raw_predictions

    k = model.n_features_in_
    is_clf = type(model).__name__.endswith("Classifier")
    init = model.init_
    if isinstance(init, str) and init == "zero":
        base = np.zeros(model.n_trees_per_iteration_)
    elif isinstance(init, (DummyClassifier, DummyRegressor)):
        # the init estimator is a constant: its raw prediction on any one row is the baseline
        base = _init_raw_predictions(np.zeros((1, k), dtype=np.float32), init, model._loss, is_clf)[0]
    else:
        raise NotSupportedError(f"{_name(model)} with init={type(init).__name__}")
    n_iter, n_k = model.estimators_.shape
    lr = model.learning_rate
    trees, outs = [], []
    for i in range(n_iter):
        for c in range(n_k):
            t = model.estimators_[i, c].tree_
            trees.append(_sk_tree(t, lr * t.value[:, 0, :1]))  # same product sklearn forms
            outs.append(c)
    ens = TreeEnsemble(trees, k, n_k, tree_output=np.array(outs), base=np.asarray(base, np.float64),
                       float32_input=True)
    if not is_clf:
        return _tree_converted(ens, Head("identity"), "regressor")
    classes = np.asarray(model.classes_)
    if n_k == 1:
        link = type(model._loss.link).__name__
        coef = 2.0 if link == "HalfLogitLink" else 1.0  # exponential loss: expit(2 * raw)
        head = Head("sigmoid", "margin_ge0", coef)  # GradientBoostingClassifier: raw >= 0
    else:
        head = Head("softmax", "argmax_raw")
    return _tree_converted(ens, head, "classifier", classes)


def hist_gradient_boosting(model) -> Converted:
    if getattr(model, "_preprocessor", None) is not None or (
            getattr(model, "is_categorical_", None) is not None and np.any(model.is_categorical_)):
        raise NotSupportedError(f"{_name(model)} with categorical features")
    k = model.n_features_in_
    trees, outs = [], []
    for iteration in model._predictors:
        for c, pred in enumerate(iteration):
            nd = pred.nodes
            leaf = nd["is_leaf"].astype(bool)
            # sklearn's raw-data predictor: NaN follows missing_go_to_left, else x <= num_threshold
            # (num_threshold is +inf where the split separates only the missing values)
            trees.append(Tree(
                feature=nd["feature_idx"].astype(np.int64),
                threshold=nd["num_threshold"].astype(np.float64),
                variant=np.where(nd["missing_go_to_left"].astype(bool), NAN_LEFT, RAW).astype(np.int8),
                left=np.where(leaf, -1, nd["left"].astype(np.int64)),
                right=np.where(leaf, -1, nd["right"].astype(np.int64)),
                value=nd["value"].astype(np.float64).reshape(-1, 1)))
            outs.append(c)
    n_k = model.n_trees_per_iteration_
    base = np.asarray(model._baseline_prediction, dtype=np.float64).reshape(-1)
    ens = TreeEnsemble(trees, k, n_k, tree_output=np.array(outs), base=base)
    link = type(model._loss.link).__name__
    if type(model).__name__.endswith("Regressor"):
        if link not in ("IdentityLink", "LogLink"):
            raise NotSupportedError(f"{_name(model)} with loss {model.loss!r}")
        return _tree_converted(ens, Head("exp" if link == "LogLink" else "identity"), "regressor")
    classes = np.asarray(model.classes_)
    head = Head("sigmoid", "margin_gt0") if n_k == 1 else Head("softmax", "argmax_raw")
    return _tree_converted(ens, head, "classifier", classes)


# ------------------------------------------------------------------------------ preprocessing


class StandardScale(nn.Module):
    def __init__(self, mean, scale):
        super().__init__()
        self.register_buffer("mean", None if mean is None else torch.from_numpy(np.asarray(mean, np.float64).copy()))
        self.register_buffer("scale", None if scale is None else torch.from_numpy(np.asarray(scale, np.float64).copy()))

    def forward(self, x):
        # the same two float64 operations as StandardScaler.transform, so results match bit for bit
        if self.mean is not None:
            x = x - self.mean
        if self.scale is not None:
            x = x / self.scale
        return x


class MinMaxScale(nn.Module):
    def __init__(self, scale, min_, clip):
        super().__init__()
        self.register_buffer("scale", torch.from_numpy(np.asarray(scale, np.float64).copy()))
        self.register_buffer("min_", torch.from_numpy(np.asarray(min_, np.float64).copy()))
        self.clip = clip

    def forward(self, x):
        x = x * self.scale + self.min_
        if self.clip is not None:
            x = x.clamp(self.clip[0], self.clip[1])
        return x


class OneHot(nn.Module):
    """Numeric categories -> 0/1 columns; unknown values give all zeros (handle_unknown='ignore')."""

    def __init__(self, src_cols, values, nan_cols):
        super().__init__()
        self.register_buffer("src", torch.tensor(src_cols, dtype=torch.int64))
        self.register_buffer("values", torch.tensor(values, dtype=torch.float64))
        self.register_buffer("nan", torch.tensor(nan_cols, dtype=torch.bool))
        self.any_nan = bool(np.any(nan_cols))

    def forward(self, x):
        xs = x.index_select(1, self.src)
        hit = xs == self.values
        if self.any_nan:
            hit = hit | (torch.isnan(xs) & self.nan)
        return hit.to(torch.float64)


class Ordinal(nn.Module):
    """OrdinalEncoder: a value becomes its category's position (a string column arrives as that
    position already), an unknown value `unknown`, NaN `missing`."""

    def __init__(self, categories, unknown: float, missing: float):
        super().__init__()
        self.unknown, self.missing = float(unknown), float(missing)
        self.numeric = []
        for j, cats in enumerate(categories):
            numeric = not _is_string_categories(cats)
            self.numeric.append(numeric)
            vals = np.asarray(cats, np.float64) if numeric else np.zeros(0)
            self.register_buffer(f"cats{j}", torch.from_numpy(vals[~np.isnan(vals)].copy()))

    def forward(self, x):
        outs = []
        for j, numeric in enumerate(self.numeric):
            v = x[:, j]
            if numeric:
                hit = v.unsqueeze(1) == getattr(self, f"cats{j}")
                pos, found = hit.to(torch.float64).argmax(1).to(torch.float64), hit.any(1)
            else:
                pos, found = v, v >= 0
            out = torch.where(found, pos, torch.full_like(v, self.unknown))
            outs.append(torch.where(torch.isnan(v), torch.full_like(v, self.missing), out))
        return torch.stack(outs, 1)


class TargetEncode(nn.Module):
    """TargetEncoder: each category's learned encoding, one column per feature (per feature and
    class for a multiclass target); a value it never saw gets the target mean."""

    def __init__(self, categories, encodings, target_mean, n_out: int):
        super().__init__()
        self.numeric, self.n_out = [], n_out
        default = np.broadcast_to(np.asarray(target_mean, np.float64), (n_out,)).copy()
        self.register_buffer("default", torch.from_numpy(default))
        for j, cats in enumerate(categories):
            numeric = not _is_string_categories(cats)
            self.numeric.append(numeric)
            vals = np.asarray(cats, np.float64) if numeric else np.zeros(0)
            enc = np.stack([np.asarray(encodings[j * n_out + c], np.float64) for c in range(n_out)], 1)
            self.register_buffer(f"cats{j}", torch.from_numpy(vals.copy()))
            self.register_buffer(f"enc{j}", torch.from_numpy(enc))  # [categories, n_out]

    def forward(self, x):
        outs = []
        for j, numeric in enumerate(self.numeric):
            v = x[:, j]
            if numeric:
                cats = getattr(self, f"cats{j}")
                hit = (v.unsqueeze(1) == cats) | (torch.isnan(v).unsqueeze(1) & torch.isnan(cats))
                pos, found = hit.to(torch.int8).argmax(1), hit.any(1)
            else:
                pos, found = v.clamp(min=0).to(torch.int64), v >= 0
            outs.append(torch.where(found.unsqueeze(1), getattr(self, f"enc{j}")[pos], self.default))
        return torch.cat(outs, 1)


class Impute(nn.Module):
    def __init__(self, fill, keep):
        super().__init__()
        self.register_buffer("fill", torch.from_numpy(np.asarray(fill, np.float64).copy()))
        self.register_buffer("keep", None if keep is None else torch.tensor(keep, dtype=torch.int64))

    def forward(self, x):
        x = torch.where(torch.isnan(x), self.fill, x)
        return x if self.keep is None else x.index_select(1, self.keep)


class Columns(nn.Module):
    """ColumnTransformer: per part, select input columns, transform, concatenate."""

    def __init__(self, parts):
        super().__init__()
        self.parts = nn.ModuleList([p for _, p in parts])
        for i, (cols, _) in enumerate(parts):
            self.register_buffer(f"cols{i}", torch.tensor(cols, dtype=torch.int64))

    def forward(self, x):
        outs = [p(x.index_select(1, getattr(self, f"cols{i}"))) for i, p in enumerate(self.parts)]
        return torch.cat(outs, 1)


def preprocessing_step(step) -> nn.Module:
    """A fitted sklearn transformer as a module float64 [n, k] -> float64 [n, k']."""
    name = type(step).__name__
    if step is None or (isinstance(step, str) and step == "passthrough"):
        return nn.Identity()
    if name == "FunctionTransformer" and step.func is None:
        return nn.Identity()  # what ColumnTransformer(remainder="passthrough") stores
    if name == "StandardScaler":
        return StandardScale(step.mean_ if step.with_mean else None, step.scale_)
    if name == "MinMaxScaler":
        return MinMaxScale(step.scale_, step.min_, step.feature_range if step.clip else None)
    if name == "SimpleImputer":
        if step.add_indicator:
            raise NotSupportedError("SimpleImputer with add_indicator=True")
        mv = step.missing_values
        if not (isinstance(mv, float) and np.isnan(mv)):
            raise NotSupportedError(f"SimpleImputer with missing_values={mv!r} (only NaN)")
        stats = np.asarray(step.statistics_, dtype=np.float64)
        keep = None
        if not getattr(step, "keep_empty_features", False) and np.isnan(stats).any():
            keep = np.flatnonzero(~np.isnan(stats)).tolist()  # sklearn drops all-missing columns
        return Impute(np.nan_to_num(stats, nan=0.0), keep)
    if name in ("OneHotEncoder", "OrdinalEncoder"):
        if getattr(step, "_infrequent_enabled", False):
            raise NotSupportedError(f"{name} with infrequent categories (min_frequency / max_categories)")
        if name == "OrdinalEncoder":
            return Ordinal(step.categories_, step.unknown_value if step.handle_unknown == "use_encoded_value"
                           else np.nan, step.encoded_missing_value)
        src, vals, nans = [], [], []
        drop = getattr(step, "drop_idx_", None)
        for j, cats in enumerate(step.categories_):
            strings = _is_string_categories(cats)
            for c, v in enumerate(cats):
                if drop is not None and drop[j] is not None and c == drop[j]:
                    continue
                # a string column arrives as category positions (see Categories)
                v = float(c) if strings else float(v)
                src.append(j)
                vals.append(0.0 if np.isnan(v) else v)
                nans.append(bool(np.isnan(v)))
        return OneHot(src, vals, nans)
    if name == "TargetEncoder":
        n_out = len(step.classes_) if step.target_type_ == "multiclass" else 1
        return TargetEncode(step.categories_, step.encodings_, step.target_mean_, n_out)
    if name == "ColumnTransformer":
        parts = []
        for tname, trans, _cols in step.transformers_:
            if isinstance(trans, str) and trans == "drop":
                continue
            idx = list(step._transformer_to_input_indices.get(tname, []))
            if not idx:
                continue
            parts.append((idx, preprocessing_step(trans)))
        return Columns(parts)
    if name == "Pipeline":
        return nn.Sequential(*[preprocessing_step(s) for _, s in step.steps])
    raise NotSupportedError(f"pipeline step {_name(step)} (supported: StandardScaler, MinMaxScaler, "
                            "OneHotEncoder, OrdinalEncoder, TargetEncoder, SimpleImputer, ColumnTransformer)")


# ------------------------------------------------------------------------------ string inputs


def _is_missing(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v))


def _is_string_categories(cats: np.ndarray) -> bool:
    if cats.dtype.kind in "biuf":
        return False
    if not all(isinstance(v, str) or _is_missing(v) for v in cats):
        raise NotSupportedError("an encoder whose categories mix strings and other values")
    return True


class Categories:
    """The string categories an encoder learned for one input column. PREDICT maps a string
    column's dictionary through `positions` (once per distinct string, never per row), so the
    model sees each string's category position, -1 when it is not one of them."""

    def __init__(self, categories: np.ndarray, unknown_error: bool):
        where = [i for i, v in enumerate(categories) if isinstance(v, str)]
        values = np.array([categories[i] for i in where], dtype=object)
        order = np.argsort(values) if len(values) else np.zeros(0, dtype=np.int64)
        self.values = values[order]  # sorted, for searchsorted
        self.where = np.asarray(where, dtype=np.float64)[order]
        self.unknown_error = unknown_error  # handle_unknown="error": an unseen string fails

    def positions(self, strings: np.ndarray) -> np.ndarray:
        """float64 category position of each of `strings`, -1.0 where it is no category."""
        strings = np.asarray(strings, dtype=object)
        if len(self.values) == 0 or len(strings) == 0:
            return np.full(len(strings), -1.0)
        at = np.minimum(np.searchsorted(self.values, strings), len(self.values) - 1)
        return np.where(self.values[at] == strings, self.where[at], -1.0)


def string_inputs(step, cols: list[int] | None = None) -> dict[int, Categories]:
    """The input columns that a pipeline's first step reads as strings, by input position."""
    name = type(step).__name__
    if name in ("OneHotEncoder", "OrdinalEncoder", "TargetEncoder"):
        error = getattr(step, "handle_unknown", None) == "error"
        return {(cols[j] if cols is not None else j): Categories(c, error)
                for j, c in enumerate(step.categories_) if _is_string_categories(c)}
    if name == "ColumnTransformer":
        out = {}
        for tname, trans, _ in step.transformers_:
            if isinstance(trans, str):
                continue
            idx = list(step._transformer_to_input_indices.get(tname, []))
            out.update(string_inputs(trans, [cols[i] for i in idx] if cols is not None else idx))
        return out
    if name == "Pipeline":
        return string_inputs(step.steps[0][1], cols)
    return {}
