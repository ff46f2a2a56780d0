"""CREATE MACRO / CREATE FUNCTION and BEGIN / COMMIT / ROLLBACK, against DuckDB."""
import pytest

import tqp
from tests.differential.pair import assert_same, connect_pair

SETUP = ["CREATE TABLE a (k INTEGER, v INTEGER, s VARCHAR)",
         "INSERT INTO a VALUES (1, 10, 'x'), (2, 20, 'y'), (3, NULL, NULL), (4, 40, 'x')",
         "CREATE MACRO plus(x, y) AS x + y",
         "CREATE FUNCTION twice(x) AS x * 2",
         "CREATE MACRO doubled_sum(x) AS sum(x) * 2",
         "CREATE MACRO above(t) AS (SELECT count(*) FROM a WHERE k > t)",
         "CREATE MACRO nested(x) AS plus(twice(x), 1)",
         "CREATE MACRO upto(n) AS TABLE SELECT range AS r FROM range(n)",
         "CREATE MACRO of_s(p) AS TABLE SELECT k, v FROM a WHERE s = p"]

QUERIES = [
    "SELECT plus(k, v), twice(k), nested(k) FROM a",
    "SELECT plus(k, 1) * 3 FROM a",  # the body keeps its own precedence
    "SELECT s, doubled_sum(v) FROM a GROUP BY s HAVING doubled_sum(v) > 10",
    "SELECT k, above(k) FROM a",
    "SELECT * FROM upto(4)",
    "SELECT q.r FROM upto(3) AS q WHERE q.r > 0",
    "SELECT * FROM of_s('x') JOIN upto(3) ON k = r",
    "SELECT twice(k) AS d FROM a WHERE twice(k) > 2 ORDER BY twice(k) DESC",
]


@pytest.fixture(scope="module")
def pair():
    return connect_pair(SETUP)


@pytest.mark.parametrize("sql", QUERIES)
def test_macros_match_duckdb(pair, sql):
    assert_same(*pair, sql)


def test_macros_in_views_tables_and_dml():
    t, d = connect_pair(SETUP)
    for s in ["CREATE VIEW tv AS SELECT twice(k) AS z FROM a", "CREATE TABLE ct AS SELECT plus(k, k) AS z FROM a",
              "INSERT INTO a SELECT twice(k) + 10, 0, 'z' FROM a WHERE k < 3", "UPDATE a SET v = twice(v) WHERE s = 'x'",
              "DELETE FROM a WHERE plus(k, 0) = 2"]:
        t.execute(s)
        d.execute(s)
    for q in ["SELECT * FROM tv", "SELECT * FROM ct", "SELECT * FROM a"]:
        assert_same(t, d, q)


def test_macro_errors_and_replacement():
    t = tqp.connect()
    t.execute("CREATE MACRO m(x) AS x + 1")
    with pytest.raises(tqp.ProgrammingError, match="already exists"):
        t.execute("CREATE MACRO m(x) AS x + 2")
    t.execute("CREATE OR REPLACE MACRO m(x) AS x + 2")
    assert t.execute("SELECT m(1)").fetchall() == [(3,)]
    with pytest.raises(tqp.ProgrammingError, match="takes 1 argument"):
        t.execute("SELECT m(1, 2)")
    with pytest.raises(tqp.ProgrammingError, match="is not a table"):
        t.execute("SELECT * FROM m(1)")
    t.execute("CREATE MACRO loop(x) AS loop(x)")
    with pytest.raises(tqp.ProgrammingError, match="without end"):
        t.execute("SELECT loop(1)")
    with pytest.raises(tqp.ProgrammingError, match="already exists"):
        t.execute("CREATE MACRO abs(x) AS x")  # a built-in keeps its name
    t.execute("DROP MACRO m")
    with pytest.raises(tqp.ProgrammingError, match="does not exist"):
        t.execute("SELECT m(1)")
    with pytest.raises(tqp.ProgrammingError, match="does not exist"):
        t.execute("DROP MACRO m")
    t.execute("DROP MACRO IF EXISTS m")


SCRIPT = ["CREATE TABLE b (k INTEGER PRIMARY KEY, v VARCHAR)", "INSERT INTO b VALUES (1, 'a')",
          "BEGIN", "INSERT INTO b VALUES (2, 'b')", "UPDATE b SET v = 'z' WHERE k = 1", "CREATE VIEW bv AS SELECT k FROM b",
          "CREATE TABLE c AS SELECT * FROM b", "ROLLBACK",
          "START TRANSACTION", "INSERT INTO b VALUES (3, 'c')", "DELETE FROM b WHERE k = 1", "COMMIT",
          "BEGIN TRANSACTION", "INSERT INTO b VALUES (4, 'd')", "END",
          "BEGIN", "DROP TABLE b", "ABORT"]


def test_transactions_match_duckdb():
    t, d = connect_pair(SCRIPT)
    assert_same(t, d, "SELECT * FROM b")
    for name in ("bv", "c"):  # made inside the rolled-back transaction: gone on both
        for con in (t, d):
            with pytest.raises(Exception):
                con.execute(f"SELECT * FROM {name}")


def test_transaction_errors_and_dbapi_methods():
    t = tqp.connect()
    t.execute("CREATE TABLE b (k INTEGER PRIMARY KEY)")
    with pytest.raises(tqp.ProgrammingError, match="no transaction is active"):
        t.execute("COMMIT")
    with pytest.raises(tqp.ProgrammingError, match="no transaction is active"):
        t.execute("ROLLBACK")
    t.commit()  # autocommit: nothing to do
    t.rollback()
    t.execute("BEGIN")
    with pytest.raises(tqp.ProgrammingError, match="within a transaction"):
        t.execute("BEGIN")
    t.execute("INSERT INTO b VALUES (1)")
    with pytest.raises(tqp.IntegrityError):  # a failed statement changes nothing and keeps the transaction
        t.execute("INSERT INTO b VALUES (2), (1)")
    t.execute("INSERT INTO b VALUES (2)")
    assert t.execute("SELECT count(*) FROM b").fetchall() == [(2,)]
    t.rollback()
    assert t.execute("SELECT count(*) FROM b").fetchall() == [(0,)]
    t.execute("BEGIN")
    t.execute("INSERT INTO b VALUES (5)")
    t.commit()
    t.rollback()
    assert t.execute("SELECT k FROM b").fetchall() == [(5,)]


def test_maintenance_statements_are_accepted():
    t = tqp.connect()
    t.execute("CREATE TABLE b (k INTEGER)")
    for s in ("CHECKPOINT", "VACUUM", "ANALYZE"):
        t.execute(s)
    assert t.execute("SELECT count(*) FROM b").fetchall() == [(0,)]
