"""Golden plans for decorrelation (the binder's Apply nodes rewritten into joins, no other
rule), and the same queries' answers checked against DuckDB."""
from __future__ import annotations

import pyarrow as pa
import pytest

import tqp
from tqp.compile.lower import lower
from tqp.optimizer import decorrelate_subqueries
from tqp.plan import nodes as P
from tqp.sql.binder import Binder
from tqp.sql.parse import parse

from .golden import connections, plan_text, same_rows

RULES = (decorrelate_subqueries,)
TABLES = {
    "t": pa.table({"a": [1, 2, 3, None], "b": [10, 20, 30, 40]}),
    "s": pa.table({"a": [1, 1, 2, None, 5], "c": [5, 15, 25, 35, None]}),
}

GOLDEN = {
    # An equality correlation is a key of the semi join, any other its residual.
    'SELECT a FROM t WHERE EXISTS (SELECT 1 FROM s WHERE s.a = t.a AND s.c > t.b)': """
Project(exprs=[#0], names=['a'])
  Join(kind='semi', left_keys=[#0], right_keys=[#0], residual=gt(#3, #1))
    Scan(t: a, b)
    Scan(s: a, c)""",
    # NOT EXISTS: an anti join on the same keys.
    'SELECT a FROM t WHERE NOT EXISTS (SELECT 1 FROM s WHERE s.a = t.a)': """
Project(exprs=[#0], names=['a'])
  Join(kind='anti', left_keys=[#0], right_keys=[#0], residual=None)
    Scan(t: a, b)
    Scan(s: a, c)""",
    # IN: the value (through the subquery's projection) is the key; its WHERE stays below.
    'SELECT a FROM t WHERE a IN (SELECT a + 1 FROM s WHERE c > 10)': """
Project(exprs=[#0], names=['a'])
  Join(kind='semi', left_keys=[#0], right_keys=[add(#0, 1)], residual=None)
    Scan(t: a, b)
    Filter(predicate=gt(#1, 10))
      Scan(s: a, c)""",
    # Uncorrelated NOT IN: the NULL-aware anti join.
    'SELECT a FROM t WHERE a NOT IN (SELECT a FROM s)': """
Project(exprs=[#0], names=['a'])
  Join(kind='anti_null_aware', left_keys=[#0], right_keys=[#0], residual=None)
    Scan(t: a, b)
    Scan(s: a, c)""",
    # Correlated NOT IN: its NULL rule reads each outer row's whole part of the subquery, so the
    # general plan: x as one more key of a mark join, the part's row and value counts beside it.
    'SELECT a FROM t WHERE a NOT IN (SELECT a FROM s WHERE s.c > t.b)': """
Project(exprs=[#0], names=['a'])
  Project(exprs=[#0, #1], names=['a', 'b'])
    Filter(predicate=not(case(#2, True, and(gt(#4, 0), or(is_null(#0), lt(#5, #4))), None, False)))
      Join(kind='left', left_keys=[#1], right_keys=[#0], residual=None, null_safe=True)
        Join(kind='mark', left_keys=[#1, #0], right_keys=[#0, #1], residual=None, null_safe=True)
          Shared()
            Scan(t: a, b)
          Filter(predicate=not(is_null(#1)))
            Shared()
              Project(exprs=[#0, #1], names=['#d0', 'a'])
                Join(kind='inner', left_keys=[], right_keys=[], residual=gt(#2, #0), max_pairs=200000000)
                  Distinct(on=[])
                    Project(exprs=[#1], names=['#d0'])
                      Shared()
                        Scan(t: a, b)
                  Scan(s: a, c)
        Aggregate(keys=[#0], aggs=[count_star(*), count(#1)], names=['#d0', '#rows', '#values'])
          Shared()
            Project(exprs=[#0, #1], names=['#d0', 'a'])
              Join(kind='inner', left_keys=[], right_keys=[], residual=gt(#2, #0), max_pairs=200000000)
                Distinct(on=[])
                  Project(exprs=[#1], names=['#d0'])
                    Shared()
                      Scan(t: a, b)
                Scan(s: a, c)""",
    # IN as a value: a mark join keyed on the value and the correlation.
    'SELECT a, b IN (SELECT c FROM s WHERE s.a = t.a) FROM t': """
Project(exprs=[#0, #2], names=['a', 'b IN (SELECT c FROM s WHERE s.a = t.a)'])
  Join(kind='mark_in', left_keys=[#1, #0], right_keys=[#1, #0], residual=None)
    Scan(t: a, b)
    Scan(s: a, c)""",
    # A scalar aggregate NULL over no rows: grouped by the correlation's inner key over the rows
    # whose key occurs outside (a semi join with the shared outer rows), left-joined back.
    'SELECT a, (SELECT sum(c) FROM s WHERE s.a = t.a) FROM t': """
Project(exprs=[#0, #2], names=['a', '(SELECT SUM(c) FROM s WHERE s.a = t.a)'])
  Project(exprs=[#0, #1, #2], names=['a', 'b', 'sum(c)'])
    Join(kind='left', left_keys=[#0], right_keys=[#1], residual=None)
      Shared()
        Scan(t: a, b)
      Project(exprs=[#1, #0], names=['sum(c)', '#corr0'])
        Aggregate(keys=[#0], aggs=[sum(#1)], names=['#k0', '#a0'])
          Join(kind='semi', left_keys=[#0], right_keys=[#0], residual=None)
            Scan(s: a, c)
            Shared()
              Scan(t: a, b)""",
    # A count: the same, 0 where no group matched.
    'SELECT a, (SELECT count(*) FROM s WHERE s.a = t.a) FROM t': """
Project(exprs=[#0, #2], names=['a', '(SELECT COUNT(*) FROM s WHERE s.a = t.a)'])
  Project(exprs=[#0, #1, coalesce(#2, 0)], names=['a', 'b', 'count_star()'])
    Join(kind='left', left_keys=[#0], right_keys=[#1], residual=None)
      Shared()
        Scan(t: a, b)
      Project(exprs=[#1, #0], names=['count_star()', '#corr0'])
        Aggregate(keys=[#0], aggs=[count_star(*)], names=['#k0', '#a0'])
          Join(kind='semi', left_keys=[#0], right_keys=[#0], residual=None)
            Scan(s: a, c)
            Shared()
              Scan(t: a, b)""",
    # A non-equality correlation: general decorrelation over the distinct outer values (the
    # domain), joined back NULL-safely by a single join.
    'SELECT a, (SELECT count(*) FROM s WHERE s.c < t.b) FROM t': """
Project(exprs=[#0, #2], names=['a', '(SELECT COUNT(*) FROM s WHERE s.c < t.b)'])
  Project(exprs=[#0, #1, #3], names=['a', 'b', 'count_star()'])
    Join(kind='single', left_keys=[#1], right_keys=[#0], residual=None, null_safe=True)
      Shared()
        Scan(t: a, b)
      Project(exprs=[#0, #1], names=['#d0', 'count_star()'])
        Project(exprs=[#0, coalesce(#2, 0)], names=['#d0', '#a0'])
          Join(kind='left', left_keys=[#0], right_keys=[#0], residual=None, null_safe=True)
            Distinct(on=[])
              Project(exprs=[#1], names=['#d0'])
                Shared()
                  Scan(t: a, b)
            Aggregate(keys=[#0], aggs=[count_star(*)], names=['#d0', '#a0'])
              Join(kind='inner', left_keys=[], right_keys=[], residual=lt(#2, #0), max_pairs=200000000)
                Distinct(on=[])
                  Project(exprs=[#1], names=['#d0'])
                    Shared()
                      Scan(t: a, b)
                Scan(s: a, c)""",
    # An uncorrelated ANY: a mark join over (row, value) pairs.
    'SELECT a, b > ANY (SELECT c FROM s) FROM t': """
Project(exprs=[#0, #2], names=['a', '(b > ANY (SELECT c FROM s))'])
  Join(kind='mark_any', left_keys=[], right_keys=[], residual=gt(#1, #2))
    Scan(t: a, b)
    Project(exprs=[#1], names=['c'])
      Scan(s: a, c)""",
    # LATERAL with a LIMIT: the limit applies per domain value (a partitioned top-k).
    'SELECT t.a, x.c FROM t, LATERAL (SELECT c FROM s WHERE s.a = t.a ORDER BY c LIMIT 1) x': """
Project(exprs=[#0, #2], names=['a', 'c'])
  Project(exprs=[#0, #1, #3], names=['a', 'b', 'c'])
    Join(kind='inner', left_keys=[#0], right_keys=[#0], residual=None, null_safe=True)
      Shared()
        Scan(t: a, b)
      Sort(keys=[#1], limit=1, offset=0, partition=[#0])
        Project(exprs=[#0, #2], names=['#d0', 'c'])
          Join(kind='inner', left_keys=[#0], right_keys=[#0], residual=None, max_pairs=200000000)
            Distinct(on=[])
              Project(exprs=[#0], names=['#d0'])
                Shared()
                  Scan(t: a, b)
            Scan(s: a, c)""",
    # A subquery in HAVING reads the aggregate's output: the Apply sits on it, the fast shape applies.
    'SELECT a, sum(b) FROM t GROUP BY a HAVING sum(b) > (SELECT count(*) FROM s WHERE s.a = t.a)': """
Project(exprs=[#0, #1], names=['a', 'sum(b)'])
  Filter(predicate=gt(#1, #2))
    Project(exprs=[#0, #1, coalesce(#2, 0)], names=['#k0', '#a0', 'count_star()'])
      Join(kind='left', left_keys=[#0], right_keys=[#1], residual=None)
        Shared()
          Aggregate(keys=[#0], aggs=[sum(#1)], names=['#k0', '#a0'])
            Scan(t: a, b)
        Project(exprs=[#1, #0], names=['count_star()', '#corr0'])
          Aggregate(keys=[#0], aggs=[count_star(*)], names=['#k0', '#a0'])
            Join(kind='semi', left_keys=[#0], right_keys=[#0], residual=None)
              Scan(s: a, c)
              Shared()
                Aggregate(keys=[#0], aggs=[sum(#1)], names=['#k0', '#a0'])
                  Scan(t: a, b)""",
}


@pytest.fixture(scope="module")
def cons():
    return connections(TABLES)


@pytest.mark.parametrize("sql", list(GOLDEN))
def test_golden_plan(cons, sql):
    assert plan_text(cons[0], sql, RULES) == GOLDEN[sql].strip("\n")


MORE = [
    "SELECT a FROM t WHERE EXISTS (SELECT 1 FROM s WHERE s.a = t.a AND EXISTS (SELECT 1 FROM s AS u WHERE u.c > t.b))",
    "SELECT a, (SELECT max(c) FROM s WHERE s.a = t.a AND s.c IN (SELECT b FROM t AS u WHERE u.a = s.a)) FROM t",
    "SELECT a, (SELECT sum(c) FROM s WHERE s.a = t.a OR s.c > t.b) FROM t",
    "SELECT a, (SELECT DISTINCT sum(c) FROM s WHERE s.a = t.a) FROM t",
    "SELECT a, EXISTS (SELECT 1 FROM s WHERE s.a = t.a) AND b = ALL (SELECT c FROM s WHERE s.a = t.a) FROM t",
    "SELECT t.a, x.c FROM t LEFT JOIN LATERAL (SELECT c FROM s WHERE s.a = t.a) x ON true",
    "SELECT a FROM t WHERE (a, b) IN (SELECT a, c FROM s)",
    "SELECT a FROM t WHERE NULL IN (SELECT a FROM s WHERE s.c > t.b)",
    "SELECT a, sum(b) FROM t GROUP BY a ORDER BY (SELECT count(*) FROM s WHERE s.c > t.a), a",
]


def test_binder_leaves_apply(cons):
    """The binder says what the subquery is; only the rule says how it runs."""
    catalog = cons[0]._engine.catalog
    plan, _ = Binder(catalog, []).bind_query(parse("SELECT a FROM t WHERE a IN (SELECT a FROM s)")[0])
    assert P.render(plan) == """
Project(exprs=[#0], names=['a'])
  Apply(kind='in', level=1, condition=eq(#0, #2))
    Scan(t: a, b)
    Project(exprs=[#0], names=['a'])
      Scan(s: a, c)""".strip("\n")
    with pytest.raises(tqp.NotSupportedError, match="Apply"):
        lower(plan)


@pytest.mark.parametrize("sql", list(GOLDEN) + MORE)
def test_same_rows_as_duckdb(cons, sql):
    assert same_rows(cons, sql)
