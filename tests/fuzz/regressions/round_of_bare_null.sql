-- bug: round(NULL, 1) raises ProgrammingError "round() needs a number, not NULL"; DuckDB gives NULL
-- found by: differential (untyped_null family)
CREATE TABLE t2 (i0 INTEGER);
INSERT INTO t2 VALUES (1);
-- query
SELECT round(NULL, 1) AS c0 FROM t2;
-- DuckDB: NULL.  tqp: ProgrammingError
