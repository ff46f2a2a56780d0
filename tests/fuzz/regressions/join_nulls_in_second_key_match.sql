-- bug: an equi-join with two keys where one equality is written right-table-first (a2.i = a1.i) does not reject NULL
-- keys: NULL matches NULL (the same equality written a1.i = a2.i, or alone, is right).  Other fuzzer shapes of this bug:
-- join_equalities_sharing_a_column.sql, join_cycle_of_equalities.sql, composite_join_key_null_matches.sql
-- found by: TLP / NoREC / differential (e.g. seed 3 case 330 with --features=joins,null_literals,strings,derived,groupby)
CREATE TABLE t (f DOUBLE, i INTEGER);
INSERT INTO t VALUES (2.0, NULL);
-- query
SELECT count(*) AS n FROM t AS a1 JOIN t AS a2 ON a1.f = a2.f AND a2.i = a1.i;
-- DuckDB: 0.  tqp: 1 (with "AND a1.i = a2.i" tqp gives 0)
