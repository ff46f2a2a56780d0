-- fixed bug: a WHERE predicate that is TRUE on the NULL-extended row of a LEFT JOIN ((x <> (NOT a2.m0 IS NULL))) drops that row;
-- the LEFT JOIN is apparently treated as inner (the predicate is taken for NULL-rejecting)
-- found by: TLP (seed 1 case 174, default features)
CREATE TABLE t0 (b0 BIGINT, m0 DECIMAL(10,2));
CREATE TABLE t2 (i0 INTEGER, i1 INTEGER, b0 BIGINT);
INSERT INTO t2 VALUES (3, 1, 0);
-- query
SELECT COUNT(*) AS c1 FROM t2 AS a1 LEFT JOIN t0 AS a2 ON (a1.b0 = a2.b0) WHERE ((1 BETWEEN a1.i1 AND a1.i0) <> (NOT a2.m0 IS NULL));
-- DuckDB: 1.  tqp: 0
