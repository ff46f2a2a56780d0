"""Models that outlive a connection: register_model(name, path) and CREATE / DROP MODEL in SQL,
for joblib / pickle, TorchScript, torch.export and torch.save files, checked against the
models' own predictions; SQL file reads obey enable_external_access."""
import os
import pickle

import joblib
import numpy as np
import pytest
import torch
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import Ridge
from sklearn.svm import SVR

import tqp

N, K = 200, 3
# torch deprecates TorchScript and warns inside torch.export's own pickling; both still load
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    X = rng.normal(size=(N, K))
    return X, X @ [1.0, -2.0, 0.5] + rng.normal(scale=0.1, size=N)


@pytest.fixture
def con(data):
    c = tqp.connect()
    c.register("t", {"id": np.arange(N), **{f"f{i}": data[0][:, i] for i in range(K)}})
    return c


def _scores(con, name):
    return np.array([r[0] for r in con.execute(f"SELECT PREDICT('{name}', f0, f1, f2) FROM t ORDER BY id").fetchall()])


def _net():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(K, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)).double()


def test_joblib_and_pickle_files(tmp_path, con, data):
    X, y = data
    ridge, svr = Ridge().fit(X, y), SVR().fit(X, y)
    joblib.dump(ridge, tmp_path / "ridge.joblib")
    with open(tmp_path / "svr.pkl", "wb") as f:
        pickle.dump(svr, f)
    con.register_model("ridge", str(tmp_path / "ridge.joblib"))
    con.execute(f"CREATE MODEL svr FROM '{tmp_path / 'svr.pkl'}'")
    np.testing.assert_allclose(_scores(con, "ridge"), ridge.predict(X), rtol=1e-9)
    np.testing.assert_allclose(_scores(con, "SVR"), svr.predict(X), rtol=1e-9)
    with pytest.raises(tqp.ProgrammingError, match='model "svr" already exists'):
        con.execute(f"CREATE MODEL svr FROM '{tmp_path / 'ridge.joblib'}'")
    con.execute(f"CREATE MODEL IF NOT EXISTS svr FROM '{tmp_path / 'ridge.joblib'}'")  # kept
    np.testing.assert_allclose(_scores(con, "svr"), svr.predict(X), rtol=1e-9)
    con.execute(f"create or replace model svr from '{tmp_path / 'ridge.joblib'}';")
    np.testing.assert_allclose(_scores(con, "svr"), ridge.predict(X), rtol=1e-9)
    con.execute("DROP MODEL svr")
    assert con.models() == ["ridge"]
    con.execute("DROP MODEL IF EXISTS svr")
    with pytest.raises(tqp.ProgrammingError, match='model "svr" is not registered'):
        con.execute("DROP MODEL svr")
    with pytest.raises(tqp.ProgrammingError, match="svr"):
        con.execute("SELECT PREDICT('svr', f0, f1, f2) FROM t")


def test_model_survives_its_connection(tmp_path, data):
    X, y = data
    rf = RandomForestClassifier(10, max_depth=4, random_state=0).fit(X, np.where(y > 0, "up", "down"))
    joblib.dump(rf, tmp_path / "rf.joblib")
    for _ in range(2):  # two connections, one file
        c = tqp.connect()
        c.register("t", {"id": np.arange(N), **{f"f{i}": X[:, i] for i in range(K)}})
        c.execute(f"CREATE MODEL rf FROM '{tmp_path / 'rf.joblib'}'")
        assert _scores(c, "rf").tolist() == rf.predict(X).tolist()
        c.close()


@pytest.mark.parametrize("kind", ["script", "export", "save"])
def test_torch_files(tmp_path, con, data, kind):
    X = data[0]
    net = _net()
    path = str(tmp_path / f"net.{kind}")
    if kind == "script":
        torch.jit.save(torch.jit.script(net), path)
    elif kind == "export":
        x = torch.zeros(4, K, dtype=torch.float64)
        torch.export.save(torch.export.export(net, (x,), dynamic_shapes=({0: torch.export.Dim("n")},)), path)
    else:
        torch.save(net, path)
    con.execute(f"CREATE MODEL net FROM '{path}'")
    with torch.no_grad():
        want = net(torch.from_numpy(X)).reshape(-1).numpy()
    np.testing.assert_allclose(_scores(con, "net"), want, rtol=1e-9)
    with pytest.raises(tqp.ProgrammingError, match="takes 3 features"):
        con.execute("SELECT PREDICT('net', f0, f1) FROM t")


def test_missing_bad_and_refused_files(tmp_path, con):
    with pytest.raises(tqp.ProgrammingError, match="does not exist"):
        con.register_model("m", str(tmp_path / "nope.joblib"))
    with pytest.raises(tqp.ProgrammingError, match="does not exist"):
        con.execute(f"CREATE MODEL m FROM '{tmp_path / 'nope.joblib'}'")
    (tmp_path / "junk.pkl").write_bytes(b"not a pickle")
    with pytest.raises(tqp.OperationalError, match="cannot read model file"):
        con.execute(f"CREATE MODEL m FROM '{tmp_path / 'junk.pkl'}'")
    joblib.dump({"not": "a model"}, tmp_path / "dict.joblib")
    with pytest.raises(tqp.NotSupportedError, match="builtins.dict"):
        con.execute(f"CREATE MODEL m FROM '{tmp_path / 'dict.joblib'}'")
    with pytest.raises(tqp.ProgrammingError, match="syntax error in model statement"):
        con.execute("CREATE MODEL m")
    assert con.models() == []


def test_create_model_obeys_external_access(tmp_path, data):
    X, y = data
    allowed, other = tmp_path / "allowed", tmp_path / "other"
    allowed.mkdir(), other.mkdir()
    ridge = Ridge().fit(X, y)
    for d in (allowed, other):
        joblib.dump(ridge, d / "ridge.joblib")
    c = tqp.connect()
    c.execute(f"SET allowed_directories = ['{allowed}']")
    c.execute("SET enable_external_access = false")
    with pytest.raises(tqp.ProgrammingError, match="permission denied"):
        c.execute(f"CREATE MODEL r FROM '{other / 'ridge.joblib'}'")
    with pytest.raises(tqp.ProgrammingError, match="permission denied"):
        c.execute(f"CREATE MODEL r FROM '{os.path.join(allowed, '..', 'other', 'ridge.joblib')}'")
    assert c.models() == []
    c.execute(f"CREATE MODEL r FROM '{allowed / 'ridge.joblib'}'")
    c.register_model("py", str(other / "ridge.joblib"))  # Python calls are trusted
    assert c.models() == ["py", "r"]
