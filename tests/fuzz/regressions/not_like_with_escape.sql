-- bug: x NOT LIKE 'pattern' ESCAPE '\' gives the LIKE result (the NOT is lost when there is an ESCAPE clause)
-- found by: differential (seed 1001 case 470, default features)
CREATE TABLE t3 (s1 VARCHAR);
INSERT INTO t3 VALUES ('A'), ('50%');
-- query
SELECT s1, (s1 NOT LIKE '50\%' ESCAPE '\') AS nl, (s1 LIKE '50\%' ESCAPE '\') AS l FROM t3;
-- DuckDB: ('A', TRUE, FALSE), ('50%', FALSE, TRUE).  tqp: NOT LIKE equals LIKE
