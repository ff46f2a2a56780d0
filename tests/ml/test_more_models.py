"""SVMs, nearest neighbours, naive Bayes, k-means, isolation forests and voting / stacking
ensembles agree with scikit-learn's own predict / predict_proba / decision_function: labels on
every row, scores to 1e-6 relative, through the Python API and through SQL with NULL features."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn import cluster, ensemble, linear_model, naive_bayes, neighbors, svm, tree
from sklearn.datasets import make_classification, make_regression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import tqp
from tqp.ml import convert

RTOL, ATOL = 1e-6, 1e-9
N, K = 300, 5
pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::sklearn.exceptions.ConvergenceWarning")


def _data(n_classes: int, seed: int = 0):
    X, y = make_classification(N, K, n_informative=3, n_classes=n_classes, n_clusters_per_class=1,
                               random_state=seed)
    rng = np.random.default_rng(seed)
    return X, np.array(["ant", "bee", "cow", "dog"])[y], np.vstack([X, rng.normal(scale=2, size=(100, K))])


def _reg_data(seed: int = 0):
    X, y = make_regression(N, K, noise=3.0, random_state=seed)
    return X, y / 50, np.vstack([X, np.random.default_rng(seed).normal(scale=2, size=(100, K))])


def _counts(seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.poisson(2.0, (N, K)).astype(np.float64)
    y = np.where(X[:, 0] + rng.normal(size=N) > 2, "yes", "no")
    return X, y, np.vstack([X, rng.poisson(2.0, (50, K))])


def check(model, Xe, proba=True):
    m = convert(model)
    x = torch.from_numpy(Xe)
    if m.kind == "regressor":
        np.testing.assert_allclose(m.predict(x).numpy(), model.predict(Xe), rtol=RTOL, atol=ATOL)
        return m
    assert (m.classes[m.predict(x).numpy()] == model.predict(Xe)).all()
    if proba:
        np.testing.assert_allclose(m.predict_proba_all(x).numpy(), model.predict_proba(Xe), rtol=RTOL, atol=ATOL)
    else:
        with pytest.raises(tqp.NotSupportedError, match="no class probabilities"):
            m.predict_proba(x)
    return m


@pytest.mark.parametrize("kernel", ["linear", "rbf", "poly", "sigmoid"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_svc(kernel, n_classes):
    X, y, Xe = _data(n_classes)
    check(svm.SVC(kernel=kernel, gamma=0.3 if kernel == "sigmoid" else "scale").fit(X, y), Xe, proba=False)
    check(svm.NuSVC(kernel=kernel, nu=0.3, gamma=0.05 if kernel == "sigmoid" else "scale").fit(X, y), Xe, proba=False)


@pytest.mark.parametrize("n_classes", [2, 3, 4])
def test_svc_probability_is_libsvms_platt_and_coupling(n_classes):
    X, y, Xe = _data(n_classes, seed=n_classes)
    if n_classes == 4:
        y = np.array(list("abcd"))[np.random.default_rng(0).integers(0, 4, N)]  # hard: many iterations
    check(svm.SVC(probability=True, random_state=0).fit(X, y), Xe)


@pytest.mark.parametrize("kernel", ["linear", "rbf", "poly", "sigmoid"])
def test_svr_and_one_class(kernel):
    X, y, Xe = _reg_data()
    check(svm.SVR(kernel=kernel, gamma=0.05 if kernel == "sigmoid" else "scale").fit(X, y), Xe)
    check(svm.NuSVR(kernel=kernel, gamma=0.05 if kernel == "sigmoid" else "scale").fit(X, y), Xe)
    oc = svm.OneClassSVM(kernel=kernel, gamma=0.05 if kernel == "sigmoid" else "scale", nu=0.2).fit(X)
    m = check(oc, Xe, proba=False)
    np.testing.assert_allclose(m.raw(torch.from_numpy(Xe))[:, 0].numpy(), oc.decision_function(Xe), rtol=RTOL, atol=ATOL)


def test_linear_svm_and_friends():
    for n_classes in (2, 3):
        X, y, Xe = _data(n_classes)
        for est in (svm.LinearSVC(), linear_model.RidgeClassifier(), linear_model.Perceptron(random_state=0)):
            check(est.fit(X, y), Xe, proba=False)
    X, y, Xe = _reg_data()
    check(svm.LinearSVR(random_state=0).fit(X, y), Xe)


@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("p", [1, 2, 3])
def test_kneighbors(weights, p):
    X, y, Xe = _data(3)
    Xe = np.vstack([Xe, X[:20]])  # training rows: distance 0 takes all the weight
    check(neighbors.KNeighborsClassifier(7, weights=weights, p=p).fit(X, y), Xe)
    Xr, yr, Xre = _reg_data()
    check(neighbors.KNeighborsRegressor(4, weights=weights, p=p).fit(Xr, yr), Xre)


def test_kneighbors_chunks_and_memory_limit():
    X, y, Xe = _reg_data()
    model = neighbors.KNeighborsRegressor(5, weights="distance").fit(X, y)
    m = convert(model)
    m.chunk_rows = 7  # many chunks, same answer
    np.testing.assert_allclose(m.predict(torch.from_numpy(Xe)).numpy(), model.predict(Xe), rtol=RTOL)
    con = tqp.connect()
    con.register("t", {f"f{i}": Xe[:, i] for i in range(K)})
    con.register_model("knn", model)
    con.execute("SET memory_limit = '10KB'")
    with pytest.raises(tqp.OperationalError, match="nearest-neighbour distance block"):
        con.execute("SELECT PREDICT('knn', f0, f1, f2, f3, f4) FROM t").fetchall()


def test_naive_bayes():
    X, y, Xe = _data(3)
    check(naive_bayes.GaussianNB().fit(X, y), Xe)
    check(naive_bayes.GaussianNB(priors=[0.2, 0.3, 0.5], var_smoothing=1e-3).fit(X, y), Xe)
    Xc, yc, Xce = _counts()
    for est in (naive_bayes.MultinomialNB(alpha=0.5), naive_bayes.ComplementNB(),
                naive_bayes.BernoulliNB(binarize=1.5), naive_bayes.BernoulliNB(binarize=None)):
        check(est.fit(Xc if est.__class__.__name__ != "BernoulliNB" or est.binarize else (Xc > 1), yc),
              Xce if est.__class__.__name__ != "BernoulliNB" or est.binarize else (Xce > 1).astype(float))


def test_kmeans_gives_the_cluster():
    X, _, Xe = _data(3)
    for km in (cluster.KMeans(5, n_init=2, random_state=0), cluster.MiniBatchKMeans(4, n_init=2, random_state=0)):
        km.fit(X)
        m = check(km, Xe, proba=False)
        assert str(m.label_type) == "BIGINT"


@pytest.mark.parametrize("max_features", [1.0, 0.6])
def test_isolation_forest(max_features):
    X, _, Xe = _data(2)
    model = ensemble.IsolationForest(n_estimators=25, max_features=max_features, random_state=0).fit(X)
    m = check(model, Xe, proba=False)
    assert sorted(set(m.classes[m.predict(torch.from_numpy(Xe)).numpy()])) == [-1, 1]
    np.testing.assert_allclose(m.raw(torch.from_numpy(Xe))[:, 0].numpy(), model.decision_function(Xe),
                               rtol=RTOL, atol=ATOL)


def _members():
    return [("lr", make_pipeline(StandardScaler(), linear_model.LogisticRegression(max_iter=500))),
            ("dt", tree.DecisionTreeClassifier(max_depth=4, random_state=0)),
            ("nb", naive_bayes.GaussianNB())]


@pytest.mark.parametrize("n_classes", [2, 3])
def test_voting_and_stacking_classifiers(n_classes):
    X, y, Xe = _data(n_classes)
    check(ensemble.VotingClassifier(_members(), voting="hard", weights=[2, 1, 1]).fit(X, y), Xe, proba=False)
    check(ensemble.VotingClassifier(_members(), voting="soft", weights=[1, 2, 0.5]).fit(X, y), Xe)
    check(ensemble.StackingClassifier(_members(), cv=3).fit(X, y), Xe)
    stack = ensemble.StackingClassifier([("svc", svm.LinearSVC()), ("knn", neighbors.KNeighborsClassifier())],
                                        final_estimator=ensemble.RandomForestClassifier(5, random_state=0),
                                        passthrough=True, cv=3)
    check(stack.fit(X, y), Xe)
    pred = ensemble.StackingClassifier(_members(), stack_method="predict", cv=3)
    check(pred.fit(X, y), Xe)


def test_voting_and_stacking_regressors():
    X, y, Xe = _reg_data()
    members = [("ridge", linear_model.Ridge()), ("tree", tree.DecisionTreeRegressor(max_depth=3)),
               ("knn", neighbors.KNeighborsRegressor())]
    check(ensemble.VotingRegressor(members, weights=[1, 0.5, 2]).fit(X, y), Xe)
    check(ensemble.StackingRegressor(members, cv=3).fit(X, y), Xe)
    check(ensemble.StackingRegressor(members, passthrough=True, cv=3).fit(X, y), Xe)


def test_unsupported_variants():
    X, y, _ = _data(3)
    with pytest.raises(tqp.NotSupportedError, match="kernel='precomputed'"):
        convert(svm.SVC(kernel="precomputed").fit(X @ X.T, y))
    with pytest.raises(tqp.NotSupportedError, match="break_ties"):
        convert(svm.SVC(break_ties=True).fit(X, y))
    with pytest.raises(tqp.NotSupportedError, match="metric='cosine'"):
        convert(neighbors.KNeighborsClassifier(metric="cosine").fit(X, y))


# ------------------------------------------------------------------------------ SQL


def test_predict_in_sql_with_null_features():
    X, y, Xe = _data(3, seed=5)
    Xr, yr, _ = _reg_data(seed=5)
    models = {
        "svc": svm.SVC(kernel="poly").fit(X, y),
        "knn": neighbors.KNeighborsClassifier(5, weights="distance").fit(X, y),
        "nb": naive_bayes.GaussianNB().fit(X, y),
        "km": cluster.KMeans(4, n_init=2, random_state=0).fit(X),
        "iso": ensemble.IsolationForest(n_estimators=10, random_state=0).fit(X),
        "vote": ensemble.VotingClassifier(_members(), voting="soft").fit(X, y),
        "svr": svm.SVR().fit(Xr, yr),
        "stackr": ensemble.StackingRegressor([("r", linear_model.Ridge()), ("k", neighbors.KNeighborsRegressor())],
                                             cv=3).fit(Xr, yr),
    }
    null = np.random.default_rng(1).random(Xe.shape) < 0.05
    con = tqp.connect()
    con.register("t", {"id": np.arange(len(Xe)), **{f"f{i}": np.ma.masked_array(Xe[:, i], null[:, i]) for i in range(K)}})
    for name, model in models.items():
        con.register_model(name, model)
    cols = ", ".join(f"f{i}" for i in range(K))
    has_null = null.any(1)
    for name, model in models.items():
        got = [r[0] for r in con.execute(f"SELECT PREDICT('{name}', {cols}) FROM t ORDER BY id").fetchall()]
        assert all(g is None for g, h in zip(got, has_null) if h)
        want = model.predict(Xe[~has_null])
        kept = [g for g, h in zip(got, has_null) if not h]
        if name in ("svr", "stackr"):
            np.testing.assert_allclose(np.array(kept, dtype=float), want, rtol=RTOL, atol=ATOL)
        else:
            assert kept == want.tolist(), name
    got = con.execute(f"SELECT PREDICT_PROBA('knn', {cols}, class := 'bee') FROM t ORDER BY id").fetchall()
    want = models["knn"].predict_proba(Xe[~has_null])[:, 1]
    np.testing.assert_allclose(np.array([g[0] for g, h in zip(got, has_null) if not h]), want, rtol=RTOL)
    with pytest.raises(tqp.NotSupportedError, match="no class probabilities"):
        con.execute(f"SELECT PREDICT_PROBA('km', {cols}) FROM t")
