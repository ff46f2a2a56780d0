-- fixed bug: LIKE '%b_' on a VARCHAR column whose values are all '' (byte width 0) raises InternalError in kernels/strings.py _at
-- found by: differential / TLP (like family; also '' LIKE ... on constants over empty inputs)
CREATE TABLE t (s VARCHAR);
INSERT INTO t VALUES (''), ('');
-- query
SELECT s FROM t WHERE s LIKE '%b_';
-- DuckDB: 0 rows.  tqp: InternalError: RuntimeError: index -1 is out of bounds for dimension 1 with size 0
