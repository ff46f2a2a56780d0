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
