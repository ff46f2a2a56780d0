"""Golden plans for join ordering (SQL in, plan text out after filter pushdown and ordering):
inner joins are built from the estimates, not the order they are written in; and the same
queries' answers checked against DuckDB."""
from __future__ import annotations

import pyarrow as pa
import pytest

from tqp.optimizer import factor_ors, order_joins, push_filters, push_semi_joins

from .golden import connections, plan_text, same_rows

RULES = (factor_ors, push_filters, push_semi_joins, order_joins)
N = 2000
TABLES = {
    "fact": pa.table({"id": list(range(N)), "d": [i % 50 for i in range(N)], "c": [i % 400 for i in range(N)],
                      "q": [i % 7 for i in range(N)]}),
    "fact2": pa.table({"c": [i % 400 for i in range(N)], "d": [i % 50 for i in range(N)],
                       "q": [None if i % 9 == 0 else i % 5 for i in range(N)]}),
    "dates": pa.table({"d": list(range(50)), "year": [2000 + i // 10 for i in range(50)],
                       "week": [i // 7 for i in range(50)]}),
    "cust": pa.table({"c": list(range(400)), "state": ["CA" if i % 8 == 0 else "NY" for i in range(400)]}),
}

GOLDEN = {
    # Written fact-first, the two fact tables would meet on c alone (10,000 pairs); each is
    # joined to its filtered dimension first and the two small results meet last.
    "SELECT count(*) FROM fact, fact2, dates, cust WHERE fact.c = fact2.c AND fact.d = dates.d "
    "AND fact2.c = cust.c AND dates.year = 2001 AND cust.state = 'CA'": """
Project(exprs=[#0], names=['count_star()'])
  Aggregate(keys=[], aggs=[count_star(*)], names=['#a0'])
    Project(exprs=[#5, #6, #7, #8, #0, #1, #2, #9, #10, #11, #3, #4], names=['id', 'd', 'c', 'q', 'c', 'd', 'q', 'd', 'year', 'week', 'c', 'state'])
      Join(kind='inner', left_keys=[#0], right_keys=[#2], residual=None)
        Join(kind='inner', left_keys=[#0], right_keys=[#0], residual=None)
          Scan(fact2: c, d, q)
          Filter(predicate=eq(#1, 'CA'))
            Scan(cust: c, state)
        Join(kind='inner', left_keys=[#1], right_keys=[#0], residual=None)
          Scan(fact: id, d, c, q)
          Filter(predicate=eq(#1, 2001))
            Scan(dates: d, year, week)""",
    # TPC-DS q72's shape: the week of one date meets every date of that week (a self join on
    # a non-key), only after the year filter made the first side small.
    "SELECT count(*) FROM dates d1, dates d2, fact WHERE d1.week = d2.week AND fact.d = d2.d AND d1.year = 2001": """
Project(exprs=[#0], names=['count_star()'])
  Aggregate(keys=[], aggs=[count_star(*)], names=['#a0'])
    Project(exprs=[#7, #8, #9, #4, #5, #6, #0, #1, #2, #3], names=['d', 'year', 'week', 'd', 'year', 'week', 'id', 'd', 'c', 'q'])
      Join(kind='inner', left_keys=[#1], right_keys=[#0], residual=None)
        Scan(fact: id, d, c, q)
        Join(kind='inner', left_keys=[#2], right_keys=[#2], residual=None)
          Scan(dates: d, year, week)
          Filter(predicate=eq(#1, 2001))
            Scan(dates: d, year, week)""",
    # Explicit JOIN ... ON is ordered the same way, and a projection restores the written
    # column order for the SELECT list.
    "SELECT fact.id, dates.week FROM fact JOIN cust ON cust.c = fact.c JOIN dates ON fact.d = dates.d "
    "WHERE dates.year = 2003": """
Project(exprs=[#0, #8], names=['id', 'week'])
  Project(exprs=[#2, #3, #4, #5, #0, #1, #6, #7, #8], names=['id', 'd', 'c', 'q', 'c', 'state', 'd', 'year', 'week'])
    Join(kind='inner', left_keys=[#0], right_keys=[#2], residual=None)
      Scan(cust: c, state)
      Join(kind='inner', left_keys=[#1], right_keys=[#0], residual=None)
        Scan(fact: id, d, c, q)
        Filter(predicate=eq(#1, 2003))
          Scan(dates: d, year, week)""",
    # Two equalities between the same pair of tables are both keys of one join; a non-equi
    # condition is a residual of the join that brings its tables together.
    "SELECT count(*) FROM fact2, fact, dates WHERE fact.c = fact2.c AND fact.d = fact2.d "
    "AND fact.q < fact2.q AND dates.d = fact.d AND dates.week = 1": """
Project(exprs=[#0], names=['count_star()'])
  Aggregate(keys=[], aggs=[count_star(*)], names=['#a0'])
    Join(kind='inner', left_keys=[#0, #1], right_keys=[#2, #1], residual=lt(#6, #2))
      Scan(fact2: c, d, q)
      Join(kind='inner', left_keys=[#1], right_keys=[#0], residual=None)
        Scan(fact: id, d, c, q)
        Filter(predicate=eq(#2, 1))
          Scan(dates: d, year, week)""",
    # A table no predicate connects is crossed with the rest last, smallest first.
    "SELECT count(*) FROM fact, dates, cust WHERE fact.d = dates.d AND cust.state = 'CA' AND dates.year = 2000": """
Project(exprs=[#0], names=['count_star()'])
  Aggregate(keys=[], aggs=[count_star(*)], names=['#a0'])
    Join(kind='cross', left_keys=[], right_keys=[], residual=None)
      Join(kind='inner', left_keys=[#1], right_keys=[#0], residual=None)
        Scan(fact: id, d, c, q)
        Filter(predicate=eq(#1, 2000))
          Scan(dates: d, year, week)
      Filter(predicate=eq(#1, 'CA'))
        Scan(cust: c, state)""",
    # The inner joins under an outer join are ordered on their own; the LEFT JOIN stays where it was written.
    "SELECT count(f2.q) FROM fact JOIN dates ON fact.d = dates.d JOIN cust ON fact.c = cust.c "
    "LEFT JOIN fact2 f2 ON f2.c = fact.c AND f2.d = fact.d WHERE dates.year = 2004 AND cust.state = 'CA'": """
Project(exprs=[#0], names=['count(f2.q)'])
  Aggregate(keys=[], aggs=[count(#11)], names=['#a0'])
    Join(kind='left', left_keys=[#2, #1], right_keys=[#0, #1], residual=None)
      Join(kind='inner', left_keys=[#2], right_keys=[#0], residual=None)
        Join(kind='inner', left_keys=[#1], right_keys=[#0], residual=None)
          Scan(fact: id, d, c, q)
          Filter(predicate=eq(#1, 2004))
            Scan(dates: d, year, week)
        Filter(predicate=eq(#1, 'CA'))
          Scan(cust: c, state)
      Scan(fact2: c, d, q)""",
}


@pytest.fixture(scope="module")
def cons():
    return connections(TABLES)


@pytest.mark.parametrize("sql", list(GOLDEN))
def test_golden_plan(cons, sql):
    assert plan_text(cons[0], sql, RULES) == GOLDEN[sql].strip("\n")


MORE = [
    "SELECT fact.id, dates.week, cust.state FROM fact JOIN dates ON fact.d = dates.d, cust "
    "WHERE cust.c = fact.c AND fact.id < 100",
    "SELECT a.id, b.id FROM fact a, fact b WHERE a.c = b.c AND a.d = b.d AND a.id < b.id AND a.q = 3",
    "WITH w AS (SELECT c, count(*) AS n FROM fact2 GROUP BY c) SELECT x.c, y.n FROM w x, w y, cust "
    "WHERE x.c = y.c AND cust.c = x.c AND cust.state = 'CA'",
    "SELECT count(*) FROM fact, fact2 WHERE fact.q = fact2.q AND fact.c < 3",
    "SELECT count(*) FROM fact2 a, fact2 b WHERE a.q = b.q AND a.c < 3",
    "SELECT count(*), sum(f2.q) FROM fact, dates, fact2 f2 WHERE fact.d = dates.d AND f2.c = fact.c "
    "AND (dates.year = 2001 AND f2.q = 1 OR dates.year = 2002 AND f2.q = 2)",
    "SELECT count(*) FROM fact, dates WHERE fact.d = dates.d AND 1 = 1 AND dates.week > 3",
    "SELECT * FROM fact, dates, cust WHERE fact.d = dates.d AND fact.c = cust.c AND fact.id > 1990 ORDER BY fact.id",
]


@pytest.mark.parametrize("sql", list(GOLDEN) + MORE)
def test_same_rows_as_duckdb(cons, sql):
    assert same_rows(cons, sql)
