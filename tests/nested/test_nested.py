"""LIST and STRUCT values against DuckDB: Arrow columns in and out, literals, indexing and
slicing, len, list_contains, struct field access, casts, comparison, IN, GROUP BY, DISTINCT,
ORDER BY, min/max, list() with ORDER BY / FILTER, and the errors tqp raises."""
from __future__ import annotations

import datetime as dt
import decimal

import duckdb
import pyarrow as pa
import pytest

import tqp

LISTS = pa.array([[1, 2], [3], None, [1, 2], [], [None, 5], [2, 1, 7], [3]], pa.list_(pa.int32()))
TABLE = pa.table({
    "id": list(range(8)),
    "l": LISTS,
    "ll": pa.array([[[1], [2, 3]], None, [[1], [2, 3]], [], [None], [[]], [[4]], [[1]]]),
    "ls": pa.array([["b", "a"], ["é"], None, [], ["b", "a"], [None], ["a"], ["z", None]], pa.large_list(pa.string())),
    "s": pa.array([{"a": 1, "b": "x"}, {"a": 2, "b": None}, None, {"a": 1, "b": "x"},
                   {"a": None, "b": "z"}, {"a": 3, "b": "q"}, {"a": 1, "b": "a"}, {"a": 2, "b": None}]),
    "sl": pa.array([{"k": [1, 2], "d": dt.date(2024, 1, 2)}, None, {"k": None, "d": None}, {"k": [], "d": dt.date(1999, 12, 31)},
                    {"k": [1, 2], "d": dt.date(2024, 1, 2)}, {"k": [3], "d": None}, {"k": [None], "d": dt.date(2000, 2, 29)},
                    {"k": [1], "d": dt.date(2024, 1, 2)}]),
    "m": pa.array([[decimal.Decimal("1.50")], [decimal.Decimal("-2.25"), None], None, [], [decimal.Decimal("1.50")],
                   [decimal.Decimal("0.00")], [decimal.Decimal("9.99")], [decimal.Decimal("1.50")]], pa.list_(pa.decimal128(5, 2))),
    "i": pa.array([1, 2, 3, -1, 1, 2, -3, 0], pa.int32()),
    "x": pa.array([1, 2, 3, 4, 5, 6, None, 8], pa.int64()),
})


@pytest.fixture(scope="module")
def cons():
    con = tqp.connect()
    con.register("t", TABLE)
    d = duckdb.connect()
    d.register("t", TABLE)
    return con, d


def _same(cons, sql):
    con, d = cons
    expected = d.execute(sql).fetchall()
    assert con.execute(sql).fetchall() == expected, sql


SELECTS = [
    "SELECT id, l, ll, ls, s, sl, m FROM t ORDER BY id",
    "SELECT [1, 2, 3], [1, 2, 3][2], [1, 2, 3][-1], [1, 2, 3][0], [1, 2, 3][5], [[1], [2, 3]][2][1], len([1, NULL])",
    "SELECT {'a': 1, 'b': 'x'}, {'a': 1, 'b': 'x'}.b, struct_pack(k := 2.5, v := [1]), ['a', NULL, 'b'], [DATE '2024-01-02']",
    "SELECT [1, 2.5], [[1, 2], NULL, []], list_value(1, NULL, 3), [NULL], [[NULL]]",
    "SELECT id, l[1], l[-1], l[i], l[0], ls[2], ll[1][1], m[1], s.a, s['b'], t.s.a, struct_extract(s, 'b'), sl.k[1], sl.d FROM t ORDER BY id",
    "SELECT id, len(l), length(ls), array_length(ll), len(sl.k) FROM t ORDER BY id",
    "SELECT id, l[2:3], l[:1], l[2:], l[-2:], l[0:1], array_slice(ls, 1, 1), list_slice(l, -1, -1) FROM t ORDER BY id",
    "SELECT id, list_contains(l, 2), list_contains([], NULL), list_contains([1], NULL), list_has(l, x), array_contains(ls, 'a'), list_contains(l, NULL), "
    "list_contains(m, 1.5), list_contains(l, i) FROM t ORDER BY id",
    "SELECT id, [x, i], [l, [i]], {'k': x, 'l': l}, list_value(ls, ['q']), [s, NULL] FROM t ORDER BY id",
    "SELECT id, l::BIGINT[], l::VARCHAR, s::VARCHAR, CAST(s AS STRUCT(a BIGINT, b VARCHAR)), ls::VARCHAR FROM t ORDER BY id",
    "SELECT l, count(*), sum(x) FROM t GROUP BY l ORDER BY l",
    "SELECT l, count(*) FROM t GROUP BY l ORDER BY l DESC NULLS FIRST",
    "SELECT s, count(*) FROM t GROUP BY ALL ORDER BY s NULLS FIRST",
    "SELECT DISTINCT ll FROM t ORDER BY ll",
    "SELECT DISTINCT sl FROM t ORDER BY sl DESC",
    "SELECT DISTINCT ls FROM t ORDER BY ls",
    "SELECT id FROM t WHERE l = [1, 2] ORDER BY id",
    "SELECT id FROM t WHERE l <> [3] AND l > [1] ORDER BY id",
    "SELECT id FROM t WHERE l IN ([1, 2], [3], []) ORDER BY id",
    "SELECT id FROM t WHERE s = {'a': 1, 'b': 'x'} OR s.b IS NULL ORDER BY id",
    "SELECT id FROM t WHERE ls = ['b', 'a'] ORDER BY id",
    "SELECT min(l), max(l), min(s), max(s), min(ll), max(ls), count(DISTINCT l) FROM t",
    "SELECT a.id, b.id FROM t a JOIN t b ON a.l = b.l ORDER BY 1, 2",
    "SELECT a.id, b.id FROM t a JOIN t b ON a.s = b.s AND a.id < b.id ORDER BY 1, 2",
    "SELECT l FROM t WHERE id < 3 UNION SELECT [9] ORDER BY 1",
    "SELECT coalesce(l, [0]), CASE WHEN id > 3 THEN l ELSE [7, 7] END FROM t ORDER BY id",
    "SELECT i % 2 AS k, list(x), array_agg(l), list(s), array_agg(ls) FROM t GROUP BY k ORDER BY k",
    "SELECT i % 2 AS k, list(x ORDER BY x DESC), list(l ORDER BY id), list(s ORDER BY i, id DESC) FROM t GROUP BY k ORDER BY k",
    "SELECT list(l ORDER BY l DESC NULLS FIRST, id), list(id ORDER BY l NULLS FIRST, id) FROM t",
    "SELECT list(x) FILTER (WHERE x > 2), len(list(DISTINCT i % 2)), count(*) FROM t",
    "SELECT list(x), list(x ORDER BY x) FROM t WHERE id > 100",
    "SELECT id, list(x) FROM t GROUP BY id HAVING len(list(x)) = 1 ORDER BY id LIMIT 3",
]


@pytest.mark.parametrize("sql", SELECTS)
def test_against_duckdb(cons, sql):
    _same(cons, sql)


def test_arrow_round_trip(cons):
    con, d = cons
    got = con.execute("SELECT l, ll, ls, s, sl, m FROM t ORDER BY id").arrow()
    want = d.sql("SELECT l, ll, ls, s, sl, m FROM t ORDER BY id").to_arrow_table()
    for name in got.column_names:
        assert got.column(name).to_pylist() == want.column(name).to_pylist(), name
    assert pa.types.is_list(got.schema.field("l").type) and pa.types.is_struct(got.schema.field("s").type)
    back = tqp.connect()
    back.register("r", got)
    assert back.execute("SELECT * FROM r").fetchall() == con.execute("SELECT l, ll, ls, s, sl, m FROM t ORDER BY id").fetchall()


def test_register_sliced_and_chunked(cons):
    con, d = cons
    arr = pa.chunked_array([LISTS.slice(2, 3), LISTS.slice(0, 2)])
    table = pa.table({"l": arr})
    con.register("c", table)
    d.register("c", table)
    _same(cons, "SELECT l, count(*) FROM c GROUP BY l ORDER BY l")


def test_parameters(cons):
    con, d = cons
    sql = "SELECT id FROM t WHERE list_contains(l, ?) AND len(l) > ? ORDER BY id"
    assert con.execute(sql, [2, 1]).fetchall() == d.execute(sql, [2, 1]).fetchall()


def test_types_in_description(cons):
    con, _ = cons
    desc = con.execute("SELECT l, s FROM t").description
    assert [str(x[1]) for x in desc][0] in ("LIST", "INTEGER[]")


@pytest.mark.parametrize("sql, error", [
    ("SELECT s[1] FROM t", tqp.ProgrammingError),
    ("SELECT s.nope FROM t", tqp.ProgrammingError),
    ("SELECT l['a'] FROM t", tqp.ProgrammingError),
    ("SELECT len(s) FROM t", tqp.ProgrammingError),
    ("SELECT list_contains(l, 'x') FROM t", (tqp.ProgrammingError, tqp.DataError)),
    ("SELECT l + 1 FROM t", tqp.ProgrammingError),
    ("SELECT list(DISTINCT x ORDER BY i) FROM t", tqp.ProgrammingError),  # (DuckDB: keys must be the value)
    ("SELECT upper(l) FROM t", tqp.ProgrammingError),
])
def test_errors(cons, sql, error):
    con, _ = cons
    with pytest.raises(error):
        con.execute(sql).fetchall()
