"""DuckDB users' DDL, DML and catalog statements, each script run statement by statement on tqp
and DuckDB: every query gives the same rows, every statement DuckDB refuses tqp refuses too
(with a PEP 249 error), and a refused statement leaves the tables as the next query shows."""
from __future__ import annotations

import re

import duckdb
import pytest

import tqp
from tqp.errors import DatabaseError, InternalError

_WRITES = re.compile(r"^\s*(WITH\b.*\b)?(INSERT|UPDATE|DELETE|TRUNCATE|CREATE|COPY)\b", re.IGNORECASE | re.DOTALL)


def _rows(cursor):
    rows = [tuple(bytes(v) if isinstance(v, (bytearray, memoryview)) else v for v in r) for r in cursor.fetchall()]
    return sorted(rows, key=repr)


def run_script(script: str) -> None:
    t, d = tqp.connect("cpu"), duckdb.connect()
    for sql in (s.strip() for s in script.split(";\n") if s.strip()):
        try:
            want = d.execute(sql)
            want = _rows(want) if want.description else None
        except duckdb.Error:
            with pytest.raises(DatabaseError) as err:
                t.execute(sql)
            assert not isinstance(err.value, InternalError), sql
            continue
        got = t.execute(sql)
        if got.description is None:  # DuckDB answers a write with its row count, DB-API with rowcount
            assert want in (None, []) or _WRITES.match(sql), sql
            if want and got.rowcount >= 0:
                assert [(got.rowcount,)] == want, sql
            continue
        assert _rows(got) == want, sql


ALTER_COLUMN = """
CREATE TABLE t (a INT, b VARCHAR DEFAULT 'q');
INSERT INTO t VALUES (1, 'x'), (2, 'y');
ALTER TABLE t ALTER COLUMN a TYPE VARCHAR;
DESCRIBE t;
SELECT * FROM t;
ALTER TABLE t ALTER COLUMN a SET DATA TYPE BIGINT;
ALTER TABLE t ALTER COLUMN a TYPE INT USING a * 10;
SELECT * FROM t;
ALTER TABLE t ALTER COLUMN a SET DEFAULT 7;
INSERT INTO t (b) VALUES ('d');
ALTER TABLE t ALTER COLUMN a DROP DEFAULT;
INSERT INTO t (b) VALUES ('e');
SELECT * FROM t;
ALTER TABLE t ALTER COLUMN b SET NOT NULL;
INSERT INTO t (a, b) VALUES (1, NULL);
ALTER TABLE t ALTER COLUMN b DROP NOT NULL;
INSERT INTO t (a, b) VALUES (1, NULL);
ALTER TABLE t ALTER COLUMN b SET NOT NULL;
ALTER TABLE t ALTER COLUMN b TYPE INT;
ALTER TABLE t ALTER a TYPE DOUBLE;
ALTER TABLE t ALTER COLUMN zz TYPE INT;
DESCRIBE t;
SELECT * FROM t
"""

INSERT_FORMS = """
CREATE TABLE t (a INT, b VARCHAR);
INSERT INTO t BY NAME SELECT 'q' AS b, 5 AS a;
INSERT INTO t BY NAME SELECT 'only' AS b;
INSERT INTO t BY NAME SELECT 1 AS zzz;
INSERT INTO t BY POSITION SELECT 9, 'n';
CREATE TEMP TABLE tt AS SELECT 1 AS one;
SELECT * FROM temp.main.tt;
SELECT * FROM temp.tt;
CREATE VIEW v2 (a, b) AS SELECT 1;
CREATE VIEW v3 (a) AS SELECT 1 AS x, 2 AS y;
SELECT * FROM v3;
DESCRIBE v3;
SELECT * FROM t
"""


@pytest.mark.parametrize("script", [ALTER_COLUMN, INSERT_FORMS], ids=["alter_column", "insert_forms"])
def test_script(script):
    run_script(script)


SEQUENCES = """
CREATE SEQUENCE s;
SELECT nextval('s');
SELECT nextval('s');
SELECT currval('s');
CREATE SEQUENCE s;
CREATE SEQUENCE IF NOT EXISTS s;
CREATE SEQUENCE s2 START 10 INCREMENT BY 5;
SELECT nextval('s2'), nextval('s2');
CREATE SEQUENCE s3 START WITH 2 INCREMENT BY 2 MINVALUE 1 MAXVALUE 5 CYCLE;
SELECT nextval('s3') FROM range(7);
CREATE SEQUENCE d INCREMENT -3 MINVALUE -7 MAXVALUE -1 CYCLE;
SELECT nextval('d') FROM range(7);
CREATE SEQUENCE neg INCREMENT BY -1;
SELECT nextval('neg'), nextval('neg');
CREATE SEQUENCE m MAXVALUE 2;
SELECT nextval('m') FROM range(3);
SELECT currval('m');
CREATE SEQUENCE fresh;
SELECT currval('fresh');
SELECT nextval('nope');
SELECT nextval(NULL);
SELECT nextval('main.s');
CREATE SEQUENCE bad START 10 MAXVALUE 5;
CREATE SEQUENCE bad INCREMENT 0;
CREATE OR REPLACE SEQUENCE s2 START 100;
SELECT nextval('s2');
DROP SEQUENCE s;
SELECT nextval('s');
DROP SEQUENCE s;
DROP SEQUENCE IF EXISTS s;
CREATE SEQUENCE id_seq START 1;
CREATE TABLE t (id INTEGER DEFAULT nextval('id_seq'), name VARCHAR);
INSERT INTO t (name) VALUES ('a'), ('b');
INSERT INTO t VALUES (nextval('id_seq'), 'c');
INSERT INTO t (name) SELECT 'n' || i FROM range(3) r(i);
SELECT * FROM t;
SELECT currval('id_seq');
DROP SEQUENCE id_seq;
SELECT * FROM t
"""


CATALOG_LISTINGS = """
CREATE TABLE t (a INT PRIMARY KEY, b VARCHAR DEFAULT 'x' NOT NULL, c DECIMAL(5,2) UNIQUE CHECK (c > 0));
INSERT INTO t VALUES (1, 'p', 1.5), (2, 'q', NULL), (3, 'r', 2.25);
CREATE VIEW v AS SELECT a, c * 2 AS c2 FROM t;
CREATE SEQUENCE sq START 5;
SHOW t;
SHOW v;
SHOW DATABASES;
SHOW SCHEMAS;
PRAGMA table_info('t');
PRAGMA table_info('v');
PRAGMA table_info('nope');
PRAGMA show_tables;
PRAGMA show('t');
SELECT name, type, pk, notnull, dflt_value FROM pragma_table_info('t');
SELECT table_name, estimated_size, column_count, has_primary_key, check_constraint_count, temporary, internal FROM duckdb_tables();
SELECT table_name, column_name, column_index, data_type, is_nullable, column_default, numeric_precision, numeric_scale FROM duckdb_columns() WHERE NOT internal;
SELECT view_name, column_count, temporary FROM duckdb_views() WHERE NOT internal;
SELECT schema_name FROM duckdb_schemas() WHERE database_name = 'memory';
SELECT sequence_name, start_value, min_value, max_value, increment_by, cycle, last_value FROM duckdb_sequences();
SELECT nextval('sq');
SELECT sequence_name, last_value FROM duckdb_sequences();
SELECT table_name FROM information_schema.views WHERE table_schema = 'main' AND table_catalog = 'memory';
COMMENT ON TABLE t IS 'tc';
COMMENT ON COLUMN t.a IS 'ca';
COMMENT ON VIEW v IS 'vc';
COMMENT ON TABLE nope IS 'x';
COMMENT ON COLUMN t.zz IS 'x';
SELECT comment FROM duckdb_tables();
SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 't';
SELECT comment FROM duckdb_views() WHERE NOT internal;
CREATE SCHEMA s2;
CREATE TABLE s2.w (z INT);
SELECT schema_name, table_name FROM duckdb_tables();
SHOW s2.w;
SELECT database_name FROM duckdb_databases() WHERE NOT internal
"""

SUMMARIZE = """
SUMMARIZE SELECT * FROM (VALUES (1.50::DECIMAL(5,2), 1.5::DOUBLE, 4), (NULL, 2.5, 5), (2.25, 3.5, -3), (3.00, 10, 7)) v(c, x, i);
SUMMARIZE SELECT * FROM (VALUES (1.50::DECIMAL(5,2), DATE '2020-01-01', 1.5::DOUBLE, 4), (NULL, DATE '2020-01-02', 2.5, 5), (2.25, DATE '2020-01-04', 3.5, -3), (3.00, DATE '2020-01-09', 10, 7)) v(c, d, x, i);
SUMMARIZE SELECT TIMESTAMP '2020-01-01 10:00:00' + INTERVAL (x) HOUR AS ts, DATE '2021-03-01' + x::INT AS d FROM range(7) r(x);
SUMMARIZE SELECT * FROM range(10) r(x);
SUMMARIZE SELECT x::INT AS x FROM range(2) r(x);
SUMMARIZE SELECT 'a' || x AS s, x % 2 = 0 AS b FROM range(10) r(x);
CREATE TABLE t (a INT PRIMARY KEY, b VARCHAR DEFAULT 'x' NOT NULL, c DECIMAL(5,2));
INSERT INTO t VALUES (1, 'p', 1.5), (2, 'q', NULL), (3, 'r', 2.25);
SUMMARIZE t;
CREATE TABLE e (a INT);
SUMMARIZE e
"""


BLOBS = r"""
SELECT 'a\b'::BLOB;
SELECT x'AB', X'', x'0a0B' || x'FF', 'max' AS x;
SELECT x'ZZ';
SELECT 'é'::BLOB;
SELECT '\x41\xaa\xFF\x00 ~\x7F\x5C'::BLOB::VARCHAR;
SELECT '\x41\xaa\xFF\x00 ~\x7F\x5C'::BLOB;
SELECT octet_length('abc'::BLOB);
SELECT length('abc'::BLOB);
SELECT hex('\xAA\x01'::BLOB), unhex('aa01'), unhex('abc'), to_hex('A'::BLOB), from_hex('41');
SELECT unhex('zz');
SELECT encode('é'), decode('\xC3\xA9'::BLOB);
SELECT decode('\xFF'::BLOB);
SELECT to_base64('\xAA\x01'::BLOB), base64('abc'::BLOB), from_base64('qgE=');
SELECT from_base64('!!');
SELECT md5('abc'::BLOB), sha256('abc'::BLOB), sha1('abc'), sha256('abc'), md5('abc');
SELECT 'a'::BLOB || 'b'::BLOB, 'a'::BLOB || 'b';
SELECT '\xFF'::BLOB > 'a'::BLOB, 'ab'::BLOB > 'a'::BLOB, 'abc'::BLOB = 'abc';
SELECT 42::BLOB;
SELECT CAST('\x41' AS BYTEA), CAST('a' AS VARBINARY), typeof(CAST('a' AS BINARY)), typeof('a'::BLOB);
SELECT NULL::BLOB, hex(NULL::BLOB);
CREATE TABLE b (id INT, x BLOB);
INSERT INTO b VALUES (1, '\x01\x02'::BLOB), (2, 'hi'), (3, NULL), (4, '\xFF'), (5, 'hi'), (6, '');
DESCRIBE b;
SELECT * FROM b;
SELECT id, x FROM b ORDER BY x, id;
SELECT id, x FROM b ORDER BY x DESC NULLS LAST, id;
SELECT id, hex(x), octet_length(x), to_base64(x), md5(x), sha256(x), x::VARCHAR FROM b;
SELECT x FROM b WHERE x = 'hi'::BLOB;
SELECT x FROM b WHERE x = 'hi';
SELECT id FROM b WHERE x > '\x05'::BLOB;
SELECT id FROM b WHERE x IN ('hi'::BLOB, '\xFF'::BLOB);
SELECT count(DISTINCT x), min(x), max(x), count(x) FROM b;
SELECT x, count(*) FROM b GROUP BY x;
SELECT DISTINCT x FROM b;
SELECT x || 'z'::BLOB FROM b;
SELECT x || x FROM b;
SELECT b1.id, b2.id FROM b b1 JOIN b b2 ON b1.x = b2.x;
SELECT decode(x) FROM b WHERE id IN (2, 6);
SELECT decode(x) FROM b;
UPDATE b SET x = unhex('CAFE') WHERE id = 1;
SELECT hex(x) FROM b WHERE id = 1;
INSERT INTO b SELECT 7, encode('é');
SELECT id, x FROM b WHERE id = 7;
CREATE TABLE b2 AS SELECT x FROM b;
DESCRIBE b2;
SELECT coalesce(x, 'none'::BLOB) FROM b;
SELECT CASE WHEN id > 3 THEN x ELSE 'small'::BLOB END FROM b;
SELECT x FROM b UNION SELECT '\x01'::BLOB;
SELECT hex(x), row_number() OVER (ORDER BY x) FROM b;
SELECT x FROM b ORDER BY x LIMIT 2
"""


ENUMS = """
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE p (name VARCHAR, m mood);
INSERT INTO p VALUES ('a', 'happy'), ('b', 'sad'), ('c', 'ok'), ('d', NULL);
DESCRIBE p;
SELECT data_type FROM information_schema.columns WHERE table_name='p';
SELECT typeof(m), enum_code(m), m FROM p;
SELECT m = 'sad', m < 'ok', m = 'nope' FROM p;
SELECT * FROM p WHERE m = 'nope';
SELECT m || 'x', length(m), upper(m) FROM p;
SELECT 'happy'::mood < 'ok'::mood;
SELECT enum_range(NULL::mood), enum_range_boundary('sad'::mood, 'ok'::mood);
SELECT enum_first(NULL::mood), enum_last(NULL::mood);
SELECT m, name FROM p ORDER BY m DESC;
SELECT m, name FROM p ORDER BY m;
SELECT m FROM p WHERE m IN ('sad', 'ok');
SELECT m, count(*) FROM p GROUP BY ALL ORDER BY 1;
INSERT INTO p VALUES ('e', 'angry');
SELECT count(*) FROM p;
DROP TYPE mood;
CREATE TYPE mood AS ENUM ('x');
CREATE TYPE IF NOT EXISTS mood AS ENUM ('x');
CREATE TYPE e2 AS ENUM ('a', 'a');
CREATE TYPE myint AS INTEGER;
SELECT 5::myint, typeof(5::myint);
CREATE TABLE q (x myint, y ENUM('l', 'm'));
INSERT INTO q VALUES (1, 'm'), (2, 'l');
SELECT * FROM q ORDER BY y;
DESCRIBE q;
SELECT 'l'::ENUM('l','m');
UPDATE p SET m = 'ok' WHERE name = 'a';
UPDATE p SET m = 'zzz' WHERE name = 'a';
SELECT * FROM p ORDER BY name;
SELECT p1.name, p2.name FROM p p1 JOIN p p2 ON p1.m = p2.m;
SELECT CAST(m AS VARCHAR) FROM p;
SELECT min(m), max(m), count(DISTINCT m) FROM p;
SELECT m FROM p UNION ALL SELECT 'sad';
SELECT typeof(m) FROM (SELECT m FROM p UNION ALL SELECT 'sad');
SELECT coalesce(m, 'ok') FROM p;
SELECT 'happy'::mood;
SELECT 'angry'::mood;
SELECT m FROM p WHERE m > 'happy'::mood;
DROP TABLE p;
DROP TYPE mood;
SELECT NULL::mood;
DROP TYPE IF EXISTS mood;
DROP TYPE mood
"""


DDL_DML = """
CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL DEFAULT 'anon', score DOUBLE CHECK (score >= 0), created DATE DEFAULT DATE '2020-01-01');
INSERT INTO t VALUES (1, DEFAULT, 1.5, DEFAULT);
INSERT INTO t (id, score) VALUES (2, 3);
INSERT INTO t DEFAULT VALUES;
INSERT INTO t VALUES (3, 'c', 2, NULL) RETURNING *;
INSERT INTO t VALUES (4, 'd', 2, NULL) RETURNING id, name || '!';
UPDATE t SET score = score + 1 WHERE id > 2 RETURNING id, score;
DELETE FROM t WHERE id = 4 RETURNING *;
SELECT * FROM t ORDER BY id;
INSERT INTO t VALUES (5, 'e', -1, NULL);
INSERT INTO t VALUES (5, 'e', 1, NULL), (6, 'f', -1, NULL);
SELECT count(*) FROM t;
CREATE TABLE comp (a INT, b INT, c VARCHAR, PRIMARY KEY (a, b));
INSERT INTO comp VALUES (1, 1, 'x'), (1, 2, 'y');
INSERT INTO comp VALUES (1, 1, 'z');
INSERT INTO comp VALUES (NULL, 1, 'z');
CREATE TABLE named (a INT, b INT, CONSTRAINT pos CHECK (a > 0 AND b > a));
INSERT INTO named VALUES (1, 2);
INSERT INTO named VALUES (2, 1);
SELECT * FROM named;
CREATE UNIQUE INDEX ix ON comp (c);
INSERT INTO comp VALUES (9, 9, 'x');
DROP INDEX ix;
INSERT INTO comp VALUES (9, 9, 'x');
CREATE TABLE plain (a INT);
INSERT OR REPLACE INTO plain VALUES (1);
CREATE VIEW pv AS SELECT a FROM plain;
DROP TABLE pv;
DROP VIEW pv;
DROP VIEW IF EXISTS pv;
ALTER TABLE plain RENAME COLUMN a TO b;
SELECT * FROM plain;
ALTER TABLE plain ADD COLUMN c VARCHAR DEFAULT 'k';
ALTER TABLE plain ADD COLUMN d INT NOT NULL DEFAULT 0;
INSERT INTO plain (b) VALUES (7);
SELECT * FROM plain;
ALTER TABLE plain DROP COLUMN c;
ALTER TABLE plain DROP COLUMN IF EXISTS zz;
SELECT * FROM plain;
CREATE TABLE dates (s VARCHAR);
INSERT INTO dates VALUES ('2021-03-04'), ('2022-01-01');
ALTER TABLE dates ALTER s TYPE DATE;
SELECT s + 1 FROM dates;
ALTER TABLE dates ALTER s TYPE VARCHAR USING strftime(s, '%d/%m/%Y');
SELECT * FROM dates;
CREATE TABLE ctas (a BIGINT, b VARCHAR);
INSERT INTO ctas SELECT range, range::VARCHAR FROM range(3);
SELECT * FROM ctas;
CREATE TABLE nn (a INT NOT NULL, b INT);
INSERT INTO nn (b) VALUES (1);
UPDATE nn SET a = NULL;
INSERT INTO nn VALUES (1, 1), (2, 2);
UPDATE nn SET a = NULL WHERE b = 2;
SELECT * FROM nn;
CREATE TABLE r (id INT, v INT);
INSERT INTO r VALUES (1, 1), (2, 2);
DELETE FROM r;
SELECT count(*) FROM r;
INSERT INTO r VALUES (1, 1), (2, 2);
DELETE FROM r USING ctas WHERE r.id = ctas.a;
SELECT * FROM r;
CREATE TABLE up (id INT PRIMARY KEY, v VARCHAR);
INSERT INTO up VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET v = 'b';
INSERT INTO up VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET v = 'b';
INSERT INTO up VALUES (1, 'a') ON CONFLICT DO NOTHING;
INSERT INTO up VALUES (1, 'x'), (2, 'y') ON CONFLICT (id) DO UPDATE SET v = excluded.v || up.v;
SELECT * FROM up;
INSERT INTO up VALUES (3, 'z') ON CONFLICT (v) DO NOTHING;
CREATE TEMP TABLE tmp (a INT);
INSERT INTO tmp VALUES (1);
SELECT * FROM tmp;
DROP TABLE tmp;
CREATE TABLE IF NOT EXISTS ine (a INT);
CREATE TABLE IF NOT EXISTS ine (b INT);
DESCRIBE ine;
CREATE OR REPLACE TABLE ine (c INT);
DESCRIBE ine;
CREATE OR REPLACE VIEW ine AS SELECT 1;
CREATE TABLE tbl_dflt (a INT DEFAULT 1 + 2, b VARCHAR DEFAULT upper('x'));
INSERT INTO tbl_dflt DEFAULT VALUES;
SELECT * FROM tbl_dflt;
DESCRIBE tbl_dflt;
INSERT INTO tbl_dflt VALUES (1);
INSERT INTO tbl_dflt (a, a) VALUES (1, 2);
INSERT INTO tbl_dflt (zz) VALUES (1);
UPDATE tbl_dflt SET zz = 1;
UPDATE tbl_dflt SET a = DEFAULT;
SELECT * FROM tbl_dflt;
TRUNCATE tbl_dflt;
SELECT * FROM tbl_dflt;
CREATE TABLE arr (id INT, tags VARCHAR[], s STRUCT(x INT, y VARCHAR), m MAP(VARCHAR, INT));
INSERT INTO arr VALUES (1, ['a', 'b'], {'x': 1, 'y': 'q'}, MAP {'k': 1});
SELECT * FROM arr;
DESCRIBE arr
"""


# Which of several FROM matches a row takes follows DuckDB's join order: only counts and single matches compare.
UPDATE_FROM = """
CREATE TABLE u (id INT, v INT);
CREATE TABLE src (id INT, v INT);
INSERT INTO u VALUES (1, 0), (2, 0), (3, 0);
INSERT INTO src VALUES (1, 20), (1, 10), (2, 5), (1, 30);
UPDATE u SET v = src.v FROM src WHERE u.id = src.id AND src.v < 25;
SELECT * FROM u WHERE id <> 1;
UPDATE u SET v = src.v FROM src WHERE u.id = src.id;
SELECT * FROM u WHERE id <> 1;
UPDATE u SET v = -1 FROM src WHERE src.id = 99;
SELECT * FROM u
"""

FAILED_CHANGE_NOTHING = r"""
CREATE TABLE t (a VARCHAR, b INT);
INSERT INTO t VALUES ('1', 1), ('x', 2);
ALTER TABLE t ALTER COLUMN a TYPE INT;
SELECT * FROM t;
DESCRIBE t;
ALTER TABLE t ALTER COLUMN b TYPE VARCHAR, ALTER COLUMN a TYPE INT;
DESCRIBE t;
ALTER TABLE t ALTER COLUMN b SET NOT NULL;
INSERT INTO t VALUES ('y', NULL);
INSERT INTO t VALUES ('y', 5), ('z', NULL);
SELECT * FROM t;
CREATE TYPE e AS ENUM ('p', 'q');
CREATE TABLE te (v e);
INSERT INTO te VALUES ('p'), ('zz');
SELECT * FROM te;
INSERT INTO te VALUES ('q'), ('p');
SELECT v, count(*) FROM te GROUP BY v;
CREATE TABLE tb (b BLOB);
INSERT INTO tb VALUES ('\x01'), ('é');
SELECT * FROM tb;
INSERT INTO tb VALUES (unhex('00')), (unhex('zz'));
SELECT * FROM tb;
CREATE SEQUENCE s;
CREATE TABLE ts (id INT DEFAULT nextval('s') PRIMARY KEY, v INT CHECK (v > 0));
INSERT INTO ts (v) VALUES (1), (2);
INSERT INTO ts (v) VALUES (3), (-1);
SELECT * FROM ts;
INSERT INTO ts (v) VALUES (4);
SELECT * FROM ts;
CREATE TABLE tu (id UUID, x INT);
INSERT INTO tu VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 1);
SELECT id::VARCHAR, x FROM tu;
CREATE TABLE tg (x INT, y AS (10 / x));
INSERT INTO tg VALUES (1), (0);
SELECT * FROM tg;
BEGIN;
CREATE TYPE inner_t AS ENUM ('a');
ALTER TABLE t ADD COLUMN c INT;
COMMENT ON TABLE t IS 'c';
ROLLBACK;
SELECT enum_range(NULL::inner_t);
DESCRIBE t;
SELECT comment FROM duckdb_tables() WHERE table_name = 't'
"""

SCHEMAS_AND_CONSTRAINTS = """
CREATE SCHEMA s;
CREATE TABLE s.t (a INT);
INSERT INTO s.t VALUES (1);
USE s;
SELECT * FROM t;
SELECT current_schema();
SET schema = 'main';
SET search_path = 's';
SELECT * FROM t;
DESCRIBE TABLE s.t;
SHOW TABLES FROM s;
SELECT current_database(), current_catalog();
SELECT table_schema, table_name, table_type FROM information_schema.tables;
CREATE TABLE k (id INT PRIMARY KEY, u VARCHAR UNIQUE, c INT CHECK (c > 0));
SELECT constraint_type FROM information_schema.table_constraints WHERE table_name = 'k' ORDER BY 1;
SELECT constraint_type, constraint_column_names FROM duckdb_constraints() WHERE table_name = 'k';
SELECT column_name FROM information_schema.key_column_usage WHERE table_name = 'k';
DESCRIBE SELECT 1 AS x, 'a' AS y;
SHOW SELECT 1 AS x;
CHECKPOINT;
VACUUM;
ANALYZE;
SELECT * FROM information_schema.schemata WHERE schema_name = 's';
CREATE SEQUENCE s.q START 5;
SELECT nextval('s.q');
DROP SCHEMA s;
DROP SCHEMA s CASCADE;
SELECT nextval('s.q');
SELECT sequence_name FROM duckdb_sequences();
SELECT count(*) FROM information_schema.tables WHERE table_schema = 's';
CREATE TABLE k (id INT PRIMARY KEY, u VARCHAR UNIQUE, c INT CHECK (c > 0), n INT NOT NULL, a INT, b INT, UNIQUE (a, b), CHECK (a < b));
SELECT constraint_type, constraint_text, expression, constraint_column_indexes, constraint_column_names, constraint_name FROM duckdb_constraints();
SELECT * FROM information_schema.table_constraints;
SELECT * FROM information_schema.key_column_usage
"""

REPLACE_AND_CONFLICTS = """
CREATE TABLE c1 AS SELECT 1 AS a, 'x' AS b, 1.5 AS c, [1, 2] AS l, {'a': 1} AS s, DATE '2020-01-01' AS d, 1::BIGINT AS e, 2.0::DOUBLE AS f, NULL AS n, true AS g, INTERVAL 1 DAY AS i, TIMESTAMP '2020-01-01 10:00:00' AS ts, 10000000000 AS big, 1.23456789012345678901 AS dd;
DESCRIBE c1;
SELECT * FROM c1;
CREATE TABLE c2 AS SELECT * FROM c1 WHERE false;
DESCRIBE c2;
CREATE TABLE c3 AS FROM c1;
SELECT count(*) FROM c3;
CREATE OR REPLACE TEMP TABLE tt AS SELECT 1 AS x;
CREATE OR REPLACE TEMP TABLE tt AS SELECT 2 AS x;
SELECT * FROM tt;
CREATE OR REPLACE TYPE ty AS ENUM ('a');
CREATE OR REPLACE TYPE ty AS ENUM ('b', 'c');
SELECT enum_range(NULL::ty);
CREATE OR REPLACE MACRO add1(x) AS x + 1;
CREATE OR REPLACE MACRO add1(x) AS x + 2;
SELECT add1(1);
CREATE MACRO IF NOT EXISTS add1(x) AS x + 3;
SELECT add1(1);
DROP MACRO add1;
DROP MACRO IF EXISTS add1;
DROP MACRO add1;
CREATE TABLE ix (a INT);
CREATE INDEX i1 ON ix (a);
CREATE INDEX IF NOT EXISTS i1 ON ix (a);
CREATE INDEX i1 ON ix (a);
DROP INDEX IF EXISTS i1;
DROP INDEX IF EXISTS i1;
DROP INDEX i1;
CREATE SCHEMA IF NOT EXISTS sx;
CREATE SCHEMA IF NOT EXISTS sx;
CREATE OR REPLACE SCHEMA sx;
DROP SCHEMA IF EXISTS sx;
DROP SCHEMA IF EXISTS sx;
DROP TYPE IF EXISTS nope;
DROP SEQUENCE IF EXISTS nope;
DROP VIEW IF EXISTS nope;
DROP TABLE IF EXISTS nope;
CREATE TABLE mk (a INT, b INT, c VARCHAR, PRIMARY KEY (a, b));
INSERT INTO mk VALUES (1, 1, 'x'), (1, 2, 'y');
INSERT OR REPLACE INTO mk VALUES (1, 1, 'X'), (2, 2, 'z');
INSERT OR IGNORE INTO mk VALUES (1, 2, 'Y'), (3, 3, 'w');
SELECT * FROM mk;
INSERT OR REPLACE INTO mk (a, b) VALUES (1, 1);
SELECT * FROM mk;
CREATE TABLE two (a INT PRIMARY KEY, b INT UNIQUE, c INT);
INSERT INTO two VALUES (1, 1, 1), (2, 2, 2);
INSERT OR IGNORE INTO two VALUES (1, 5, 5), (5, 2, 5), (6, 6, 6);
SELECT * FROM two;
INSERT OR REPLACE INTO two VALUES (1, 9, 9);
SELECT * FROM two;
INSERT INTO two VALUES (7, 7, 7), (7, 8, 8) ON CONFLICT DO NOTHING;
SELECT * FROM two;
INSERT INTO two SELECT a + 100, b + 100, c FROM two ON CONFLICT DO NOTHING RETURNING a;
SELECT count(*) FROM two
"""

FOREIGN_KEYS = """
CREATE TABLE p (id INT PRIMARY KEY, name VARCHAR);
CREATE TABLE c (id INT, pid INT REFERENCES p(id));
CREATE TABLE c2 (id INT, pid INT, FOREIGN KEY (pid) REFERENCES p (id));
CREATE TABLE c3 (id INT, pid INT REFERENCES p);
CREATE TABLE c4 (id INT, pname VARCHAR REFERENCES p(name));
CREATE TABLE c5 (id INT, x INT REFERENCES nope(id));
INSERT INTO p VALUES (1, 'a'), (2, 'b');
INSERT INTO c VALUES (1, 1), (2, NULL);
INSERT INTO c VALUES (3, 3);
INSERT INTO c VALUES (4, 2), (5, 9);
SELECT * FROM c;
UPDATE c SET pid = 7 WHERE id = 1;
UPDATE c SET pid = 2 WHERE id = 1;
DELETE FROM p WHERE id = 2;
DELETE FROM p WHERE id = 1;
UPDATE p SET name = 'z' WHERE id = 2;
DROP TABLE p;
INSERT INTO p VALUES (3, 'c');
DELETE FROM p WHERE id = 3;
SELECT * FROM p;
TRUNCATE p;
SELECT * FROM p;
DELETE FROM c;
DELETE FROM p WHERE id = 1;
CREATE TABLE pc (a INT, b INT, PRIMARY KEY (a, b));
CREATE TABLE cc (x INT, y INT, FOREIGN KEY (x, y) REFERENCES pc (a, b));
INSERT INTO pc VALUES (1, 1);
INSERT INTO cc VALUES (1, 1), (1, NULL);
INSERT INTO cc VALUES (1, 2);
SELECT * FROM cc;
SELECT constraint_type, constraint_text, constraint_column_names, referenced_table, referenced_column_names FROM duckdb_constraints() WHERE table_name = 'c';
DESCRIBE c;
CREATE TABLE self (id INT PRIMARY KEY, parent INT REFERENCES self(id));
INSERT INTO self VALUES (1, NULL), (2, 1);
INSERT INTO self VALUES (3, 9);
SELECT * FROM self;
CREATE TABLE pv (code VARCHAR UNIQUE);
CREATE TABLE cv (code VARCHAR REFERENCES pv(code));
INSERT INTO pv VALUES ('x'), ('y');
INSERT INTO cv VALUES ('x'), ('y'), (NULL);
INSERT INTO cv VALUES ('q');
SELECT * FROM cv
"""

ALTER_FORMS = """
CREATE TABLE t (id INT, v VARCHAR);
INSERT INTO t VALUES (1, 'a'), (2, 'b');
ALTER TABLE t ADD PRIMARY KEY (id);
INSERT INTO t VALUES (1, 'c');
DESCRIBE t;
CREATE TABLE t2 (id INT);
INSERT INTO t2 VALUES (1), (1);
ALTER TABLE t2 ADD PRIMARY KEY (id);
ALTER TABLE t ADD UNIQUE (v);
ALTER TABLE t ADD CONSTRAINT ck CHECK (id > 0);
CREATE VIEW v AS SELECT * FROM t;
ALTER VIEW v RENAME TO w;
SELECT * FROM w;
ALTER TABLE IF EXISTS nope RENAME TO x;
ALTER TABLE t RENAME TO t;
ALTER TABLE t ADD COLUMN w INT GENERATED ALWAYS AS (id * 2);
ALTER TABLE t ADD COLUMN q INT UNIQUE;
ALTER TABLE t ADD COLUMN n INT NOT NULL;
ALTER TABLE t ADD COLUMN n INT NOT NULL DEFAULT 5;
SELECT * FROM t;
COMMENT ON TABLE t IS NULL;
ALTER TABLE t ALTER COLUMN v SET DEFAULT 'zz';
INSERT INTO t (id) VALUES (9);
SELECT * FROM t ORDER BY id;
ALTER TABLE t ALTER COLUMN id TYPE BIGINT;
ALTER TABLE t DROP COLUMN id;
ALTER TABLE t RENAME v TO vv;
SELECT * FROM t ORDER BY id;
SELECT comment FROM duckdb_tables() WHERE table_name = 't';
COMMENT ON TABLE t IS 'back';
SELECT comment FROM duckdb_tables() WHERE table_name = 't';
COMMENT ON TABLE t IS NULL;
SELECT comment FROM duckdb_tables() WHERE table_name = 't'
"""

DECLARED_INTEGERS = """
CREATE TABLE ty (a TINYINT, b SMALLINT, c INTEGER, d BIGINT, e HUGEINT, f UTINYINT, g USMALLINT, h UINTEGER, i UBIGINT, j FLOAT, k DOUBLE, l DECIMAL(4,1), m VARCHAR, n BOOLEAN, o DATE, p TIMESTAMP, q TIMESTAMPTZ, r INTERVAL, s BLOB, u UUID, w INTEGER[], x STRUCT(a INT), y MAP(VARCHAR, INT), z VARCHAR(10));
DESCRIBE ty;
INSERT INTO ty (a, f, g, h) VALUES (-128, 255, 65535, 4000000000);
SELECT a, f, g, h FROM ty;
SELECT typeof(a), typeof(f), typeof(g), typeof(h), typeof(e), typeof(u) FROM ty;
INSERT INTO ty (a) VALUES (200);
INSERT INTO ty (f) VALUES (-1);
INSERT INTO ty (g) VALUES (70000);
UPDATE ty SET a = a - 1;
SELECT a FROM ty;
SELECT typeof(1::TINYINT), 200::UTINYINT, typeof(CAST(7 AS USMALLINT));
SELECT 300::UTINYINT;
SELECT x::TINYINT FROM (VALUES (1::SMALLINT), (300)) v(x);
SELECT try_cast(x AS TINYINT) FROM (VALUES (1::SMALLINT), (300)) v(x)
"""

DML_FORMS = """
CREATE TABLE t (id INT PRIMARY KEY, v INT, s VARCHAR);
INSERT INTO t SELECT range, range * 10, 'r' || range FROM range(5);
WITH src AS (SELECT 10 AS id, 1 AS v) INSERT INTO t SELECT id, v, 'cte' FROM src;
INSERT INTO t (id, v) SELECT id + 100, v FROM t WHERE id < 2 ORDER BY id;
SELECT * FROM t;
UPDATE t SET v = (SELECT max(v) FROM t) WHERE id = 0;
DELETE FROM t WHERE id IN (SELECT id FROM t WHERE v > 30);
SELECT * FROM t;
UPDATE t SET v = v + 1, s = upper(s) WHERE s LIKE 'r%' RETURNING *;
DELETE FROM t WHERE id > 100 RETURNING id;
INSERT INTO t VALUES (50, 5, 'x') RETURNING id * 2 AS doubled, s;
UPDATE t AS x SET v = 0 WHERE x.id = 50;
DELETE FROM t AS x WHERE x.id = 50;
SELECT * FROM t;
INSERT INTO t VALUES (60, NULL, NULL), (61, NULL, NULL);
UPDATE t SET v = coalesce(v, -1);
SELECT * FROM t;
INSERT INTO t (s, id) VALUES ('swap', 70);
INSERT INTO t VALUES (80, 'abc', 'x');
INSERT INTO t VALUES (81, '12', 'x');
INSERT INTO t VALUES (82, 1.6, 'x');
SELECT * FROM t WHERE id >= 70;
CREATE TABLE d (x DOUBLE, dec DECIMAL(5,2), dt DATE, ts TIMESTAMP, b BOOLEAN);
INSERT INTO d VALUES ('1.5', '2.345', '2020-01-02', '2020-01-02 03:04:05', 'true');
INSERT INTO d VALUES (1, 2, DATE '2020-01-01', DATE '2020-01-01', 1);
SELECT * FROM d;
INSERT INTO d (dec) VALUES (12345.6);
INSERT INTO d (dt) VALUES ('not a date');
SELECT count(*) FROM d;
WITH s AS (SELECT 1 AS id) DELETE FROM t WHERE id IN (SELECT id FROM s);
WITH s AS (SELECT 2 AS id, 99 AS nv) UPDATE t SET v = (SELECT nv FROM s) WHERE id IN (SELECT id FROM s);
INSERT INTO t WITH s AS (SELECT 200 AS id) SELECT id, 0, 'w' FROM s;
WITH a AS (SELECT 300 AS id) INSERT INTO t WITH b AS (SELECT id + 1 AS id FROM a) SELECT id, 0, 'ab' FROM b;
SELECT * FROM t
"""

INFORMATION_AND_DESCRIBE = """
CREATE TABLE t (a INT PRIMARY KEY, b VARCHAR(10) DEFAULT 'x' NOT NULL, c DECIMAL(5,2), d DOUBLE, e TIMESTAMP, f BLOB, g INT[], h BOOLEAN);
CREATE VIEW v (x, y) AS SELECT a, b FROM t;
SELECT table_catalog, table_schema, table_name, column_name, ordinal_position, column_default, is_nullable, data_type, numeric_precision, numeric_precision_radix, numeric_scale, datetime_precision, character_maximum_length FROM information_schema.columns;
SELECT table_catalog, table_schema, table_name, table_type, is_insertable_into FROM information_schema.tables;
SELECT * FROM information_schema.schemata WHERE catalog_name = 'memory';
DESCRIBE v;
SELECT * FROM v;
CREATE VIEW vv AS SELECT x || y AS z FROM v;
SELECT * FROM vv;
DROP VIEW v;
SELECT * FROM vv;
SELECT table_name FROM information_schema.tables ORDER BY 1;
CREATE TABLE t9 (a INT PRIMARY KEY, b VARCHAR DEFAULT 'x' NOT NULL, c INT UNIQUE);
DESCRIBE SELECT a, a + 1 AS a1, b AS bb, c FROM t9;
DESCRIBE SELECT t1.a FROM t9 t1 JOIN t9 t2 ON t1.a = t2.c;
DESCRIBE SELECT a FROM (SELECT a FROM t);
DESCRIBE SELECT max(a) FROM t9;
DESCRIBE SELECT a FROM t9 UNION SELECT 1;
DESCRIBE SELECT * FROM t9 WHERE a > 1 ORDER BY b LIMIT 3;
CREATE VIEW v9 AS SELECT b, a FROM t9;
DESCRIBE v9;
DESCRIBE SELECT * FROM v9
"""

ENUM_QUERIES = """
CREATE TYPE lvl AS ENUM ('low', 'mid', 'high');
CREATE TABLE a (id INT, l lvl);
INSERT INTO a VALUES (1, 'high'), (2, 'low'), (3, NULL), (4, 'mid'), (5, 'low');
CREATE TABLE names (l VARCHAR, label VARCHAR);
INSERT INTO names VALUES ('low', 'L'), ('high', 'H');
SELECT a.id, names.label FROM a JOIN names ON a.l = names.l;
SELECT id FROM a ORDER BY l NULLS FIRST, id;
SELECT id FROM a ORDER BY l DESC NULLS LAST, id;
CREATE TABLE a2 AS SELECT * FROM a;
DESCRIBE a2;
SELECT l, count(*) FROM a2 GROUP BY l ORDER BY l;
INSERT INTO a (id, l) SELECT 9, l FROM names WHERE label = 'H';
SELECT * FROM a WHERE id = 9;
INSERT INTO a (id, l) SELECT 10, label FROM names;
SELECT CASE WHEN id > 2 THEN l END FROM a;
SELECT list(l ORDER BY id) FROM a;
SELECT l::VARCHAR || '!' FROM a;
SELECT l FROM a WHERE l BETWEEN 'low' AND 'mid';
SELECT l FROM a WHERE l >= 'mid'::lvl;
SELECT DISTINCT l FROM a;
SELECT enum_code(l), l FROM a;
SELECT lag(l) OVER (ORDER BY id) FROM a;
SELECT min(l), max(l), arg_max(id, l) FROM a;
UPDATE a SET l = 'mid' WHERE l IS NULL;
SELECT count(*) FROM a WHERE l = 'mid';
SELECT list(x ORDER BY x DESC), list(i ORDER BY x), list(x), string_agg(x, ',' ORDER BY x) FROM (SELECT 1 AS i, 'high'::lvl AS x UNION ALL SELECT 2, 'low'::lvl UNION ALL SELECT 3, 'mid'::lvl);
SELECT ['high'::lvl, 'low'::lvl], [l, l] FROM a WHERE id = 1;
SELECT arg_min(i, x), arg_max(x, i), min_by(i, x) FROM (SELECT 1 AS i, 'high'::lvl AS x UNION ALL SELECT 2, 'low'::lvl UNION ALL SELECT 3, 'mid'::lvl)
"""

GENERATED = """
CREATE TABLE g (x INT, y INT GENERATED ALWAYS AS (x * 2) VIRTUAL, z AS (x + y));
INSERT INTO g VALUES (1);
INSERT INTO g (x) VALUES (2);
INSERT INTO g VALUES (1, 2);
INSERT INTO g (x, y) VALUES (1, 2);
SELECT * FROM g;
DESCRIBE g;
UPDATE g SET x = 10 WHERE x = 1;
UPDATE g SET y = 10;
SELECT * FROM g;
SELECT column_name, is_generated, generation_expression FROM information_schema.columns;
INSERT INTO g SELECT 5;
SELECT * FROM g;
CREATE TABLE g4 (x VARCHAR, y AS (upper(x)));
INSERT INTO g4 VALUES ('abc'), (NULL);
SELECT * FROM g4;
DESCRIBE g4;
CREATE TABLE g5 (x INT, y AS (zz + 1));
ALTER TABLE g DROP COLUMN x;
ALTER TABLE g RENAME COLUMN x TO w;
INSERT INTO g VALUES (7);
SELECT * FROM g;
CREATE TABLE g6 (id INT PRIMARY KEY, v INT, d AS (v * 10));
INSERT INTO g6 VALUES (1, 1), (2, 2);
INSERT INTO g6 VALUES (1, 5) ON CONFLICT (id) DO UPDATE SET v = excluded.v;
INSERT OR REPLACE INTO g6 VALUES (2, 9);
SELECT * FROM g6;
DELETE FROM g6 WHERE d > 60;
SELECT * FROM g6
"""


@pytest.mark.parametrize("script", [SEQUENCES, CATALOG_LISTINGS, SUMMARIZE, BLOBS, ENUMS, DDL_DML, GENERATED, UPDATE_FROM,
                                    FAILED_CHANGE_NOTHING, SCHEMAS_AND_CONSTRAINTS, REPLACE_AND_CONFLICTS,
                                    FOREIGN_KEYS, ALTER_FORMS, DECLARED_INTEGERS, DML_FORMS,
                                    INFORMATION_AND_DESCRIBE, ENUM_QUERIES],
                         ids=["sequences", "listings", "summarize", "blobs", "enums", "ddl_dml", "generated", "update_from",
                              "atomic", "schemas_constraints", "replace_conflicts",
                              "foreign_keys", "alter_forms", "declared_integers", "dml_forms",
                              "information_describe", "enum_queries"])
def test_script_more(script):
    run_script(script)


def test_sequence_values_survive_rollback_as_in_duckdb():
    run_script("""CREATE SEQUENCE k;
SELECT nextval('k');
BEGIN;
SELECT nextval('k');
CREATE SEQUENCE inner_one;
ROLLBACK;
SELECT currval('k');
SELECT nextval('inner_one')""")


def test_blob_parameters_and_arrow_round_trip():
    import pyarrow as pa
    t = tqp.connect("cpu")
    t.register("bin", pa.table({"b": pa.array([b"\x00\x01", None, b"zz", b"\x00\x01"], pa.binary())}))
    assert t.execute("SELECT b, hex(b) FROM bin ORDER BY b").fetchall() == \
        [(b"\x00\x01", "0001"), (b"\x00\x01", "0001"), (b"zz", "7A7A"), (None, None)]
    assert t.execute("SELECT b FROM bin").arrow().schema.field("b").type == pa.binary()
    t.execute("CREATE TABLE x (b BLOB)")
    t.execute("INSERT INTO x VALUES (?)", [b"\xff\x00"])
    assert t.execute("SELECT b FROM x WHERE b = ?", [b"\xff\x00"]).fetchall() == [(b"\xff\x00",)]
    assert t.execute("SELECT b FROM x").description[0][1] == tqp.BINARY


def test_export_import_keeps_foreign_keys(tmp_path):
    t = tqp.connect("cpu")
    for sql in ["CREATE TABLE p (id INT PRIMARY KEY, code VARCHAR UNIQUE)",
                "CREATE TABLE c (pid INT REFERENCES p(id), code VARCHAR REFERENCES p(code))",
                "INSERT INTO p VALUES (1, 'a')", "INSERT INTO c VALUES (1, 'a')"]:
        t.execute(sql)
    t.execute(f"EXPORT DATABASE '{tmp_path}'")
    again = tqp.connect("cpu")
    again.execute(f"IMPORT DATABASE '{tmp_path}'")
    assert again.execute("SELECT * FROM c").fetchall() == [(1, "a")]
    with pytest.raises(tqp.IntegrityError):
        again.execute("INSERT INTO c VALUES (2, 'a')")
    with pytest.raises(tqp.IntegrityError):
        again.execute("DELETE FROM p")
