"""CatBoost classifiers and regressors in PREDICT agree with catboost's own predict /
predict_proba: labels on every row, scores to 1e-9, with missing values, through SQL and from
.cbm files; categorical features are refused at register_model."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import tqp
from tqp.ml import convert

catboost = pytest.importorskip("catboost")

N, K = 300, 4
OPTS = {"verbose": 0, "thread_count": 1, "random_seed": 0, "allow_writing_files": False}


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(N, K))
    X[::11, 2] = np.nan
    Xe = np.vstack([X, rng.normal(scale=2.0, size=(100, K))])
    Xe[::17, 0] = np.nan
    return {"X": X, "Xe": Xe, "bin": np.where(X[:, 0] + X[:, 1] > 0, "yes", "no"),
            "multi": (X[:, 0] > 0).astype(int) + (np.nan_to_num(X[:, 2]) > 0.5) * 2,
            "y": X[:, 0] - 2.0 * X[:, 1] + np.nan_to_num(X[:, 2])}


def _models(d):
    X = d["X"]
    return {
        "bin": catboost.CatBoostClassifier(iterations=40, depth=4, **OPTS).fit(X, d["bin"]),
        "bin_nan_max": catboost.CatBoostClassifier(iterations=20, depth=3, nan_mode="Max", **OPTS).fit(X, d["bin"]),
        "multi": catboost.CatBoostClassifier(iterations=30, depth=5, **OPTS).fit(X, d["multi"]),
        "ova": catboost.CatBoostClassifier(iterations=20, depth=3, loss_function="MultiClassOneVsAll",
                                           **OPTS).fit(X, d["multi"]),
        "reg": catboost.CatBoostRegressor(iterations=50, depth=6, **OPTS).fit(X, d["y"]),
        "reg_mae": catboost.CatBoostRegressor(iterations=20, depth=2, loss_function="MAE", **OPTS).fit(X, d["y"]),
    }


@pytest.fixture(scope="module")
def models(data):
    return _models(data)


@pytest.mark.parametrize("name", ["bin", "bin_nan_max", "multi", "ova", "reg", "reg_mae"])
def test_matches_catboost(device, data, models, name):
    model, Xe = models[name], data["Xe"]
    m = convert(model).to(device)
    x = torch.from_numpy(Xe).to(device)
    if m.kind == "regressor":
        np.testing.assert_allclose(m.predict(x).cpu().numpy(), model.predict(Xe), rtol=1e-9, atol=1e-12)
        return
    assert (m.classes[m.predict(x).cpu().numpy()] == model.predict(Xe).reshape(-1)).all()
    np.testing.assert_allclose(m.predict_proba_all(x).cpu().numpy(), model.predict_proba(Xe), rtol=1e-9, atol=1e-12)


def test_through_sql_and_from_cbm_files(tmp_path, data, models):
    X = data["X"]
    con = tqp.connect()
    con.register("t", {"id": np.arange(N), **{f"f{i}": np.nan_to_num(X[:, i]) for i in range(K)}})
    Xs = np.nan_to_num(X)
    models["multi"].save_model(str(tmp_path / "multi.cbm"))
    models["reg"].save_model(str(tmp_path / "reg.cbm"))
    con.register_model("bin", models["bin"])
    con.register_model("multi", str(tmp_path / "multi.cbm"))
    con.execute(f"CREATE MODEL reg FROM '{tmp_path / 'reg.cbm'}'")
    feats = ", ".join(f"f{i}" for i in range(K))

    def col(expr):
        return [r[0] for r in con.execute(f"SELECT {expr} FROM t ORDER BY id").fetchall()]

    assert col(f"PREDICT('bin', {feats})") == models["bin"].predict(Xs).tolist()
    np.testing.assert_allclose(col(f"PREDICT_PROBA('bin', {feats}, class := 'no')"),
                               models["bin"].predict_proba(Xs)[:, 0], rtol=1e-9)
    assert col(f"PREDICT('multi', {feats})") == models["multi"].predict(Xs).reshape(-1).tolist()
    np.testing.assert_allclose(col(f"PREDICT_PROBA('multi', {feats}, class := 2)"),
                               models["multi"].predict_proba(Xs)[:, 2], rtol=1e-9)
    np.testing.assert_allclose(col(f"PREDICT('reg', {feats})"), models["reg"].predict(Xs), rtol=1e-9)


def test_dataframe_feature_names(data):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(data["X"], columns=["a", "b", "c", "d"])
    model = catboost.CatBoostRegressor(iterations=10, depth=3, **OPTS).fit(df, data["y"])
    con = tqp.connect()
    con.register("t", df.fillna(0.0))
    con.register_model("m", model)
    got = [r[0] for r in con.execute("SELECT PREDICT('m', *) FROM t").fetchall()]
    np.testing.assert_allclose(got, model.predict(df.fillna(0.0)), rtol=1e-9)


def test_categorical_features_and_unfitted_models_are_refused(data):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"city": np.where(data["X"][:, 0] > 0, "oslo", "rome"), "x": data["X"][:, 1]})
    model = catboost.CatBoostClassifier(iterations=5, depth=2, cat_features=["city"], **OPTS).fit(df, data["bin"])
    con = tqp.connect()
    with pytest.raises(tqp.NotSupportedError, match="categorical"):
        con.register_model("m", model)
    with pytest.raises(tqp.NotSupportedError, match="not fitted"):
        con.register_model("m", catboost.CatBoostRegressor())
    assert con.models() == []
