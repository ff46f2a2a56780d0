"""Strings registered in first-seen order (unsorted dictionaries) and comment-like columns
that are their own dictionary (repeated entries), against DuckDB: every operation that
compares codes by order (ORDER BY, top-k, <, BETWEEN, MIN/MAX, GREATEST, quantiles, window
order and window MIN/MAX, ordered list aggregates), by equality (=, IN, GROUP BY, DISTINCT,
joins, set operations, mode) or merges dictionaries (UNION, CASE, COALESCE) must answer as
over a sorted, unique dictionary. Also: both forms are made lazily, once, and shared.
"""
from __future__ import annotations

import random

import duckdb
import numpy as np
import pyarrow as pa
import pytest

import tqp
from tpch.verify import compare

from tests.conftest import order_spec

WORDS = ["pear", "apple", "Zebra", "zebra", "", "é", "ébène", "a b", "ab", "abc", "日本", "Ω", "x" * 30, "b"]


def _strings(rng: random.Random, n: int, distinct: int) -> list:
    pool = [rng.choice(WORDS) + rng.choice(WORDS) + str(rng.randrange(distinct)) for _ in range(distinct)]
    return [None if rng.random() < 0.1 else rng.choice(pool) for _ in range(n)]


def _unsorted_dictionary(rng: random.Random, values: list) -> pa.Array:
    """A DictionaryArray whose dictionary is shuffled, repeats entries and holds unused ones
    (Arrow allows all three)."""
    entries = sorted({v for v in values if v is not None}) + ["unused entry"]
    rng.shuffle(entries)
    entries = entries + entries[:3]  # repeated entries at the end
    at = {v: i for i, v in enumerate(entries[:len(entries) - 3])}
    indices = pa.array([None if v is None else at[v] for v in values], pa.int32())
    return pa.DictionaryArray.from_arrays(indices, pa.array(entries, pa.string()))


@pytest.fixture(scope="module")
def cons():
    rng = random.Random(11)
    n = 3000
    s = _strings(rng, n, 700)
    t = _strings(rng, n, 400)
    c = [v or "" for v in _strings(rng, n, 2500)]  # mostly distinct, repeats, no NULL
    tables = {
        "u": pa.table({"id": np.arange(n), "g": [rng.randrange(7) for _ in range(n)],
                       "s": pa.array(s, pa.string()), "t": pa.array(t, pa.large_string()),
                       "d": _unsorted_dictionary(rng, s), "v": pa.array(t, pa.string_view()), "c": c}),
        "w": pa.table({"k": pa.array(_strings(rng, 500, 300)[::-1], pa.string()), "x": np.arange(500)}),
    }
    # the join partner shares some strings with u.s
    tables["w"] = tables["w"].append_column("s2", pa.array([s[i] for i in range(500)], pa.string()))
    tables["w"] = tables["w"].append_column("c2", pa.array(c[1000:2500:3], pa.string()))
    a, b = tqp.connect("cpu"), duckdb.connect()
    for name, table in tables.items():
        a.register(name, table)
        b.register(name, table)
    return a, b


def _check(cons, sql):
    a, b = cons
    expected = b.sql(sql).to_arrow_table()
    actual = a.execute(sql).fetch_arrow()
    ordered, keys = order_spec(sql)
    msg = compare(expected, actual, ordered=ordered, order_key_columns=keys)
    assert msg is None, f"{msg}\nSQL: {sql}"


QUERIES = [
    "SELECT id, s FROM u ORDER BY s, id",
    "SELECT id, s FROM u ORDER BY s DESC NULLS FIRST, id",
    "SELECT id, d FROM u ORDER BY d NULLS FIRST, id",
    "SELECT id, v FROM u ORDER BY v DESC, id LIMIT 25",
    "SELECT id, s, t FROM u ORDER BY t, s DESC, id LIMIT 40 OFFSET 7",
    "SELECT count(*) FROM u WHERE s < 'b'",
    "SELECT count(*) FROM u WHERE 'b' <= d",
    "SELECT count(*) FROM u WHERE s BETWEEN 'apple' AND 'pear'",
    "SELECT count(*) FROM u WHERE s > t",
    "SELECT count(*) FROM u WHERE d >= v",
    "SELECT count(*) FROM u WHERE s = 'pearapple3' OR d = 'Zebra' OR t <> 'zz'",
    "SELECT count(*) FROM u WHERE s IN ('abc', 'applepear1', 'no such', 'éb2') OR d NOT IN ('b')",
    "SELECT count(*) FROM u WHERE s = d",
    "SELECT count(*) FROM u WHERE s LIKE '%e%a%'",
    "SELECT g, min(s), max(s), min(d), max(v) FROM u GROUP BY g ORDER BY g",
    "SELECT min(t), max(t), count(DISTINCT s), count(DISTINCT d) FROM u",
    "SELECT g, quantile_disc(s, 0.5), quantile_disc(d, 0.25) FROM u GROUP BY g ORDER BY g",
    "SELECT id, greatest(s, t), least(d, v) FROM u ORDER BY id",
    "SELECT id, coalesce(s, t) AS c FROM u ORDER BY c, id",
    "SELECT id, CASE WHEN g < 3 THEN s ELSE t END AS c FROM u ORDER BY c DESC, id LIMIT 50",
    "SELECT id, s, row_number() OVER (PARTITION BY g ORDER BY s, id) FROM u ORDER BY id",
    "SELECT id, rank() OVER (ORDER BY d DESC) FROM u ORDER BY id",
    "SELECT id, min(s) OVER (PARTITION BY g), max(t) OVER (ORDER BY id ROWS 5 PRECEDING) FROM u ORDER BY id",
    "SELECT g, string_agg(s, ',' ORDER BY s, id) FROM u WHERE id < 300 GROUP BY g ORDER BY g",
    "SELECT g, list(d ORDER BY d DESC, id) FROM u WHERE id < 200 GROUP BY g ORDER BY g",
    "SELECT DISTINCT s FROM u ORDER BY s",
    "SELECT s, count(*) FROM u GROUP BY s ORDER BY count(*) DESC, s LIMIT 20",
    "SELECT u.id, w.x FROM u JOIN w ON u.s = w.k ORDER BY u.id, w.x",
    "SELECT u.id, w.x FROM u JOIN w ON u.d = w.s2 ORDER BY u.id, w.x",
    "SELECT u.id, w.k FROM u LEFT JOIN w ON u.t = w.k AND w.k > 'm' ORDER BY u.id, w.k",
    "SELECT s FROM u UNION SELECT k FROM w ORDER BY s",
    "SELECT d FROM u UNION ALL SELECT k FROM w ORDER BY d DESC LIMIT 30",
    "SELECT s FROM u INTERSECT SELECT s2 FROM w ORDER BY s",
    "SELECT t FROM u EXCEPT SELECT k FROM w ORDER BY t",
    "SELECT max(s) FROM (SELECT s FROM u UNION ALL SELECT k FROM w)",
    "SELECT upper(s) AS x FROM u ORDER BY x, id LIMIT 10",
    "SELECT id, c FROM u ORDER BY c DESC, id LIMIT 30",
    "SELECT count(*), min(c), max(c), count(DISTINCT c), mode(c) IS NOT NULL FROM u WHERE c > 'b' OR c <= 'a'",
    "SELECT c, count(*) FROM u GROUP BY c HAVING count(*) > 1 ORDER BY c",
    "SELECT count(*) FROM u WHERE c = '" + "'",
    "SELECT count(*) FROM u WHERE c IN (SELECT c2 FROM w) AND c NOT LIKE '%e%b%'",
    "SELECT u.id, w.x FROM u JOIN w ON u.c = w.c2 ORDER BY u.id, w.x",
    "SELECT DISTINCT c FROM u WHERE id < 1000 ORDER BY c",
    "SELECT c FROM u INTERSECT SELECT c2 FROM w ORDER BY c",
    "SELECT c FROM u UNION SELECT s FROM u ORDER BY c",
    "SELECT id, dense_rank() OVER (ORDER BY c) FROM u ORDER BY id",
    "SELECT count(*) FROM u WHERE c = s OR c < t",
]


@pytest.mark.parametrize("sql", QUERIES)
def test_same_as_duckdb(cons, sql):
    _check(cons, sql)


def test_canonical_forms_are_lazy_and_shared():
    """A comment-like column is registered as its own dictionary; LIKE makes neither form, =
    and IN make only the unique one, and the first ORDER BY the sorted one, which later
    queries reuse. A column with repeats gets a unique (unsorted) dictionary at once."""
    rng = random.Random(3)
    vals = [f"{rng.random():.12f}" for _ in range(5000)]
    con = tqp.connect("cpu")
    con.register("c", pa.table({"s": vals, "k": [vals[i % 7] for i in range(5000)]}))
    d, k = (col.dictionary for col in con._engine.catalog.tables["c"].columns)
    assert not d.is_unique and not d.is_sorted and len(d) == 5000
    assert k.is_unique and not k.is_sorted and len(k) == 7
    assert con.execute("SELECT count(*) FROM c WHERE s LIKE '%12%'").fetchone()[0] == sum("12" in v for v in vals)
    assert not d._twins
    con.execute(f"SELECT count(*) FROM c WHERE s = '{vals[5]}' OR s IN ('x', '{vals[9]}')").fetchall()
    assert list(d._twins) == ["unique"]
    first = con.execute("SELECT s FROM c ORDER BY s LIMIT 3").fetchall()
    assert [r[0] for r in first] == sorted(vals)[:3]
    twin = d.sorted()[0]
    assert twin.is_sorted and list(twin.values) == sorted(set(vals))
    con.execute("SELECT max(s), min(k) FROM c").fetchall()
    assert d.sorted()[0] is twin


def test_sorted_arrow_strings_need_no_sort():
    """Strings that arrive in strictly ascending order are marked sorted (and unique) at
    registration, comment-like or not."""
    con = tqp.connect("cpu")
    con.register("c", pa.table({"s": [f"k{i:05d}" for i in range(3000)]}))
    d = con._engine.catalog.tables["c"].columns[0].dictionary
    assert d.is_sorted and d.is_unique
