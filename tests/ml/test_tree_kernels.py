"""CPU tree kernels: row blocks on single-threaded workers, differential against the libraries'
own predict / predict_proba on data with values exactly on thresholds and missing values."""
from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from tqp.ml import convert, trees

ROWS, FEATURES = 3000, 6


@pytest.fixture
def threads():
    """Runs the test body with torch at 2 threads, then restores the caller's count."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield 2
    torch.set_num_threads(before)


def _data(seed: int, nan: bool):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(ROWS, FEATURES))
    y = (X[:, 0] - X[:, 1] * X[:, 2] + 0.3 * rng.normal(size=ROWS) > 0).astype(int)
    # rounded copies land exactly on many float32 / float64 thresholds
    Xe = np.vstack([X, np.round(X, 1), np.round(X, 2).astype(np.float32).astype(np.float64),
                    rng.normal(scale=4, size=(500, FEATURES)), np.zeros((3, FEATURES))])
    if nan:
        X[rng.random(X.shape) < 0.05] = np.nan
        Xe[rng.random(Xe.shape) < 0.05] = np.nan
    return X, y, Xe


@pytest.fixture(scope="module")
def fitted():
    """Edge-case rows and a binary classifier of each tree library, fitted once."""
    import importlib.util

    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier

    X, y, Xe = _data(0, nan=True)
    models = [RandomForestClassifier(12, max_depth=7, random_state=0, n_jobs=1).fit(np.nan_to_num(X), y),
              HistGradientBoostingClassifier(max_iter=10, max_depth=5, random_state=0).fit(X, y)]
    if importlib.util.find_spec("lightgbm"):
        import lightgbm as lgb

        models.append(lgb.LGBMClassifier(n_estimators=12, num_leaves=31, verbose=-1, n_jobs=1,
                                         random_state=0).fit(X, y))
    if importlib.util.find_spec("xgboost"):
        import xgboost as xgb

        models.append(xgb.XGBClassifier(n_estimators=12, max_depth=5, n_jobs=1, random_state=0).fit(X, y))
    return Xe, models


@pytest.mark.parametrize("strategy", ["perfect", "traverse"])
@pytest.mark.parametrize("n_threads", [1, 2])
def test_row_blocks_agree_with_library(monkeypatch, fitted, strategy, n_threads):
    monkeypatch.setattr(trees, "BLOCK_ELEMENTS", 777)  # many uneven blocks per chunk
    Xe, models = fitted
    before = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        for model in models:
            m = convert(model, tree_strategy=strategy)
            m.chunk_rows = 1000  # several chunks too
            x = torch.from_numpy(Xe)
            np.testing.assert_array_equal(m.classes[m.predict(x).numpy()], model.predict(Xe))
            # XGBoost sums leaves in float32, tqp in float64
            atol = 1e-6 if "xgboost" in m.model_type else 1e-9
            np.testing.assert_allclose(m.predict_proba_all(x).numpy(), model.predict_proba(Xe),
                                       rtol=0, atol=atol)
    finally:
        torch.set_num_threads(before)


def test_worker_pool_leaves_thread_counts_alone(monkeypatch, threads):
    from sklearn.ensemble import RandomForestRegressor

    X, y, Xe = _data(1, nan=False)
    model = RandomForestRegressor(8, max_depth=6, random_state=0, n_jobs=1).fit(X, X[:, 0])
    monkeypatch.setattr(trees, "_POOL", None)  # a fresh pool: its workers start in this test
    monkeypatch.setattr(trees, "_POOL_SIZE", 0)
    monkeypatch.setattr(trees, "BLOCK_ELEMENTS", 1000)
    got = convert(model).predict(torch.from_numpy(Xe)).numpy()
    np.testing.assert_allclose(got, model.predict(Xe), rtol=1e-12)
    assert torch.get_num_threads() == threads
    seen = []
    t = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
    t.start()
    t.join()
    assert seen == [threads]  # threads starting later still get the caller's count
    trees._POOL.shutdown()


def test_empty_and_single_row_input(threads):
    from sklearn.ensemble import RandomForestClassifier

    X, y, _ = _data(2, nan=False)
    model = RandomForestClassifier(5, max_depth=4, random_state=0, n_jobs=1).fit(X, y)
    m = convert(model)
    assert m.predict(torch.zeros(0, FEATURES, dtype=torch.float64)).shape == (0,)
    one = X[:1]
    assert m.classes[m.predict(torch.from_numpy(one)).numpy()].tolist() == model.predict(one).tolist()


def test_row_blocks_under_inference_mode(monkeypatch, threads):
    from sklearn.ensemble import RandomForestRegressor

    X, y, Xe = _data(3, nan=False)
    model = RandomForestRegressor(6, max_depth=5, random_state=0, n_jobs=1).fit(X, X[:, 1])
    monkeypatch.setattr(trees, "BLOCK_ELEMENTS", 500)
    with torch.inference_mode():
        got = convert(model).predict(torch.from_numpy(Xe)).numpy()
    np.testing.assert_allclose(got, model.predict(Xe), rtol=1e-12)


def test_filtered_aggregate_scores_only_kept_rows(monkeypatch):
    import pandas as pd
    from sklearn.ensemble import RandomForestClassifier

    import tqp
    from tqp.ml.compiled import CompiledModel

    X, y, _ = _data(4, nan=False)
    model = RandomForestClassifier(8, max_depth=6, random_state=0, n_jobs=1).fit(X, y)
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(FEATURES)]).assign(g=np.arange(ROWS) % 3)
    con = tqp.connect()
    con.register("t", df)
    con.register_model("m", model)
    seen = []
    run = CompiledModel._run
    monkeypatch.setattr(CompiledModel, "_run", lambda self, x, *a, **k: seen.append(len(x)) or run(self, x, *a, **k))
    feats = ", ".join(df.columns[:FEATURES])
    got = con.execute(f"SELECT g, count(*), sum(PREDICT('m', {feats})) FROM t WHERE f0 > -0.5 "
                      "GROUP BY g ORDER BY g").fetchall()
    keep = df[df.f0 > -0.5]
    want = keep.assign(p=model.predict(keep.iloc[:, :FEATURES].to_numpy())).groupby("g")["p"].agg(["size", "sum"])
    assert got == [(g, int(r["size"]), int(r["sum"])) for g, r in want.iterrows()]
    assert seen == [len(keep)]  # the 30% of rows the filter drops are never scored
