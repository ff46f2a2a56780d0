-- bug: CASE x WHEN NULL THEN y END (folds to NULL) on the left of IN (subquery), over a join of two tables:
-- ProgrammingError 'table "a2" not found in this query' (a reference dropped by folding is still looked up)
-- found by: differential (seed 5 case 2, PASSING + untyped_null families)
CREATE TABLE t (i INTEGER, b BOOLEAN);
INSERT INTO t VALUES (1, TRUE), (2, FALSE);
-- query
SELECT 1 AS c FROM t AS a1, t AS a2 WHERE CASE a2.b WHEN NULL THEN a1.i END IN (SELECT max(i) FROM t);
-- DuckDB: 0 rows.  tqp: ProgrammingError
