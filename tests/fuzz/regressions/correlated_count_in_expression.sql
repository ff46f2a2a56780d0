-- fixed bug: a correlated scalar subquery whose aggregate is wrapped in an expression, (SELECT CAST(count(*) AS VARCHAR) ...),
-- gives NULL for outer rows with no match; it must be the expression of count = 0 ('0') (the "COUNT bug" of decorrelation)
-- found by: differential (campaign profile p4_subqueries, seed 2004 cases 588 and 1874)
CREATE TABLE t0 (f0 DOUBLE);
INSERT INTO t0 VALUES (1.0), (NULL);
-- query
SELECT a1.f0, (SELECT CAST(count(*) AS VARCHAR) FROM t0 AS a4 WHERE (a4.f0 = a1.f0)) AS c0, (SELECT count(*) + 1 FROM t0 AS a4 WHERE (a4.f0 = a1.f0)) AS c1 FROM t0 AS a1;
-- DuckDB: (1.0, '1', 2), (NULL, '0', 1).  tqp: NULL instead of '0' / 1
