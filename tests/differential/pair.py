"""A tqp and a DuckDB connection holding the same tables, and the check that a statement gives
the same rows on both: the shape of most differential tests.

>>> t, d = connect_pair(["CREATE TABLE x (a INTEGER)", "INSERT INTO x VALUES (2), (1)"])
>>> assert_same(t, d, "SELECT a * 2 FROM x")
"""
from __future__ import annotations

import duckdb

import tqp


def connect_pair(setup=(), device: str = "cpu"):
    t, d = tqp.connect(device), duckdb.connect()
    for statement in setup:
        t.execute(statement)
        d.execute(statement)
    return t, d


def assert_same(t, d, sql: str, ordered: bool = False, names: bool = False) -> None:
    """The same rows (in the same order when `ordered`), and the same column names if `names`."""
    got, want = t.execute(sql), d.execute(sql)
    if names:
        assert [c[0] for c in got.description] == [c[0] for c in want.description], sql
    rows, expected = got.fetchall(), want.fetchall()
    if not ordered:
        rows, expected = sorted(rows, key=repr), sorted(expected, key=repr)
    assert rows == expected, sql
