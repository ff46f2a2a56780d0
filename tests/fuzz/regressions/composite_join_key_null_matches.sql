-- bug: with two equalities between the joined tables (one in ON, one in WHERE), a NULL in the second key matches
-- anything: 'ä' = NULL and NULL = NULL rows are joined
-- found by: NoREC (campaign profile p2_strings, seed 2002 case 370), also p3_exprs seed 2003 cases 1092 / 1101
CREATE TABLE t0 (s0 VARCHAR, o0 BOOLEAN, i1 INTEGER);
INSERT INTO t0 VALUES (NULL, FALSE, 5), (NULL, TRUE, NULL);
CREATE TABLE t2 (i1 INTEGER, s0 VARCHAR);
INSERT INTO t2 VALUES (3, 'ä');
-- query
SELECT COUNT(*) FROM t2 AS a1, t0 AS a2 WHERE (a1.s0 = a2.s0) AND ((FALSE = a2.o0) = (a1.i1 BETWEEN a1.i1 AND a1.i1));
-- DuckDB: 0.  tqp: 1
