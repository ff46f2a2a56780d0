-- bug: three tables joined by a cycle of equalities: one equality is dropped (EXPLAIN shows two joins with one key each)
CREATE TABLE t1 (k INTEGER);
INSERT INTO t1 VALUES (1);
CREATE TABLE t2 (x INTEGER, y INTEGER, v BIGINT);
INSERT INTO t2 VALUES (NULL, 1, 2), (9, 5, -5);
-- query
SELECT a2.v FROM t1 AS a1 JOIN t2 AS a2 ON a1.k = a2.x JOIN t2 AS a3 ON a2.y = a3.y AND a1.k = a3.y;
-- DuckDB: 0 rows.  tqp: 1 row (2)
