"""MAP values against DuckDB: Arrow map columns in and out, MAP {...}, map(keys, values),
map_from_entries, m[key], element_at / map_extract, map_keys / map_values / map_entries,
map_contains, cardinality, comparison, GROUP BY and DISTINCT, NULL maps and NULL values,
parameters, and DuckDB's errors on bad keys."""
from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

import tqp

TABLE = pa.table({
    "id": pa.array([1, 2, 3, 4, 5], pa.int32()),
    "m": pa.array([[("a", 1), ("b", None)], None, [], [("c", 3)], [("a", 1), ("b", None)]], pa.map_(pa.string(), pa.int64())),
    "k": pa.array(["a", "b", None, "c", "z"]),
    "keys": pa.array([[1, 2], [3], None, [], [4]], pa.list_(pa.int32())),
    "vals": pa.array([["x", None], ["y"], ["q"], [], ["w"]], pa.list_(pa.string())),
})


@pytest.fixture(scope="module")
def cons():
    t, d = tqp.connect(), duckdb.connect()
    t.register("t", TABLE)
    d.register("t", TABLE)
    return t, d


def _same(cons, sql, params=None):
    t, d = cons
    want = d.execute(sql, params).fetchall() if params else d.execute(sql).fetchall()
    got = t.execute(sql, params).fetchall() if params else t.execute(sql).fetchall()
    assert got == want, f"{sql}\n tqp:    {got}\n duckdb: {want}"


QUERIES = [
    "SELECT id, m FROM t ORDER BY id",
    "SELECT MAP {'a': 1, 'b': 2}, map(['a', 'b'], [1, 2]), map_from_entries([('a', 1)]), MAP {1: 'x'}, map(), MAP {}",
    "SELECT (MAP {'a': 1})['a'], element_at(MAP {'a': 1}, 'a'), map_extract(MAP {'a': 1}, 'b'), "
    "map_extract_value(MAP {'a': 1}, 'b')",
    "SELECT id, m[k], m['a'], element_at(m, k), map_extract(m, 'b'), map_contains(m, k), cardinality(m) FROM t ORDER BY id",
    "SELECT id, map_keys(m), map_values(m), map_entries(m) FROM t ORDER BY id",
    "SELECT id, map(keys, keys), map([id], [k]), map([id], [k])[id], map_from_entries(map_entries(m)) FROM t "
    "WHERE id <> 3 ORDER BY id",
    "SELECT id, map(keys, vals) FROM t ORDER BY id",
    "SELECT m, count(*) FROM t GROUP BY m ORDER BY m NULLS FIRST",
    "SELECT DISTINCT m FROM t ORDER BY m",
    "SELECT id FROM t WHERE m = MAP {'a': 1, 'b': NULL} ORDER BY id",
    "SELECT a.id, b.id FROM t a JOIN t b ON a.m = b.m ORDER BY 1, 2",
    "SELECT id, m::VARCHAR, CAST(map(keys, vals) AS MAP(BIGINT, VARCHAR)) FROM t WHERE id <> 3 ORDER BY id",
    "SELECT cardinality(NULL::MAP(INT, INT)), map_keys(NULL::MAP(INT, INT)), map_contains(MAP {1: 2}, 3)",
    "SELECT id, list_histogram(keys), list_histogram(vals), list_histogram(map_values(m)), "
    "list_histogram(['b', 'a', 'b', NULL]) FROM t ORDER BY id",
]


@pytest.mark.parametrize("sql", QUERIES)
def test_against_duckdb(cons, sql):
    _same(cons, sql)


def test_parameters(cons):
    _same(cons, "SELECT id, m[?], map([?], [id]), map_contains(m, ?) FROM t ORDER BY id", ["a", "k", "c"])


def test_arrow_round_trip(cons):
    t, d = cons
    got = t.execute("SELECT m, map(keys, vals) AS kv FROM t WHERE id <> 3 ORDER BY id").arrow()
    want = d.sql("SELECT m, map(keys, vals) AS kv FROM t WHERE id <> 3 ORDER BY id").to_arrow_table()
    assert pa.types.is_map(got.schema.field("m").type) and pa.types.is_map(got.schema.field("kv").type)
    assert got.to_pylist() == want.to_pylist()
    back = tqp.connect()
    back.register("r", got)
    assert back.execute("SELECT * FROM r").fetchall() == t.execute(
        "SELECT m, map(keys, vals) FROM t WHERE id <> 3 ORDER BY id").fetchall()


@pytest.mark.parametrize("sql", ["SELECT map([1, 1], [2, 3])", "SELECT map([NULL], [2])", "SELECT map([1, 2], [2])",
                                 "SELECT map(keys, [k]) FROM t"])
def test_bad_keys_are_data_errors(cons, sql):
    t, d = cons
    with pytest.raises(duckdb.InvalidInputException):
        d.execute(sql).fetchall()
    with pytest.raises(tqp.DataError):
        t.execute(sql).fetchall()
