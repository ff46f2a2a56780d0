"""Parquet files straight into tqp columns, a few row groups at a time.

Reading a whole file into one Arrow table and then converting it holds both copies at once
and touches twice the memory. Here each slice of row groups is read (pyarrow, threads across
columns), its fixed-width values are copied into the final arrays, and the slice is freed:
peak memory is the columns plus a slice or two (the next is read while this one is copied).
Strings are kept per slice (as plain strings, or dictionary codes where the file's pages are
dictionary-encoded over few values) and become one column at the end.

>>> import os, tempfile, pyarrow as pa, pyarrow.parquet as pq, torch
>>> path = os.path.join(tempfile.mkdtemp(), "t.parquet")
>>> pq.write_table(pa.table({"k": [1, 2, None], "s": ["x", "y", "x"]}), path, row_group_size=2)
>>> names, cols, n = read_columns([path], torch.device("cpu"))
>>> names, n, cols[0].data.tolist(), cols[0].validity.tolist(), list(cols[1].dictionary.values)
(['k', 's'], 3, [1, 2, 0], [True, True, False], ['x', 'y'])
"""
from __future__ import annotations

import os
from contextlib import contextmanager

import numpy as np
import pyarrow as pa
import torch

from ..column import Column
from .arrow import (column_from_arrow, concat_strings, empty, fixed_column, fixed_values, is_fixed, named_errors,
                    sharing_buffers, sql_type_of, valid_utf8)

SLICE_ROWS = 1 << 20  # rows read at once: large enough for pyarrow's column threads, small enough to stay warm


def read_columns(files: list[str], device: torch.device, threads: int | None = None) -> tuple | None:
    """(column names, columns, row count) of Parquet files sharing one Arrow schema, or None
    when their schemas differ (the dataset reader reconciles those). With `threads` 1 (by
    default: torch's setting, which a running statement holds at its connection's), one
    thread does it all."""
    import pyarrow.parquet as pq

    metas = [pq.read_metadata(f) for f in files]
    schema = metas[0].schema.to_arrow_schema()
    if any(not m.schema.to_arrow_schema().equals(schema) for m in metas[1:]):
        return None
    coded = few_valued_strings(metas[0], schema)
    handles = [pq.ParquetFile(f, metadata=m, read_dictionary=coded or None) for f, m in zip(files, metas)]
    schema = handles[0].schema_arrow
    total = sum(m.num_rows for m in metas)
    sinks = []
    for f in schema:
        with named_errors(f.name):
            sinks.append(_Fixed(f.type, total) if is_fixed(f.type) else _Chunks(f.type))

    parallel = (threads or torch.get_num_threads()) > 1

    def read(job) -> list:  # on the second thread: reading, and the work that needs no state
        table = job[0].read_row_groups(job[1], use_threads=parallel)
        out = []
        for name, sink, col in zip(schema.names, sinks, table.columns):
            with named_errors(name):
                out.append(sink.prepare(col))
        return out
    with sharing_buffers(), _load_pool():
        jobs = [(h, groups) for h in handles for groups in _slices(h.metadata)]
        for prepared in _read_ahead(read, jobs) if parallel else map(read, jobs):
            for sink, part in zip(sinks, prepared):
                sink.add(part)
            del prepared
        columns = []
        for name, sink in zip(schema.names, sinks):
            with named_errors(name):
                columns.append(sink.finish(device))
    return list(schema.names), columns, total


@contextmanager
def _load_pool():
    """pyarrow's default allocator, mimalloc, asks for transparent huge pages; where the kernel
    defragments memory for them on demand (a common default), a load spent most of its time
    in the kernel. jemalloc (else malloc) serves this load's Arrow buffers instead, unless the
    user chose an allocator (ARROW_DEFAULT_MEMORY_POOL)."""
    old = pa.default_memory_pool()
    if old.backend_name != "mimalloc" or os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        yield
        return
    try:
        pool = pa.jemalloc_memory_pool()
    except NotImplementedError:
        pool = pa.system_memory_pool()
    pa.set_memory_pool(pool)
    try:
        yield
    finally:
        pa.set_memory_pool(old)


def _read_ahead(read, jobs: list):
    """read(job) for each job in turn, the next one running on a second thread (pyarrow and
    numpy let go of the GIL) while the caller takes in this one's result."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="tqp-parquet") as pool:
        ahead = pool.submit(read, jobs[0]) if jobs else None
        for i in range(len(jobs)):
            done = ahead.result()
            ahead = pool.submit(read, jobs[i + 1]) if i + 1 < len(jobs) else None
            yield done
            del done


def _slices(meta) -> list[list[int]]:
    """Consecutive row groups in runs of about SLICE_ROWS rows."""
    out, run, rows = [], [], 0
    for i in range(meta.num_row_groups):
        run.append(i)
        rows += meta.row_group(i).num_rows
        if rows >= SLICE_ROWS:
            out.append(run)
            run, rows = [], 0
    return out + [run] if run else out


class _Fixed:
    """A fixed-width column: each slice's values copied into one preallocated array."""

    def __init__(self, t: pa.DataType, n: int):
        self.type, self.pos, self.valid = t, 0, None
        self.data = empty(n, fixed_values(t, [])[0].dtype)

    def prepare(self, col: pa.ChunkedArray) -> tuple:
        return fixed_values(self.type, col.chunks)

    def add(self, part: tuple) -> None:
        data, valid = part
        end = self.pos + len(data)
        self.data[self.pos:end] = data
        if valid is not None and self.valid is None:
            self.valid = empty(len(self.data), np.bool_)
            self.valid[:self.pos] = True
        if self.valid is not None:
            self.valid[self.pos:end] = True if valid is None else valid
        self.pos = end

    def finish(self, device: torch.device) -> Column:
        return fixed_column(sql_type_of(self.type), self.data[:self.pos], self.valid, device)


class _Chunks:
    """Any other column: the slices' chunks, converted as one column at the end. Plain strings
    are cast to Arrow's string type and checked for UTF-8 slice by slice, freeing the
    decompressed pages that string views point into."""

    def __init__(self, t: pa.DataType):
        self.type, self.chunks = t, []
        self.plain = sql_type_of(t).is_string and not pa.types.is_dictionary(t)

    def prepare(self, col: pa.ChunkedArray) -> list:
        return [valid_utf8(c.cast(pa.string())) for c in col.chunks] if self.plain else col.chunks

    def add(self, part: list) -> None:
        self.chunks += part

    def finish(self, device: torch.device) -> Column:
        if self.plain:
            return column_from_arrow(concat_strings(self.chunks), device, utf8_checked=True)
        return column_from_arrow(pa.chunked_array(self.chunks, self.type), device)


def few_valued_strings(meta, schema: pa.Schema) -> list[str]:
    """Top-level string columns whose first row group is dictionary-encoded with a dictionary
    page of under one byte per eight rows (status flags, modes, names from a short list; not
    comments or names, whose writers give up on a dictionary anyway). Read as Arrow
    dictionaries, they arrive as codes without each row's string being decoded and hashed
    again. Only speed rides on the guess: either way the column's values are the same."""
    if meta.num_row_groups == 0:
        return []
    group = meta.row_group(0)
    chunks = {group.column(i).path_in_schema: group.column(i) for i in range(group.num_columns)}
    out = []
    for field in schema:
        chunk = chunks.get(field.name)
        if chunk is None or not (pa.types.is_string(field.type) or pa.types.is_large_string(field.type)
                                 or pa.types.is_string_view(field.type)):
            continue
        start, end = chunk.dictionary_page_offset, chunk.data_page_offset
        if chunk.has_dictionary_page and start and end and 0 < (end - start) * 8 < group.num_rows:
            out.append(field.name)
    return out
