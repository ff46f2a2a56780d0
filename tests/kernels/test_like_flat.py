"""like_flat (over Arrow's byte buffer + offsets) agrees with the padded-matrix LIKE and with a
regex reference, for every pattern shape it accepts."""
import re

import numpy as np
import pytest
import torch

from tqp.column import Dictionary
from tqp.kernels.strings import like, like_flat, like_flat_supported

WORDS = ["", "a", "ab", "abc", "special requests", "requests special", "specialrequests",
         "xx special yy requests zz", "ümlaut special", "naïve requests", "%_%", "a%b", "aab",
         "special", "requests", "sp", "spécial requests", "bbbbab", "abab", "ba"]
PATTERNS = ["%special%requests%", "%special%", "special%", "%requests", "a%", "%b", "a%b",
            "%a%b%", "%é%", "%%", "%", "a%%b", "%\\%%", "%ab%ab%", "ab%ab"]


def _reference(word, pattern):
    rx = ""
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            rx += re.escape(pattern[i + 1])
            i += 2
            continue
        rx += ".*" if ch == "%" else "." if ch == "_" else re.escape(ch)
        i += 1
    return re.fullmatch(rx, word, re.S) is not None


@pytest.mark.parametrize("pattern", PATTERNS)
def test_like_flat_matches(device, pattern):
    escape = "\\" if "\\" in pattern else None
    assert like_flat_supported(pattern, escape, False)
    d = Dictionary(np.array(sorted(set(WORDS)), dtype=object))
    data, offsets = d.flat_bytes(torch.device(device))
    got = like_flat(data, offsets, pattern, escape).cpu().tolist()
    want = [_reference(w, pattern) for w in d.values]
    assert got == want
    mat, lens = d.byte_matrix(torch.device(device))
    assert like(mat, lens, pattern, escape).cpu().tolist() == want


def test_like_flat_empty_and_unsupported(device):
    d = Dictionary(np.array([], dtype=object))
    data, offsets = d.flat_bytes(torch.device(device))
    assert like_flat(data, offsets, "%a%").numel() == 0
    assert not like_flat_supported("a_c%", None, False)
    assert not like_flat_supported("abc", None, False)
    assert not like_flat_supported("%a%", None, True)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 1001, 4096])
def test_positions_of_pair_both_alignments(device, n):
    """Pairs at even and odd offsets, at the very start and end of the buffer, found exactly."""
    from tqp.kernels.selection import positions_of_pair

    g = torch.Generator().manual_seed(n)
    data = torch.randint(0, 4, (n,), generator=g, dtype=torch.uint8)
    ref = [i for i in range(n - 1) if data[i] == 1 and data[i + 1] == 2]
    got = sorted(positions_of_pair(data.to(device), 1, 2).cpu().tolist())
    assert got == ref


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_like_host_random_rows_and_parts(seed):
    """The host kernel on random rows over a small alphabet (segments of 1 to 6 bytes, so
    every word width and alignment, matches at row edges, overlaps), whole and split into
    parts, against the regex reference."""
    import pyarrow as pa

    from tqp.kernels.strings import _like_host, _parse

    rng = np.random.default_rng(seed)
    words = ["".join(rng.choice(list("abcé"), rng.integers(0, 14))) for _ in range(3000)]
    arr = pa.array(words, pa.large_string())
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64, count=len(words) + 1)
    buf = np.frombuffer(arr.buffers()[2], dtype=np.uint8)
    for pattern in ["%a%", "%ab%", "%abc%", "%abca%", "%bcabc%", "a%b%c", "%ca%ab%", "%aé%b%é",
                    "abcab%cabc%ba", "%é%é%é%", "c%cc"]:
        units = [[b for ch in seg for b in ch.encode("utf-8")] for seg in _parse(pattern, None)]
        want = [_reference(w, pattern) for w in words]
        assert _like_host(buf, offsets, units).tolist() == want, pattern
        assert _like_host(buf, offsets, units, part_bytes=64).tolist() == want, pattern


def test_like_host_all_rows_empty():
    """Rows with no bytes at all (an empty buffer): only patterns without literals match."""
    from tqp.kernels.strings import _like_host

    buf, offsets = np.zeros(0, dtype=np.uint8), np.zeros(4, dtype=np.int64)
    assert _like_host(buf, offsets, [[97], []]).tolist() == [False] * 3
    assert _like_host(buf, offsets, [[], [97], []]).tolist() == [False] * 3
    assert _like_host(buf, offsets, [[], []]).tolist() == [True] * 3
