"""Kernel paths that only large inputs reach, checked end to end against DuckDB.

The fixture tables elsewhere hold about a thousand rows, below the thresholds where joins cut
a large build side, bucket tables get wider than one key, group ids come from runs or
presence flags over a wide domain, and floats sort as integer bits. These tables are big
enough to take those paths (200k and 3k rows).
"""
import duckdb
import numpy as np
import pyarrow as pa
import pytest

from tests.conftest import duck_load, duck_query, order_spec
from tpch.verify import compare


def _tables():
    rng = np.random.default_rng(77)
    n, m = 200_000, 3_000
    k32 = rng.integers(1, 50_000, n).astype(np.int32)
    null = rng.random(n) < 0.02
    big = pa.table({
        "k32": pa.array(k32, mask=null),
        "k64": pa.array(k32.astype(np.int64) * 1_000_000_007, mask=null),
        "wide": rng.integers(1, 150_000, n).astype(np.int32),
        "ok": (np.arange(n) // 2).astype(np.int32),  # clustered: ascending, 100k distinct
        "v": rng.integers(-1000, 1000, n),
        "f": np.round(rng.normal(size=n), 3),
    })
    sk = rng.choice(np.arange(1, 60_000, dtype=np.int32), m, replace=False)
    snull = rng.random(m) < 0.03
    small = pa.table({
        "k32": pa.array(sk, mask=snull),
        "k64": pa.array(sk.astype(np.int64) * 1_000_000_007, mask=snull),
        "ok": rng.integers(0, 100_000, m).astype(np.int32),
        "w": rng.integers(0, 10, m),
    })
    return {"big": big, "small": small}


@pytest.fixture(scope="module")
def pair(device, connect):
    tables = _tables()
    con, duck = connect(device), duckdb.connect()
    for name, t in tables.items():
        con.register(name, t)
        duck_load(duck, name, t)
    yield con, duck
    con.close()
    duck.close()


QUERIES = {
    "inner_direct_int32": "SELECT count(*), sum(b.v), sum(s.w) FROM big b JOIN small s ON b.k32 = s.k32",
    "inner_bucket_wide_int64": "SELECT count(*), sum(b.v) FROM big b JOIN small s ON b.k64 = s.k64",
    "inner_two_keys": "SELECT count(*), sum(b.v) FROM big b JOIN small s ON b.k32 = s.k32 AND b.ok = s.ok",
    "left_join_groups": "SELECT s.w, count(b.v), sum(b.v) FROM small s LEFT JOIN big b ON b.k32 = s.k32 GROUP BY s.w ORDER BY s.w",
    "exists_residual_cut": "SELECT count(*), sum(w) FROM small s WHERE EXISTS (SELECT 1 FROM big b WHERE b.k32 = s.k32 AND b.v > s.w * 100)",
    "not_exists_residual_cut": "SELECT count(*), sum(w) FROM small s WHERE NOT EXISTS (SELECT 1 FROM big b WHERE b.k32 = s.k32 AND b.v <> s.w)",
    "semi_wide_keys": "SELECT count(*) FROM small s WHERE s.k64 IN (SELECT k64 FROM big WHERE v < 0)",
    "not_in_with_nulls": "SELECT count(*) FROM small s WHERE s.k32 NOT IN (SELECT k32 FROM big WHERE v < -990)",
    "not_in_no_nulls": "SELECT count(*) FROM small s WHERE s.k32 NOT IN (SELECT k32 FROM big WHERE v < -990 AND k32 IS NOT NULL)",
    "group_runs_ordered": "SELECT ok, count(*), sum(v) FROM big GROUP BY ok ORDER BY sum(v) DESC, ok LIMIT 25",
    "group_wide_flags": "SELECT wide, count(*) FROM big GROUP BY wide HAVING count(*) > 3 ORDER BY wide",
    "group_wide_unique": "SELECT k64, sum(v) FROM big GROUP BY k64 ORDER BY k64 LIMIT 40",
    "group_by_double": "SELECT f, count(*) FROM big GROUP BY f ORDER BY count(*) DESC, f LIMIT 30",
    "order_double_desc": "SELECT f, v FROM big WHERE v > 990 ORDER BY f DESC, v",
    "order_int_desc_double": "SELECT k32, f FROM big WHERE ok < 3000 ORDER BY k32 DESC NULLS LAST, f",
    "count_distinct_wide": "SELECT count(DISTINCT wide), count(DISTINCT k64) FROM big",
    "top_k_packed_nulls_first": "SELECT k32, v, ok FROM big ORDER BY k32 DESC NULLS FIRST, v, ok LIMIT 50",
    "top_k_packed_wide_int64": "SELECT v, k64, ok FROM big ORDER BY v, k64 NULLS LAST, ok LIMIT 30",
    "top_k_double_then_int": "SELECT f, ok FROM big ORDER BY f DESC, ok LIMIT 20",
}


@pytest.mark.parametrize("name", list(QUERIES))
def test_scale_path(pair, name):
    con, duck = pair
    sql = QUERIES[name]
    expected = duck_query(duck, sql)
    actual = con.execute(sql).fetch_arrow()
    ordered, keys = order_spec(sql)
    msg = compare(expected, actual, ordered=ordered, order_key_columns=keys)
    assert msg is None, f"{msg}\nSQL: {sql}"
