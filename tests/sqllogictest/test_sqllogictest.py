"""SQLite's sqllogictest corpus on tqp, checked against DuckDB run live on the same records.

The target: tqp passes every record DuckDB passes (DuckDB runs with the same dialect
settings; the few records it fails are SQLite-isms such as triggers and REPLACE). Records
tqp does not pass yet are listed in known_failures.txt; a record missing from that list that
DuckDB passes and tqp does not fails the test. Listed records that now pass are reported,
so the list can be shortened (regenerate it with the command at its top).

- test_fast_slice (default suite): every statement and ~FAST_QUERIES queries spread evenly
  over each corpus file.
- test_full_file (slow): every record of each file.

The corpus is found through $TQP_SLT_DIR or <repo>/../shared/sqllogictest; without it the
tests skip.
"""
from __future__ import annotations

import pathlib
import warnings

import pytest

from tests.sqllogictest import runner

HERE = pathlib.Path(__file__).resolve().parent
KNOWN_FAILURES_FILE = HERE / "known_failures.txt"
FAST_QUERIES = 200          # queries sampled per file in the default suite

CORPUS = runner.corpus_dir()
FILES = runner.list_test_files() if CORPUS is not None else []
IDS = [runner.display_name(f) for f in FILES]
NO_CORPUS = pytest.mark.skipif(CORPUS is None, reason="sqllogictest corpus not found "
                               "(set TQP_SLT_DIR or provide ../shared/sqllogictest)")


@pytest.fixture(scope="module")
def known_failures() -> set[tuple[str, int]]:
    return runner.load_known_failures(KNOWN_FAILURES_FILE)


def _check(path: pathlib.Path, known: set[tuple[str, int]], select=None) -> None:
    pytest.importorskip("duckdb")
    ref = runner.run_file(path, "duckdb", select=select)
    got = runner.run_file(path, "tqp", select=select)
    assert got.crashed is None, f"tqp could not run {got.file}: {got.crashed}"
    missing = runner.compare_engines([ref], [got])
    new = [k for k in missing if k not in known]
    by_line = {o.line: o for o in got.outcomes}
    fixed = [(got.file, o.line) for o in got.outcomes
             if (got.file, o.line) in known and o.status == runner.PASS]
    if fixed:
        warnings.warn(f"{len(fixed)} record(s) in known_failures.txt now pass in {got.file} "
                      f"(e.g. line {fixed[0][1]}); remove them from the list", stacklevel=1)
    if new:
        lines = []
        for f, line in new[:20]:
            o = by_line.get(line)
            lines.append(f"  {f}:{line}  {runner.failure_gist(o)}\n"
                         f"      {(o.sql if o else '').replace(chr(10), ' ')[:200]}")
            if o is not None and o.status == runner.FAIL:
                lines.append(f"      expected {o.expected[:8] if o.expected else o.expected}"
                             f"  got {o.got[:8] if o.got else o.got}")
        pytest.fail(f"{len(new)} record(s) DuckDB passes and tqp does not, not in "
                    f"known_failures.txt:\n" + "\n".join(lines), pytrace=False)


@NO_CORPUS
@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_fast_slice(path, known_failures):
    _check(path, known_failures, select=runner.sample_queries(FAST_QUERIES))


@NO_CORPUS
@pytest.mark.slow
@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_full_file(path, known_failures):
    _check(path, known_failures)


def test_corpus_absent_is_a_clean_skip(tmp_path, monkeypatch):
    """Without the corpus the runner finds no files (and the tests above skip)."""
    monkeypatch.setenv("TQP_SLT_DIR", str(tmp_path / "missing"))
    assert runner.corpus_dir() is None
    assert runner.list_test_files() == []


# ------------------------------------------------------------------ the runner on itself

SAMPLE = """\
hash-threshold 3

statement ok
CREATE TABLE t(a INTEGER, b VARCHAR)

statement ok
INSERT INTO t VALUES (1, 'x'), (2, ''), (3, NULL)

statement error
SELECT * FROM no_such_table

onlyif sqlite
query I nosort
SELECT 'only sqlite'
----
1

skipif sqlite # runs here
query IT rowsort
SELECT a, b FROM t
----
6 values hashing to {h}

query T valuesort label-1
SELECT b FROM t WHERE a < 3
----
(empty)
x

query T valuesort label-1
SELECT b FROM t WHERE a <= 2
----
(empty)
x

query IR nosort
SELECT 7 / 2, 1.0 / 3
----
3
0.333

halt

query I nosort
SELECT 1
----
2
"""


@pytest.mark.parametrize("engine", ["duckdb", "tqp"])
def test_runner_on_a_small_file(tmp_path, engine):
    h = runner.hash_values(["1", "x", "2", "(empty)", "3", "NULL"])   # rowsort order
    p = tmp_path / "sample.test"
    p.write_text(SAMPLE.format(h=h))
    recs = runner.parse_file(p)
    assert [r.kind for r in recs][:3] == ["hash-threshold", "statement", "statement"]
    assert recs[4].conditions == (("onlyif", "sqlite"),)
    res = runner.run_file(p, engine)
    statuses = {o.line: o.status for o in res.outcomes}
    assert res.halted_at is not None
    assert statuses[13] == runner.SKIPPED
    assert statuses[9] == runner.PASS          # statement error: an error was raised
    assert statuses[3] == statuses[6] == runner.PASS
    if engine == "duckdb":   # tqp's own state is what the corpus tests measure
        assert all(s != runner.FAIL and s != runner.ERROR for s in statuses.values()), res.outcomes


def test_format_value():
    f = runner.format_value
    assert f(None, "I") == "NULL" and f("", "T") == "(empty)"
    assert f(True, "I") == "1" and f(-2.7, "I") == "-2" and f(3.2, "T") == "3.2"
    assert f(1, "R") == "1.000" and f(2.0, "T") == "2.0" and f("a\tb", "T") == "a@b"
    assert runner.format_result([(2, "b"), (10, "a")], "IT", "rowsort") == ["10", "a", "2", "b"]
    assert runner.format_result([(2, "b"), (10, "a")], "IT", "valuesort") == ["10", "2", "a", "b"]
