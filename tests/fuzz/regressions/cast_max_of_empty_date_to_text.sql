-- fixed bug: CAST(MAX(date) AS TEXT) over an empty FULL JOIN side formatted the garbage under a NULL (InternalError: OverflowError in _format_value)
-- found by: differential, seed 32 case 6591 of the final 20,000-query campaign
-- (replay loads the tables below into DuckDB, then into tqp with con.register(name, arrow_table))
-- reduced: yes
-- signature: InternalError: OverflowError: days=N; must have magnitude <= N @ compile/expr.py:_format_value
-- detail: OverflowError: days=-2147483648; must have magnitude <= 999999999
CREATE TABLE t0 (o0 BOOLEAN);
INSERT INTO t0 VALUES (NULL);
CREATE TABLE t1 (i0 INTEGER, b0 BIGINT, i1 INTEGER, d0 DATE, f0 DOUBLE, d1 DATE, d2 DATE);
-- query
WITH q0 AS (SELECT (CAST(0 AS BIGINT) IS NULL) AS c1, CAST('1970-01-01' AS DATE) AS c2 FROM t1 AS a1) SELECT CAST(MAX(a3.c2) AS TEXT) AS c1 FROM t0 AS a2 FULL JOIN q0 AS a3 ON (a2.o0 = a3.c1);
-- DuckDB: 1 row(s); c1 string
-- (None,)
-- tqp:    InternalError: OverflowError: days=-2147483648; must have magnitude <= 999999999
-- original query:
-- WITH q0 AS (SELECT a1.d0 AS c0, ((CAST(0 AS BIGINT) / NULLIF(0, 0)) IS NOT NULL) AS c1, (COALESCE(DATE '1970-01-01', a1.d0, a1.d0) + -1) AS c2 FROM t1 AS a1 GROUP BY a1.d0) SELECT CASE WHEN ('Hello World' ILIKE 'a%') THEN a3.c0 ELSE a3.c2 END AS c0, CAST(max(NULLIF(a3.c2, a3.c0)) AS VARCHAR) AS c1, NULLIF(CASE WHEN ('Hello World' ILIKE 'a%') THEN a3.c0 ELSE a3.c2 END, CASE WHEN ('Hello World' ILIKE 'a%') THEN a3.c0 ELSE a3.c2 END) AS c2, FALSE AS c3 FROM t0 AS a2 FULL JOIN q0 AS a3 ON (a2.o0 = a3.c1) AND (a2.i0 IN ((-1), NULL, 3, 2)) GROUP BY CASE WHEN ('Hello World' ILIKE 'a%') THEN a3.c0 ELSE a3.c2 END
