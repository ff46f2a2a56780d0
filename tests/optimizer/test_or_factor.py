"""Golden plans for OR factoring (after filter pushdown, so the added conjuncts are seen where
they land), and the same queries' answers checked against DuckDB."""
from __future__ import annotations

import pyarrow as pa
import pytest

from tqp.optimizer import factor_ors, push_filters

from .golden import connections, plan_text, same_rows

RULES = (factor_ors, push_filters)
TABLES = {
    "p": pa.table({"k": [1, 2, 3, 4, 5], "brand": ["a", "b", "a", "c", None], "size": [1, 5, 10, 15, 20]}),
    "l": pa.table({"k": [1, 1, 2, 3, 4, 5, 5], "qty": [1, 8, 12, 25, 3, None, 30], "mode": list("xyxyxyx")}),
}

GOLDEN = {
    # TPC-H Q19's shape: each branch restricts p and l; each table gets the OR of its own
    # restrictions as a filter below the join, and the whole OR stays above it.
    "SELECT count(*) FROM p, l WHERE p.k = l.k AND (p.brand = 'a' AND l.qty < 10 OR p.brand = 'b' AND l.qty > 20)": """
Project(exprs=[#0], names=['count_star()'])
  Aggregate(keys=[], aggs=[count_star(*)], names=['#a0'])
    Join(kind='inner', left_keys=[#0], right_keys=[#0], residual=or(and(eq(#1, 'a'), lt(#4, 10)), and(eq(#1, 'b'), gt(#4, 20))))
      Filter(predicate=or(eq(#1, 'a'), eq(#1, 'b')))
        Scan(p: k, brand, size)
      Filter(predicate=or(lt(#1, 10), gt(#1, 20)))
        Scan(l: k, qty, mode)""",
    # A conjunct common to every branch holds on its own, and here becomes the join key.
    "SELECT count(*) FROM p, l WHERE (p.k = l.k AND l.mode = 'x') OR (p.k = l.k AND p.size > 4)": """
Project(exprs=[#0], names=['count_star()'])
  Aggregate(keys=[], aggs=[count_star(*)], names=['#a0'])
    Join(kind='inner', left_keys=[#0], right_keys=[#0], residual=or(and(eq(#0, #3), eq(#5, 'x')), and(eq(#0, #3), gt(#2, 4))))
      Scan(p: k, brand, size)
      Scan(l: k, qty, mode)""",
    # TPC-DS q41's shape: the correlation common to both branches of a correlated subquery's
    # OR is an equality of its own, so decorrelation joins on it instead of testing every pair.
    "SELECT k FROM p WHERE (SELECT count(*) FROM l WHERE (l.k = p.k AND l.mode = 'x') "
    "OR (l.k = p.k AND l.qty > 20)) > 0": """
Project(exprs=[#0], names=['k'])
  Project(exprs=[#0, #1, #2, #4], names=['k', 'brand', 'size', 'count_star()'])
    Filter(predicate=gt(#4, 0))
      Join(kind='single', left_keys=[#0], right_keys=[#0], residual=None, null_safe=True)
        Shared()
          Scan(p: k, brand, size)
        Project(exprs=[#0, #1], names=['#d0', 'count_star()'])
          Project(exprs=[#0, coalesce(#2, 0)], names=['#d0', '#a0'])
            Join(kind='left', left_keys=[#0], right_keys=[#0], residual=None, null_safe=True)
              Distinct(on=[])
                Project(exprs=[#0], names=['#d0'])
                  Shared()
                    Scan(p: k, brand, size)
              Aggregate(keys=[#0], aggs=[count_star(*)], names=['#d0', '#a0'])
                Join(kind='inner', left_keys=[#0], right_keys=[#0], residual=or(and(eq(#1, #0), eq(#3, 'x')), and(eq(#1, #0), gt(#2, 20))), max_pairs=200000000)
                  Distinct(on=[])
                    Project(exprs=[#0], names=['#d0'])
                      Shared()
                        Scan(p: k, brand, size)
                  Scan(l: k, qty, mode)""",
    # A branch that does not restrict a table (l here) implies nothing for it.
    "SELECT count(*) FROM p, l WHERE p.k = l.k AND (p.size = 1 OR l.qty > 20 AND p.size = 10)": """
Project(exprs=[#0], names=['count_star()'])
  Aggregate(keys=[], aggs=[count_star(*)], names=['#a0'])
    Join(kind='inner', left_keys=[#0], right_keys=[#0], residual=or(eq(#2, 1), and(gt(#4, 20), eq(#2, 10))))
      Filter(predicate=or(eq(#2, 1), eq(#2, 10)))
        Scan(p: k, brand, size)
      Scan(l: k, qty, mode)""",
}


@pytest.fixture(scope="module")
def cons():
    return connections(TABLES)


@pytest.mark.parametrize("sql", list(GOLDEN))
def test_golden_plan(cons, sql):
    assert plan_text(cons[0], sql, RULES) == GOLDEN[sql].strip("\n")


MORE = [
    "SELECT p.k, l.qty FROM p, l WHERE p.k = l.k AND (p.brand IS NULL OR l.qty IS NULL OR p.size > 12)",
    "SELECT * FROM p WHERE (k = 1 AND size = 1) OR (k = 1 AND brand = 'a') OR k = 1",
    "SELECT count(*) FROM p LEFT JOIN l ON p.k = l.k WHERE (p.size < 5 AND l.qty > 1) OR (p.size > 12 AND l.qty < 5)",
]


@pytest.mark.parametrize("sql", list(GOLDEN) + MORE)
def test_same_rows_as_duckdb(cons, sql):
    assert same_rows(cons, sql)
