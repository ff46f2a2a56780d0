"""Aggregates as partial / merge / finalize: the input cut into chunks, a partial state per
chunk (each chunk groups its own rows), states merged pairwise onto the union of their groups,
then finalized, must give what one partial over all rows gives and what DuckDB gives.

The aggregates are the ones the binder makes for real SQL (its Aggregate node is taken from
the compiled plan), over random data with NULLs and keys of every storage kind: integers,
strings (dictionaries), decimals of 18 and 38 digits (int64 and 128-bit), dates and doubles.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import duckdb
import pyarrow as pa
import pytest
import torch

import tqp
from tests.conftest import duck_load, duck_query
from tpch.verify import compare
from tqp.compile.expr import compile_expr
from tqp.compile.lower import evaluate, lower
from tqp.io.arrow import to_arrow
from tqp.physical.aggregate import finalize, merge, partial
from tqp.physical.rows import concat_columns, group_rows
from tqp.plan import nodes as P
from tqp.sql.parse import parse

N = 600


def _table(seed: int) -> pa.Table:
    rng = random.Random(seed)

    def maybe(v, frac=0.15):
        return None if rng.random() < frac else v

    def dec38():
        return Decimal(rng.randrange(-10**33, 10**33)).scaleb(-4) if rng.random() < 0.5 else \
            Decimal(rng.randrange(-10**6, 10**6)).scaleb(-4)
    return pa.table({
        "ki": pa.array([maybe(rng.randrange(-3, 4)) for _ in range(N)], pa.int32()),
        "kb": pa.array([maybe(rng.choice([-2**40, 7, 2**50])) for _ in range(N)], pa.int64()),
        "ks": pa.array([maybe(rng.choice(["a", "b", "", "zz", "é"])) for _ in range(N)], pa.string()),
        "kd": pa.array([maybe(Decimal(rng.randrange(-5, 5)).scaleb(-2)) for _ in range(N)], pa.decimal128(10, 2)),
        "kw": pa.array([maybe(rng.choice([Decimal(10**30 + 1), Decimal(-(10**31)), Decimal(3)])) for _ in range(N)],
                       pa.decimal128(38, 0)),
        "kt": pa.array([maybe(dt.date(1995, 1, 1) + dt.timedelta(days=rng.randrange(4))) for _ in range(N)], pa.date32()),
        "kf": pa.array([maybe(rng.choice([0.5, -1.25, 3.0])) for _ in range(N)], pa.float64()),
        "i": pa.array([maybe(rng.randrange(-1000, 1000)) for _ in range(N)], pa.int32()),
        "s": pa.array([maybe(rng.choice(["x", "y", "w", "q"])) for _ in range(N)], pa.string()),
        "d": pa.array([maybe(Decimal(rng.randrange(-10**8, 10**8)).scaleb(-2)) for _ in range(N)], pa.decimal128(12, 2)),
        "w": pa.array([maybe(dec38()) for _ in range(N)], pa.decimal128(38, 4)),
        "t": pa.array([maybe(dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(-9000, 9000))) for _ in range(N)],
                      pa.date32()),
        "f": pa.array([maybe(rng.uniform(-1e3, 1e3)) for _ in range(N)], pa.float64()),
        "b": pa.array([maybe(rng.random() < 0.5) for _ in range(N)], pa.bool_()),
    })


NUMERIC = ["i", "d", "w", "f"]
AGGS = [f"{fn}({x})" for x in NUMERIC for fn in ("sum", "avg", "var_samp", "var_pop", "stddev_samp", "stddev_pop")] + \
    [f"{fn}({x})" for x in NUMERIC + ["s", "t", "b"] for fn in ("min", "max", "count")] + \
    ["count(*)", "count(DISTINCT s)", "count(DISTINCT w)", "sum(DISTINCT i)", "avg(DISTINCT d)",
     "sum(w) FILTER (WHERE i > 0)", "count(*) FILTER (WHERE b)", "min(s) FILTER (WHERE f < 0)",
     "stddev_samp(DISTINCT f) FILTER (WHERE s <> 'x')", "sum(CAST(b AS INTEGER))",
     "list(i ORDER BY i DESC)", "list(s ORDER BY s NULLS FIRST) FILTER (WHERE b)",
     "median(d)", "median(f)", "quantile_disc(t, 0.25)", "quantile_cont(i, 0.75)", "median(DISTINCT i)",
     "bit_and(i)", "bit_or(i) FILTER (WHERE b)", "bit_xor(DISTINCT i)"]
KEYS = ["ki", "kb", "ks", "kd", "kw", "kt", "kf", "ki, ks", "kw, kt, kf", ""]


@pytest.fixture(scope="module")
def cons():
    table = _table(11)
    con, duck = tqp.connect(device="cpu"), duckdb.connect()
    con.register("r", table)
    duck_load(duck, "r", table)
    yield con, duck
    con.close()
    duck.close()


def _aggregate_inputs(con, sql):
    """The Aggregate node tqp plans for sql, its input keys, and (a, argument, FILTER mask)."""
    engine = con._engine
    plan = engine._compile(parse(sql)[0], []).plan
    while not isinstance(plan, P.Aggregate):
        plan = plan.inputs()[0]
    ctx = engine._context()
    batch = lower(plan.input)(ctx)
    keys = [evaluate(compile_expr(k), batch, ctx) for k in plan.keys]
    aggs = [(a, None if a.arg is None else evaluate(compile_expr(a.arg), batch, ctx),
             None if a.filter is None else evaluate(compile_expr(a.filter), batch, ctx)) for a in plan.aggs]
    return plan, keys, aggs, batch.length


def _mask(col):
    return None if col is None else (col.data if col.validity is None else col.data & col.validity)


def _groups(keys, n):
    if not keys:
        return torch.zeros(n, dtype=torch.int64), 1, torch.zeros(1, dtype=torch.int64)
    if n == 0:
        return torch.zeros(0, dtype=torch.int64), 0, torch.zeros(0, dtype=torch.int64)
    return group_rows(keys, n, torch.device("cpu"))


def _take(col, rows):
    return None if col is None else col.take(rows)


def _one_shot(keys, aggs, n):
    ids, g, first = _groups(keys, n)
    return [k.take(first) for k in keys] + [finalize(a, partial(a, x, ids, g, _mask(f))) for a, x, f in aggs]


def _chunked(keys, aggs, n, bounds):
    """Partial per chunk, then a pairwise fold of merges, then finalize."""
    merged = None  # (representative key columns, one state per aggregate)
    for lo, hi in zip(bounds, bounds[1:]):
        rows = torch.arange(lo, hi)
        ks = [k.take(rows) for k in keys]
        ids, g, first = _groups(ks, hi - lo)
        chunk = ([k.take(first) for k in ks], [partial(a, _take(x, rows), ids, g, _mask(_take(f, rows))) for a, x, f in aggs])
        if merged is None:
            merged = chunk
            continue
        reps = [concat_columns([a, b]) for a, b in zip(merged[0], chunk[0])]
        ga = merged[1][0].groups
        ids, g, first = _groups(reps, ga + chunk[1][0].groups)
        maps = [ids[:ga], ids[ga:]]
        merged = ([r.take(first) for r in reps],
                  [merge(a, [s1, s2], maps, g) for (a, _, _), s1, s2 in zip(aggs, merged[1], chunk[1])])
    return merged[0] + [finalize(a, s) for (a, _, _), s in zip(aggs, merged[1])]


@pytest.mark.parametrize("key", KEYS)
def test_chunked_equals_one_shot_and_duckdb(cons, key):
    con, duck = cons
    rng = random.Random(key)
    for start in range(0, len(AGGS), 12):
        sql = f"SELECT {key + ', ' if key else ''}{', '.join(AGGS[start:start + 12])} FROM r" + \
            (f" GROUP BY {key}" if key else "")
        plan, keys, aggs, n = _aggregate_inputs(con, sql)
        names = [f"c{i}" for i in range(len(keys) + len(aggs))]
        expected = duck_query(duck, sql).rename_columns(names)
        once = to_arrow(names, _one_shot(keys, aggs, n))
        # chunk edges at random, the first chunk empty, the next two a single row each
        cuts = [0] + sorted({0, 1, 2, n} | {rng.randrange(n) for _ in range(4)})
        chunked = to_arrow(names, _chunked(keys, aggs, n, cuts))
        for what, got in (("one-shot", once), ("chunked", chunked)):
            problem = compare(expected, got, ordered=False, float_rtol=1e-6)
            assert problem is None, f"{what}: {sql}: {problem}"
        assert compare(once, chunked, ordered=False, float_rtol=1e-9) is None, sql


def test_merge_detects_decimal_overflow(cons):
    """Each chunk's SUM of DECIMAL(38) fits, their merge does not: it raises as the one-shot
    sum and DuckDB do, never wraps."""
    con, duck = cons
    big = pa.table({"v": pa.array([Decimal(6 * 10**37)] * 2, pa.decimal128(38, 0))})
    con.register("big", big)
    duck_load(duck, "big", big)
    with pytest.raises(duckdb.OutOfRangeException):
        duck_query(duck, "SELECT sum(v) FROM big")
    plan, keys, aggs, n = _aggregate_inputs(con, "SELECT sum(v) FROM big")
    with pytest.raises(tqp.DataError, match="overflow"):
        _one_shot(keys, aggs, n)
    with pytest.raises(tqp.DataError, match="overflow"):
        _chunked(keys, aggs, n, [0, 1, 2])
