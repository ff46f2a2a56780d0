"""tqp: SQL queries as PyTorch tensor programs, on CPU or GPU.

>>> import tqp
>>> con = tqp.connect(device="cpu")
>>> con.register("t", {"a": [1, 2, 2], "b": [10, 20, 30]})
>>> con.execute("SELECT a, sum(b) FROM t GROUP BY a ORDER BY a").fetchall()
[(1, 10), (2, 50)]
"""
from .errors import *  # noqa: F401,F403
from .errors import __all__ as _error_names
from .dbapi import *  # noqa: F401,F403
from .dbapi import __all__ as _dbapi_names

__all__ = list(_error_names) + list(_dbapi_names)
__version__ = "0.1.0"
