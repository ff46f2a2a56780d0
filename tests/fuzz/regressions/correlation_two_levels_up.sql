-- fixed bug: a subquery nested in a subquery referring to the outermost query: ProgrammingError 'table "a8" not found'
-- found by: NoREC (seed 3 case 698, correlated family)
CREATE TABLE t1 (i0 INTEGER);
INSERT INTO t1 VALUES (1), (2);
CREATE TABLE t2 (i0 INTEGER);
INSERT INTO t2 VALUES (1), (3);
-- query
SELECT a8.i0 FROM t1 AS a8 WHERE EXISTS (SELECT * FROM t2 AS a13 WHERE EXISTS (SELECT 1 FROM t2 AS a14 WHERE a14.i0 > a8.i0));
-- DuckDB: 2 rows (1), (2).  tqp: ProgrammingError
