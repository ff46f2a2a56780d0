"""DuckDB's join syntax against DuckDB: NATURAL [LEFT|RIGHT|FULL] JOIN, RIGHT/FULL JOIN USING's
merged column, SEMI / ANTI JOIN, ASOF [LEFT] JOIN (each inequality, with and without equality
keys, NULL keys and times, integer, double, date and timestamp orders, string keys) and
POSITIONAL JOIN, over random data."""
from __future__ import annotations

import datetime as dt
import random

import duckdb
import pyarrow as pa
import pytest

from .test_misc_functions import both_fail, compare


def _tables() -> dict[str, pa.Table]:
    rng = random.Random(3)

    def maybe(v, i, k):
        return None if i % k == 5 else v
    n, m = 300, 200
    # quotes: (k, t) unique so that the ASOF partner is one row
    pairs = rng.sample([(k, t) for k in range(6) for t in range(0, 400, 2)], m)
    return {
        "trades": pa.table({
            "id": pa.array(range(n), pa.int32()),
            "k": pa.array([maybe(rng.randint(0, 6), i, 23) for i in range(n)], pa.int32()),
            "sym": pa.array([maybe(rng.choice(["a", "b", "c", "zz"]), i, 19) for i in range(n)]),
            "t": pa.array([maybe(rng.randint(-5, 410), i, 17) for i in range(n)], pa.int64()),
            "x": pa.array([rng.uniform(-5, 410) for _ in range(n)], pa.float64()),
            "d": pa.array([dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(-5, 410)) for _ in range(n)], pa.date32()),
            "v": pa.array([rng.randint(0, 9) for _ in range(n)], pa.int32()),
        }),
        "quotes": pa.table({
            "qid": pa.array(range(m), pa.int32()),
            "k": pa.array([maybe(k, i, 29) for i, (k, _) in enumerate(pairs)], pa.int32()),
            "sym": pa.array([["a", "b", "c", "d", "e", "f"][k] for k, _ in pairs]),
            "t": pa.array([maybe(t, i, 31) for i, (_, t) in enumerate(pairs)], pa.int64()),
            "x": pa.array([t + 0.5 for _, t in pairs], pa.float64()),
            "ts": pa.array([dt.datetime(2024, 1, 1) + dt.timedelta(days=t, hours=1) for _, t in pairs],
                           pa.timestamp("us")),
            "p": pa.array([rng.randint(1, 1000) for _ in range(m)], pa.int32()),
        }),
        "small": pa.table({"k": pa.array([1, 2, None, 4], pa.int32()), "w": pa.array(["p", "q", "r", None])}),
    }


@pytest.fixture(scope="module")
def cons(connect, device):
    t = connect(device)
    d = duckdb.connect()
    for name, table in _tables().items():
        t.register(name, table)
        d.register("__" + name, table)
        d.execute(f"CREATE TABLE {name} AS SELECT * FROM __{name}")
    yield t, d
    t.close()
    d.close()


@pytest.mark.parametrize("sql", [
    "SELECT * FROM trades NATURAL JOIN small ORDER BY ALL",
    "SELECT * FROM trades NATURAL LEFT JOIN small ORDER BY ALL",
    "SELECT * FROM small NATURAL RIGHT JOIN trades ORDER BY ALL",
    "SELECT * FROM small NATURAL FULL OUTER JOIN (SELECT k, v FROM trades WHERE v < 3) t ORDER BY ALL",
    "SELECT k, w FROM small NATURAL FULL JOIN (SELECT k FROM trades WHERE id < 40) t ORDER BY ALL",
    "SELECT * FROM small FULL JOIN (SELECT k, v FROM trades WHERE v < 2) t USING (k) ORDER BY ALL",
    "SELECT * FROM small RIGHT JOIN (SELECT k, v FROM trades WHERE v < 2) t USING (k) ORDER BY ALL",
    "SELECT count(*), count(k) FROM trades NATURAL JOIN quotes",
])
def test_natural_and_using(cons, sql):
    compare(cons, sql)


def test_natural_without_common_names(cons):
    both_fail(cons, "SELECT * FROM small NATURAL JOIN (SELECT 1 AS zz) t", "natural join")


@pytest.mark.parametrize("sql", [
    "SELECT * FROM trades SEMI JOIN small USING (k) ORDER BY id",
    "SELECT * FROM trades ANTI JOIN small ON trades.k = small.k ORDER BY id",
    "SELECT id FROM trades SEMI JOIN quotes ON trades.k = quotes.k AND trades.t > quotes.t + 300 ORDER BY id",
    "SELECT id FROM trades ANTI JOIN quotes ON trades.k = quotes.k AND trades.t > quotes.t + 300 ORDER BY id",
    "SELECT id, v FROM trades SEMI JOIN small ON trades.v = small.k ORDER BY id",
    "SELECT t.id FROM trades t ANTI JOIN quotes q ON t.sym = q.sym WHERE t.v > 3 ORDER BY t.id",
])
def test_semi_anti(cons, sql):
    compare(cons, sql)


_ASOF = "SELECT trades.id, trades.{lt}, quotes.qid, quotes.{rt}, p FROM trades ASOF {left}JOIN quotes ON {on} ORDER BY trades.id"


@pytest.mark.parametrize("left", ["", "LEFT "])
@pytest.mark.parametrize("lt, rt, cond", [
    ("t", "t", "trades.t >= quotes.t"), ("t", "t", "trades.t > quotes.t"), ("t", "t", "trades.t <= quotes.t"),
    ("t", "t", "trades.t < quotes.t"), ("t", "t", "quotes.t <= trades.t"), ("x", "x", "trades.x >= quotes.x"),
    ("d", "ts", "trades.d >= quotes.ts"), ("t", "x", "trades.t < quotes.x"), ("t", "t", "trades.t + 10 >= quotes.t * 2"),
])
def test_asof(cons, left, lt, rt, cond):
    compare(cons, _ASOF.format(lt=lt, rt=rt, left=left, on=f"trades.k = quotes.k AND {cond}"))


def test_asof_string_key_and_no_key(cons):
    compare(cons, "SELECT t.id, q.qid FROM trades t ASOF LEFT JOIN quotes q ON t.sym = q.sym AND t.t >= q.t "
                  "ORDER BY t.id")
    compare(cons, "SELECT t.id, q.qid FROM trades t ASOF JOIN (SELECT * FROM quotes WHERE k = 1) q ON t.t >= q.t "
                  "ORDER BY t.id")
    compare(cons, "SELECT * FROM (SELECT k, t, id FROM trades) a ASOF JOIN (SELECT k, t, p FROM quotes) b "
                  "USING (k, t) ORDER BY id")
    compare(cons, "SELECT count(*), sum(p) FROM trades ASOF JOIN quotes ON trades.k = quotes.k AND trades.t >= quotes.t "
                  "WHERE p > 500")


@pytest.mark.parametrize("sql, words", [
    ("SELECT * FROM trades ASOF JOIN quotes ON trades.k = quotes.k", "inequality"),
    ("SELECT * FROM trades POSITIONAL JOIN quotes ON trades.k = quotes.k", ""),
    ("SELECT * FROM trades LEFT SEMI JOIN small USING (k)", "syntax error"),
])
def test_asof_errors(cons, sql, words):
    both_fail(cons, sql, words)


@pytest.mark.parametrize("sql", [
    "SELECT * FROM small POSITIONAL JOIN (SELECT id, v FROM trades WHERE id < 6 ORDER BY id) t",
    "SELECT * FROM (SELECT id FROM trades WHERE id < 3 ORDER BY id) t POSITIONAL JOIN small",
])
def test_positional(cons, sql):
    compare(cons, sql)
