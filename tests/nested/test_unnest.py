"""unnest(list) in the SELECT list, against DuckDB: several lists side by side, NULL and empty
lists, expressions over the element, WHERE before and filters after, ORDER BY on elements."""
from __future__ import annotations

import pytest

from tests.differential.pair import assert_same, connect_pair
from tqp.errors import NotSupportedError

SETUP = ["CREATE TABLE t (id INTEGER, l INTEGER[], m VARCHAR[])",
         "INSERT INTO t VALUES (1, [1, 2, 3], ['a']), (2, [], ['b', 'c']), (3, NULL, NULL), (4, [4, NULL], ['d', 'e', 'f'])"]
QUERIES = [
    "SELECT unnest([1, 2, 3]) AS x, 'k' AS k",
    "SELECT id, unnest(l) FROM t",
    "SELECT id, unnest(l) + 1 AS y FROM t WHERE id > 1",
    "SELECT unnest(l) AS a, unnest(m) AS b FROM t",
    "SELECT count(*) FROM (SELECT unnest(l) AS e FROM t) s WHERE e > 1",
    "SELECT id, unnest(l) AS e FROM t ORDER BY e DESC NULLS LAST, id",
    "SELECT unnest(NULL)",
    "SELECT id, unnest(m) AS s FROM t WHERE id <> 2",
]


@pytest.fixture(scope="module")
def cons():
    return connect_pair(SETUP)


@pytest.mark.parametrize("sql", QUERIES)
def test_same_as_duckdb(cons, sql):
    assert_same(*cons, sql, ordered="ORDER BY" in sql)


def test_unnest_in_a_grouped_query_is_refused(cons):
    t, _ = cons
    with pytest.raises(NotSupportedError):
        t.execute("SELECT unnest(l), count(*) FROM t GROUP BY l")


FROM_UNNEST = [
    "SELECT t.id, u.x FROM t, unnest(t.l) AS u(x)",
    "SELECT * FROM t, unnest(t.l)",
    "SELECT id, x FROM t CROSS JOIN unnest(l) AS u(x) WHERE x > 1",
    "SELECT id, sum(x) FROM t, unnest(t.l) AS u(x) GROUP BY id",
    "SELECT a.id, u.x FROM t AS a, t AS b, unnest(b.l) AS u(x) WHERE a.id = b.id AND x > 1",
    "SELECT id, s FROM t, unnest(t.m) AS u(s) WHERE id <> 4",
]


@pytest.mark.parametrize("sql", FROM_UNNEST)
def test_from_unnest_of_a_column_same_as_duckdb(cons, sql):
    assert_same(*cons, sql, names=True)
