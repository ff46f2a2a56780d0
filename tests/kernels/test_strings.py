import re

import duckdb
import numpy as np
import pytest

from tqp.column import Dictionary
from tqp.kernels.strings import like, remap, unify

WORDS = sorted(set([
    "", "a", "b", "ab", "ba", "abc", "abcabc", "aXc", "a_c", "a%c", "a\\c", "%", "_", "__",
    "hello", "hello world", "Hello", "HELLO", "help", "yellow", "mellow fellow", "lo",
    "special requests", "special packages requests", "forest green", "PROMO BRUSHED TIN",
    "héllo", "hëllo wörld", "日本語", "日本", "本", "naïve café", "x日y", "🙂", "a🙂c", "ÀÉ",
    "aaa", "aaaa", "abab", "mississippi", "  spaced  ", "tab\tbed",
]))

PATTERNS = [
    "", "%", "%%", "_", "__", "___", "a", "a%", "%a", "%a%", "a%c", "a_c", "_b_", "%b%c%",
    "hello", "hel%", "%llo", "%ll%", "h_llo", "h%o%o%", "%o%o%", "%special%requests%",
    "PROMO%", "%green%", "%ss%ss%", "m%i%i%i%", "%iss%ip%", "a%a%a", "%aa%aa%", "abab%ab",
    "日%", "%本%", "_本", "__", "x_y", "a_c", "%🙂%", "_🙂_", "h_llo%", "%é%", "n_ïve%",
    "% %", "%\t%", "%_%_%_%", "%__", "ab%ba",
]


def _like_regex(pattern, escape=None, flags=0):
    out, it = [], iter(pattern)
    for ch in it:
        if escape and ch == escape:
            out.append(re.escape(next(it)))
        elif ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out), re.DOTALL | flags)


def _run(values, pattern, device, **kw):
    d = Dictionary(np.array(values, dtype=object))
    mat, lengths = d.byte_matrix(device)
    return like(mat, lengths, pattern, **kw).tolist()


@pytest.mark.parametrize("pattern", PATTERNS)
def test_like_matches_regex(device, pattern):
    rx = _like_regex(pattern)
    assert _run(WORDS, pattern, device) == [rx.fullmatch(w) is not None for w in WORDS]


@pytest.mark.parametrize("pattern", ["a\\_c", "a\\%c", "%\\%%", "\\_%", "a\\\\c", "%\\_"])
def test_like_escape(device, pattern):
    rx = _like_regex(pattern, escape="\\")
    assert _run(WORDS, pattern, device, escape="\\") == [rx.fullmatch(w) is not None for w in WORDS]


@pytest.mark.parametrize("pattern", ["hello", "HEL%", "%WOR%", "h_LLO", "%Tin", "promo%"])
def test_ilike_ascii(device, pattern):
    rx = _like_regex(pattern.lower())
    want = [rx.fullmatch(w.lower() if w.isascii() else w) is not None for w in WORDS]
    assert _run(WORDS, pattern, device, case_insensitive=True) == want


def test_like_ascii_only_data_with_underscore(device):
    words = ["abc", "abd", "xbc", "ab", "abcd"]
    assert _run(words, "_b_", device) == [True, True, True, False, False]


def test_like_edge_cases(device):
    assert _run([], "%a%", device) == []
    assert _run([""], "", device) == [True]
    assert _run([""], "%", device) == [True]
    assert _run([""], "_", device) == [False]
    with pytest.raises(ValueError):
        _run(["a"], "a\\", device, escape="\\")


def test_like_agrees_with_duckdb(device):
    con = duckdb.connect()
    for p in PATTERNS:
        want = [r[0] for r in con.execute(
            "SELECT w LIKE ? FROM unnest(?::VARCHAR[]) t(w) ORDER BY w", [p, WORDS]).fetchall()]
        assert _run(WORDS, p, device) == want, p


VALUES = np.array(sorted(["", "a", "hello", "héllo wörld", "  pad  ", "日本語", "Straße"]),
                  dtype=object)


def test_remap():
    vals, codes = remap(np.array([v[:1] for v in VALUES], dtype=object))
    assert list(vals) == sorted(set(vals)) and codes.dtype == np.int32
    assert [vals[c] for c in codes] == [v[:1] for v in VALUES]
    vals, codes = remap(np.array([], dtype=object))
    assert len(vals) == 0 and len(codes) == 0


def test_unify():
    a = np.array(["apple", "kiwi", "zebra"], dtype=object)
    b = np.array(["", "kiwi", "mango", "é"], dtype=object)
    merged, am, bm = unify(a, b)
    assert list(merged) == sorted(set(a) | set(b))
    assert [merged[i] for i in am] == list(a) and [merged[i] for i in bm] == list(b)
    merged, am, bm = unify(np.array([], dtype=object), b)
    assert list(merged) == list(b) and len(am) == 0
