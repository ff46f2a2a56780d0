"""The thread policy: an explicit `threads` setting is used as given; the default takes the CPUs
that other processes leave free, never fewer than one."""
from __future__ import annotations

import torch

import tqp
from tqp.settings import default_threads, free_threads


def test_free_threads_stays_within_the_limit():
    for limit in (1, 2, default_threads(), 64):
        assert 1 <= free_threads(limit) <= limit


def test_an_explicit_setting_is_used_as_given():
    con = tqp.connect()
    try:
        con.execute("SET threads = 1")
        con.execute("SELECT 1").fetchall()
        assert torch.get_num_threads() == 1
        con.execute("RESET threads")
        con.execute("SELECT 1").fetchall()
        assert 1 <= torch.get_num_threads() <= default_threads()
    finally:
        con.close()
