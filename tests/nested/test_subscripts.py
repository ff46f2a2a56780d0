"""l[i], l[a:b] and m[k] against DuckDB: the index is 1-based as written whatever expression it
is (a literal, a cast, a function of the row), and a map's key is never shifted as an index.
sqlglot's DuckDB parser used to rewrite some of these to 0-based and not others."""
from __future__ import annotations

import pytest

from tests.differential.pair import assert_same, connect_pair

SETUP = [
    "CREATE TABLE t AS SELECT * FROM (VALUES ([10, 20, 30], 1, '2'), ([5], 2, '1'), ([7, 8], NULL, '3')) v(l, i, s)",
    "CREATE TABLE m AS SELECT map([1, 2], ['a', 'b']) AS mp, 2 AS k",
]

QUERIES = [
    "SELECT [10, 20, 30][2::INT], [10, 20, 30][CAST(3 AS BIGINT)], [10, 20, 30][1 + 1]",
    "SELECT [10, 20, 30][len([1, 2, 3])], [10, 20, 30][-1], [10, 20, 30][0], [10, 20, 30][4]",
    "SELECT l[len(l)], l[i], l[i + 1], l[s::INT], l[-i], l[1] FROM t",
    "SELECT l[2:], l[1:2], l[-2:], l[2:2] FROM t",
    "SELECT map([1, 2], ['a', 'b'])[1], map([10, 20], ['a', 'b'])[10], map([1, 2], ['a', 'b'])[3]",
    "SELECT mp[1], mp[k], mp[k - 1], mp[len([1, 2])] FROM m",
    "SELECT MAP {1: 'x', 2: 'y'}[2], {'a': 1, 'b': 2}['b'], [[1, 2], [3]][1][2]",
]


@pytest.fixture(scope="module")
def cons():
    return connect_pair(SETUP)


@pytest.mark.parametrize("sql", QUERIES)
def test_same_as_duckdb(cons, sql):
    assert_same(*cons, sql)


def test_column_name_is_the_index_as_written(cons):
    t, d = cons
    sql = "SELECT l[2], l[-1] FROM t"
    assert [c[0] for c in t.execute(sql).description] == [c[0] for c in d.execute(sql).description] == ["l[2]", "l[-1]"]


STRING_QUERIES = [
    "SELECT 'hello'[2:3], 'hello'[2], 'hello'[-1], 'hello'[-3:], 'hello'[:2], 'hello'[0], 'hello'[9], 'hello'[0:2]",
    "SELECT 'hello'[4:2], 'héllo'[2:2], 'hello'[-10:2], 'hello'[-9], 'hello'[2:-2], ''[1], ''[1:2]",
    "SELECT s[i], s[i:i + 1], s[1:i], s[-1], s[i:], s[:-i] FROM w",
]


@pytest.fixture(scope="module")
def strings():
    return connect_pair(["CREATE TABLE w AS SELECT * FROM (VALUES ('abc', 2), (NULL, 1), ('xy', NULL), ('héllo', -2), "
                         "('', 1), ('abcdef', 9)) v(s, i)"])


@pytest.mark.parametrize("sql", STRING_QUERIES)
def test_string_subscripts_as_duckdb(strings, sql):
    assert_same(*strings, sql)
