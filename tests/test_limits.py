"""Limits a service relies on: memory_limit refuses a statement before it allocates, interrupt()
cancels a running statement from another thread, threads and settings follow SET, and in every
case the connection stays usable afterwards."""
from __future__ import annotations

import threading

import pytest

import tqp


@pytest.fixture
def con():
    c = tqp.connect("cpu", memory_limit="1GB")
    c.register("t", {"a": list(range(100_000))})
    return c


def test_memory_limit_refuses_a_cross_product_before_allocating(con):
    with pytest.raises(tqp.OperationalError, match="memory_limit"):
        con.execute("SELECT count(*) FROM t x, t y").fetchall()
    assert con.execute("SELECT count(*) FROM t").fetchall() == [(100_000,)]


def test_non_equi_join_runs_in_blocks_under_the_limit(con):
    # 10 x 100k candidate pairs are filtered a block at a time; only the kept pairs are held.
    assert con.execute("SELECT count(*) FROM t x, t y WHERE x.a < y.a AND x.a < 10").fetchall() == \
        [(sum(99_999 - a for a in range(10)),)]


def test_memory_limit_setting_round_trip(con):
    con.execute("SET memory_limit = '10MB'")
    with pytest.raises(tqp.OperationalError, match="memory_limit"):
        con.execute("SELECT count(*) FROM t x JOIN t y ON x.a % 10 = y.a % 10").fetchall()
    con.execute("RESET memory_limit")
    assert con.execute("SELECT count(*) FROM t x JOIN t y ON x.a = y.a").fetchall() == [(100_000,)]
    with pytest.raises(tqp.ProgrammingError, match="memory_limit"):
        con.execute("SET memory_limit = 'lots'")


def test_interrupt_cancels_a_running_statement():
    con = tqp.connect("cpu")
    con.register("s", {"a": list(range(3000))})
    timer = threading.Timer(0.5, con.interrupt)
    timer.start()
    try:
        with pytest.raises(tqp.OperationalError, match="interrupted"):
            con.execute("SELECT count(*) FROM s x, s y, s z WHERE x.a + y.a = z.a").fetchall()
    finally:
        timer.cancel()
    assert con.execute("SELECT count(*) FROM s").fetchall() == [(3000,)]


def test_threads_setting():
    import torch
    con = tqp.connect("cpu", threads=1)
    con.execute("SELECT 1").fetchall()
    assert torch.get_num_threads() == 1
    con.execute("SET threads = 2")
    con.execute("SELECT 1").fetchall()
    assert torch.get_num_threads() == 2
    with pytest.raises(tqp.ProgrammingError):
        con.execute("SET threads = 0")


def test_long_statements_plan():
    # Planning stays linear in the statement's size (these took tens of seconds to minutes).
    con = tqp.connect("cpu")
    con.register("t", {"a": [1, 2, 3]})
    assert con.execute("SELECT " + "+".join(["a"] * 2000) + " FROM t ORDER BY 1").fetchall() == \
        [(2000,), (4000,), (6000,)]
    assert con.execute(" UNION ALL ".join(f"SELECT {i} AS x" for i in range(500)) + " ORDER BY 1 DESC LIMIT 1"
                       ).fetchall() == [(499,)]
    branches = " UNION ALL ".join(f"SELECT a + {i} AS x FROM t WHERE a > {i % 3}" for i in range(2000))
    assert con.execute(f"SELECT count(*), sum(x) FROM ({branches})").fetchall() == \
        [(sum(3 - i % 3 for i in range(2000)), sum(a + i for i in range(2000) for a in (1, 2, 3) if a > i % 3))]
    items = ",".join(str(i) for i in range(0, 20_000, 2))
    assert con.execute(f"SELECT count(*) FROM t WHERE a IN ({items})").fetchall() == [(1,)]
