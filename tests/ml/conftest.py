"""Fixtures for the ML suite. The `device` fixture (cpu, cuda when present) comes from
tests/conftest.py."""
import pytest


@pytest.fixture(scope="session", autouse=True)
def _one_thread_for_fitting():
    # Fitting tiny models with OpenMP on a loaded 2-core machine spends seconds spin-waiting
    # (HistGradientBoosting: 5 s with 2 threads vs 0.04 s with 1); one thread keeps the suite fast.
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


@pytest.fixture
def scoring(device):
    """A factory of connections on `device` with table t (id, a, b, c: X's columns) and the
    given models registered by name."""
    import numpy as np

    import tqp

    def make(X, models):
        con = tqp.connect(device=device)
        con.register("t", {"id": np.arange(len(X)), "a": X[:, 0], "b": X[:, 1], "c": X[:, 2]})
        for name, m in models.items():
            con.register_model(name, m)
        return con
    return make
