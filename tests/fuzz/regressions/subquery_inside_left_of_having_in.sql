-- bug: in HAVING, a subquery inside the left side of IN (subquery) reached the compiler as an
-- unfilled placeholder: NotSupportedError "expression _Pending"
-- found by: differential (seed 42, case 1404)
CREATE TABLE t1 (g INTEGER, b BIGINT);
INSERT INTO t1 VALUES (1, 10), (1, 20), (2, 30), (3, NULL);
CREATE TABLE t2 (v DOUBLE);
INSERT INTO t2 VALUES (1.0), (3.0);
-- query
SELECT g, count(*) FROM t1 GROUP BY g HAVING CASE WHEN g NOT IN (SELECT abs(b) FROM t1 WHERE b > 15) THEN 1.0 ELSE 3.0 END IN (SELECT v FROM t2);
-- DuckDB: (1, 2), (2, 1), (3, 1).  tqp: NotSupportedError
