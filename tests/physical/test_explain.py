"""EXPLAIN is the operator tree, one line per operator written by its module, with column
names; EXPLAIN ANALYZE adds each operator's self time and rows, and the self times add up to
the total."""
from __future__ import annotations

import re

import pytest

import tqp

EMP = {"id": [1, 2, 3, 4, 5], "dept": ["a", "b", "a", None, "b"], "pay": [10.5, 20.0, None, 7.25, 3.0],
       "boss": [None, 1, 1, 2, 2]}
DEPT = {"name": ["a", "b", "c"], "floor": [1, 2, 2]}

GOLDEN = {
    "SELECT dept, count(*) AS n, avg(pay) FROM emp WHERE pay > 5 GROUP BY dept ORDER BY n DESC, dept LIMIT 2": """
Sort: n DESC, dept limit 2 (top-k)
  Project: dept, n := count(*), avg(pay)
    Aggregate: by dept; count(*), avg(pay) where pay > 5.0
      Scan emp: id, dept, pay, boss""",
    "SELECT e.id, d.floor FROM emp e JOIN dept d ON e.dept = d.name AND d.floor > e.id": """
Project: id, floor
  Join inner (equi): dept = name AND floor > id
    Scan emp: id, dept, pay, boss
    Scan dept: name, floor""",
    "SELECT id, rank() OVER (PARTITION BY dept ORDER BY pay DESC) AS r FROM emp": """
Project: id, r := rank()
  Window (partition by dept order by pay DESC): rank()
    Scan emp: id, dept, pay, boss""",
    "SELECT name FROM dept WHERE name NOT IN (SELECT dept FROM emp) UNION SELECT 'z'": """
Project: name
  SetOp: union
    Project: name
      Join anti_null_aware (equi): name = dept
        Scan dept: name, floor
        Scan emp: id, dept, pay, boss
    Project: 'z'
      Values: 1 row(s) of no columns""",
    "SELECT id FROM emp WHERE pay > (SELECT avg(pay) FROM emp) AND EXISTS (SELECT 1 FROM emp b WHERE b.boss = emp.id)": """
Project: id
  Join semi (equi): id = boss
    Filter: pay > (subquery)
      subquery: Project: avg(pay)
        Aggregate: avg(pay)
          Scan emp: id, dept, pay, boss
      Scan emp: id, dept, pay, boss
    Scan emp: id, dept, pay, boss""",
    "SELECT DISTINCT dept FROM emp LIMIT 3 OFFSET 1": """
Limit: 3 offset 1
  Distinct
    Project: dept
      Scan emp: id, dept, pay, boss""",
    "SELECT (id + 1) * 2 AS y, id - (boss - 1) FROM emp "
    "WHERE NOT (dept LIKE 'a%') AND (pay > 5 OR boss IS NULL) AND id IN (1, 2, 3)": """
Project: y := (id + 1) * 2, (id - (boss - 1)) := id - (boss - 1)
  Filter: NOT dept LIKE 'a%' AND (pay > 5.0 OR boss IS NULL) AND id IN (1, 2, 3)
    Scan emp: id, dept, pay, boss""",
    "SELECT e.id FROM emp e LEFT JOIN dept d ON e.dept = d.name AND (d.floor > e.id OR d.floor IS NULL)": """
Project: id
  Join left (equi): dept = name AND (floor > id OR floor IS NULL)
    Scan emp: id, dept, pay, boss
    Scan dept: name, floor""",
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) "
    "SELECT sum(n) FROM r, emp TABLESAMPLE 50% REPEATABLE (7) WHERE n = emp.id": """
Project: sum(n)
  Aggregate: sum(n)
    Project: n, id, dept, pay, boss
      Join inner (equi): id = CAST(n AS BIGINT)
        Sample: 50% (seed 7)
          Scan emp: id, dept, pay, boss
        Shared
          Recursive: union all of the base, then the step until it adds no row
            Project: 1
              Values: 1 row(s) of no columns
            Project: (n + 1) := n + 1
              Filter: n < 5
                WorkingTable: n (the rows the last iteration added)""",
    "SELECT dept, boss, sum(pay) FROM emp GROUP BY ROLLUP (dept, boss)": """
Project: dept, boss, sum(pay)
  SetOp: union all
    Project: dept, boss, sum(pay)
      Shared
        Aggregate: by dept, boss; sum(pay)
          Scan emp: id, dept, pay, boss
    Project: dept, NULL, sum(sum(pay))
      Shared
        Aggregate: by dept; sum(sum(pay))
          Shared (computed once, above)
    Project: NULL, NULL, sum(sum(sum(pay)))
      Aggregate: sum(sum(sum(pay)))
        Shared (computed once, above)""",
}

_STATS = re.compile(r"  \(self (\d+\.\d+) ms(?:, (\d+) calls)?, (\d+) rows\)$")


@pytest.fixture(scope="module")
def con():
    c = tqp.connect(device="cpu")
    c.register("emp", EMP)
    c.register("dept", DEPT)
    yield c
    c.close()


@pytest.mark.parametrize("sql", list(GOLDEN))
def test_explain_tree(con, sql):
    assert con.execute("EXPLAIN " + sql).fetchone()[0] == GOLDEN[sql].strip()


@pytest.mark.parametrize("sql", list(GOLDEN))
def test_explain_analyze(con, sql):
    lines = con.execute("EXPLAIN ANALYZE " + sql).fetchone()[0].splitlines()
    *tree, total = lines
    plain = [_STATS.sub("", line) for line in tree]
    assert plain == GOLDEN[sql].strip().splitlines()  # the same tree, each line with its stats
    stats = {i: _STATS.search(line) for i, line in enumerate(tree)}
    for i, line in enumerate(tree):  # an operator printed a second time (Shared) has no stats
        assert (stats[i] is None) == line.endswith("(computed once, above)"), line
    assert int(stats[0].group(3)) == len(con.execute(sql).fetchall())  # the root's rows are the result's
    for i, line in enumerate(tree):
        if stats[i] and line.strip().startswith("Scan emp"):
            assert int(stats[i].group(3)) == len(EMP["id"]) * int(stats[i].group(2) or 1)
    m = re.fullmatch(r"total (\d+\.\d+) ms \(operators' self times add up to (\d+\.\d+) ms\)", total)
    assert m, total
    self_sum = sum(float(s.group(1)) for s in stats.values() if s)
    assert abs(self_sum - float(m.group(2))) <= 0.01 * len(tree)  # the printed sum is the lines' sum
    assert abs(float(m.group(2)) - float(m.group(1))) <= 0.05 * float(m.group(1)) + 0.5


def test_analyze_self_time_excludes_inputs(con):
    """A parent's self time does not include its inputs': the self times of all operators add
    up to the statement's time, so no time is counted twice."""
    con.register("big", {"x": list(range(200_000)), "y": [i % 7 for i in range(200_000)]})
    text = con.execute("EXPLAIN ANALYZE SELECT y, sum(x) FROM big WHERE x % 3 = 0 GROUP BY y ORDER BY y").fetchone()[0]
    total = re.search(r"total (\d+\.\d+) ms \(operators' self times add up to (\d+\.\d+) ms\)", text)
    assert float(total.group(2)) <= float(total.group(1)) * 1.05 + 0.5, text
    assert float(total.group(2)) >= float(total.group(1)) * 0.8 - 0.5, text


def test_explain_refuses_statements(con):
    with pytest.raises(tqp.NotSupportedError, match="EXPLAIN"):
        con.execute("EXPLAIN CREATE TABLE z (a INTEGER)")
