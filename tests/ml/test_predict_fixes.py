"""PREDICT fixes: constant features broadcast, PREDICT_PROBA for any class (checked against
sklearn's predict_proba), torch modules checked at register_model, and OneHotEncoder /
OrdinalEncoder over string columns inside a Pipeline (mapped through the dictionary)."""
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler, TargetEncoder

import tqp

N = 400
# sklearn warns when it encodes a string it never saw; those rows are what the tests check
pytestmark = pytest.mark.filterwarnings("ignore:Found unknown categories")


def _col(cur):
    return [r[0] for r in cur.fetchall()]


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(N, 3))
    y3 = np.select([X[:, 0] > 0.5, X[:, 1] > 0], ["ant", "bee"], "cow")
    return X, y3


@pytest.fixture(scope="module")
def models(data):
    X, y3 = data
    return {
        "bin_str": LogisticRegression().fit(X, np.where(X[:, 0] > 0, "yes", "no")),
        "bin_bool": LogisticRegression().fit(X, X[:, 1] > 0),
        "multi_str": LogisticRegression(max_iter=500).fit(X, y3),
        "rf_int": RandomForestClassifier(n_estimators=8, max_depth=4, random_state=0).fit(
            X, (X[:, 0] > 0).astype(int) * 10 + (X[:, 2] > 0).astype(int)),
        "reg": LinearRegression().fit(X, X @ [1.0, -2.0, 0.5]),
    }


@pytest.fixture
def con(scoring, data, models):
    return scoring(data[0], models)


# ------------------------------------------------------------------ constant features


@pytest.mark.parametrize("name", ["bin_str", "multi_str", "rf_int", "reg"])
def test_constant_features_broadcast(con, data, models, name):
    X, m = data[0], models[name]
    Xc = X.copy()
    Xc[:, 1] = 0.25
    got = _col(con.execute(f"SELECT PREDICT('{name}', a, 0.25, c) FROM t ORDER BY id"))
    want = m.predict(Xc)
    if name == "reg":
        np.testing.assert_allclose(got, want, rtol=1e-9)
    else:
        assert got == want.tolist()
    # every feature constant: one value, broadcast to every row of t
    row = np.array([[0.5, -1.0, 2.0]])
    got = _col(con.execute(f"SELECT PREDICT('{name}', 0.5, -1, 2.0) FROM t"))
    assert len(got) == N and len(set(got)) == 1
    assert got[0] == pytest.approx(m.predict(row)[0]) if name == "reg" else got[0] == m.predict(row)[0]
    if name != "reg":
        p = _col(con.execute(f"SELECT PREDICT_PROBA('{name}', 0.5, -1, 2.0) FROM t WHERE id < 7"))
        assert p == pytest.approx([m.predict_proba(row)[0, -1]] * 7, rel=1e-9)


def test_constant_null_feature_gives_null(con):
    assert _col(con.execute("SELECT PREDICT('bin_str', a, NULL, c) FROM t LIMIT 3")) == [None] * 3
    assert _col(con.execute("SELECT PREDICT_PROBA('bin_str', NULL, 1, 2) FROM t LIMIT 2")) == [None] * 2
    assert _col(con.execute("SELECT count(PREDICT('reg', a, b, NULL)) FROM t")) == [0]


def test_constant_through_parameters(con, models):
    got = _col(con.execute("SELECT PREDICT('reg', ?, b, ?) FROM t ORDER BY id LIMIT 1", [1.5, 2]))
    assert len(got) == 1


# ------------------------------------------------------------------ PREDICT_PROBA classes


@pytest.mark.parametrize("name", ["bin_str", "bin_bool", "multi_str", "rf_int"])
def test_predict_proba_each_class_matches_sklearn(con, data, models, name):
    X, m = data[0], models[name]
    want = m.predict_proba(X)
    for i, label in enumerate(m.classes_.tolist()):
        lit = f"'{label}'" if isinstance(label, str) else str(label).lower()
        got = _col(con.execute(f"SELECT PREDICT_PROBA('{name}', a, b, c, class := {lit}) FROM t ORDER BY id"))
        np.testing.assert_allclose(got, want[:, i], rtol=1e-6, atol=1e-12)
    # no class: the last class, which for a binary model is the positive one
    got = _col(con.execute(f"SELECT PREDICT_PROBA('{name}', a, b, c) FROM t ORDER BY id"))
    np.testing.assert_allclose(got, want[:, -1], rtol=1e-6, atol=1e-12)


def test_predict_proba_class_forms(con, data, models):
    X, m = data[0], models["multi_str"]
    want = m.predict_proba(X)[:, 1]
    for form in ["class := 'bee'", "class => 'bee'"]:
        got = _col(con.execute(f"SELECT PREDICT_PROBA('multi_str', a, b, c, {form}) FROM t ORDER BY id"))
        np.testing.assert_allclose(got, want, rtol=1e-6)
    got = _col(con.execute("SELECT PREDICT_PROBA('multi_str', a, b, c, class := ?) FROM t ORDER BY id", ["bee"]))
    np.testing.assert_allclose(got, want, rtol=1e-6)
    # probabilities over all classes sum to one, row by row
    s = _col(con.execute("SELECT PREDICT_PROBA('multi_str', a, b, c, class := 'ant') + "
                         "PREDICT_PROBA('multi_str', a, b, c, class := 'bee') + "
                         "PREDICT_PROBA('multi_str', a, b, c, class := 'cow') FROM t"))
    np.testing.assert_allclose(s, 1.0, rtol=1e-12)
    # a float label finds an integer class
    got = _col(con.execute("SELECT PREDICT_PROBA('rf_int', a, b, c, class := 10.0) FROM t ORDER BY id"))
    np.testing.assert_allclose(got, models["rf_int"].predict_proba(X)[:, 2], rtol=1e-9)


def test_predict_proba_class_errors(con):
    with pytest.raises(tqp.ProgrammingError, match="no class 'emu'.*'ant', 'bee', 'cow'"):
        con.execute("SELECT PREDICT_PROBA('multi_str', a, b, c, class := 'emu') FROM t")
    with pytest.raises(tqp.ProgrammingError, match="no argument named 'label'"):
        con.execute("SELECT PREDICT_PROBA('multi_str', a, b, c, label := 'ant') FROM t")
    with pytest.raises(tqp.ProgrammingError, match="no argument named 'class'"):
        con.execute("SELECT PREDICT('multi_str', a, b, c, class := 'ant') FROM t")
    with pytest.raises(tqp.ProgrammingError, match="constant"):
        con.execute("SELECT PREDICT_PROBA('multi_str', a, b, c, class := a) FROM t")
    with pytest.raises(tqp.ProgrammingError, match="after the features"):
        con.execute("SELECT PREDICT_PROBA('multi_str', class := 'ant', a, b, c) FROM t")
    with pytest.raises(tqp.ProgrammingError, match="regressor"):
        con.execute("SELECT PREDICT_PROBA('reg', a, b, c, class := 1) FROM t")


# ------------------------------------------------------------------ torch modules


def test_torch_module_output_shape_checked_at_register():
    con = tqp.connect(device="cpu")
    with pytest.raises(tqp.ProgrammingError, match=r"must return \[n\] or \[n, 1\].*got \(2, 3\)"):
        con.register_model("wide", torch.nn.Linear(4, 3))
    with pytest.raises(tqp.ProgrammingError, match="failed on input"):
        con.register_model("broken", torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Linear(6, 1)))
    assert con.models() == []
    con.register_model("ok", torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Linear(5, 1)))
    con.register_model("flat", torch.nn.Sequential(torch.nn.Linear(4, 1), torch.nn.Flatten(0)))
    assert con.models() == ["flat", "ok"]


# ------------------------------------------------------------------ string encoders


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(5)
    n = 600
    df = pd.DataFrame({"city": rng.choice(["berlin", "oslo", "paris", "rome"], n),
                       "f": rng.normal(size=n),
                       "size": rng.choice(["S", "M", "L"], n)})
    y = np.where((df.city == "paris") | (df.size == "L") | (df.f > 1.2), "yes", "no")
    return df, y


ENCODERS = {
    "onehot_ignore": lambda: OneHotEncoder(handle_unknown="ignore"),
    "onehot_drop": lambda: OneHotEncoder(drop="first", handle_unknown="ignore"),
    "onehot_cats": lambda: OneHotEncoder(categories=[["rome", "paris", "oslo", "berlin"], ["S", "M", "L"]],
                                         handle_unknown="ignore"),
    "ordinal": lambda: OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
    "target": lambda: TargetEncoder(),
}


@pytest.mark.parametrize("enc", sorted(ENCODERS))
@pytest.mark.parametrize("est", ["logreg", "forest"])
def test_string_encoders_in_pipeline(device, frame, enc, est):
    df, y = frame
    final = LogisticRegression() if est == "logreg" else RandomForestClassifier(
        n_estimators=10, max_depth=5, random_state=0)
    ct = ColumnTransformer([("cat", ENCODERS[enc](), ["city", "size"]), ("num", StandardScaler(), ["f"])])
    model = make_pipeline(ct, final).fit(df, y)
    con = tqp.connect(device=device)
    con.register("t", df.assign(id=np.arange(len(df))))
    con.register_model("m", model)
    assert _col(con.execute("SELECT PREDICT('m', *) FROM t ORDER BY id")) == model.predict(df).tolist()
    got = _col(con.execute("SELECT PREDICT_PROBA('m', city, f, size, class := 'no') FROM t ORDER BY id"))
    np.testing.assert_allclose(got, model.predict_proba(df)[:, 0], rtol=1e-6, atol=1e-12)
    # strings the encoder never saw, constants, and NULLs
    new = pd.DataFrame({"city": ["tokyo", "paris", None, "oslo"], "f": [0.1, -0.3, 0.2, 2.0],
                        "size": ["M", "XL", "S", None], "id": [0, 1, 2, 3]})
    con.register("u", new)
    got = _col(con.execute("SELECT PREDICT('m', city, f, size) FROM u ORDER BY id"))
    seen = new.iloc[[0, 1]].drop(columns="id")
    assert got[:2] == model.predict(seen).tolist() and got[2:] == [None, None]
    got = _col(con.execute("SELECT PREDICT('m', 'tokyo', f, 'M') FROM u ORDER BY id"))
    assert got == model.predict(new.assign(city="tokyo", size="M").drop(columns="id")).tolist()


def test_string_encoder_unknown_error_and_typing(frame):
    df, y = frame
    ct = ColumnTransformer([("cat", OneHotEncoder(), ["city"]), ("num", "passthrough", ["f"])])
    model = make_pipeline(ct, LogisticRegression()).fit(df[["city", "f"]], y)
    con = tqp.connect(device="cpu")
    con.register("t", df)
    con.register_model("m", model)
    assert _col(con.execute("SELECT PREDICT('m', city, f) FROM t")) == model.predict(df[["city", "f"]]).tolist()
    con.register("u", {"city": ["oslo", "tokyo", None], "f": [1.0, 2.0, 3.0]})
    with pytest.raises(tqp.DataError, match="'tokyo' was not seen"):
        con.execute("SELECT PREDICT('m', city, f) FROM u")
    # the unseen string filtered out (or NULL) is no error
    assert len(_col(con.execute("SELECT PREDICT('m', city, f) FROM u WHERE city <> 'tokyo'"))) == 1
    with pytest.raises(tqp.ProgrammingError, match="encodes it as a string category"):
        con.execute("SELECT PREDICT('m', f, f) FROM t")
    with pytest.raises(tqp.ProgrammingError, match="not a number"):
        con.execute("SELECT PREDICT('m', city, city) FROM t")


def test_string_encoder_directly_as_first_step(frame):
    df, y = frame
    X = df[["city", "size"]]
    model = make_pipeline(OrdinalEncoder(), RandomForestClassifier(n_estimators=5, random_state=0)).fit(X, y)
    con = tqp.connect(device="cpu")
    con.register("t", df)
    con.register_model("m", model)
    # group by the prediction: strings reach the model only as dictionary positions
    got = dict(con.execute("SELECT PREDICT('m', city, size) AS p, count(*) FROM t GROUP BY p").fetchall())
    labels, counts = np.unique(model.predict(X), return_counts=True)
    assert got == dict(zip(labels.tolist(), counts.tolist()))


@pytest.mark.parametrize("target", ["multiclass", "continuous"])
def test_target_encoder_multiclass_and_continuous(frame, target):
    df, _ = frame
    rng = np.random.default_rng(9)
    num = rng.choice([1.0, 2.0, np.nan], len(df))  # numeric categories, NaN one of them
    X = df.assign(num=num)[["city", "num", "f"]]
    if target == "multiclass":
        y, final = np.where(df.f > 0.5, "hi", np.where(df.city == "oslo", "os", "lo")), LogisticRegression(max_iter=500)
    else:
        y, final = df.f * 2 + (df.city == "rome"), RandomForestRegressor(n_estimators=5, max_depth=4, random_state=0)
    ct = ColumnTransformer([("te", TargetEncoder(), ["city", "num"]), ("n", "passthrough", ["f"])])
    model = make_pipeline(ct, final).fit(X, y)
    con = tqp.connect(device="cpu")
    # numpy columns keep NaN a value (a pandas NaN would arrive as NULL, and NULL gives NULL)
    con.register("t", {"city": X.city.to_numpy(object), "num": num, "f": X.f.to_numpy(), "id": np.arange(len(X))})
    con.register_model("m", model)
    got = _col(con.execute("SELECT PREDICT('m', city, num, f) FROM t ORDER BY id"))
    if target == "multiclass":
        assert got == model.predict(X).tolist()
    else:
        np.testing.assert_allclose(got, model.predict(X), rtol=1e-9)
    new = pd.DataFrame({"city": ["tokyo", "rome"], "num": [7.0, 2.0], "f": [0.3, 0.9]})
    con.register("u", new)
    got = _col(con.execute("SELECT PREDICT('m', city, num, f) FROM u"))
    want = model.predict(new)
    assert got == want.tolist() if target == "multiclass" else np.allclose(got, want, rtol=1e-9)
