-- bug: a bare NULL literal next to a VARCHAR is typed INTEGER instead of taking the other side's type:
-- NULL = 'abc' raises ProgrammingError "cannot cast VARCHAR to NULL"; (SELECT min(NULL) ...) <> s0,
-- COALESCE(max('b'), NULL, min(NULL)) and CASE s WHEN s THEN NULL END > s raise "cannot compare/mix VARCHAR and INTEGER"
-- found by: differential / TLP (untyped_null family; seeds 1002-1004)
CREATE TABLE t0 (f0 DOUBLE, s0 VARCHAR);
INSERT INTO t0 VALUES (1.5, 'abc');
-- query
SELECT a2.f0 AS c1, (NULL = 'abc') AS e1, ((SELECT min(NULL) FROM t0) <> a2.s0) AS e2 FROM t0 AS a2;
-- DuckDB: (1.5, NULL, NULL).  tqp: ProgrammingError
