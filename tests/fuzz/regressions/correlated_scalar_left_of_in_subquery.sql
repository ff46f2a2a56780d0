-- bug: a correlated scalar subquery on the left of IN (subquery), or an uncorrelated EXISTS inside
-- such a left side, was refused ("a correlated subquery in this position"): the left side was bound
-- without the outer rows' builder
-- found by: differential / TLP (seed 41, cases 25, 104, 247, 250)
CREATE TABLE t0 (i0 INTEGER, b0 BIGINT);
INSERT INTO t0 VALUES (1, 10), (2, 20), (3, 30), (NULL, 5);
CREATE TABLE t1 (i0 INTEGER, b1 BIGINT);
INSERT INTO t1 VALUES (1, 1), (2, 1), (2, 2), (5, NULL);
-- query
SELECT a.i0, a.b0 FROM t0 AS a WHERE ((SELECT count(*) FROM t1 AS c WHERE c.i0 >= a.i0) IN (SELECT count(*) + 2 FROM t1 AS d GROUP BY d.b1)) OR ((a.b0 > 6) OR NOT EXISTS (SELECT * FROM t1 AS e)) IN (SELECT e.b1 > 0 FROM t1 AS e WHERE e.i0 = a.i0);
-- DuckDB: (1, 10), (2, 20).  tqp: NotSupportedError
