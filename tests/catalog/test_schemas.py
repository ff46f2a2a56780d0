"""CREATE SCHEMA / DROP SCHEMA and tables as schema.table in every statement, against DuckDB:
the same statements run on both engines, then the same queries (and catalog listings) agree."""
from __future__ import annotations

import duckdb
import pytest

import tqp
from tests.differential.pair import assert_same, connect_pair

SETUP = [
    "CREATE SCHEMA sales", "CREATE SCHEMA IF NOT EXISTS sales", "CREATE SCHEMA IF NOT EXISTS Archive",
    "CREATE TABLE sales.orders (id INTEGER PRIMARY KEY, amount DECIMAL(10, 2), note VARCHAR)",
    "CREATE TABLE orders (id INTEGER, amount DECIMAL(10, 2))",  # the same name in main
    "INSERT INTO sales.orders VALUES (1, 10.50, 'a'), (2, 20.00, NULL), (3, 7.25, 'c')",
    "INSERT INTO orders VALUES (100, 1.00)",
    "INSERT INTO main.orders SELECT id + 200, amount FROM sales.orders WHERE id > 1",
    "CREATE TABLE archive.old AS SELECT id, note FROM sales.orders WHERE note IS NOT NULL",
    "CREATE VIEW sales.big AS SELECT id FROM sales.orders WHERE amount > 10",
    "UPDATE sales.orders SET note = 'z' WHERE id = 2",
    "DELETE FROM archive.old WHERE id = 3",
    "ALTER TABLE archive.old ADD COLUMN flag BOOLEAN",
    "ALTER TABLE archive.old RENAME TO older",
    "MERGE INTO sales.orders AS o USING (SELECT 3 AS id, 9.99 AS amount) AS s ON o.id = s.id "
    "WHEN MATCHED THEN UPDATE SET amount = s.amount",
]

QUERIES = [
    "SELECT * FROM sales.orders ORDER BY id", "SELECT * FROM orders ORDER BY id", "SELECT * FROM main.orders ORDER BY id",
    "SELECT * FROM memory.sales.orders ORDER BY id", "SELECT * FROM sales.big ORDER BY id",
    "SELECT * FROM archive.older", "SELECT o.id, m.id FROM sales.orders o JOIN orders m ON m.id = o.id + 200 ORDER BY 1",
    "SELECT (SELECT count(*) FROM sales.orders) + (SELECT count(*) FROM orders)",
    "SELECT table_schema, table_name, table_type FROM information_schema.tables ORDER BY ALL",
    "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns ORDER BY ALL",
    "SELECT schema_name FROM information_schema.schemata ORDER BY ALL",
    "SHOW TABLES", "SHOW ALL TABLES", "DESCRIBE sales.orders", "DESCRIBE archive.older",
]


@pytest.fixture(scope="module")
def pair():
    t, d = connect_pair(SETUP)
    yield t, d
    t.close()
    d.close()


@pytest.mark.parametrize("sql", QUERIES)
def test_schema_tables_match_duckdb(pair, sql):
    assert_same(*pair, sql, ordered="ORDER BY" in sql or sql.startswith(("SHOW", "DESCRIBE")))


@pytest.mark.parametrize("sql", [
    "SELECT * FROM nosuch.t", "CREATE TABLE nosuch.t (a INTEGER)", "SELECT * FROM sales.nosuch",
    "INSERT INTO nosuch.t VALUES (1)", "DROP SCHEMA nosuch", "CREATE SCHEMA main",
])
def test_errors_where_duckdb_raises(sql):
    t, d = connect_pair(SETUP[:4])
    with pytest.raises(duckdb.Error):
        d.execute(sql)
    with pytest.raises(tqp.ProgrammingError):
        t.execute(sql)


def test_drop_schema_needs_cascade_and_drops_everything_in_it():
    t, d = connect_pair(SETUP)
    for con, err in ((t, tqp.ProgrammingError), (d, duckdb.Error)):
        with pytest.raises(err):
            con.execute("DROP SCHEMA sales")
        con.execute("DROP SCHEMA IF EXISTS nosuch")
        con.execute("DROP TABLE IF EXISTS nosuch.t")
    assert_same(t, d, "SELECT count(*) FROM sales.orders")  # a failed DROP dropped nothing
    for con in (t, d):
        con.execute("DROP SCHEMA sales CASCADE")
        con.execute("CREATE SCHEMA sales")  # empty again, its old tables gone
        con.execute("CREATE TABLE sales.orders (x INTEGER)")
    assert_same(t, d, "SELECT table_schema, table_name FROM information_schema.tables ORDER BY ALL", ordered=True)
    assert_same(t, d, "SELECT * FROM orders ORDER BY id", ordered=True)


def test_export_and_import_keep_schemas(tmp_path):
    t, _ = connect_pair(SETUP)
    t.execute(f"EXPORT DATABASE '{tmp_path}'")
    fresh = tqp.connect()
    fresh.execute(f"IMPORT DATABASE '{tmp_path}'")
    for sql in ("SELECT * FROM sales.orders ORDER BY id", "SELECT * FROM archive.older", "SELECT * FROM sales.big ORDER BY id",
                "SELECT * FROM orders ORDER BY id"):
        assert fresh.execute(sql).fetchall() == t.execute(sql).fetchall(), sql
