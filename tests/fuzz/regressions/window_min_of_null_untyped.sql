-- bug: min(NULL) OVER (...) / max(NULL) OVER () were typed INTEGER, so COALESCE(..., varchar) and
-- CASE ... THEN varchar ... THEN max(NULL) OVER () END raised "cannot mix INTEGER and VARCHAR"
-- found by: differential (seed 51, cases 5343 and 6276, window family)
CREATE TABLE t2 (s0 VARCHAR, i2 INTEGER);
INSERT INTO t2 VALUES ('a', 1), ('b', 2), (NULL, 3);
-- query
SELECT COALESCE(min(NULL) OVER (PARTITION BY 1 ORDER BY i2), s0) AS c0, CASE i2 WHEN 1 THEN 'x' WHEN 2 THEN max(NULL) OVER () END AS c1 FROM t2;
-- DuckDB: ('a', 'x'), ('b', NULL), (NULL, NULL).  tqp: ProgrammingError
