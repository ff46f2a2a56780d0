"""DDL and DML, differentially: every statement runs on tqp and on DuckDB, and after each
step the affected tables must hold the same rows on both.  A statement that fails must
fail on both and change nothing (PEP 249 atomicity of a single statement).
"""
from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
import pytest

from tpch.verify import compare

PEOPLE_DDL = (
    "CREATE TABLE people (id INTEGER, name VARCHAR, score DOUBLE, bal DECIMAL(15, 2), "
    "born DATE, active BOOLEAN, big BIGINT)"
)
PEOPLE_ROWS = (
    "INSERT INTO people VALUES "
    "(1, 'ann', 1.5, 10.25, DATE '1990-02-28', true, 9000000000), "
    "(2, 'bob', NULL, -3.50, DATE '1969-12-31', false, NULL), "
    "(3, NULL, 2.25, NULL, NULL, NULL, -1), "
    "(4, 'Zoë', -0.125, 0.01, DATE '2000-02-29', true, 0), "
    "(5, '', 1e10, 99999.99, DATE '1900-03-01', false, 42)"
)


class Pair:
    """A tqp connection and a DuckDB connection driven in lockstep."""

    def __init__(self, tq, tqp_mod):
        self.tq = tq
        self.tqp = tqp_mod
        self.dk = duckdb.connect()

    def both(self, sql: str, params=None):
        """Run on both; both must succeed."""
        if params is None:
            self.dk.execute(sql)
            self.tq.execute(sql)
        else:
            self.dk.execute(sql, params)
            self.tq.execute(sql, params)

    def register(self, name: str, table: pa.Table):
        self.tq.register(name, table)
        tmp = f"__src_{name}"
        self.dk.register(tmp, table)
        self.dk.execute(f'CREATE TABLE "{name}" AS SELECT * FROM "{tmp}"')
        self.dk.unregister(tmp)

    def query(self, sql: str) -> tuple[pa.Table, pa.Table]:
        return self.dk.sql(sql).to_arrow_table(), self.tq.execute(sql).fetch_arrow()

    def same(self, sql: str, ordered: bool = False):
        expected, actual = self.query(sql)
        msg = compare(expected, actual, ordered=ordered)
        assert msg is None, f"{msg}\nSQL: {sql}"

    def same_table(self, name: str):
        self.same(f'SELECT * FROM "{name}"')

    def both_fail(self, sql: str, errors, params=None):
        """The statement must fail on DuckDB (sanity of the test) and on tqp with `errors`."""
        with pytest.raises(duckdb.Error):
            self.dk.execute(sql, params) if params is not None else self.dk.execute(sql)
        with pytest.raises(errors) as info:
            self.tq.execute(sql, params) if params is not None else self.tq.execute(sql)
        assert str(info.value), "error message must not be empty"
        return info.value

    def close(self):
        self.dk.close()
        try:
            self.tq.close()
        except Exception:  # noqa: BLE001 - teardown only
            pass


@pytest.fixture
def pair(device, connect, tqp_module):
    p = Pair(connect(device), tqp_module)
    yield p
    p.close()


def _norm_type(t: pa.DataType) -> pa.DataType:
    # Storage details that are not part of the SQL type: dictionary encoding, large offsets.
    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_large_string(t):
        t = pa.string()
    return t


def test_create_table_is_empty_with_declared_types(pair):
    pair.both(PEOPLE_DDL)
    expected, actual = pair.query("SELECT * FROM people")
    assert actual.num_rows == 0
    assert actual.column_names == expected.column_names
    assert [_norm_type(t) for t in actual.schema.types] == [_norm_type(t) for t in expected.schema.types]
    pair.same("SELECT count(*), sum(id), max(name) FROM people")


def test_insert_values_multi_row_with_nulls(pair):
    pair.both(PEOPLE_DDL)
    pair.both(PEOPLE_ROWS)
    pair.same_table("people")
    pair.both("INSERT INTO people VALUES (6, 'eve', 0.5, 1.00, DATE '2024-02-29', NULL, NULL)")
    pair.same_table("people")
    pair.same("SELECT count(*), count(name), sum(bal), avg(score), min(born), max(big) FROM people")
    pair.same("SELECT id, name FROM people WHERE active ORDER BY id", ordered=True)


def test_insert_column_list_fills_nulls(pair):
    pair.both(PEOPLE_DDL)
    pair.both("INSERT INTO people (name, id) VALUES ('x', 9), ('y', 10)")
    pair.both("INSERT INTO people (born, bal, active) VALUES (DATE '1970-01-01', 5.55, true)")
    pair.same_table("people")


def test_insert_values_expressions_and_casts(pair):
    pair.both(PEOPLE_DDL)
    pair.both(
        "INSERT INTO people VALUES (1 + 1, upper('abc'), 3 / 2, CAST('12.345' AS DECIMAL(15, 2)), "
        "DATE '2000-01-31' + INTERVAL 1 MONTH, 1 < 2, 2 * 1000000000)"
    )
    pair.same_table("people")


def test_insert_values_with_parameters(pair):
    pair.both("CREATE TABLE kv (k INTEGER, v VARCHAR, d DATE)")
    pair.both("INSERT INTO kv VALUES (?, ?, ?)", [1, "one", dt.date(2020, 2, 29)])
    pair.both("INSERT INTO kv VALUES (?, ?, ?)", [2, None, None])
    pair.same_table("kv")


def test_insert_select(pair, tables):
    pair.register("src", tables["t"].select(["id", "g", "i32", "m", "s_lo", "dt"]))
    pair.both("CREATE TABLE dst (id BIGINT, g INTEGER, v INTEGER, m DECIMAL(15, 2), s VARCHAR, d DATE)")
    pair.both("INSERT INTO dst SELECT id, g, i32, m, s_lo, dt FROM src WHERE g < 3")
    pair.same_table("dst")
    # Expressions and a reordered column list, appended to existing rows.
    pair.both("INSERT INTO dst (s, id, v) SELECT upper(s_lo), id + 10000, i32 * 2 FROM src WHERE i32 > 40")
    pair.same_table("dst")
    pair.same("SELECT g, count(*), sum(m) FROM dst GROUP BY g")
    # Inserting from the table itself reads a snapshot, so it doubles the rows exactly once.
    pair.both("INSERT INTO dst SELECT * FROM dst")
    pair.same_table("dst")


def test_insert_select_empty_result_inserts_nothing(pair, tables):
    pair.register("src", tables["t"].select(["id", "s_lo"]))
    pair.both("CREATE TABLE dst (id BIGINT, s VARCHAR)")
    pair.both("INSERT INTO dst SELECT id, s_lo FROM src WHERE 1 = 0")
    pair.same_table("dst")
    pair.same("SELECT count(*) FROM dst")


def test_create_table_as_select(pair, tables):
    pair.register("src", tables["t"])
    pair.both("CREATE TABLE agg AS SELECT g, count(*) AS c, sum(m) AS sm, avg(d) AS ad, min(s_lo) AS s FROM src GROUP BY g")
    pair.same_table("agg")
    expected, actual = pair.query("SELECT * FROM agg")
    assert actual.column_names == expected.column_names
    # The new table is a first-class table: it joins with the registered one.
    pair.same("SELECT a.g, a.c, count(*) FROM agg a JOIN src ON a.g = src.g AND src.b GROUP BY a.g, a.c")
    pair.both("CREATE TABLE copy AS SELECT * FROM src WHERE dt < DATE '1970-01-01'")
    pair.same_table("copy")
    pair.both("CREATE TABLE nothing AS SELECT * FROM src WHERE false")
    pair.same_table("nothing")
    pair.same("SELECT count(*) FROM nothing")


def test_ctas_is_a_snapshot(pair, tables):
    pair.both(PEOPLE_DDL)
    pair.both(PEOPLE_ROWS)
    pair.both("CREATE TABLE snap AS SELECT id, name FROM people")
    pair.both("INSERT INTO people (id, name) VALUES (100, 'late')")
    pair.same_table("snap")
    pair.same("SELECT count(*) FROM snap")


def test_view_reflects_base_table(pair):
    pair.both(PEOPLE_DDL)
    pair.both(PEOPLE_ROWS)
    pair.both("CREATE VIEW adults AS SELECT id, name, bal FROM people WHERE born < DATE '1980-01-01'")
    pair.same("SELECT * FROM adults")
    pair.same("SELECT count(*), sum(bal) FROM adults")
    # A view is a stored query, not a snapshot.
    pair.both("INSERT INTO people (id, name, born, bal) VALUES (7, 'old', DATE '1950-06-15', 1.11)")
    pair.same("SELECT * FROM adults")
    pair.same("SELECT p.id, a.name FROM people p JOIN adults a ON p.id = a.id")


def test_view_over_view_and_drop(pair):
    pair.both(PEOPLE_DDL)
    pair.both(PEOPLE_ROWS)
    pair.both("CREATE VIEW v1 AS SELECT id, score FROM people WHERE score IS NOT NULL")
    pair.both("CREATE VIEW v2 AS SELECT id, score * 2 AS s2 FROM v1 WHERE id > 1")
    pair.same("SELECT * FROM v2")
    pair.both("DROP VIEW v2")
    pair.both_fail("SELECT * FROM v2", pair.tqp.ProgrammingError)
    pair.both("DROP VIEW IF EXISTS v2")
    pair.same("SELECT * FROM v1")
    pair.same_table("people")


def test_drop_table(pair):
    pair.both(PEOPLE_DDL)
    pair.both(PEOPLE_ROWS)
    pair.both("CREATE TABLE other (x INTEGER)")
    pair.both("INSERT INTO other VALUES (1), (2)")
    pair.both("DROP TABLE other")
    err = pair.both_fail("SELECT * FROM other", pair.tqp.ProgrammingError)
    assert "other" in str(err)
    pair.both("DROP TABLE IF EXISTS other")
    pair.both_fail("DROP TABLE other", pair.tqp.ProgrammingError)
    pair.same_table("people")
    # The name is free again, with a new shape.
    pair.both("CREATE TABLE other (y VARCHAR)")
    pair.both("INSERT INTO other VALUES ('a')")
    pair.same_table("other")


def test_insert_bad_value_is_atomic(pair):
    pair.both(PEOPLE_DDL)
    pair.both(PEOPLE_ROWS)
    # The second row cannot convert: nothing at all may be inserted.
    pair.both_fail(
        "INSERT INTO people VALUES (10, 'ok', 1.0, 1.00, DATE '2000-01-01', true, 1), "
        "('abc', 'bad', 1.0, 1.00, DATE '2000-01-01', true, 1)",
        (pair.tqp.DataError, pair.tqp.ProgrammingError),
    )
    pair.same_table("people")
    pair.both_fail(
        "INSERT INTO people (id, born) VALUES (11, DATE '2000-01-01'), (12, CAST('2023-02-29' AS DATE))",
        (pair.tqp.DataError, pair.tqp.ProgrammingError),
    )
    pair.same_table("people")


def test_insert_wrong_column_count_is_atomic(pair):
    pair.both(PEOPLE_DDL)
    pair.both(PEOPLE_ROWS)
    pair.both_fail(
        "INSERT INTO people VALUES (10, 'ok', 1.0, 1.00, DATE '2000-01-01', true, 1), (11)",
        pair.tqp.ProgrammingError,
    )
    pair.same_table("people")
    pair.both_fail("INSERT INTO people VALUES (10, 'too', 'few')", pair.tqp.ProgrammingError)
    pair.same_table("people")
    pair.both_fail("INSERT INTO people (id, name) VALUES (1, 'a', 'extra')", pair.tqp.ProgrammingError)
    pair.same_table("people")
    pair.both_fail("INSERT INTO people (id, nosuch) VALUES (1, 2)", pair.tqp.ProgrammingError)
    pair.same_table("people")


def test_insert_select_failure_is_atomic(pair, tables):
    pair.both(PEOPLE_DDL)
    pair.both(PEOPLE_ROWS)
    pair.register("src", tables["t"].select(["id", "s_hi"]))
    # Most s_hi values are not integers: the conversion fails part-way through the source.
    pair.both_fail(
        "INSERT INTO people (id) SELECT CAST(s_hi AS INTEGER) FROM src",
        (pair.tqp.DataError, pair.tqp.ProgrammingError),
    )
    pair.same_table("people")


def test_failed_ddl_changes_nothing(pair):
    pair.both(PEOPLE_DDL)
    pair.both(PEOPLE_ROWS)
    pair.both_fail("CREATE TABLE people (x INTEGER)", pair.tqp.ProgrammingError)
    pair.same_table("people")
    pair.both_fail("CREATE TABLE broken AS SELECT nosuch FROM people", pair.tqp.ProgrammingError)
    pair.both_fail("SELECT * FROM broken", pair.tqp.ProgrammingError)
    pair.both_fail("CREATE VIEW bad AS SELECT nosuch FROM people", pair.tqp.ProgrammingError)
    pair.both_fail("SELECT * FROM bad", pair.tqp.ProgrammingError)
    pair.both_fail("INSERT INTO nosuch VALUES (1)", pair.tqp.ProgrammingError)
    pair.same_table("people")


def test_decimal_and_date_round_trip_exact(pair):
    pair.both("CREATE TABLE money (k INTEGER, a DECIMAL(15, 2), b DECIMAL(12, 4), d DATE)")
    pair.both(
        "INSERT INTO money VALUES (1, 0.10, 0.0001, DATE '1969-12-31'), (2, 0.20, -9999.9999, DATE '2000-02-29'), "
        "(3, -0.30, 1.5, DATE '1900-02-28'), (4, NULL, NULL, NULL), (5, 9999999999999.99, 12345678.1234, DATE '2038-01-19')"
    )
    pair.same_table("money")
    pair.same("SELECT sum(a), sum(b), sum(a) = 9999999999999.99, min(d), max(d) FROM money")
    pair.same("SELECT k, a + b, a * 2 FROM money")
