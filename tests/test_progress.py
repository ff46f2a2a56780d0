"""SET enable_progress_bar: a bar on stderr for statements that run past progress_bar_time."""
import io
import time

import pytest

import tqp
from tqp.exec.progress import Progress


def test_bar_draws_and_ends_at_100_percent():
    out = io.StringIO()
    p = Progress(total=4, after=0.0, stream=out)
    p.advance()
    deadline = time.monotonic() + 30
    while not p.drawn and time.monotonic() < deadline:  # waits for the drawing thread, asserts no timing
        time.sleep(0.01)
    p.finish()
    text = out.getvalue()
    assert p.drawn and text.startswith("\r") and text.rstrip().endswith("100% [" + "=" * 40 + "]")


def test_fast_statement_draws_nothing(capsys):
    con = tqp.connect()
    con.execute("SET enable_progress_bar = true")
    assert con.execute("SELECT 41 + 1").fetchall() == [(42,)]  # far below the default 2000 ms
    assert capsys.readouterr().err == ""


def test_settings():
    con = tqp.connect()
    con.execute("SET enable_progress_bar = true")
    con.execute("SET progress_bar_time = 0")
    assert con.execute("SELECT count(*) FROM range(1000)").fetchall() == [(1000,)]
    con.execute("RESET enable_progress_bar")
    with pytest.raises(tqp.ProgrammingError):
        con.execute("SET progress_bar_time = -5")
    with pytest.raises(tqp.ProgrammingError):
        con.execute("SET enable_progress_bar = 'maybe'")


def test_current_setting_reads_set_values():
    con = tqp.connect()
    con.execute("SET threads = 1")
    con.execute("SET TimeZone = 'Asia/Tokyo'")
    assert con.execute("SELECT current_setting('threads'), current_setting('timezone'), "
                       "current_setting('integer_division')").fetchall() == [(1, "Asia/Tokyo", False)]
    with pytest.raises(tqp.ProgrammingError, match="unknown setting"):
        con.execute("SELECT current_setting('no_such_setting')")
