-- fixed bug: an expression that folds to a NULL constant (s || CAST(NULL AS TEXT)) next to a column of an empty join result:
-- InternalError ArrowInvalid "expected length 0 but got length 1" (the constant is not broadcast to 0 rows)
-- found by: differential (seed 3 case 52, default features)
CREATE TABLE t2 (i0 INTEGER, s1 VARCHAR);
CREATE TABLE t3 (i1 INTEGER, m0 DECIMAL(10,2));
-- query
SELECT a2.m0 AS c2, (CAST(NULL AS TEXT) || a1.s1) AS c3 FROM t2 AS a1 JOIN t3 AS a2 ON (a1.i0 = a2.i1);
-- DuckDB: 0 rows.  tqp: InternalError
