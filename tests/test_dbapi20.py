"""The public DB-API 2.0 compliance suite (package dbapi-compliance, module `dbapi20`) run on tqp.

Every connection is a fresh in-memory catalog, so the suite's tables never leak between tests.
Run: pytest tests/test_dbapi20.py
"""
import pytest

dbapi20 = pytest.importorskip("dbapi20")

import tqp  # noqa: E402


class TestTqpDBAPI20(dbapi20.DatabaseAPI20Test):
    driver = tqp
    connect_args = ()
    connect_kw_args = {"device": "cpu"}

    # tqp has no stored procedures, so Cursor.callproc is deliberately absent (optional in
    # PEP 249); the suite then checks nothing for it. Same for nextset: tqp never returns more
    # than one result set per statement and leaves the optional method out, which the suite's
    # own test_nextset body accepts. The base class forces drivers to override these two:

    def test_nextset(self):
        con = self._connect()
        try:
            self.assertFalse(hasattr(con.cursor(), "nextset"))
        finally:
            con.close()

    def test_setoutputsize(self):
        # setoutputsize is a documented no-op: results come back fully materialized as Arrow,
        # whatever the column sizes. Check it leaves long values intact.
        con = self._connect()
        try:
            cur = con.cursor()
            self.executeDDL1(cur)
            cur.setoutputsize(3, 0)
            cur.execute(f"insert into {self.table_prefix}booze values (?)", ("Victoria Bitter",))
            cur.execute(f"select name from {self.table_prefix}booze")
            self.assertEqual(cur.fetchall(), [("Victoria Bitter",)])
        finally:
            con.close()

    def test_callproc_absent(self):
        con = self._connect()
        try:
            self.assertFalse(hasattr(con.cursor(), "callproc"))
        finally:
            con.close()
