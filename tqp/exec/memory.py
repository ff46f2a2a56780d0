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

Kept heap is address space the process holds, and one heap cannot hand a large block back
while a small live one sits above it. So when an allocation fails, `give_back_memory` trims
the heap and restores malloc's defaults for the rest of the process: the statement is then
retried under exactly the conditions TQP_HOST_MALLOC=default would have given it.

>>> keep_freed_memory() in (True, False)
True
"""
from __future__ import annotations

import ctypes
import gc
import ctypes.util
import os
import sys

_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4
_DEFAULT_TRIM, _DEFAULT_MMAP_MAX = 128 * 1024, 65536  # glibc's own values
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


def give_back_memory() -> bool:
    """After an allocation failed: return free heap to the OS and end the tuning (large blocks
    come from mmap again, and are unmapped when freed). True when the tuning was in effect,
    i.e. when a retry may now succeed where the first try failed."""
    gc.collect()  # tensors of the failed statement that only a reference cycle still holds
    if not _done or not _done[0]:
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    libc.mallopt(_M_MMAP_MAX, _DEFAULT_MMAP_MAX)
    libc.mallopt(_M_TRIM_THRESHOLD, _DEFAULT_TRIM)
    libc.malloc_trim(0)
    _done[0] = False
    return True
