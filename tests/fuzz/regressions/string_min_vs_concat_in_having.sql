-- bug: min() over a VARCHAR group that is NULL, compared in HAVING with another string expression:
-- InternalError IndexError "index 2147483647 is out of bounds" (compile/expr.py unify_strings); the NULLIF / IN
-- forms of this were fixed (regressions/string_min_of_null_group_compared.sql), this one remains
-- found by: differential (seed 101 case 264, PASSING families)
CREATE TABLE t0 (s0 VARCHAR);
INSERT INTO t0 VALUES (NULL), ('a ');
-- query
SELECT a1.s0 AS c0 FROM t0 AS a1 GROUP BY a1.s0 HAVING ((a1.s0 || a1.s0) IS NOT DISTINCT FROM MIN(a1.s0));
-- DuckDB: 1 row (NULL).  tqp: InternalError
