-- fixed bug: an outer column in the SELECT list of an IN subquery: ProgrammingError 'table "a1" not found in this query'
-- (DuckDB answers; tqp should answer or raise NotSupportedError)
-- found by: differential (correlated_select family)
CREATE TABLE t0 (s0 VARCHAR, d0 DATE);
INSERT INTO t0 VALUES ('2020-01-01', DATE '2020-01-01'), ('x', DATE '2021-06-15');
CREATE TABLE t2 (i0 INTEGER);
INSERT INTO t2 VALUES (1);
-- query
SELECT a1.d0 FROM t0 AS a1 WHERE (a1.s0 IN (SELECT CAST(a1.d0 AS VARCHAR) FROM t2 AS a3));
-- DuckDB: 1 row (2020-01-01).  tqp: ProgrammingError
