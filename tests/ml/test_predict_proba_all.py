"""PREDICT_PROBA(..., class := *): every class's probability as a STRUCT keyed by label, checked
against the library's own predict_proba, row by row."""
import lightgbm
import numpy as np
import pyarrow as pa
import pytest
from sklearn.cluster import KMeans
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression

import tqp

N = 300


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(N, 3))
    return X, np.select([X[:, 0] > 0.5, X[:, 1] > 0], ["ant", "bee"], "cow")


@pytest.fixture(scope="module")
def models(data):
    X, y = data
    return {
        "rf": RandomForestClassifier(n_estimators=10, max_depth=5, random_state=0).fit(X, y),
        "logit": LogisticRegression(max_iter=500).fit(X, y),
        "lgbm": lightgbm.LGBMClassifier(n_estimators=20, num_leaves=8, min_child_samples=5, verbose=-1).fit(X, y),
        "ints": RandomForestClassifier(n_estimators=5, random_state=0).fit(X, (X[:, 0] > 0).astype(int) * 7),
        "bools": LogisticRegression().fit(X, X[:, 2] > 0),
        "reg": LinearRegression().fit(X, X[:, 0]),
        "km": KMeans(n_clusters=2, n_init=1, random_state=0).fit(X),
    }


@pytest.fixture
def con(scoring, data, models):
    return scoring(data[0], models)


@pytest.mark.parametrize("name", ["rf", "logit", "lgbm"])
def test_all_classes_match_predict_proba(con, data, models, name):
    X, m = data[0], models[name]
    cur = con.execute(f"SELECT PREDICT_PROBA('{name}', a, b, c, class := *) AS p FROM t ORDER BY id")
    assert cur.description[0][1] == "STRUCT(ant DOUBLE, bee DOUBLE, cow DOUBLE)"
    rows = [r[0] for r in cur.fetchall()]
    assert all(list(r) == ["ant", "bee", "cow"] for r in rows)  # the model's class order
    got = np.array([list(r.values()) for r in rows])
    np.testing.assert_allclose(got, m.predict_proba(X), rtol=1e-6, atol=1e-12)
    # fields read as any struct's; they agree with the one-class form
    fields = con.execute(f"SELECT p.bee, p['cow'] FROM (SELECT id, PREDICT_PROBA('{name}', a, b, c, class := *) AS p "
                         "FROM t) ORDER BY id").fetchall()
    one = con.execute(f"SELECT PREDICT_PROBA('{name}', a, b, c, class := 'bee') FROM t ORDER BY id").fetchall()
    np.testing.assert_allclose([r[0] for r in fields], [r[0] for r in one], rtol=1e-12)
    np.testing.assert_allclose([r[1] for r in fields], m.predict_proba(X)[:, 2], rtol=1e-6, atol=1e-12)


def test_structs_order_and_group_as_values(con, data, models):
    X = data[0]
    rows = con.execute("SELECT PREDICT_PROBA('rf', a, b, c, class := *) AS p FROM t ORDER BY p").fetchall()
    got = [tuple(r[0].values()) for r in rows]
    assert got == sorted(got) and len(got) == N  # field by field, as DuckDB orders structs
    np.testing.assert_allclose(got, sorted(map(tuple, models["rf"].predict_proba(X))), rtol=1e-9, atol=1e-12)
    groups = con.execute("SELECT p, count(*) FROM (SELECT PREDICT_PROBA('rf', a, b, c, class := *) AS p FROM t) "
                         "GROUP BY p ORDER BY p").fetchall()
    assert [tuple(p.values()) for p, _ in groups] == sorted(set(got))
    assert [n for _, n in groups] == [got.count(tuple(p.values())) for p, _ in groups]


def test_labels_name_the_fields(con, data, models):
    X = data[0]
    res = con.sql("SELECT PREDICT_PROBA('ints', a, b, c, class := *) AS p FROM t ORDER BY id")
    assert res.arrow().schema.field("p").type == pa.struct([("0", pa.float64()), ("7", pa.float64())])
    got = np.array([[r[0]["0"], r[0]["7"]] for r in res.fetchall()])
    np.testing.assert_allclose(got, models["ints"].predict_proba(X), rtol=1e-9)
    res = con.sql("SELECT PREDICT_PROBA('bools', a, b, c, class := *) AS p FROM t ORDER BY id")
    assert res.types == ["STRUCT(false DOUBLE, true DOUBLE)"]
    got = np.array([list(r[0].values()) for r in res.fetchall()])
    np.testing.assert_allclose(got, models["bools"].predict_proba(X), rtol=1e-6)


def test_nulls_and_constants(con, models):
    rows = con.execute("SELECT PREDICT_PROBA('logit', a, CASE WHEN id % 2 = 0 THEN b END, c, class := *) "
                       "FROM t ORDER BY id LIMIT 4").fetchall()
    assert [r[0] is None for r in rows] == [False, True, False, True]
    one = con.execute("SELECT PREDICT_PROBA('logit', 0.5, -1, 2.0, class := *) AS p FROM t LIMIT 3").fetchall()
    want = models["logit"].predict_proba([[0.5, -1.0, 2.0]])[0]
    assert len(one) == 3 and all(r[0] == one[0][0] for r in one)
    np.testing.assert_allclose(list(one[0][0].values()), want, rtol=1e-9)
    assert con.execute("SELECT PREDICT_PROBA('logit', NULL, 1, 2, class := *)").fetchall() == [(None,)]
    # NaN reaches a linear model as NaN: every probability of that row is NaN, as one class's is
    nan = con.execute("SELECT PREDICT_PROBA('logit', CASE WHEN id = 1 THEN 'NaN'::DOUBLE ELSE a END, b, c, class := *) "
                      "AS p, PREDICT_PROBA('logit', CASE WHEN id = 1 THEN 'NaN'::DOUBLE ELSE a END, b, c) AS last "
                      "FROM t ORDER BY id LIMIT 3").fetchall()
    assert [np.isnan(list(p.values())).tolist() for p, _ in nan] == [[False] * 3, [True] * 3, [False] * 3]
    assert [np.isnan(last) for _, last in nan] == [False, True, False]
    assert nan[0][0]["cow"] == nan[0][1] and nan[2][0]["cow"] == nan[2][1]


def test_errors(con, data):
    with pytest.raises(tqp.ProgrammingError, match="regressor"):
        con.execute("SELECT PREDICT_PROBA('reg', a, b, c, class := *) FROM t")
    with pytest.raises(tqp.NotSupportedError, match="no class probabilities"):
        con.execute("SELECT PREDICT_PROBA('km', a, b, c, class := *) FROM t")
    with pytest.raises(tqp.NotSupportedError, match='"p" is STRUCT.*select its fields'):
        con.sql("SELECT PREDICT_PROBA('rf', a, b, c, class := *) AS p FROM t").torch()
    X = data[0]
    con.register_model("cased", LogisticRegression().fit(X, np.where(X[:, 0] > 0, "Yes", "yes")))
    with pytest.raises(tqp.NotSupportedError, match="differ only in case"):
        con.execute("SELECT PREDICT_PROBA('cased', a, b, c, class := *) FROM t")
    assert len(con.execute("SELECT PREDICT_PROBA('cased', a, b, c, class := 'Yes') FROM t").fetchall()) == N
