"""Golden plans for grouping-set expansion (the binder's GroupingSets node as per-set
aggregates, no other rule), and the same queries' answers checked against DuckDB."""
from __future__ import annotations

import pyarrow as pa
import pytest

from tqp.optimizer import expand_grouping_sets

from .golden import connections, plan_text, same_rows

RULES = (expand_grouping_sets,)
TABLES = {"t": pa.table({"a": [1, 1, 2, None], "b": ["x", "y", "x", "y"], "v": [10, 20, 30, 40]})}

GOLDEN = {
    # Sums, counts and avg roll up: the input is aggregated once by every key, each ROLLUP level
    # aggregates the level above it; avg is sum / count there, GROUPING() each level's constant.
    'SELECT a, b, sum(v), avg(v), grouping(a, b) FROM t GROUP BY ROLLUP (a, b)': """
Project(exprs=[#0, #1, #2, #3, #4], names=['a', 'b', 'sum(v)', 'avg(v)', 'grouping(a, b)'])
  SetOp(kind='union', all=True)
    Project(exprs=[#0, #1, #2, div(cast(#2), cast(#3)), 0], names=['#k0', '#k1', '#a0', '#a1', '#a2'])
      Shared()
        Aggregate(keys=[#0, #1], aggs=[sum(#2), count(#2)], names=['#p0', '#p1', '#p2', '#p3'])
          Scan(t: a, b, v)
    Project(exprs=[#0, None, #1, div(cast(#1), cast(#2)), 1], names=['#k0', '#k1', '#a0', '#a1', '#a2'])
      Shared()
        Aggregate(keys=[#0], aggs=[sum(#2), sum(#3)], names=['#m0', '#m1', '#m2'])
          Shared()
            Aggregate(keys=[#0, #1], aggs=[sum(#2), count(#2)], names=['#p0', '#p1', '#p2', '#p3'])
              Scan(t: a, b, v)
    Project(exprs=[None, None, #0, div(cast(#0), cast(coalesce(#1, 0))), 3], names=['#k0', '#k1', '#a0', '#a1', '#a2'])
      Aggregate(keys=[], aggs=[sum(#1), sum(#2)], names=['#m0', '#m1'])
        Shared()
          Aggregate(keys=[#0], aggs=[sum(#2), sum(#3)], names=['#m0', '#m1', '#m2'])
            Shared()
              Aggregate(keys=[#0, #1], aggs=[sum(#2), count(#2)], names=['#p0', '#p1', '#p2', '#p3'])
                Scan(t: a, b, v)""",
    # A DISTINCT aggregate does not roll up: each set aggregates the (shared) input.
    'SELECT a, b, count(DISTINCT v) FROM t GROUP BY GROUPING SETS ((a), (b))': """
Project(exprs=[#0, #1, #2], names=['a', 'b', 'count(DISTINCT v)'])
  SetOp(kind='union', all=True)
    Project(exprs=[#0, None, #1], names=['#k0', '#k1', '#a0'])
      Aggregate(keys=[#0], aggs=[count(distinct #2)], names=['#g0', '#g1'])
        Shared()
          Scan(t: a, b, v)
    Project(exprs=[None, #0, #1], names=['#k0', '#k1', '#a0'])
      Aggregate(keys=[#1], aggs=[count(distinct #2)], names=['#g0', '#g1'])
        Shared()
          Scan(t: a, b, v)""",
}


@pytest.fixture(scope="module")
def cons():
    return connections(TABLES)


@pytest.mark.parametrize("sql", list(GOLDEN))
def test_golden_plan(cons, sql):
    assert plan_text(cons[0], sql, RULES) == GOLDEN[sql].strip("\n")


MORE = [
    "SELECT a, b, min(v), max(v), count(*) FROM t GROUP BY CUBE (a, b)",
    "SELECT a, sum(v) FILTER (WHERE b = 'x'), grouping(a) FROM t GROUP BY GROUPING SETS ((a), (a), ())",
    "SELECT a, (SELECT count(*) FROM t AS u WHERE u.a = t.a) FROM t GROUP BY ROLLUP (a)",
    "SELECT a FROM t WHERE v > (SELECT sum(v) FROM t AS u WHERE u.b = t.b GROUP BY ROLLUP (u.a) ORDER BY 1 LIMIT 1)",
]


@pytest.mark.parametrize("sql", list(GOLDEN) + MORE)
def test_same_rows_as_duckdb(cons, sql):
    assert same_rows(cons, sql)
