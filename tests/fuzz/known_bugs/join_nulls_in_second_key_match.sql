-- bug: a WHERE equality between the two sides of a join becomes a second join key on which NULL matches NULL
-- found by: TLP / differential (e.g. seed 3 case 330 with --features=joins,null_literals,strings,derived,groupby)
CREATE TABLE t3 (f0 DOUBLE, o0 BOOLEAN);
INSERT INTO t3 VALUES (2.0, NULL);
-- query
SELECT a1.f0 FROM t3 AS a1 JOIN t3 AS a2 ON (a1.f0 = a2.f0) WHERE (a2.o0 = a1.o0);
-- DuckDB: 0 rows.  tqp: 1 row (2.0)
