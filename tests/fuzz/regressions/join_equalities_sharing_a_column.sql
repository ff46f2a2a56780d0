-- bug: equalities a1.i1 = a2.i1 (ON) and a2.i1 = a1.i0 (WHERE) share a2.i1; tqp keeps only one of them
-- found by: differential (seed 3 case 254 with --features=joins,null_literals,strings,derived,groupby); the same
-- happens with a cycle over three tables: t1 JOIN t2 a2 ON t1.k = a2.x JOIN t2 a3 ON a2.y = a3.y AND t1.k = a3.y
CREATE TABLE t0 (i0 INTEGER, i1 INTEGER);
INSERT INTO t0 VALUES (1, NULL);
CREATE TABLE t2 (i0 INTEGER, i1 INTEGER);
INSERT INTO t2 VALUES (NULL, 1), (-3, NULL);
-- query
SELECT a1.i0 FROM t0 AS a1 JOIN t2 AS a2 ON (a1.i1 = a2.i1) WHERE (a2.i1 = a1.i0);
-- DuckDB: 0 rows.  tqp: 1 row (1)
