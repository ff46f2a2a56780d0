"""`convert(model)`: a trained model to a `CompiledModel`, once, at registration.

Supported (each converted in-house to torch ops):

* scikit-learn: LinearRegression, Ridge, Lasso, ElasticNet (and their CV / Lars / Bayesian
  relatives with ``coef_`` and ``intercept_``), LogisticRegression (binary, multinomial),
  DecisionTree / RandomForest / ExtraTrees / GradientBoosting / HistGradientBoosting classifiers
  and regressors, MLPClassifier / MLPRegressor, and Pipelines of StandardScaler, MinMaxScaler,
  OneHotEncoder / OrdinalEncoder / TargetEncoder (numeric or string categories: PREDICT maps
  a string column through its dictionary), SimpleImputer and ColumnTransformer steps before
  one of those estimators;
* scikit-learn (tqp.ml.sklearn_more): SVC, NuSVC, SVR, NuSVR, OneClassSVM (linear, rbf, poly,
  sigmoid kernels; SVC's probabilities when fitted with probability=True), LinearSVC, LinearSVR,
  RidgeClassifier, Perceptron, KNeighborsClassifier / KNeighborsRegressor, GaussianNB,
  MultinomialNB, ComplementNB, BernoulliNB, KMeans / MiniBatchKMeans (PREDICT gives the
  cluster), IsolationForest (PREDICT gives -1 / 1), VotingClassifier / VotingRegressor and
  StackingClassifier / StackingRegressor over supported estimators;
* LightGBM LGBMClassifier / LGBMRegressor; XGBoost XGBClassifier / XGBRegressor (gbtree);
* CatBoost CatBoostClassifier / CatBoostRegressor / CatBoost with numeric features
  (tqp.ml.catboost);
* ONNX models (``onnx.ModelProto``) of the operators listed in tqp.ml.onnx, e.g. what skl2onnx
  and onnxmltools make of scikit-learn, LightGBM and XGBoost models;
* any torch.nn.Module mapping [n, k] to [n] or [n, 1] (a regressor).

Anything else raises tqp.NotSupportedError naming the model type.

>>> import numpy as np, torch
>>> from sklearn.linear_model import LinearRegression
>>> from tqp.ml import convert
>>> X = np.array([[1.0, 2.0], [2.0, 0.0], [3.0, 1.0]]); y = X @ [2.0, -1.0] + 0.5
>>> m = convert(LinearRegression().fit(X, y))
>>> round(float(m.predict(torch.tensor([[1.0, 1.0]], dtype=torch.float64))[0]), 9)
1.5
>>> convert(object())
Traceback (most recent call last):
...
tqp.errors.NotSupportedError: cannot use a model of type builtins.object: not a supported model
"""
from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from ..errors import Error, NotSupportedError, ProgrammingError
from . import sklearn_models as sk
from . import sklearn_more as more
from .compiled import CompiledModel
from .sklearn_models import Converted
from .trees import STRATEGIES

_SKLEARN = {
    "LogisticRegression": sk.logistic_regression,
    "LogisticRegressionCV": sk.logistic_regression,
    "DecisionTreeClassifier": sk.decision_tree,
    "DecisionTreeRegressor": sk.decision_tree,
    "ExtraTreeClassifier": sk.decision_tree,
    "ExtraTreeRegressor": sk.decision_tree,
    "RandomForestClassifier": sk.forest,
    "RandomForestRegressor": sk.forest,
    "ExtraTreesClassifier": sk.forest,
    "ExtraTreesRegressor": sk.forest,
    "GradientBoostingClassifier": sk.gradient_boosting,
    "GradientBoostingRegressor": sk.gradient_boosting,
    "HistGradientBoostingClassifier": sk.hist_gradient_boosting,
    "HistGradientBoostingRegressor": sk.hist_gradient_boosting,
    "MLPClassifier": sk.mlp,
    "MLPRegressor": sk.mlp,
    **{name: sk.linear_regressor for name in sk._LINEAR_REGRESSORS},
    **{name: more.svm for name in ("SVC", "NuSVC", "SVR", "NuSVR", "OneClassSVM")},
    **{name: more.linear_classifier for name in ("LinearSVC", "RidgeClassifier", "RidgeClassifierCV",
                                                 "Perceptron", "PassiveAggressiveClassifier")},
    "KNeighborsClassifier": more.kneighbors,
    "KNeighborsRegressor": more.kneighbors,
    **{name: more.naive_bayes for name in ("GaussianNB", "MultinomialNB", "ComplementNB", "BernoulliNB")},
    "KMeans": more.kmeans,
    "MiniBatchKMeans": more.kmeans,
    "IsolationForest": more.isolation_forest,
    # ensembles of estimators: their members convert through _member
    "VotingClassifier": lambda m: more.voting(m, _member),
    "VotingRegressor": lambda m: more.voting(m, _member),
    "StackingClassifier": lambda m: more.stacking(m, _member),
    "StackingRegressor": lambda m: more.stacking(m, _member),
}


def _qualname(model) -> str:
    t = type(model)
    return f"{t.__module__}.{t.__qualname__}"


def _display(model) -> str:
    mod = type(model).__module__
    top = mod.split(".")[0]
    # sklearn.ensemble._forest.RandomForestClassifier -> sklearn.ensemble.RandomForestClassifier
    public = ".".join(p for p in mod.split(".") if not p.startswith("_")) if top == "sklearn" else top
    return f"{public}.{type(model).__name__}"


def _fitted_check(model, attr: str) -> None:
    if not hasattr(model, attr):
        raise NotSupportedError(f"{_display(model)} is not fitted")


def _estimator(model) -> Converted:
    """Converted final estimator (no Pipeline)."""
    top = type(model).__module__.split(".")[0]
    name = type(model).__name__
    if top == "sklearn" and name in _SKLEARN:
        _fitted_check(model, "n_features_in_")
        return _SKLEARN[name](model)
    if top == "lightgbm" and name in ("LGBMClassifier", "LGBMRegressor"):
        from .gbdt import lightgbm_model

        _fitted_check(model, "_Booster")
        if getattr(model, "_Booster", None) is None:
            raise NotSupportedError(f"{_display(model)} is not fitted")
        return lightgbm_model(model)
    if top == "xgboost" and name in ("XGBClassifier", "XGBRegressor", "XGBRFClassifier", "XGBRFRegressor"):
        from .gbdt import xgboost_model

        try:
            model.get_booster()
        except Exception as e:  # noqa: BLE001 - xgboost raises its own NotFittedError
            raise NotSupportedError(f"{_display(model)} is not fitted") from e
        return xgboost_model(model)
    if top == "catboost" and name in ("CatBoostClassifier", "CatBoostRegressor", "CatBoost"):
        from .catboost import catboost_model

        if not model.is_fitted():
            raise NotSupportedError(f"{_display(model)} is not fitted")
        return catboost_model(model)
    raise NotSupportedError(f"cannot use a model of type {_qualname(model)}: not a supported model")


def _member(model) -> CompiledModel:
    """An ensemble's member, compiled for the CPU (moved with the ensemble to other devices)."""
    return _convert(model, None)


def _n_features(model) -> int | None:
    if type(model).__module__.split(".")[0] == "catboost":
        return len(model.feature_names_)  # a model read from a file reports n_features_in_ = 0
    n = getattr(model, "n_features_in_", None)
    return int(n) if n is not None else None


def _feature_names(model) -> list[str] | None:
    if type(model).__module__.split(".")[0] == "catboost":
        from .catboost import feature_names

        return feature_names(model)
    try:
        names = getattr(model, "feature_names_in_", None)
    except Exception:  # noqa: BLE001 - some wrappers raise instead of returning None
        names = None
    if names is None:
        return None
    return [str(v) for v in list(names)]


def convert(model, *, tree_strategy: str | None = None) -> CompiledModel:
    """Convert a trained model into a CompiledModel (see the module docstring for the list).

    tree_strategy forces "gemm", "perfect" or "traverse" for tree models (default: chosen by
    depth, see tqp.ml.trees.choose_strategy); other models ignore it.
    Raises tqp.NotSupportedError, naming the model type, for anything tqp cannot convert.
    """
    if tree_strategy is not None and tree_strategy not in STRATEGIES:
        raise ProgrammingError(f"tree_strategy must be one of {STRATEGIES}, got {tree_strategy!r}")
    try:
        return _convert(model, tree_strategy)
    except Error:
        raise
    except Exception as e:  # noqa: BLE001 - any surprise inside a converter is reported, typed
        raise NotSupportedError(f"cannot convert model of type {_display(model)}: {type(e).__name__}: {e}") from e


def _convert(model, tree_strategy) -> CompiledModel:
    if isinstance(model, CompiledModel):
        return model
    if _display(model) == "onnx.ModelProto":
        from .onnx import onnx_model

        return onnx_model(model, tree_strategy)
    n_features = None
    if isinstance(model, torch.export.ExportedProgram):
        # the one user input's last dimension; the batch dimension must have been exported dynamic
        inputs = [n for n in model.graph.nodes if n.op == "placeholder"
                  and n.name in model.graph_signature.user_inputs]
        shape = inputs[0].meta.get("val").shape if len(inputs) == 1 and "val" in inputs[0].meta else ()
        n_features = int(shape[-1]) if len(shape) == 2 else None
        model = model.module()
    if isinstance(model, nn.Module):
        from .torch_models import torch_module

        conv, n_features = torch_module(model, n_features)
        return CompiledModel(conv.module, conv.head, kind="regressor", n_features=n_features,
                             model_type=f"torch.{type(model).__name__}", strategy=conv.strategy)
    type_name = _display(model)
    pre: list[nn.Module] = []
    if type(model).__module__.split(".")[0] == "sklearn" and type(model).__name__ == "Pipeline":
        steps = [s for _, s in model.steps]
        final = steps[-1]
        pre = [sk.preprocessing_step(s) for s in steps[:-1]]
        strings = sk.string_inputs(steps[0]) if len(steps) > 1 else {}
        conv = _estimator(final)
        type_name = f"sklearn.pipeline.Pipeline({_display(final)})"
        n_features = _n_features(model) if _n_features(model) is not None else _n_features(steps[0])
        names = _feature_names(model)
        if names is None:
            names = _feature_names(steps[0])
    else:
        conv = _estimator(model)
        n_features, names = _n_features(model), _feature_names(model)
        strings = {}

    def chain(core: nn.Module) -> nn.Module:
        return nn.Sequential(*[copy.deepcopy(p) for p in pre], core) if pre else core

    tree_build = conv.tree_build(tree_strategy)
    build = None
    if tree_build is not None:
        def build(device):
            core, strategy, rows = tree_build(device)
            return chain(core), strategy, rows

        module, strategy, rows = build(torch.device("cpu"))
    else:
        module, strategy, rows = chain(conv.module), conv.strategy, conv.chunk_rows
    classes = np.asarray(conv.classes) if conv.classes is not None else None
    return CompiledModel(module, conv.head, kind=conv.kind, n_features=n_features,
                         feature_names=names, classes=classes, model_type=type_name,
                         strategy=strategy, chunk_rows=rows, build=build, string_features=strings)
