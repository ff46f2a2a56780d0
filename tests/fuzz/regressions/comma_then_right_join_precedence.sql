-- bug: FROM a, b RIGHT JOIN c ON b.x = c.x means a CROSS JOIN (b RIGHT JOIN c); tqp computes (a CROSS JOIN b) RIGHT JOIN c
-- found by: differential (mixed_joins family)
CREATE TABLE t0 (i0 INTEGER);
INSERT INTO t0 VALUES (1), (2);
CREATE TABLE t1 (i0 INTEGER);
INSERT INTO t1 VALUES (5);
-- query
SELECT a1.i0, a3.i0 FROM t0 AS a1, t0 AS a2 RIGHT JOIN t1 AS a3 ON (a2.i0 = a3.i0);
-- DuckDB: 2 rows (1, 5), (2, 5).  tqp: 1 row (NULL, 5)
