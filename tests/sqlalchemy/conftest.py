import pytest

pytest.importorskip("sqlalchemy")
import tqp.sqlalchemy  # noqa: E402,F401 - registers tqp:// where tqp is not installed with its entry point
