-- bug: -max(NULL) OVER (...) raises InternalError "Negation, the `-` operator, on a bool tensor is not supported"
-- (compile/expr.py _neg): the window aggregate of a bare NULL comes out as a bool tensor; -max(NULL) without OVER is fine
-- found by: differential (seed 3002 case 1551, default families + window, engine 37a3c1e)
CREATE TABLE t (i INTEGER);
INSERT INTO t VALUES (1), (2);
-- query
SELECT -max(NULL) OVER (ORDER BY i) AS c0 FROM t;
-- DuckDB: 2 rows (NULL), (NULL).  tqp: InternalError
