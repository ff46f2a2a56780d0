"""ONNX models in PREDICT, checked against onnxruntime's outputs for the same float32 inputs:
labels equal on every row, scores / values allclose. Models come from skl2onnx (scikit-learn),
onnxmltools (LightGBM, XGBoost, when installed) and hand-built graphs of common NN operators;
unsupported graphs are refused at register_model, naming the problem."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import tqp
from tqp.ml import convert

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
skl2onnx = pytest.importorskip("skl2onnx")
from onnx import TensorProto, helper
from sklearn import (
    ensemble,
    linear_model,
    neural_network,
    pipeline,
    preprocessing,
    svm,
    tree,
)

N, K = 300, 4
RTOL, ATOL = 1e-4, 1e-5
pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning",
                                        "ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(N, K))
    return {"X": X, "bin": np.where(X[:, 0] + X[:, 1] + rng.normal(scale=0.5, size=N) > 0, "yes", "no"),
            "multi": np.array(["ant", "bee", "cow"])[(X[:, 0] > 0).astype(int) + (X[:, 2] > 0.5)],
            "ints": np.where(X[:, 1] > 0, 7, 3), "y": X @ [1.0, -2.0, 0.5, 0.0] + rng.normal(scale=0.1, size=N)}


def _sklearn_models(d):
    X = d["X"]
    return {
        "logreg": linear_model.LogisticRegression().fit(X, d["bin"]),
        "logreg_multi": linear_model.LogisticRegression().fit(X, d["multi"]),
        "linreg": linear_model.LinearRegression().fit(X, d["y"]),
        "rf_clf": ensemble.RandomForestClassifier(8, max_depth=5, random_state=0).fit(X, d["multi"]),
        "rf_clf_int": ensemble.RandomForestClassifier(8, max_depth=5, random_state=0).fit(X, d["ints"]),
        "rf_reg": ensemble.RandomForestRegressor(8, max_depth=5, random_state=0).fit(X, d["y"]),
        "gb_clf": ensemble.GradientBoostingClassifier(n_estimators=10, random_state=0).fit(X, d["bin"]),
        "gb_clf_multi": ensemble.GradientBoostingClassifier(n_estimators=10, random_state=0).fit(X, d["multi"]),
        "gb_reg": ensemble.GradientBoostingRegressor(n_estimators=10, random_state=0).fit(X, d["y"]),
        "tree_clf": tree.DecisionTreeClassifier(max_depth=4, random_state=0).fit(X, d["bin"]),
        "tree_reg": tree.DecisionTreeRegressor(max_depth=6, random_state=0).fit(X, d["y"]),
        "scaled_lr": pipeline.make_pipeline(preprocessing.StandardScaler(),
                                            linear_model.LogisticRegression()).fit(X, d["bin"]),
        "minmax_normalized_ridge": pipeline.make_pipeline(preprocessing.MinMaxScaler(), preprocessing.Normalizer(),
                                                          linear_model.Ridge()).fit(X, d["y"]),
        "mlp_clf": neural_network.MLPClassifier(hidden_layer_sizes=(8,), max_iter=300, random_state=0).fit(X, d["multi"]),
        "mlp_clf_bin": neural_network.MLPClassifier(hidden_layer_sizes=(6, 4), activation="tanh", max_iter=300,
                                                    random_state=0).fit(X, d["bin"]),
        "mlp_reg": neural_network.MLPRegressor(hidden_layer_sizes=(8,), max_iter=300, random_state=0).fit(X, d["y"]),
        "svc_linear": svm.SVC(kernel="linear").fit(X, d["bin"]),
        "svc_rbf_proba": svm.SVC(probability=True, random_state=0).fit(X, d["multi"]),
        "svr": svm.SVR().fit(X, d["y"]),
    }


@pytest.fixture(scope="module")
def onnx_models(data):
    X32 = data["X"][:1].astype(np.float32)
    return {name: skl2onnx.to_onnx(m, X32, target_opset={"": 17, "ai.onnx.ml": 3})
            for name, m in _sklearn_models(data).items()}


def _ort(model, X: np.ndarray):
    """onnxruntime's outputs for float32 rows: (labels or values, [N, C] scores or None)."""
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    outs = sess.run(None, {inp.name: X.astype(np.float64 if inp.type == "tensor(double)" else np.float32)})
    if len(outs) == 1:
        return outs[0].reshape(-1), None
    scores = outs[1]
    if isinstance(scores, list):  # ZipMap: one {class: score} per row
        keys = list(scores[0])
        scores = np.array([[row[k] for k in keys] for row in scores])
    return outs[0], np.asarray(scores, dtype=np.float64)


def _sql(con, expr: str) -> list:
    return [r[0] for r in con.execute(f"SELECT {expr} FROM t ORDER BY id").fetchall()]


@pytest.fixture(scope="module")
def con_cpu(data, onnx_models):
    c = tqp.connect()
    X = data["X"]
    c.register("t", {"id": np.arange(N), **{f"f{i}": X[:, i] for i in range(K)}})
    for name, m in onnx_models.items():
        c.register_model(name, m)
    return c


@pytest.mark.parametrize("name", ["logreg", "logreg_multi", "linreg", "rf_clf", "rf_clf_int", "rf_reg", "gb_clf",
                                  "gb_clf_multi", "gb_reg", "tree_clf", "tree_reg", "scaled_lr",
                                  "minmax_normalized_ridge", "mlp_clf", "mlp_clf_bin", "mlp_reg", "svc_linear",
                                  "svc_rbf_proba", "svr"])
def test_sklearn_through_onnx_matches_onnxruntime(con_cpu, data, onnx_models, name):
    labels, scores = _ort(onnx_models[name], data["X"])
    feats = ", ".join(f"f{i}" for i in range(K))
    got = _sql(con_cpu, f"PREDICT('{name}', {feats})")
    if scores is None:
        np.testing.assert_allclose(np.array(got, dtype=np.float64), labels, rtol=RTOL, atol=ATOL)
        return
    assert got == labels.tolist()
    for j, cls in enumerate(_classes(onnx_models[name])):
        lit = f"'{cls}'" if isinstance(cls, str) else str(cls)
        p = _sql(con_cpu, f"PREDICT_PROBA('{name}', {feats}, class := {lit})")
        np.testing.assert_allclose(p, scores[:, j], rtol=RTOL, atol=ATOL)


def _classes(model) -> list:
    for node in model.graph.node:
        for a in node.attribute:
            if a.name in ("classlabels_strings", "classlabels_int64s"):
                v = helper.get_attribute_value(a)
                return [s.decode() if isinstance(s, bytes) else int(s) for s in v]
    raise AssertionError("no class labels in the graph")


def test_on_the_device_and_in_chunks(device, data, onnx_models):
    X = data["X"]
    for name in ("gb_clf_multi", "mlp_clf", "rf_reg"):
        m = convert(onnx_models[name]).to(device)
        m.chunk_rows = 37  # several chunks: results must not depend on the split
        labels, scores = _ort(onnx_models[name], X)
        x = torch.from_numpy(X).to(device)
        if scores is None:
            np.testing.assert_allclose(m.predict(x).cpu().numpy(), labels, rtol=RTOL, atol=ATOL)
        else:
            assert (m.classes[m.predict(x).cpu().numpy()] == labels).all()
            np.testing.assert_allclose(m.predict_proba_all(x).cpu().numpy(), scores, rtol=RTOL, atol=ATOL)


def test_gradient_boosting_from_onnxmltools_with_missing_values():
    onnxmltools = pytest.importorskip("onnxmltools")
    lgb = pytest.importorskip("lightgbm")
    xgb = pytest.importorskip("xgboost")
    from onnxmltools.convert.common.data_types import FloatTensorType

    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, K)).astype(np.float32)
    X[::9, 1] = np.nan
    y3 = (X[:, 0] > 0).astype(int) + (X[:, 2] > 0.5)
    Xe = np.vstack([X, rng.normal(scale=2.0, size=(100, K)).astype(np.float32)])
    Xe[::13, 0] = np.nan
    types = [("X", FloatTensorType([None, K]))]
    fitted = [(onnxmltools.convert_lightgbm, lgb.LGBMClassifier(n_estimators=20, verbose=-1).fit(X, y3)),
              (onnxmltools.convert_lightgbm, lgb.LGBMClassifier(n_estimators=20, verbose=-1).fit(X, (y3 > 0).astype(int))),
              (onnxmltools.convert_lightgbm, lgb.LGBMRegressor(n_estimators=20, verbose=-1).fit(X, X[:, 0] - X[:, 2])),
              (onnxmltools.convert_xgboost, xgb.XGBClassifier(n_estimators=20).fit(X, y3)),
              (onnxmltools.convert_xgboost, xgb.XGBRegressor(n_estimators=20).fit(X, X[:, 0] - X[:, 2]))]
    for conv, model in fitted:
        onx = conv(model, initial_types=types, target_opset=15)
        labels, scores = _ort(onx, Xe)
        m = convert(onx)
        x = torch.from_numpy(Xe.astype(np.float64))
        if scores is None:
            np.testing.assert_allclose(m.predict(x).numpy(), labels, rtol=RTOL, atol=ATOL)
        else:
            assert (m.classes[m.predict(x).numpy()] == labels).all()
            np.testing.assert_allclose(m.predict_proba_all(x).numpy(), scores, rtol=RTOL, atol=ATOL)


def test_dataframe_inputs_are_feature_names(data):
    pd = pytest.importorskip("pandas")
    X = data["X"]
    df = pd.DataFrame(X, columns=["height", "width", "depth", "mass"])
    model = pipeline.make_pipeline(preprocessing.StandardScaler(), linear_model.Ridge()).fit(df, data["y"])
    onx = skl2onnx.to_onnx(model, df[:1].astype(np.float32))
    assert len(onx.graph.input) == K  # one input per column
    sess = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
    want = sess.run(None, {c: df[[c]].to_numpy(np.float32) for c in df.columns})[0].reshape(-1)
    con = tqp.connect()
    con.register("t", {"id": np.arange(N), **{c: df[c].to_numpy() for c in df.columns}})
    con.register_model("m", onx)
    np.testing.assert_allclose(_sql(con, "PREDICT('m', *)"), want, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(_sql(con, "PREDICT('m', height, width, depth, mass)"), want, rtol=RTOL, atol=ATOL)


def test_double_precision_model(data):
    X = data["X"]
    onx = skl2onnx.to_onnx(linear_model.LinearRegression().fit(X, data["y"]), X[:1])  # float64 input
    assert onx.graph.input[0].type.tensor_type.elem_type == TensorProto.DOUBLE
    want, _ = _ort(onx, X)
    got = convert(onx).predict(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12)


def _graph(nodes, inputs, outputs, inits, opset=17):
    g = helper.make_graph(nodes, "hand", inputs, outputs, inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset), helper.make_opsetid("ai.onnx.ml", 3)])


def _f(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def _init(name, a):
    return onnx.numpy_helper.from_array(np.asarray(a), name)


def test_hand_built_network_classifier():
    """Gemm, Tanh, Sigmoid, Concat, Flatten, Reshape, Sub, Div, Mul, Softmax, ArgMax, Cast,
    Identity, ReduceMean, Clip, Transpose, Unsqueeze/Squeeze and ArrayFeatureExtractor over
    a constant class list: label and probabilities both compared with onnxruntime."""
    rng = np.random.default_rng(2)
    w1, b1 = rng.normal(size=(3, K)).astype(np.float32), rng.normal(size=3).astype(np.float32)
    w2 = rng.normal(size=(6, 6)).astype(np.float32)
    nodes = [
        helper.make_node("Sub", ["X", "mu"], ["xc"]),
        helper.make_node("Div", ["xc", "sd"], ["xs"]),
        helper.make_node("Gemm", ["xs", "w1", "b1"], ["h"], transB=1),
        helper.make_node("Tanh", ["h"], ["t"]),
        helper.make_node("Sigmoid", ["h"], ["s"]),
        helper.make_node("Concat", ["t", "s"], ["ts"], axis=1),
        helper.make_node("Flatten", ["ts"], ["flat"], axis=1),
        helper.make_node("Transpose", ["w2"], ["w2t"], perm=[1, 0]),
        helper.make_node("MatMul", ["flat", "w2t"], ["z"]),
        helper.make_node("ReduceMean", ["z"], ["zm"], axes=[1], keepdims=1),
        helper.make_node("Sub", ["z", "zm"], ["zc"]),
        helper.make_node("Clip", ["zc", "lo", "hi"], ["zclip"]),
        helper.make_node("Mul", ["zclip", "two"], ["z2"]),
        helper.make_node("Softmax", ["z2"], ["probs"], axis=1),
        helper.make_node("ArgMax", ["probs"], ["best"], axis=1, keepdims=1),
        helper.make_node("Squeeze", ["best", "axis1"], ["best1"]),
        helper.make_node("Unsqueeze", ["best1", "axis1"], ["best2"]),
        helper.make_node("ArrayFeatureExtractor", ["classes", "best2"], ["lab"], domain="ai.onnx.ml"),
        helper.make_node("Reshape", ["lab", "minus1"], ["lab1"]),
        helper.make_node("Cast", ["lab1"], ["label"], to=TensorProto.INT64),
        helper.make_node("Identity", ["probs"], ["probabilities"]),
    ]
    inits = [_init("mu", np.float32([0.1, -0.2, 0.0, 0.3])), _init("sd", np.float32([1.0, 2.0, 0.5, 1.5])),
             _init("w1", w1), _init("b1", b1), _init("w2", w2), _init("axis1", np.int64([1])),
             _init("lo", np.float32(-3.0)), _init("hi", np.float32(3.0)), _init("two", np.float32(2.0)),
             _init("classes", np.int64([10, 20, 30, 40, 50, 60])), _init("minus1", np.int64([-1]))]
    model = _graph(nodes, [_f("X", [None, K])], [helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
                                                  _f("probabilities", [None, 6])], inits)
    onnx.checker.check_model(model)
    X = rng.normal(size=(500, K))
    labels, scores = _ort(model, X)
    con = tqp.connect()
    con.register("t", {"id": np.arange(500), **{f"f{i}": X[:, i] for i in range(K)}})
    con.register_model("net", model)
    assert _sql(con, "PREDICT('net', f0, f1, f2, f3)") == labels.tolist()
    p = _sql(con, "PREDICT_PROBA('net', f0, f1, f2, f3, class := 30)")
    np.testing.assert_allclose(p, scores[:, 2], rtol=RTOL, atol=1e-6)


def test_hand_built_regressor_of_relu_layers():
    rng = np.random.default_rng(4)
    nodes = [helper.make_node("MatMul", ["X", "w1"], ["a"]), helper.make_node("Add", ["a", "b1"], ["a1"]),
             helper.make_node("Relu", ["a1"], ["r"]), helper.make_node("LeakyRelu", ["a1"], ["lr"], alpha=0.1),
             helper.make_node("Add", ["r", "lr"], ["h"]), helper.make_node("Gemm", ["h", "w2", "b2"], ["Y"])]
    inits = [_init("w1", rng.normal(size=(K, 16)).astype(np.float32)), _init("b1", rng.normal(size=16).astype(np.float32)),
             _init("w2", rng.normal(size=(16, 1)).astype(np.float32)), _init("b2", np.float32([0.5]))]
    model = _graph(nodes, [_f("X", [None, K])], [_f("Y", [None, 1])], inits)
    X = rng.normal(size=(200, K))
    want, _ = _ort(model, X)
    np.testing.assert_allclose(convert(model).predict(torch.from_numpy(X)).numpy(), want, rtol=RTOL, atol=1e-4)


def test_unsupported_graphs_are_refused_at_registration(data):
    con = tqp.connect()
    lstm = _graph([helper.make_node("Erfc", ["X"], ["Y"])], [_f("X", [None, K])], [_f("Y", [None, 1])], [])
    with pytest.raises(tqp.NotSupportedError, match="ONNX operator Erfc in node 'Y' is not supported"):
        con.register_model("m", lstm)
    custom = _graph([helper.make_node("Magic", ["X"], ["Y"], domain="com.example")], [_f("X", [None, K])],
                    [_f("Y", [None, 1])], [])
    with pytest.raises(tqp.NotSupportedError, match=r"Magic \(domain com.example\)"):
        con.register_model("m", custom)
    unknown_width = _graph([helper.make_node("Identity", ["X"], ["Y"])], [_f("X", [None, None])],
                           [_f("Y", [None, None])], [])
    with pytest.raises(tqp.NotSupportedError, match="fixed k"):
        con.register_model("m", unknown_width)
    two_columns = _graph([helper.make_node("Identity", ["X"], ["Y"])], [_f("X", [None, 2])], [_f("Y", [None, 2])], [])
    with pytest.raises(tqp.NotSupportedError, match="multi-output"):
        con.register_model("m", two_columns)
    bad_shape = _graph([helper.make_node("MatMul", ["X", "w"], ["Y"])], [_f("X", [None, 3])], [_f("Y", [None, 1])],
                       [_init("w", np.ones((5, 1), np.float32))])
    with pytest.raises(tqp.NotSupportedError, match=r"does not run on \[rows, 3\] inputs"):
        con.register_model("m", bad_shape)
    strings = helper.make_graph([helper.make_node("Identity", ["S"], ["Y"])], "g",
                                [helper.make_tensor_value_info("S", TensorProto.STRING, [None, 1])],
                                [helper.make_tensor_value_info("Y", TensorProto.STRING, [None, 1])])
    with pytest.raises(tqp.NotSupportedError, match="string value .S. is not read by a OneHotEncoder"):
        con.register_model("m", helper.make_model(strings))
    assert con.models() == []


def test_feature_count_is_checked_in_sql(con_cpu):
    with pytest.raises(tqp.ProgrammingError, match="takes 4 features"):
        con_cpu.execute("SELECT PREDICT('linreg', f0, f1) FROM t")
    with pytest.raises(tqp.ProgrammingError, match="regressor"):
        con_cpu.execute("SELECT PREDICT_PROBA('linreg', f0, f1, f2, f3) FROM t")


def test_onnx_files(tmp_path, data, onnx_models):
    X = data["X"]
    path = tmp_path / "rf.onnx"
    onnx.save(onnx_models["rf_clf"], str(path))
    labels, scores = _ort(onnx_models["rf_clf"], X)
    con = tqp.connect()
    con.register("t", {"id": np.arange(N), **{f"f{i}": X[:, i] for i in range(K)}})
    con.register_model("a", str(path))
    con.execute(f"CREATE MODEL b FROM '{path}'")
    for name in ("a", "b"):
        assert _sql(con, f"PREDICT('{name}', f0, f1, f2, f3)") == labels.tolist()
        np.testing.assert_allclose(_sql(con, f"PREDICT_PROBA('{name}', f0, f1, f2, f3, class := 'cow')"),
                                   scores[:, 2], rtol=RTOL, atol=ATOL)
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a protobuf at all")
    with pytest.raises(tqp.OperationalError, match="cannot read model file"):
        con.register_model("c", str(broken))
    assert con.models() == ["a", "b"]


def test_string_inputs_through_encoders():
    """A DataFrame pipeline with a OneHotEncoder over a string column (an unseen string one-hots
    to zeros, as onnxruntime does), and a hand-built LabelEncoder graph."""
    pd = pytest.importorskip("pandas")
    from sklearn.compose import make_column_transformer

    df = pd.DataFrame({"plan": ["basic", "pro", "team", "basic"] * 50, "usage": np.linspace(0, 9, 200)})
    pipe = pipeline.make_pipeline(
        make_column_transformer((preprocessing.OneHotEncoder(handle_unknown="ignore"), ["plan"]),
                                (preprocessing.StandardScaler(), ["usage"])),
        linear_model.LogisticRegression()).fit(df, np.where((df["plan"] != "basic") | (df["usage"] > 6), "yes", "no"))
    onx = skl2onnx.to_onnx(pipe, df[:1].astype({"usage": np.float32}))
    test = pd.DataFrame({"plan": ["basic", "pro", "team", "gold"] * 10, "usage": np.linspace(0, 9, 40)})
    sess = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
    labels, probs = sess.run(None, {"plan": test[["plan"]].to_numpy(), "usage": test[["usage"]].to_numpy(np.float32)})
    con = tqp.connect()
    con.register("t", test.assign(id=np.arange(40)))
    con.register_model("m", onx)
    assert _sql(con, "PREDICT('m', plan, usage)") == labels.tolist()
    np.testing.assert_allclose(_sql(con, "PREDICT_PROBA('m', *, class := 'yes')"), [p["yes"] for p in probs],
                               rtol=RTOL, atol=ATOL)
    with pytest.raises(tqp.ProgrammingError, match="string category"):
        con.execute("SELECT PREDICT('m', usage, usage) FROM t")

    nodes = [helper.make_node("LabelEncoder", ["S"], ["code"], domain="ai.onnx.ml", keys_strings=["lo", "mid", "hi"],
                              values_floats=[1.0, 2.0, 4.0], default_float=-1.0),
             helper.make_node("Reshape", ["code", "shape"], ["code2"]),
             helper.make_node("Concat", ["code2", "X"], ["both"], axis=1),
             helper.make_node("MatMul", ["both", "w"], ["Y"])]
    graph = helper.make_graph(nodes, "enc", [helper.make_tensor_value_info("S", TensorProto.STRING, [None, 1]),
                                             _f("X", [None, 1])], [_f("Y", [None, 1])],
                              [_init("shape", np.int64([-1, 1])), _init("w", np.float32([[10.0], [1.0]]))])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 2)])
    strings = np.array(["hi", "lo", "zzz", "mid", "hi"], dtype=object)
    x = np.array([0.5, 1.5, 2.5, 3.5, 4.5])
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    want = sess.run(None, {"S": strings.reshape(-1, 1), "X": x.reshape(-1, 1).astype(np.float32)})[0].reshape(-1)
    con.register("s", {"id": np.arange(5), "level": strings, "x": x})
    con.register_model("enc", model)
    got = [r[0] for r in con.execute("SELECT PREDICT('enc', level, x) FROM s ORDER BY id").fetchall()]
    np.testing.assert_allclose(got, want, rtol=RTOL)


def test_unknown_string_fails_when_the_encoder_says_so():
    nodes = [helper.make_node("OneHotEncoder", ["S"], ["hot"], domain="ai.onnx.ml", cats_strings=["a", "b"], zeros=0),
             helper.make_node("ReduceSum", ["hot", "axes"], ["Y"], keepdims=0)]
    graph = helper.make_graph(nodes, "strict", [helper.make_tensor_value_info("S", TensorProto.STRING, [None, 1])],
                              [_f("Y", [None, 2])], [_init("axes", np.int64([1]))])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 2)])
    con = tqp.connect()
    con.register("s", {"v": np.array(["a", "b", "c"], dtype=object)})
    with pytest.raises(tqp.NotSupportedError, match="multi-output"):  # [N, 2]: not a regressor
        con.register_model("strict", model)
    graph = helper.make_graph(nodes + [helper.make_node("ReduceSum", ["Y", "axes"], ["Z"], keepdims=1)], "strict",
                              [helper.make_tensor_value_info("S", TensorProto.STRING, [None, 1])],
                              [_f("Z", [None, 1])], [_init("axes", np.int64([1]))])
    con.register_model("strict", helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                                         helper.make_opsetid("ai.onnx.ml", 2)]))
    assert [r[0] for r in con.execute("SELECT PREDICT('strict', v) FROM s WHERE v <> 'c' ORDER BY v").fetchall()] == [1.0, 1.0]
    with pytest.raises(tqp.DataError, match="'c' was not seen"):
        con.execute("SELECT PREDICT('strict', v) FROM s")
