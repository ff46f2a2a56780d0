"""tqp: SQL queries as PyTorch tensor programs, on CPU or GPU.

>>> import tqp
>>> con = tqp.connect(device="cpu")
>>> con.register("t", {"a": [1, 2, 2], "b": [10, 20, 30]})
>>> con.execute("SELECT a, sum(b) FROM t GROUP BY a ORDER BY a").fetchall()
[(1, 10), (2, 50)]
"""
import os as _os
import sys as _sys

# torch's OpenMP threads spin after each parallel region, waiting for the next; libgomp's default
# spin (300,000 iterations) assumes they own their CPUs. On a machine where other processes also
# run, a spinning thread takes the CPU its descheduled sibling needs to reach the barrier, and a
# query slowed several-fold. A short spin keeps back-to-back operators warm on a quiet machine
# and yields the CPU under load. libgomp reads this once, when torch loads it: only an import
# of tqp before torch's first import can set it, and a value the user set wins.
if "torch" not in _sys.modules and "OMP_WAIT_POLICY" not in _os.environ:
    _os.environ.setdefault("GOMP_SPINCOUNT", "10000")

from .errors import *  # noqa: F401,F403
from .errors import __all__ as _error_names
from .dbapi import *  # noqa: F401,F403
from .dbapi import __all__ as _dbapi_names

__all__ = list(_error_names) + list(_dbapi_names)
__version__ = "0.1.0"
