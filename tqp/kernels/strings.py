"""String kernels over a VARCHAR column's Dictionary: evaluated once per distinct value.

Results are per dictionary entry; the caller maps them to rows with a gather on the codes
(`result[codes]`). LIKE runs as tensor ops over the dictionary's padded UTF-8 byte matrix
(Dictionary.byte_matrix); the other functions use numpy's vectorized string routines on the
dictionary's values (dictionary-sized work, never per row); the SQL string functions built on
them are in tqp/functions/strings.py.

>>> import numpy as np, torch
>>> from tqp.column import Dictionary
>>> d = Dictionary(np.array(["apple", "banana", "grape"], dtype=object))
>>> mat, lengths = d.byte_matrix(torch.device("cpu"))
>>> like(mat, lengths, "%an%").tolist()
[False, True, False]
>>> reverse(d.values).tolist()
['elppa', 'ananab', 'eparg']
>>> new_values, code_map = remap(np.array(["b", "a", "b"], dtype=object))
>>> new_values.tolist(), code_map.tolist()
(['a', 'b'], [1, 0, 1])
>>> merged, amap, bmap = unify(d.values, np.array(["fig", "grape"], dtype=object))
>>> merged.tolist(), amap.tolist(), bmap.tolist()
(['apple', 'banana', 'fig', 'grape'], [0, 1, 3], [2, 3])
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import torch
from torch import Tensor

from ..io import buffers
from .selection import nonzero, positions_of, positions_of_pair

__all__ = ["like", "reverse", "remap", "unify", "sorted_dictionary"]

_ANY1 = None  # a `_` position inside a pattern segment


# ---------------------------------------------------------------- LIKE

def _parse(pattern: str, escape: str | None) -> list[list[str | None]]:
    """Pattern -> segments between `%`; each a list of literal characters and _ANY1."""
    if escape is not None and len(escape) > 1:
        raise ValueError("LIKE escape must be a single character")
    escape = escape or None
    segments: list[list[str | None]] = [[]]
    chars = iter(pattern)
    for ch in chars:  # per pattern character: the pattern is a constant
        if ch == escape:
            nxt = next(chars, None)
            if nxt is None:
                raise ValueError("LIKE pattern must not end with the escape character")
            segments[-1].append(nxt)
        elif ch == "%":
            segments.append([])
        elif ch == "_":
            segments[-1].append(_ANY1)
        else:
            segments[-1].append(ch)
    if len(segments) > 2:  # consecutive % are one %: drop empty middle segments
        segments = [segments[0]] + [s for s in segments[1:-1] if s] + [segments[-1]]
    return segments


def _code_points(mat: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
    """Decode a padded UTF-8 byte matrix into a padded int32 code point matrix and lengths."""
    n, w = mat.shape
    b = mat.to(torch.int32)
    nxt = torch.cat([b, torch.zeros(n, 3, dtype=torch.int32, device=b.device)], 1)
    c1, c2, c3 = (nxt[:, k:k + w] & 0x3F for k in (1, 2, 3))  # continuation payloads
    cp = torch.where(b < 0x80, b, torch.where(
        b < 0xE0, ((b & 0x1F) << 6) | c1, torch.where(
            b < 0xF0, ((b & 0x0F) << 12) | (c1 << 6) | c2,
            ((b & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3)))
    inside = torch.arange(w, device=b.device) < lengths[:, None]
    lead = ((b & 0xC0) != 0x80) & inside  # first byte of each character
    col = torch.cumsum(lead, 1) - 1
    out = torch.zeros(n, w + 1, dtype=torch.int32, device=b.device)
    out.scatter_(1, torch.where(lead, col, w), cp)  # non-lead bytes land in a dropped column
    return out[:, :w], lead.sum(1)


def _fold_ascii(x: Tensor) -> Tensor:
    upper = (x >= 65) & (x <= 90)
    return torch.where(upper, x + 32, x)


def _at(m: Tensor, seg: list, start) -> Tensor:
    """bool [n]: seg matches m starting at `start` (an int or an int64 [n] tensor)."""
    ok = torch.ones(m.shape[0], dtype=torch.bool, device=m.device)
    for j, u in enumerate(seg):
        if u is _ANY1:
            continue
        if isinstance(start, int) or m.shape[1] == 0:  # (no string has a byte to compare)
            if not isinstance(start, int) or start + j >= m.shape[1]:
                return torch.zeros(m.shape[0], dtype=torch.bool, device=m.device)
            col = m[:, start + j]
        else:
            idx = (start + j).clamp(0, m.shape[1] - 1)
            col = m.gather(1, idx[:, None]).squeeze(1)
        ok &= col == u
    return ok


def _windows(m: Tensor, seg: list) -> Tensor:
    """bool [n, positions]: seg matches at each start position (positions = width - len + 1)."""
    span = m.shape[1] - len(seg) + 1
    hits = None
    for j, u in enumerate(seg):
        if u is not _ANY1:
            eq = m[:, j:j + span] == u
            hits = eq if hits is None else hits.logical_and_(eq)
    if hits is None:
        hits = torch.ones(m.shape[0], span, dtype=torch.bool, device=m.device)
    return hits


# Rough commonness of bytes in text (space and e most common; q, z, x, j rare); unknown: rare.
_COMMONNESS = {ord(c): 40 - i for i, c in enumerate(" etaoinsrhldcumfpgwybvkxjqz")}
_COMMONNESS.update({ord(c.upper()): v for c, v in ((chr(b), v) for b, v in list(_COMMONNESS.items())) if c != " "})


def _first_sparse(m: Tensor, seg: list, lo: int, pos: Tensor | None) -> Tensor:
    """int64 [n]: leftmost start >= lo (and >= pos per row) where the literal seg occurs, or the
    matrix width if none. Candidates start at the first byte's hits and shrink byte by byte, so
    the cost is one pass over the matrix plus gathers over the (few) candidates."""
    n, width = m.shape
    span = width - len(seg) + 1
    none = torch.full((n,), width, dtype=torch.int64, device=m.device)
    if span <= lo:
        return none
    # Anchor on the byte likely rarest in text, so few candidates survive the first pass.
    k = min(range(len(seg)), key=lambda j: _COMMONNESS.get(seg[j], 0))
    rows, cols = torch.nonzero(m[:, lo + k:span + k] == seg[k], as_tuple=True)
    cols = cols + lo
    if pos is not None:
        keep = cols >= pos[rows]
        rows, cols = rows[keep], cols[keep]
    flat = m.reshape(-1)
    at = rows * width + cols
    for j in range(len(seg)):
        if j == k:
            continue
        keep = flat[at + j] == seg[j]
        rows, cols, at = rows[keep], cols[keep], at[keep]
    return none.scatter_reduce(0, rows, cols, reduce="amin")


def _first_window(m: Tensor, lens: Tensor, seg: list, lo: int, pos: Tensor | None) -> Tensor:
    """As _first_sparse, for segments holding `_`: dense windowed compares."""
    n, width = m.shape
    span = width - len(seg) + 1 - lo
    if span <= 0:
        return torch.full((n,), width, dtype=torch.int64, device=m.device)
    hits = _windows(m[:, lo:], seg)
    p = torch.arange(lo, lo + span, device=m.device)
    hits &= p + len(seg) <= lens[:, None]  # `_` may match padding: stay inside the value
    if pos is not None:
        hits &= p >= pos[:, None]
    first = hits.to(torch.uint8).argmax(1) + lo
    return torch.where(hits.any(1), first, width)


def like(mat: Tensor, lengths: Tensor, pattern: str, escape: str | None = None,
         case_insensitive: bool = False) -> Tensor:
    """bool [ndict]: SQL `value LIKE pattern [ESCAPE escape]` for each dictionary entry.

    `%` matches any sequence, `_` exactly one character (a UTF-8 code point: when the pattern
    has `_` and the dictionary holds non-ASCII bytes, the byte matrix is decoded to code points
    first; otherwise bytes are matched directly, which is exact for UTF-8 literals).
    The first segment is anchored at the start, the last at the end, and middle segments are
    found greedily leftmost in order (windowed compares + first position past a running offset).
    case_insensitive (ILIKE) folds ASCII letters only; other letters compare as they are.
    """
    segs = _parse(pattern, escape)
    n = mat.shape[0]
    dev = mat.device
    if n == 0:
        return torch.zeros(0, dtype=torch.bool, device=dev)
    has_any1 = any(u is _ANY1 for s in segs for u in s)
    decode = has_any1 and mat.numel() > 0 and bool((mat >= 0x80).any())  # one sync, dict-sized
    if decode:
        m, lens = _code_points(mat, lengths)
        units = [[u if u is _ANY1 else ord(u) for u in s] for s in segs]
    else:
        m, lens = mat, lengths
        # literal characters become their UTF-8 bytes; `_` stays one unit (ASCII-only data)
        units = [[b for u in s for b in ((_ANY1,) if u is _ANY1 else u.encode("utf-8"))]
                 for s in segs]
    if case_insensitive:
        m = _fold_ascii(m)
        units = [[u if u is _ANY1 or not 65 <= u <= 90 else u + 32 for u in s] for s in units]
    lens = lens.to(torch.int64)
    width = m.shape[1]
    # No padding copy: a window reaching past a value's end meets its zero padding (or the
    # matrix edge, handled by the span bounds), and a pattern byte is never zero.
    if len(units) == 1:  # no %: the whole value must match
        return (lens == len(units[0])) & _at(m, units[0], 0)
    first, middle, last = units[0], units[1:-1], units[-1]
    ok = (lens >= sum(len(s) for s in units)) & _at(m, first, 0)
    pos = None  # per-row offset where the next segment may start; None: len(first) for all
    for seg in middle:
        lo = len(first) if pos is None else 0
        if any(u is _ANY1 for u in seg):
            found = _first_window(m, lens, seg, lo, pos)
        else:
            found = _first_sparse(m, seg, lo, pos)
        ok &= found < width
        pos = found + len(seg)
    if pos is None:
        pos = torch.full((n,), len(first), dtype=torch.int64, device=dev)
    end_start = lens - len(last)
    if last:
        ok &= (end_start >= pos) & _at(m, last, end_start)
    return ok


def like_flat_supported(pattern: str, escape: str | None, case_insensitive: bool) -> bool:
    """like_flat handles patterns with at least one % and no `_` (the common LIKE shapes)."""
    if case_insensitive:
        return False
    segs = _parse(pattern, escape)
    return len(segs) > 1 and not any(u is _ANY1 for seg in segs for u in seg)


def like_flat(data: Tensor, offsets: Tensor, pattern: str, escape: str | None = None) -> Tensor:
    """bool [n]: LIKE over strings laid out as Arrow does (one UTF-8 byte buffer `data`, int64
    `offsets` [n + 1]), for patterns like_flat_supported accepts.

    No padded matrix: each middle segment is found from the positions of its rarest byte in
    the whole buffer (one pass), mapped to rows with searchsorted over the offsets; anchored
    first/last segments are byte gathers at each row's start/end.
    """
    units = [[b for ch in seg for b in ch.encode("utf-8")] for seg in _parse(pattern, escape)]
    n = offsets.shape[0] - 1
    dev = data.device
    if n <= 0:
        return torch.zeros(0, dtype=torch.bool, device=dev)
    if dev.type == "cpu":
        return torch.from_numpy(_like_host(data.numpy(), offsets.numpy(), units))
    size = data.shape[0]
    starts, ends = offsets[:-1], offsets[1:]
    first, middle, last = units[0], units[1:-1], units[-1]
    ok = ends - starts >= sum(len(u) for u in units)
    if size == 0:
        return ok
    for j, b in enumerate(first):
        ok &= data[(starts + j).clamp(max=size - 1)] == b
    pos = starts + len(first)
    for seg in middle:
        found = _first_in_buffer(data, offsets, seg, pos)
        ok &= found >= 0
        pos = torch.where(found >= 0, found + len(seg), ends)
    if last:
        tail = ends - len(last)
        ok &= tail >= pos
        for j, b in enumerate(last):
            ok &= data[(tail + j).clamp(min=0, max=size - 1)] == b
    return ok


def _like_host(buf: np.ndarray, offsets: np.ndarray, units: list[list[int]], part_bytes: int = 1 << 23) -> np.ndarray:
    """like_flat on the host, the rows split between the statement's threads (numpy's passes
    release the GIL) in parts of at least part_bytes, each by _like_rows."""
    from concurrent.futures import ThreadPoolExecutor

    from ..settings import current
    n = len(offsets) - 1
    parts = max(1, min(current().value("threads"), len(buf) // part_bytes, n))
    cuts = [n * i // parts for i in range(parts + 1)]
    if parts == 1:
        return _like_rows(buf, offsets, units)
    with ThreadPoolExecutor(parts) as pool:
        done = pool.map(lambda i: _like_rows(buf, offsets[cuts[i]:cuts[i + 1] + 1], units), range(parts))
        return np.concatenate(list(done))


def _like_rows(buf: np.ndarray, offsets: np.ndarray, units: list[list[int]]) -> np.ndarray:
    """bool [n]: rows offsets[i]..offsets[i + 1] of buf matching segments `units` (first anchored
    at the start, last at the end, middle ones leftmost in order). The anchored bytes are
    gathers; each middle segment is found in one pass over the bytes of the rows still in the
    running (_occurrences), copied together first once they are under half of those scanned
    last, and each row takes its first occurrence at or past where the previous one ended."""
    first, middle, last = units[0], units[1:-1], units[-1]
    starts, ends = offsets[:-1], offsets[1:]
    ok = ends - starts >= sum(len(u) for u in units)
    size = len(buf)
    if size == 0:  # every row empty: only a pattern without literal bytes matches
        return ok
    for j, b in enumerate(first):
        ok &= buf[np.minimum(starts + j, size - 1)] == b
    for j, b in enumerate(last):
        ok &= buf[np.clip(ends - len(last) + j, 0, size - 1)] == b
    rows = np.flatnonzero(ok)  # rows still in the running, and their bytes' place in buf:
    starts, ends = starts[rows], ends[rows]
    pos = starts + len(first)  # where the next segment may start
    scanned = len(ok)
    for seg in middle:
        if len(rows) == 0:
            break
        if len(rows) < scanned // 2:
            buf, starts, ends, pos = _gather_rows(buf, starts, ends, pos)
        scanned = len(rows)
        at = _occurrences(buf, int(starts[0]), int(ends[-1]), seg)
        row = np.maximum(np.searchsorted(starts, at, side="right") - 1, 0)
        inside = (at >= pos[row]) & (at + len(seg) <= ends[row])  # (a row out of the running ended before at)
        at, row = at[inside], row[inside]
        head = np.flatnonzero(np.diff(row, prepend=-1))  # at ascends: a row's first occurrence heads its run
        keep, pos = row[head], at[head] + len(seg)
        rows, starts, ends = rows[keep], starts[keep], ends[keep]
    out = np.zeros(len(ok), dtype=bool)
    out[rows[ends - len(last) >= pos]] = True
    return out


def _gather_rows(buf, starts, ends, pos):
    """The rows' bytes copied back to back (Arrow's take: one copy per row, in C++), and their
    starts, ends and positions there."""
    n = len(starts)
    offsets = np.empty(2 * n, dtype=np.int64)
    offsets[0::2], offsets[1::2] = starts, ends  # rows 2i are the wanted ones; 2i + 1 the gaps
    arr = pa.LargeStringArray.from_buffers(2 * n - 1, pa.py_buffer(offsets[:2 * n]), pa.py_buffer(buf))
    taken = arr.take(buffers.from_numpy(np.arange(0, 2 * n, 2), pa.int64()))
    new = np.frombuffer(taken.buffers()[1], dtype=np.int64, count=n + 1)
    data = taken.buffers()[2]
    out = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8)
    return out, new[:-1], new[1:], pos - (starts - new[:-1])


def _occurrences(buf: np.ndarray, lo: int, hi: int, seg: list[int]) -> np.ndarray:
    """int64 ascending: every start p in [lo, hi - len(seg)] where seg occurs in buf. One
    compare pass over the bytes read as 16-bit words (the pair of seg's bytes likely rarest in
    text) at both alignments; candidates are then checked byte by byte (gathers)."""
    w = min(2, len(seg))
    k = min(range(len(seg) - w + 1), key=lambda j: sum(_COMMONNESS.get(b, 0) for b in seg[j:j + w]))
    dtype = np.uint8 if w == 1 else np.uint16
    word = int.from_bytes(bytes(seg[k:k + w]), "little")
    found = []
    for a in range(w):  # the words at offsets a, a + w, ...: every alignment once
        base = lo + k + a
        count = (hi - base) // w
        if count > 0:
            view = np.frombuffer(buf, dtype=dtype, count=count, offset=base)
            found.append(np.flatnonzero(view == word) * w + (base - k))
    at = np.sort(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
    at = at[at + len(seg) <= hi]
    for j, b in enumerate(seg):
        if not k <= j < k + w:
            at = at[buf[at + j] == b]
    return at


def _first_in_buffer(data: Tensor, offsets: Tensor, seg: list, pos: Tensor) -> Tensor:
    """int64 [n]: per row, the leftmost absolute start >= pos[row] of seg inside the row, or -1."""
    size, n = data.shape[0], offsets.shape[0] - 1
    if len(seg) >= 2:  # start from the rarest adjacent pair of bytes
        k = min(range(len(seg) - 1), key=lambda j: _COMMONNESS.get(seg[j], 0) + _COMMONNESS.get(seg[j + 1], 0))
        at, known = positions_of_pair(data, seg[k], seg[k + 1]) - k, (k, k + 1)
    else:
        k = 0
        at, known = positions_of(data, seg[0]), (0,)
    at = at.index_select(0, nonzero((at >= 0) & (at <= size - len(seg))))
    for j in range(len(seg)):
        if j not in known:
            at = at.index_select(0, nonzero(data.index_select(0, at + j) == seg[j]))
    row = torch.searchsorted(offsets, at, right=True) - 1
    keep = nonzero((at + len(seg) <= offsets.index_select(0, row + 1)) & (at >= pos.index_select(0, row)))
    at, row = at.index_select(0, keep), row.index_select(0, keep)
    big = torch.iinfo(torch.int64).max
    first = torch.full((n,), big, dtype=torch.int64, device=data.device).scatter_reduce(0, row, at, reduce="amin")
    return torch.where(first == big, -1, first)


# ---------------------------------------------------------------- per-value functions

def reverse(s: np.ndarray) -> np.ndarray:
    """Reverse by code points: fixed-width UTF-32 rows, reversed within each row's length."""
    u = np.asarray(s.tolist(), dtype=str)  # fixed-width '<U{w}'
    w = u.dtype.itemsize // 4
    if len(u) == 0 or w == 0:
        return u
    cps = u.view(np.uint32).reshape(len(u), w)
    n = np.strings.str_len(u)[:, None]
    j = np.arange(w)[None, :]
    rev = np.take_along_axis(cps, np.where(j < n, n - 1 - j, j), axis=1)
    return np.ascontiguousarray(rev).view(u.dtype).reshape(len(u))


def remap(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted unique dictionary, int32 old code -> new code) for transformed values.

    Arrow's hash encoding finds the distinct values and only those are sorted (by UTF-8
    bytes, which is code point order): 150k phone prefixes take ~10 ms where np.unique's
    sort of Python objects took 80 ms."""
    values = np.asarray(values, dtype=object)
    try:
        arr = buffers.strings(values)
    except (AttributeError, TypeError):  # a None (or a non-string) among them
        arr = None
    if arr is None:
        uniq, inverse = np.unique(values, return_inverse=True)
        return uniq.astype(object), inverse.reshape(-1).astype(np.int32)
    enc = arr.dictionary_encode()
    positions, uniq = sorted_dictionary(enc.dictionary)
    return (_objects(uniq), positions.astype(np.int32)[buffers.values(enc.indices)])


def sorted_dictionary(values: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Each entry's position among the sorted distinct strings of `values`, and those strings
    as Arrow (Arrow's C++ sort: a million-entry dictionary takes well under a second)."""
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.int64), pa.nulls(0, pa.string())
    by = pc.array_sort_indices(values)
    order, ordered = buffers.values(by), values.take(by)
    new_run = np.ones(n, dtype=bool)
    if n > 1:
        new_run[1:] = buffers.values(pc.not_equal(ordered[1:], ordered[:-1]))
    group = np.cumsum(new_run) - 1
    positions = np.empty(n, dtype=np.int64)
    positions[order] = group
    return positions, ordered.filter(buffers.from_numpy(new_run, pa.bool_()))


def _objects(arr: pa.Array) -> np.ndarray:
    """An Arrow array's values as a numpy object array (per distinct string)."""
    out = np.empty(len(arr), dtype=object)
    out[:] = arr.to_pylist()
    return out


def unify(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merged sorted dictionary of two sorted dictionaries and each side's int32 old -> new
    code map, so codes of both columns compare (=, <, join, UNION) on one dictionary."""
    a = np.asarray(a, dtype=object)
    b = np.asarray(b, dtype=object)
    merged = np.unique(np.concatenate([a, b])).astype(object)
    return (merged, np.searchsorted(merged, a).astype(np.int32),
            np.searchsorted(merged, b).astype(np.int32))
