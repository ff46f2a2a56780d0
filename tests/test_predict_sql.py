"""PREDICT / PREDICT_PROBA through SQL: agreement with the models' own predict, on every device.

The converters themselves are tested in tests/ml; this checks the SQL surface: typing, placement
(SELECT, WHERE, GROUP BY, ORDER BY, inside aggregates), filtering before scoring, and errors.
"""
import numpy as np
import pytest
import torch

import tqp

sklearn = pytest.importorskip("sklearn")
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier  # noqa: E402
from sklearn.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

N = 2000


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(N, 4))
    y_cls = np.where(X[:, 0] + 0.5 * X[:, 1] - X[:, 3] > 0, "churn", "stay")
    y_int = (X[:, 0] > 0).astype(int) + (X[:, 2] > 1).astype(int)
    y_reg = 3 * X[:, 0] - X[:, 1] ** 2 + rng.normal(scale=0.1, size=N)
    return X, y_cls, y_int, y_reg


def _models(data):
    X, y_cls, y_int, y_reg = data
    out = {
        "rf_str": (RandomForestClassifier(n_estimators=20, max_depth=6, random_state=0).fit(X, y_cls), "cls"),
        "logreg_int": (LogisticRegression(max_iter=500).fit(X, y_int), "cls"),
        "gbr": (GradientBoostingRegressor(n_estimators=30, random_state=0).fit(X, y_reg), "reg"),
        "pipe_lin": (make_pipeline(StandardScaler(), LinearRegression()).fit(X, y_reg), "reg"),
    }
    try:
        import lightgbm
        out["lgbm"] = (lightgbm.LGBMClassifier(n_estimators=20, verbose=-1).fit(X, y_int > 0), "cls")
    except ImportError:
        pass
    try:
        import xgboost
        out["xgb"] = (xgboost.XGBRegressor(n_estimators=20, max_depth=4).fit(X, y_reg), "reg")
    except ImportError:
        pass
    return out


@pytest.fixture(scope="module")
def models(data):
    return _models(data)


@pytest.fixture
def con(device, data, models):
    X = data[0]
    c = tqp.connect(device=device)
    c.register("t", {"id": np.arange(N), "f0": X[:, 0], "f1": X[:, 1], "f2": X[:, 2], "f3": X[:, 3],
                     "seg": np.arange(N) % 3})
    for name, (m, _) in models.items():
        c.register_model(name, m)
    return c


MODEL_NAMES = ["rf_str", "logreg_int", "gbr", "pipe_lin", "lgbm", "xgb"]


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_predict_matches_model(con, data, models, name):
    if name not in models:
        pytest.skip(f"{name}: library missing")
    X = data[0]
    model, kind = models[name]
    rows = con.execute(f"SELECT id, PREDICT('{name}', f0, f1, f2, f3) FROM t ORDER BY id").fetchall()
    got = np.array([r[1] for r in rows], dtype=object)
    want = model.predict(X)
    if kind == "reg":
        np.testing.assert_allclose(got.astype(float), want, rtol=1e-4, atol=1e-6)
    else:
        assert (got == want.astype(object)).mean() >= 0.999
    if kind == "cls":
        proba = np.array(con.execute(f"SELECT PREDICT_PROBA('{name}', f0, f1, f2, f3) FROM t ORDER BY id")
                         .fetchall(), dtype=float)[:, 0]
        np.testing.assert_allclose(proba, model.predict_proba(X)[:, -1], rtol=1e-4, atol=1e-6)


def test_predict_types_and_description(con):
    cur = con.execute("SELECT PREDICT('rf_str', f0, f1, f2, f3), PREDICT('logreg_int', f0, f1, f2, f3), "
                      "PREDICT('gbr', f0, f1, f2, f3), PREDICT_PROBA('rf_str', f0, f1, f2, f3) FROM t LIMIT 1")
    assert [d[1] for d in cur.description] == ["VARCHAR", "BIGINT", "DOUBLE", "DOUBLE"]
    row = cur.fetchone()
    assert isinstance(row[0], str) and isinstance(row[1], int) and isinstance(row[2], float)


def test_predict_everywhere(con, data, models):
    X = data[0]
    rf = models["rf_str"][0]
    labels = rf.predict(X)
    # WHERE
    n = con.execute("SELECT count(*) FROM t WHERE PREDICT('rf_str', f0, f1, f2, f3) = 'churn'").fetchone()[0]
    assert n == int((labels == "churn").sum())
    # GROUP BY + inside an aggregate
    rows = dict(con.execute("SELECT PREDICT('rf_str', f0, f1, f2, f3) AS p, count(*) FROM t GROUP BY p").fetchall())
    assert rows == {k: int((labels == k).sum()) for k in set(labels)}
    by_seg = con.execute("SELECT seg, avg(PREDICT_PROBA('rf_str', f0, f1, f2, f3)) FROM t WHERE f3 > 0 "
                         "GROUP BY seg ORDER BY seg").fetchall()
    proba = rf.predict_proba(X)[:, -1]
    seg = np.arange(N) % 3
    for s, avg in by_seg:
        sel = (seg == s) & (X[:, 3] > 0)
        assert avg == pytest.approx(proba[sel].mean(), rel=1e-9)
    # ORDER BY
    top = con.execute("SELECT id FROM t ORDER BY PREDICT('gbr', f0, f1, f2, f3) DESC LIMIT 5").fetchall()
    want = np.argsort(-models["gbr"][0].predict(X), kind="stable")[:5]
    assert [r[0] for r in top] == want.tolist()


def test_filter_runs_before_scoring(con):
    # Only the rows WHERE keeps reach the model: counting the batch sizes the model sees.
    model = con._engine.catalog.models["gbr"]
    seen = []
    original = model.predict

    def spy(x):
        seen.append(x.shape[0])
        return original(x)
    model.predict = spy
    try:
        con.execute("SELECT PREDICT('gbr', f0, f1, f2, f3) FROM t WHERE id < 10").fetchall()
    finally:
        model.predict = original
    assert seen == [10]


def test_predict_torch_module(device):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    x = np.random.default_rng(1).normal(size=(100, 2))
    c = tqp.connect(device=device)
    c.register("u", {"a": x[:, 0], "b": x[:, 1]})
    c.register_model("net", net)
    got = np.array(c.execute("SELECT PREDICT('net', a, b) FROM u").fetchall(), dtype=float)[:, 0]
    with torch.no_grad():
        want = net(torch.tensor(x, dtype=torch.float32)).numpy()[:, 0]
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_predict_errors(con):
    with pytest.raises(tqp.ProgrammingError, match="not registered"):
        con.execute("SELECT PREDICT('nope', f0) FROM t")
    with pytest.raises(tqp.ProgrammingError, match="takes 4 features"):
        con.execute("SELECT PREDICT('gbr', f0, f1) FROM t")
    con.register("s", {"name": ["a", "b"], "x": [1.0, 2.0]})
    with pytest.raises(tqp.ProgrammingError, match="not a number"):
        con.execute("SELECT PREDICT('gbr', name, x, x, x) FROM s")
    with pytest.raises(tqp.ProgrammingError, match="regressor"):
        con.execute("SELECT PREDICT_PROBA('gbr', f0, f1, f2, f3) FROM t")
    with pytest.raises(tqp.NotSupportedError, match="dict"):
        con.register_model("bad", {"not": "a model"})
    assert "bad" not in con.models()
    con.unregister_model("gbr")
    assert "gbr" not in con.models()
    with pytest.raises(tqp.ProgrammingError, match="not registered"):
        con.execute("SELECT PREDICT('gbr', f0, f1, f2, f3) FROM t")
