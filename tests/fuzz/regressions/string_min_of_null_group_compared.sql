-- fixed bug: min/max over VARCHAR with an all-NULL group, then used with another string (NULLIF / IN / comparison):
-- InternalError: IndexError index 2147483647 is out of bounds (compile/expr.py unify_strings)
-- found by: differential / TLP (string_minmax family)
CREATE TABLE t2 (i0 INTEGER, s0 VARCHAR);
INSERT INTO t2 VALUES (1, 'a'), (2, NULL);
-- query
SELECT NULLIF(lower(s0), min(s0)) AS c1 FROM t2 GROUP BY s0;
-- DuckDB: 2 rows (NULL), (NULL).  tqp: InternalError
