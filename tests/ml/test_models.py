"""Every supported model kind agrees with the library's own predict / predict_proba.

Regressor outputs and probabilities within rtol 1e-4; labels identical on all rows (the task
allows 99.9%, we require 100% and print any mismatch). Evaluation rows include the training
data, the same rows rounded to one decimal (so many values sit exactly on split thresholds), and,
for models that handle missing values, NaNs.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.datasets import make_classification, make_regression

import tqp
from tqp.ml import CompiledModel, convert

RTOL, ATOL = 1e-4, 1e-7
N, K = 1200, 6


# ------------------------------------------------------------------------------ data


def _with_edges(X: np.ndarray, nan: bool, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    Xr = np.round(X, 1)  # values landing exactly on thresholds
    Xe = np.vstack([X, Xr, np.zeros((3, X.shape[1])), rng.normal(scale=4, size=(100, X.shape[1]))])
    if nan:
        Xe[rng.random(Xe.shape) < 0.05] = np.nan
        Xe[-1, :] = np.nan
    return Xe


def _clf_data(n_classes: int, nan: bool = False, seed: int = 0):
    X, y = make_classification(N, K, n_informative=4, n_redundant=1, n_classes=n_classes,
                               n_clusters_per_class=1, random_state=seed)
    if nan:
        X = X.copy()
        X[np.random.default_rng(seed).random(X.shape) < 0.05] = np.nan
    return X, y, _with_edges(X, nan, seed + 1)


def _reg_data(nan: bool = False, seed: int = 0):
    X, y = make_regression(N, K, n_informative=4, noise=5.0, random_state=seed)
    if nan:
        X = X.copy()
        X[np.random.default_rng(seed).random(X.shape) < 0.05] = np.nan
    return X, y, _with_edges(X, nan, seed + 1)


STRING_LABELS = np.array(["cat", "dog", "emu", "fox"])


def _labels(y, kind):
    return STRING_LABELS[y] if kind == "str" else y * 10 + 3 if kind == "int" else y


# ------------------------------------------------------------------------------ checks


def _x(X, device):
    return torch.from_numpy(np.ascontiguousarray(X, dtype=np.float64)).to(device)


def check_classifier(model, X, device, compiled: CompiledModel | None = None, proba=True):
    m = compiled or convert(model)
    assert m.kind == "classifier"
    x = _x(X, device)
    idx = m.predict(x)
    assert idx.dtype == torch.int64 and idx.device.type == torch.device(device).type
    got = m.classes[idx.cpu().numpy()]
    want = model.predict(X)
    agree = np.mean(got == want)
    if agree < 1.0:
        bad = np.flatnonzero(got != want)[:5]
        print(f"{m}: {len(np.flatnonzero(got != want))} label mismatches, rows {bad}")
    assert agree >= 0.999, f"labels agree on only {agree:.4%}"
    assert list(m.classes) == list(model.classes_)
    if proba:
        want_p = model.predict_proba(X)
        p = m.predict_proba(x)
        assert p.dtype == torch.float64 and p.shape == (len(X),)
        np.testing.assert_allclose(p.cpu().numpy(), want_p[:, -1], rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(m.predict_proba_all(x).cpu().numpy(), want_p, rtol=RTOL, atol=ATOL)
    return m


def check_regressor(model, X, device, compiled: CompiledModel | None = None, float32_sums=False):
    m = compiled or convert(model)
    assert m.kind == "regressor" and m.classes is None
    y = m.predict(_x(X, device))
    assert y.dtype == torch.float64 and y.shape == (len(X),)
    want = model.predict(X)
    # XGBoost adds leaves in float32 (we add in float64): near-zero sums of large leaves differ
    # by float32 rounding of the leaves' scale, not of the result's
    atol = 1e-6 * np.abs(want).max() if float32_sums else ATOL
    np.testing.assert_allclose(y.cpu().numpy(), want, rtol=RTOL, atol=atol)
    with pytest.raises(tqp.ProgrammingError):
        m.predict_proba(_x(X[:2], device))
    return m


def check_all_strategies(model, X, device, classifier: bool, **kw):
    for strategy in ("gemm", "perfect", "traverse"):
        m = convert(model, tree_strategy=strategy)
        assert m.strategy.startswith(f"tree:{strategy}")
        if classifier:
            check_classifier(model, X, device, m)
        else:
            check_regressor(model, X, device, m, **kw)


# ------------------------------------------------------------------------------ linear


def test_linear_regressors(device):
    from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, Ridge

    X, y, Xe = _reg_data()
    for est in (LinearRegression(), Ridge(alpha=0.5), Lasso(alpha=0.1), ElasticNet(alpha=0.1)):
        m = check_regressor(est.fit(X, y), Xe, device)
        assert m.n_features == K and m.strategy == "linear"


@pytest.mark.parametrize("n_classes,labels", [(2, "int"), (2, "str"), (3, "int"), (4, "str")])
def test_logistic_regression(device, n_classes, labels):
    from sklearn.linear_model import LogisticRegression

    X, y, Xe = _clf_data(n_classes)
    model = LogisticRegression(max_iter=500).fit(X, _labels(y, labels))
    m = check_classifier(model, Xe, device)
    assert m.predict_labels_are_strings == (labels == "str")
    assert str(m.label_type) == ("VARCHAR" if labels == "str" else "BIGINT")


# ------------------------------------------------------------------------------ MLP


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
def test_mlp_regressor(device, activation):
    from sklearn.neural_network import MLPRegressor

    X, y, Xe = _reg_data()
    model = MLPRegressor(hidden_layer_sizes=(16, 8), activation=activation, max_iter=60, random_state=0).fit(X, y / 100)
    check_regressor(model, Xe, device)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("n_classes,activation", [(2, "relu"), (3, "tanh"), (2, "logistic")])
def test_mlp_classifier(device, n_classes, activation):
    from sklearn.neural_network import MLPClassifier

    X, y, Xe = _clf_data(n_classes)
    model = MLPClassifier(hidden_layer_sizes=(16,), activation=activation, max_iter=60, random_state=0)
    check_classifier(model.fit(X, _labels(y, "str")), Xe, device)


# ------------------------------------------------------------------------------ sklearn trees


@pytest.mark.parametrize("n_classes", [2, 3])
def test_decision_tree_classifier(device, n_classes):
    from sklearn.tree import DecisionTreeClassifier

    X, y, Xe = _clf_data(n_classes, nan=True)
    for depth in (3, None):
        model = DecisionTreeClassifier(max_depth=depth, random_state=0).fit(X, _labels(y, "str"))
        check_classifier(model, Xe, device)
    check_all_strategies(DecisionTreeClassifier(max_depth=5, random_state=0).fit(X, y), Xe, device, True)


def test_decision_tree_regressor(device):
    from sklearn.tree import DecisionTreeRegressor

    X, y, Xe = _reg_data(nan=True)
    check_all_strategies(DecisionTreeRegressor(max_depth=6, random_state=0).fit(X, y), Xe, device, False)
    check_regressor(DecisionTreeRegressor(random_state=0).fit(X, y), Xe, device)


@pytest.mark.parametrize("forest", ["RandomForest", "ExtraTrees"])
@pytest.mark.parametrize("n_classes,labels", [(2, "int"), (3, "str")])
def test_forest_classifier(device, forest, n_classes, labels):
    import sklearn.ensemble as E

    X, y, Xe = _clf_data(n_classes)
    cls = getattr(E, f"{forest}Classifier")
    check_classifier(cls(n_estimators=15, random_state=0).fit(X, _labels(y, labels)), Xe, device)
    check_all_strategies(cls(n_estimators=8, max_depth=4, random_state=0).fit(X, y), Xe, device, True)


@pytest.mark.parametrize("forest", ["RandomForest", "ExtraTrees"])
def test_forest_regressor(device, forest):
    import sklearn.ensemble as E

    X, y, Xe = _reg_data(nan=True)
    cls = getattr(E, f"{forest}Regressor")
    check_regressor(cls(n_estimators=10, random_state=0).fit(X, y), Xe, device)
    check_all_strategies(cls(n_estimators=8, max_depth=5, random_state=0).fit(X, y), Xe, device, False)


@pytest.mark.parametrize("n_classes,loss", [(2, "log_loss"), (2, "exponential"), (3, "log_loss")])
def test_gradient_boosting_classifier(device, n_classes, loss):
    from sklearn.ensemble import GradientBoostingClassifier

    X, y, Xe = _clf_data(n_classes)
    model = GradientBoostingClassifier(n_estimators=20, max_depth=3, loss=loss, random_state=0)
    check_all_strategies(model.fit(X, _labels(y, "str")), Xe, device, True)


@pytest.mark.parametrize("loss", ["squared_error", "huber"])
def test_gradient_boosting_regressor(device, loss):
    from sklearn.ensemble import GradientBoostingRegressor

    X, y, Xe = _reg_data()
    model = GradientBoostingRegressor(n_estimators=20, max_depth=4, loss=loss, random_state=0)
    check_all_strategies(model.fit(X, y), Xe, device, False)


@pytest.mark.parametrize("n_classes,labels", [(2, "int"), (2, "str"), (3, "int")])
def test_hist_gradient_boosting_classifier(device, n_classes, labels):
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y, Xe = _clf_data(n_classes, nan=True)
    model = HistGradientBoostingClassifier(max_iter=20, max_leaf_nodes=15, max_depth=6, random_state=0)
    check_all_strategies(model.fit(X, _labels(y, labels)), Xe, device, True)


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_hist_gradient_boosting_regressor(device, loss):
    from sklearn.ensemble import HistGradientBoostingRegressor

    X, y, Xe = _reg_data(nan=True)
    if loss == "poisson":
        y = np.exp(y / 200.0)
    model = HistGradientBoostingRegressor(max_iter=20, loss=loss, random_state=0)
    check_all_strategies(model.fit(X, y), Xe, device, False)


def test_hist_gradient_boosting_nan_only_in_prediction(device):
    # features without NaN in training: sklearn sends unseen NaN to the bigger child
    from sklearn.ensemble import HistGradientBoostingRegressor

    X, y, _ = _reg_data()
    Xe = _with_edges(X, nan=True, seed=5)
    check_regressor(HistGradientBoostingRegressor(max_iter=10).fit(X, y), Xe, device)


# ------------------------------------------------------------------------------ pipelines


def test_pipeline_scalers_and_onehot(device):
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, StandardScaler
    from sklearn.ensemble import RandomForestClassifier

    X, y, Xe = _clf_data(3)
    rng = np.random.default_rng(3)
    cat = rng.integers(0, 4, (N, 1)).astype(np.float64)
    Xc = np.hstack([X, cat])
    Xce = np.hstack([Xe, rng.integers(0, 6, (len(Xe), 1))])  # 4, 5: unknown categories
    ohe = OneHotEncoder(handle_unknown="ignore")
    check_classifier(make_pipeline(StandardScaler(), LogisticRegression(max_iter=300)).fit(X, y), Xe, device)
    check_classifier(make_pipeline(MinMaxScaler(), RandomForestClassifier(10, random_state=0)).fit(X, y), Xe, device)
    ct = ColumnTransformer([("num", StandardScaler(), list(range(K))), ("cat", ohe, [K])])
    m = check_classifier(make_pipeline(ct, LogisticRegression(max_iter=300)).fit(Xc, y), Xce, device)
    assert m.n_features == K + 1
    ct2 = ColumnTransformer([("cat", OneHotEncoder(drop="first"), [K])], remainder="passthrough")
    Xr, yr, _ = _reg_data()
    Xrc = np.hstack([Xr, cat])
    check_regressor(make_pipeline(ct2, Ridge()).fit(Xrc, yr), Xrc, device)


def test_pipeline_imputer_and_feature_names(device):
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline

    X, y, Xe = _reg_data(nan=True)
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(K)])
    model = make_pipeline(SimpleImputer(strategy="median"), LinearRegression()).fit(df, y)
    m = convert(model)
    assert m.feature_names == [f"f{i}" for i in range(K)]
    y_got = m.predict(_x(Xe, device)).cpu().numpy()
    np.testing.assert_allclose(y_got, model.predict(pd.DataFrame(Xe, columns=df.columns)), rtol=RTOL, atol=ATOL)
    hgb = HistGradientBoostingRegressor(max_iter=5).fit(df, y)
    assert convert(hgb).feature_names == list(df.columns)
    assert convert(HistGradientBoostingRegressor(max_iter=5).fit(X, y)).feature_names is None


# ------------------------------------------------------------------------------ LightGBM


@pytest.mark.parametrize("n_classes,labels", [(2, "int"), (2, "str"), (3, "str")])
def test_lightgbm_classifier(device, n_classes, labels):
    lgb = pytest.importorskip("lightgbm")
    X, y, Xe = _clf_data(n_classes, nan=True)
    model = lgb.LGBMClassifier(n_estimators=25, num_leaves=15, verbose=-1, random_state=0, n_jobs=1)
    check_all_strategies(model.fit(X, _labels(y, labels)), Xe, device, True)


@pytest.mark.parametrize("params", [{}, {"zero_as_missing": True}, {"use_missing": False},
                                    {"objective": "poisson"}])
def test_lightgbm_regressor(device, params):
    lgb = pytest.importorskip("lightgbm")
    X, y, Xe = _reg_data(nan=True)
    X = X.copy()
    X[::7, 1] = 0.0  # zeros matter to zero_as_missing
    Xe[::5, 1] = 0.0
    if params.get("objective") == "poisson":
        y = np.exp(y / 200.0)
    model = lgb.LGBMRegressor(n_estimators=25, num_leaves=15, verbose=-1, random_state=0, n_jobs=1, **params)
    check_all_strategies(model.fit(X, y), Xe, device, False)


def test_lightgbm_feature_names(device):
    lgb = pytest.importorskip("lightgbm")
    X, y, Xe = _reg_data()
    df = pd.DataFrame(X, columns=[f"c{i}" for i in range(K)])
    m = convert(lgb.LGBMRegressor(n_estimators=3, verbose=-1).fit(df, y))
    assert m.feature_names == list(df.columns) and m.n_features == K


# ------------------------------------------------------------------------------ XGBoost


@pytest.mark.parametrize("n_classes", [2, 3])
def test_xgboost_classifier(device, n_classes):
    xgb = pytest.importorskip("xgboost")
    X, y, Xe = _clf_data(n_classes, nan=True)
    model = xgb.XGBClassifier(n_estimators=20, max_depth=4, random_state=0, n_jobs=1)
    check_all_strategies(model.fit(X, y), Xe, device, True)


@pytest.mark.parametrize("objective", ["reg:squarederror", "count:poisson"])
def test_xgboost_regressor(device, objective):
    xgb = pytest.importorskip("xgboost")
    X, y, Xe = _reg_data(nan=True)
    if objective == "count:poisson":
        y = np.exp(y / 200.0)
    model = xgb.XGBRegressor(n_estimators=20, max_depth=5, objective=objective, random_state=0, n_jobs=1)
    check_all_strategies(model.fit(X, y), Xe, device, False, float32_sums=True)


def test_xgboost_early_stopping_uses_best_iteration(device):
    xgb = pytest.importorskip("xgboost")
    X, y, Xe = _reg_data()
    model = xgb.XGBRegressor(n_estimators=200, max_depth=3, learning_rate=0.5, early_stopping_rounds=3,
                             random_state=0, n_jobs=1)
    model.fit(X[:900], y[:900], eval_set=[(X[900:], y[900:])], verbose=False)
    assert model.best_iteration < 199
    check_regressor(model, Xe, device, float32_sums=True)


# ------------------------------------------------------------------------------ torch


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_torch_module(device, dtype):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(K, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1)).to(dtype)
    m = convert(net)
    assert m.kind == "regressor" and m.n_features == K
    X = np.random.default_rng(0).normal(size=(500, K))
    got = m.predict(_x(X, device))
    assert got.dtype == torch.float64 and got.shape == (500,)
    with torch.no_grad():
        want = net(torch.from_numpy(X).to(dtype)).reshape(-1).double().numpy()
    np.testing.assert_allclose(got.cpu().numpy(), want, rtol=1e-6, atol=1e-6)
    # the caller's module stays where it was
    assert next(net.parameters()).device.type == "cpu"


def test_torch_module_without_linear_and_bad_output():
    class Sum(torch.nn.Module):
        def forward(self, x):
            return x.sum(1)

    m = convert(Sum())
    assert m.n_features is None
    assert m.predict(torch.ones(3, 4, dtype=torch.float64)).tolist() == [4.0, 4.0, 4.0]

    class Wide(torch.nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(tqp.ProgrammingError, match=r"\[n\] or \[n, 1\]"):
        convert(Wide()).predict(torch.ones(3, 4, dtype=torch.float64))


# ------------------------------------------------------------------------------ API


def test_unsupported_models():
    from sklearn.gaussian_process import GaussianProcessClassifier
    from sklearn.neighbors import RadiusNeighborsClassifier

    X, y, _ = _clf_data(2)
    with pytest.raises(tqp.NotSupportedError, match="RadiusNeighborsClassifier"):
        convert(RadiusNeighborsClassifier(radius=5.0).fit(X, y))
    with pytest.raises(tqp.NotSupportedError, match="GaussianProcessClassifier"):
        convert(GaussianProcessClassifier().fit(X[:50], y[:50]))
    with pytest.raises(tqp.NotSupportedError, match="str"):
        convert("not a model")
    with pytest.raises(tqp.NotSupportedError, match="not fitted"):
        from sklearn.linear_model import LinearRegression
        convert(LinearRegression())


def test_unsupported_pipeline_step_and_categorical():
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import PolynomialFeatures

    X, y, _ = _clf_data(2)
    with pytest.raises(tqp.NotSupportedError, match="PolynomialFeatures"):
        convert(make_pipeline(PolynomialFeatures(), LogisticRegression()).fit(X, y))
    Xc = X.copy()
    Xc[:, 0] = np.random.default_rng(0).integers(0, 3, N)
    hgb = HistGradientBoostingClassifier(max_iter=3, categorical_features=[0]).fit(Xc, y)
    with pytest.raises(tqp.NotSupportedError, match="categorical"):
        convert(hgb)


def test_input_checks_and_chunking(device):
    from sklearn.ensemble import RandomForestRegressor

    X, y, Xe = _reg_data()
    model = RandomForestRegressor(n_estimators=5, max_depth=6, random_state=0).fit(X, y)
    m = convert(model)
    with pytest.raises(tqp.ProgrammingError, match="6 features"):
        m.predict(torch.zeros(2, 3, dtype=torch.float64, device=device))
    with pytest.raises(tqp.ProgrammingError, match="2-D"):
        m.predict(torch.zeros(6, dtype=torch.float64, device=device))
    small = m.to(device)
    small.chunk_rows = 100  # many chunks, same answer
    np.testing.assert_allclose(small.predict(_x(Xe, device)).cpu().numpy(), model.predict(Xe), rtol=RTOL)
    # float32 / integer input is accepted and widened
    assert m.predict(torch.zeros(2, K, dtype=torch.float32, device=device)).dtype == torch.float64
    assert m.predict(torch.zeros(0, K, dtype=torch.float64, device=device)).shape == (0,)


def test_string_classes_are_sorted_dictionary_codes():
    from sklearn.ensemble import RandomForestClassifier

    X, y, _ = _clf_data(3)
    m = convert(RandomForestClassifier(5, random_state=0).fit(X, np.array(["z", "a", "m"])[y]))
    assert list(m.classes) == sorted(m.classes)
    assert m.predict_labels_are_strings
    with pytest.raises(tqp.ProgrammingError):
        m.classes_tensor()
    m2 = convert(RandomForestClassifier(5, random_state=0).fit(X, y + 7))
    assert m2.classes_tensor().tolist() == [7, 8, 9] and str(m2.label_type) == "BIGINT"


def test_strategy_choice_per_device():
    from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor
    from sklearn.tree import DecisionTreeRegressor
    from tqp.ml.trees import choose_strategy

    assert choose_strategy(3, 100, "cpu") == "perfect"
    assert choose_strategy(13, 100, "cpu") == "traverse"
    assert choose_strategy(12, 5000, "cpu") == "traverse"  # padded tables too big
    assert choose_strategy(3, 100, "cuda") == "gemm"
    assert choose_strategy(8, 100, "cuda") == "perfect"
    assert choose_strategy(20, 100, "cuda") == "traverse"
    X, y, _ = _reg_data()
    m = convert(GradientBoostingRegressor(n_estimators=5, max_depth=3).fit(X, y))
    assert m.strategy == "tree:perfect(depth=3, trees=5)"
    assert convert(DecisionTreeRegressor().fit(X, y)).strategy.startswith("tree:traverse")
    deep = RandomForestRegressor(100, random_state=0).fit(X, y)  # depth ~20: 100 << 20 slots
    with pytest.raises(tqp.NotSupportedError, match="perfect"):
        convert(deep, tree_strategy="perfect")


@pytest.mark.skipif(__import__("os").environ.get("TQP_ML_TEST_COMPILE") != "1",
                    reason="torch.compile takes 5-30 s; set TQP_ML_TEST_COMPILE=1")
@pytest.mark.parametrize("strategy", ["traverse", "perfect"])
def test_torch_compile_traversal_agrees(strategy):
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y, Xe = _clf_data(3, nan=True)
    model = HistGradientBoostingClassifier(max_iter=10, max_depth=5, random_state=0).fit(X, y)
    m = convert(model, tree_strategy=strategy)
    m.torch_compile = True
    assert m.torch_compile
    check_classifier(model, Xe, "cpu", m)


def test_gbdt_variants(device):
    lgb = pytest.importorskip("lightgbm")
    xgb = pytest.importorskip("xgboost")
    X, y, Xe = _clf_data(3, nan=True)
    yb = (y > 0).astype(int)
    small = dict(n_estimators=8, n_jobs=1)
    check_classifier(xgb.XGBRFClassifier(max_depth=4, **small).fit(X, y), Xe, device)
    check_regressor(xgb.XGBRFRegressor(max_depth=4, **small).fit(X, y * 1.5), Xe, device, float32_sums=True)
    check_regressor(xgb.XGBRegressor(objective="reg:logistic", **small).fit(X, yb), Xe, device)
    check_classifier(lgb.LGBMClassifier(boosting_type="rf", bagging_freq=1, bagging_fraction=0.7,
                                        verbose=-1, **small).fit(X, y), Xe, device)
    check_classifier(lgb.LGBMClassifier(objective="multiclassova", verbose=-1, **small).fit(X, y), Xe, device)
    check_regressor(lgb.LGBMRegressor(objective="cross_entropy", verbose=-1, **small).fit(X, yb), Xe, device)
    with pytest.raises(tqp.NotSupportedError, match="XGBClassifier with booster 'dart'"):
        convert(xgb.XGBClassifier(booster="dart", **small).fit(X, yb))
