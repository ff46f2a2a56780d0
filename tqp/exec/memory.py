"""Host memory: keep freed tensor memory in the process instead of returning it to the OS.

PyTorch's CPU allocator is glibc malloc, which serves every block over a few MB with a fresh
`mmap` and unmaps it on free. A query allocates and frees hundreds of such blocks (one per
intermediate column), so each one is paid again in page faults while the kernel zeroes it;
on this project's 2-core VM that was half of a warm TPC-H query (Q1 321 ms -> 129 ms, Q18
306 ms -> 126 ms, Q5 186 ms -> 79 ms at SF1 with the change below). Serving large blocks
from the heap and not trimming it lets freed pages be reused as they are, which is what
engines with their own allocator (DuckDB's jemalloc) get for free.

The cost is that the process keeps freed heap, up to the 2 GB trim threshold set below:
memory a query freed is reused by the next one rather than handed back. Set
TQP_HOST_MALLOC=default to leave malloc as it is.

>>> keep_freed_memory() in (True, False)
True
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4
_done: list[bool] = []


def keep_freed_memory() -> bool:
    """Tune glibc malloc once per process (no mmap for large blocks, no trimming); True when
    the tuning is in effect. A no-op off glibc or when TQP_HOST_MALLOC=default."""
    if _done:
        return _done[0]
    ok = False
    if sys.platform.startswith("linux") and os.environ.get("TQP_HOST_MALLOC", "").lower() != "default":
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            ok = bool(libc.mallopt(_M_MMAP_MAX, 0)) and bool(libc.mallopt(_M_TRIM_THRESHOLD, 2**31 - 1))
        except (OSError, AttributeError):  # musl and others have no mallopt
            ok = False
    _done.append(ok)
    return ok
