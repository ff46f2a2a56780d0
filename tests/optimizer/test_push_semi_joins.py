"""Golden plans for semi-join pushdown (after filter pushdown and join ordering), and the same
queries' answers checked against DuckDB."""
from __future__ import annotations

import pyarrow as pa
import pytest

from tqp.optimizer import order_joins, push_filters, push_semi_joins

from .golden import connections, plan_text, same_rows

RULES = (push_filters, push_semi_joins, order_joins)
N = 1000
TABLES = {
    "f": pa.table({"k": [i % 100 for i in range(N)], "d": [i % 10 for i in range(N)]}),
    "g": pa.table({"d": [i % 10 for i in range(200)], "v": list(range(200))}),
    "one": pa.table({"d": [3]}),
    "s": pa.table({"k": [1, 2, None]}),
}

GOLDEN = {
    # f joined to g grows (20 g rows per d): the IN filters f's rows before the join.
    "SELECT count(*) FROM f, g WHERE f.d = g.d AND f.k IN (SELECT k FROM s WHERE k IS NOT NULL)": """
Project(exprs=[#0], names=['count_star()'])
  Aggregate(keys=[], aggs=[count_star(*)], names=['#a0'])
    Project(exprs=[#2, #3, #0, #1], names=['k', 'd', 'd', 'v'])
      Join(kind='inner', left_keys=[#0], right_keys=[#1], residual=None)
        Scan(g: d, v)
        Join(kind='semi', left_keys=[#0], right_keys=[#0], residual=None)
          Scan(f: k, d)
          Filter(predicate=not(is_null(#0)))
            Scan(s: k)""",
    # NOT IN moves the same way (its NULL rule looks at each f row and the whole subquery).
    "SELECT count(*) FROM f, g WHERE f.d = g.d AND f.k NOT IN (SELECT k FROM s)": """
Project(exprs=[#0], names=['count_star()'])
  Aggregate(keys=[], aggs=[count_star(*)], names=['#a0'])
    Join(kind='inner', left_keys=[#1], right_keys=[#0], residual=None)
      Join(kind='anti_null_aware', left_keys=[#0], right_keys=[#0], residual=None)
        Scan(f: k, d)
        Scan(s: k)
      Scan(g: d, v)""",
    # Joined to one row the join is smaller than f: the semi join stays on top, probing fewer rows.
    "SELECT count(*) FROM f, one WHERE f.d = one.d AND f.k IN (SELECT k FROM s)": """
Project(exprs=[#0], names=['count_star()'])
  Aggregate(keys=[], aggs=[count_star(*)], names=['#a0'])
    Join(kind='semi', left_keys=[#0], right_keys=[#0], residual=None)
      Join(kind='inner', left_keys=[#1], right_keys=[#0], residual=None)
        Scan(f: k, d)
        Scan(one: d)
      Scan(s: k)""",
    # One semi join staying on top does not hold back another that can move.
    "SELECT count(*) FROM f, one WHERE f.d = one.d AND f.k IN (SELECT k FROM s) "
    "AND EXISTS (SELECT 1 FROM g WHERE g.d = one.d AND g.v > 150)": """
Project(exprs=[#0], names=['count_star()'])
  Aggregate(keys=[], aggs=[count_star(*)], names=['#a0'])
    Join(kind='semi', left_keys=[#0], right_keys=[#0], residual=None)
      Join(kind='inner', left_keys=[#1], right_keys=[#0], residual=None)
        Scan(f: k, d)
        Join(kind='semi', left_keys=[#0], right_keys=[#0], residual=None)
          Scan(one: d)
          Filter(predicate=gt(#1, 150))
            Scan(g: d, v)
      Scan(s: k)""",
    # A subquery over two tables' columns stays above their join.
    "SELECT count(*) FROM f, g WHERE f.d = g.d AND EXISTS (SELECT 1 FROM s WHERE s.k = f.k AND s.k < g.v)": """
Project(exprs=[#0], names=['count_star()'])
  Aggregate(keys=[], aggs=[count_star(*)], names=['#a0'])
    Join(kind='semi', left_keys=[#0], right_keys=[#0], residual=lt(#4, #3))
      Join(kind='inner', left_keys=[#1], right_keys=[#0], residual=None)
        Scan(f: k, d)
        Scan(g: d, v)
      Scan(s: k)""",
}


@pytest.fixture(scope="module")
def cons():
    return connections(TABLES)


@pytest.mark.parametrize("sql", list(GOLDEN))
def test_golden_plan(cons, sql):
    assert plan_text(cons[0], sql, RULES) == GOLDEN[sql].strip("\n")


MORE = [
    "SELECT f.k, g.v FROM f, g WHERE f.d = g.d AND g.v < 30 AND EXISTS (SELECT 1 FROM s WHERE s.k = f.k)",
    "SELECT count(*) FROM f, g WHERE f.d = g.d AND NOT EXISTS (SELECT 1 FROM s WHERE s.k = f.k)",
    "SELECT count(*) FROM g, f WHERE f.d = g.d AND f.k IN (SELECT k FROM s) AND g.d IN (SELECT d FROM one)",
]


@pytest.mark.parametrize("sql", list(GOLDEN) + MORE)
def test_same_rows_as_duckdb(cons, sql):
    assert same_rows(cons, sql)
