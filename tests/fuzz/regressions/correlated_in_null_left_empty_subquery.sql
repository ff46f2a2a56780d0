-- fixed bug: x IN (correlated subquery) with x NULL and no matching subquery row gives NULL; it must be FALSE (empty set)
-- found by: differential (seed 1 case 287, default features)
CREATE TABLE t0 (i0 INTEGER, b0 BIGINT);
INSERT INTO t0 VALUES (NULL, 1);
CREATE TABLE t2 (i1 INTEGER, b0 BIGINT);
INSERT INTO t2 VALUES (10, 30000000000);
-- query
SELECT (a6.i0 IN (SELECT a7.i1 FROM t2 AS a7 WHERE (a7.b0 = a6.b0))) AS c3 FROM t0 AS a6;
-- DuckDB: FALSE.  tqp: NULL
