"""Golden plans for key filters (after filter pushdown, semi-join pushdown and join ordering),
and the answers of these and more queries (NULL keys, outer joins, shared CTEs) against DuckDB."""
from __future__ import annotations

import pyarrow as pa
import pytest

from tqp.optimizer import add_key_filters, order_joins, push_filters, push_semi_joins

from .golden import connections, plan_text, same_rows

RULES = (push_filters, push_semi_joins, order_joins, add_key_filters)
N = 3000
TABLES = {
    # a fact table: k with a NULL every 50th row, d a small dimension key
    "f": pa.table({"k": [None if i % 50 == 7 else i % 300 for i in range(N)], "d": [i % 7 for i in range(N)],
                   "v": list(range(N))}),
    "g": pa.table({"d": list(range(7)), "x": [i % 3 for i in range(7)]}),
    "r": pa.table({"k": [None if i % 40 == 3 else (i * 7) % 300 for i in range(600)], "w": list(range(600))}),
    "s": pa.table({"k": [1, 2, 3, 4, None, 250], "tag": ["a", "b", "b", "a", "b", "b"]}),
}
GOLDEN = {
    # The preserved side of a LEFT join below the join on s: f is cut before it meets g.
    "SELECT count(*) FROM f LEFT JOIN g ON f.d = g.d JOIN s ON f.k = s.k WHERE s.tag = 'b'": """
Project(exprs=[#0], names=['count_star()'])
  Aggregate(keys=[], aggs=[count_star(*)], names=['#a0'])
    Join(kind='inner', left_keys=[#0], right_keys=[#0], residual=None)
      Join(kind='left', left_keys=[#1], right_keys=[#0], residual=None)
        Join(kind='semi', left_keys=[#0], right_keys=[#0], residual=None)
          Scan(f: k, d, v)
          Shared()
            Filter(predicate=eq(#1, 'b'))
              Scan(s: k, tag)
        Scan(g: d, x)
      Shared()
        Filter(predicate=eq(#1, 'b'))
          Scan(s: k, tag)""",
    # The padded side of a LEFT join too, below an aggregate on its key (a padded row's key is
    # NULL, its group's too, and the join drops that), and across the LEFT join's equality into f.
    "SELECT a.k, a.c FROM (SELECT r.k, count(*) AS c FROM f LEFT JOIN r ON f.k = r.k GROUP BY r.k) a "
    "JOIN s ON a.k = s.k": """
Project(exprs=[#0, #1], names=['k', 'c'])
  Join(kind='inner', left_keys=[#0], right_keys=[#0], residual=None)
    Project(exprs=[#0, #1], names=['k', 'c'])
      Aggregate(keys=[#3], aggs=[count_star(*)], names=['#k0', '#a0'])
        Join(kind='left', left_keys=[#0], right_keys=[#0], residual=None)
          Join(kind='semi', left_keys=[#0], right_keys=[#0], residual=None)
            Scan(f: k, d, v)
            Shared()
              Scan(s: k, tag)
          Join(kind='semi', left_keys=[#0], right_keys=[#0], residual=None)
            Scan(r: k, w)
            Shared()
              Scan(s: k, tag)
    Shared()
      Scan(s: k, tag)""",
    # Below an aggregate grouped on the key, and past the join under it.
    'SELECT a.k, a.c FROM (SELECT k, count(*) AS c FROM f JOIN g ON f.d = g.d GROUP BY k) a JOIN s ON a.k = s.k': """
Project(exprs=[#0, #1], names=['k', 'c'])
  Join(kind='inner', left_keys=[#0], right_keys=[#0], residual=None)
    Project(exprs=[#0, #1], names=['k', 'c'])
      Aggregate(keys=[#0], aggs=[count_star(*)], names=['#k0', '#a0'])
        Join(kind='inner', left_keys=[#1], right_keys=[#0], residual=None)
          Join(kind='semi', left_keys=[#0], right_keys=[#0], residual=None)
            Scan(f: k, d, v)
            Shared()
              Scan(s: k, tag)
          Scan(g: d, x)
    Shared()
      Scan(s: k, tag)""",
    # A CTE read twice: the filtered reader gets a private copy cut inside (both self-join
    # sides, across its key equality); the other reader keeps the shared rows.
    'WITH w AS (SELECT f1.k, f1.v FROM f f1 JOIN f f2 ON f1.k = f2.k AND f1.d <> f2.d) SELECT count(*) FROM w UNION ALL SELECT count(*) FROM s WHERE k IN (SELECT k FROM w)': """
Project(exprs=[#0], names=['count_star()'])
  SetOp(kind='union', all=True)
    Project(exprs=[#0], names=['count_star()'])
      Aggregate(keys=[], aggs=[count_star(*)], names=['#a0'])
        Shared()
          Project(exprs=[#0, #2], names=['k', 'v'])
            Join(kind='inner', left_keys=[#0], right_keys=[#0], residual=ne(#1, #4))
              Scan(f: k, d, v)
              Scan(f: k, d, v)
    Project(exprs=[#0], names=['count_star()'])
      Aggregate(keys=[], aggs=[count_star(*)], names=['#a0'])
        Join(kind='semi', left_keys=[#0], right_keys=[#0], residual=None)
          Shared()
            Scan(s: k, tag)
          Project(exprs=[#0, #2], names=['k', 'v'])
            Join(kind='inner', left_keys=[#0], right_keys=[#0], residual=ne(#1, #4))
              Join(kind='semi', left_keys=[#0], right_keys=[#0], residual=None)
                Scan(f: k, d, v)
                Shared()
                  Scan(s: k, tag)
              Join(kind='semi', left_keys=[#0], right_keys=[#0], residual=None)
                Scan(f: k, d, v)
                Shared()
                  Scan(s: k, tag)""",
    # A presence test that keeps far fewer rows than the table's own filter runs first...
    "SELECT count(*) FROM f LEFT JOIN g ON f.d = g.d JOIN s ON f.k = s.k WHERE s.tag = 'b' AND f.v < 2000": """
Project(exprs=[#0], names=['count_star()'])
  Aggregate(keys=[], aggs=[count_star(*)], names=['#a0'])
    Join(kind='inner', left_keys=[#0], right_keys=[#0], residual=None)
      Join(kind='left', left_keys=[#1], right_keys=[#0], residual=None)
        Filter(predicate=lt(#2, 2000))
          Join(kind='semi', left_keys=[#0], right_keys=[#0], residual=None)
            Scan(f: k, d, v)
            Shared()
              Filter(predicate=eq(#1, 'b'))
                Scan(s: k, tag)
        Scan(g: d, x)
      Shared()
        Filter(predicate=eq(#1, 'b'))
          Scan(s: k, tag)""",
    # ... and after a filter that keeps fewer.
    "SELECT count(*) FROM f LEFT JOIN g ON f.d = g.d JOIN s ON f.k = s.k WHERE s.tag = 'b' AND f.v < 60": """
Project(exprs=[#0], names=['count_star()'])
  Aggregate(keys=[], aggs=[count_star(*)], names=['#a0'])
    Join(kind='inner', left_keys=[#0], right_keys=[#0], residual=None)
      Join(kind='left', left_keys=[#1], right_keys=[#0], residual=None)
        Join(kind='semi', left_keys=[#0], right_keys=[#0], residual=None)
          Filter(predicate=lt(#2, 60))
            Scan(f: k, d, v)
          Shared()
            Filter(predicate=eq(#1, 'b'))
              Scan(s: k, tag)
        Scan(g: d, x)
      Shared()
        Filter(predicate=eq(#1, 'b'))
          Scan(s: k, tag)""",
    # Right below its own join a semi join would repeat the join's work: none.
    'SELECT count(*) FROM f JOIN s ON f.k = s.k': """
Project(exprs=[#0], names=['count_star()'])
  Aggregate(keys=[], aggs=[count_star(*)], names=['#a0'])
    Join(kind='inner', left_keys=[#0], right_keys=[#0], residual=None)
      Scan(f: k, d, v)
      Scan(s: k, tag)""",
    # Below a window partitioned on the key (whole partitions go).
    'SELECT w.k, w.v, w.rn FROM (SELECT k, v, row_number() OVER (PARTITION BY k ORDER BY v) AS rn FROM f) w JOIN s ON w.k = s.k': """
Project(exprs=[#0, #1, #2], names=['k', 'v', 'rn'])
  Join(kind='inner', left_keys=[#0], right_keys=[#0], residual=None)
    Project(exprs=[#0, #2, #3], names=['k', 'v', 'rn'])
      Window(partition=[#0], order=[#2], calls=[row_number()], names=['#w3'])
        Join(kind='semi', left_keys=[#0], right_keys=[#0], residual=None)
          Scan(f: k, d, v)
          Shared()
            Scan(s: k, tag)
    Shared()
      Scan(s: k, tag)""",
    # Into both sides of a UNION ALL.
    'SELECT u.k, count(*) FROM (SELECT k FROM f UNION ALL SELECT k FROM r) u JOIN s ON u.k = s.k GROUP BY u.k': """
Project(exprs=[#0, #1], names=['k', 'count_star()'])
  Aggregate(keys=[#0], aggs=[count_star(*)], names=['#k0', '#a0'])
    Join(kind='inner', left_keys=[#0], right_keys=[#0], residual=None)
      Project(exprs=[#0], names=['k'])
        SetOp(kind='union', all=True)
          Project(exprs=[#0], names=['k'])
            Join(kind='semi', left_keys=[#0], right_keys=[#0], residual=None)
              Scan(f: k, d, v)
              Shared()
                Scan(s: k, tag)
          Project(exprs=[#0], names=['k'])
            Join(kind='semi', left_keys=[#0], right_keys=[#0], residual=None)
              Scan(r: k, w)
              Shared()
                Scan(s: k, tag)
      Shared()
        Scan(s: k, tag)""",
    # NOT IN's answer depends on the whole subquery (its NULLs, its emptiness): no filter for it.
    'SELECT count(*) FROM s WHERE k NOT IN (SELECT f.k FROM f JOIN g ON f.d = g.d WHERE f.k IS NOT NULL)': """
Project(exprs=[#0], names=['count_star()'])
  Aggregate(keys=[], aggs=[count_star(*)], names=['#a0'])
    Join(kind='anti_null_aware', left_keys=[#0], right_keys=[#0], residual=None)
      Scan(s: k, tag)
      Join(kind='inner', left_keys=[#1], right_keys=[#0], residual=None)
        Filter(predicate=not(is_null(#0)))
          Scan(f: k, d, v)
        Scan(g: d, x)""",
}


@pytest.fixture(scope="module")
def cons():
    return connections(TABLES)


@pytest.mark.parametrize("sql", list(GOLDEN))
def test_golden_plan(cons, sql):
    assert plan_text(cons[0], sql, RULES) == GOLDEN[sql].strip("\n")


MORE = [
    # outer joins of each kind under the selective join, the key on either side
    "SELECT f.k, f.v, r.w FROM f RIGHT JOIN r ON f.k = r.k JOIN s ON r.k = s.k",
    "SELECT f.k, r.k, f.v, r.w FROM f FULL JOIN r ON f.k = r.k AND f.v < r.w JOIN s ON f.k = s.k",
    "SELECT f.k, r.w FROM f LEFT JOIN r ON f.k = r.k AND r.w > 100 JOIN s ON coalesce(r.k, 3) = s.k",
    "SELECT s.k, f.v, r.w FROM s LEFT JOIN (f JOIN r ON f.k = r.k) ON s.k = f.k",
    # semi and anti joins whose small left side cuts the subquery
    "SELECT * FROM s WHERE EXISTS (SELECT 1 FROM f JOIN g ON f.d = g.d WHERE f.k = s.k AND g.x = 1)",
    "SELECT * FROM s WHERE NOT EXISTS (SELECT 1 FROM f JOIN g ON f.d = g.d WHERE f.k = s.k AND g.x = 1)",
    "SELECT * FROM s WHERE k IN (SELECT f.k FROM f LEFT JOIN r ON f.k = r.k WHERE r.w IS NULL)",
    "SELECT s.k, s.k IN (SELECT f.k FROM f JOIN g ON f.d = g.d) FROM s",
    # aggregates, windows and DISTINCT between the join and the table; keys that are expressions
    "SELECT a.k, a.c, a.m FROM (SELECT k, count(*) AS c, max(v) AS m FROM f GROUP BY k) a JOIN s ON a.k = s.k",
    "SELECT a.k, a.c FROM (SELECT k % 100 AS k, count(*) AS c FROM f GROUP BY k % 100) a JOIN s ON a.k = s.k",
    "SELECT a.d, a.c FROM (SELECT d, count(*) AS c FROM f GROUP BY ROLLUP (d, k)) a JOIN g ON a.d = g.d "
    "WHERE g.x = 2",
    "SELECT w.k, w.v, w.s FROM (SELECT k, v, sum(v) OVER (PARTITION BY k % 10) AS s FROM f) w "
    "JOIN s ON w.k = s.k",
    "SELECT DISTINCT f.k, g.x FROM f JOIN g ON f.d = g.d JOIN s ON f.k + 1 = s.k + 1",
    "SELECT t.k, t.v FROM (SELECT k, v FROM f ORDER BY v LIMIT 500) t JOIN s ON t.k = s.k",
    "SELECT u.k FROM (SELECT k FROM f EXCEPT ALL SELECT k FROM r) u JOIN s ON u.k = s.k",
    "SELECT u.k FROM (SELECT k FROM f INTERSECT SELECT k FROM r) u JOIN s ON u.k = s.k",
    # a CTE read by a filtered and by a plain reader, and by two differently filtered ones
    "WITH w AS (SELECT f.k, f.v, g.x FROM f JOIN g ON f.d = g.d) "
    "SELECT (SELECT count(*) FROM w), count(*), sum(w.v) FROM w JOIN s ON w.k = s.k",
    "WITH w AS (SELECT f1.k, f1.v FROM f f1 JOIN f f2 ON f1.k = f2.k AND f1.d <> f2.d) "
    "SELECT count(*) FROM s WHERE k IN (SELECT k FROM w) AND k IN (SELECT k FROM w WHERE v > 10)",
    # rows paired by their place: none may go below
    "SELECT a.fk, a.c FROM (SELECT f.k AS fk, count(r.w) AS c FROM f POSITIONAL JOIN r GROUP BY f.k) a "
    "JOIN s ON a.fk = s.k",
    # no key value in common, and NULL keys on both sides
    "SELECT count(*) FROM f JOIN g ON f.d = g.d JOIN s ON f.k = s.k + 1000",
    "SELECT count(*) FROM f JOIN g ON f.d = g.d JOIN r ON f.k = r.k JOIN s ON r.k = s.k",
]


@pytest.mark.parametrize("sql", list(GOLDEN) + MORE)
def test_same_rows_as_duckdb(cons, sql):
    assert same_rows(cons, sql)
