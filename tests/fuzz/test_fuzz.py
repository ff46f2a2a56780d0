"""Fixed-seed runs of the differential / TLP / NoREC fuzzer (tests/fuzz/fuzzer.py).

The default run uses only the feature families that currently pass (PASSING); families
with known tqp bugs are listed in FAILING and each has an xfail(strict=False) test that
runs a small campaign with that family switched on, so it shows up as XPASS once fixed.
A failure message lists each failing case with the command that regenerates it.

Reproduce or widen a run from the command line (the PASSING families), e.g.::

    python -m tests.fuzz.fuzzer --seed 11 --queries 300 --features=+window
"""
from __future__ import annotations

import pathlib

import pytest

from tests.fuzz import fuzzer, gen

KNOWN_BUGS = pathlib.Path(__file__).parent / "known_bugs"
REGRESSIONS = pathlib.Path(__file__).parent / "regressions"

SEED = 11
N_DEFAULT = 300

# Families tqp refuses outright (NotSupportedError): running them only measures refusals.
UNSUPPORTED: dict[str, str] = {}
# Off by default in the generator but supported (and passing) now.
EXTRA = {"window"}

# Families that currently find tqp bugs: family -> (what goes wrong, seed, cases, features).
# Each has an xfail test running `cases` cases of `seed` with `features` (a gen.parse_features
# spec; None means PASSING plus the family) and stopping at the first failure; the seeds are
# chosen so that today the bug shows within those cases.  /tmp/fuzz_report.md (the campaign
# report) and known_bugs/*.sql have minimal reproductions.
FAILING: dict[str, tuple[str, int, int, str | None]] = {}

PASSING = (gen.DEFAULT_FEATURES | EXTRA) - set(UNSUPPORTED) - set(FAILING)

# What the default run must never see (wrong answers, engine bugs, hangs).
BAD = ("mismatch", "tqp_internal_error", "timeout")
# For a failing family's test: also an error where DuckDB answers (e.g. ProgrammingError on valid SQL).
BAD_FAMILY = BAD + ("tqp_error_only",)


def _describe(failures: list[dict]) -> str:
    out = []
    for f in failures[:10]:
        out.append(
            f"- {f['class']} ({f['oracle']}{' ' + f['kind'] if f['kind'] else ''}): {f['detail'][:400]}\n"
            f"  regenerate: python -m tests.fuzz.fuzzer {f['args']} -v --out /tmp/fuzz\n"
            f"  SQL: {f['sql'][0][:600]}"
        )
    if len(failures) > 10:
        out.append(f"... and {len(failures) - 10} more")
    return "\n".join(out)


def _campaign(device: str, features, seed: int, n: int, bad, stop: bool = False):
    stats = fuzzer.run_campaign(seed, n, features, do_reduce=False, device=device, timeout=30.0,
                                stop_on=bad if stop else ())
    return stats, [f for f in stats.failures if f["class"] in bad]


def test_fuzz_default(tqp_module, device):
    """A few hundred random queries over the passing families: no wrong answer, no engine bug."""
    stats, bad = _campaign(device, PASSING, SEED, N_DEFAULT, BAD)
    assert sum(stats.counts.values()) >= N_DEFAULT * 0.95
    assert stats.counts["ok"] >= N_DEFAULT // 2, stats.report()  # the generator mostly writes valid, supported SQL
    assert not bad, f"{len(bad)} failing case(s):\n{_describe(bad)}\n\n{stats.report()}"


@pytest.mark.slow
@pytest.mark.parametrize("seed", [103, 105, 106])
def test_fuzz_more(tqp_module, device, seed):
    stats, bad = _campaign(device, PASSING, seed, 1500, BAD)
    assert not bad, f"{len(bad)} failing case(s):\n{_describe(bad)}\n\n{stats.report()}"


def _family_params():
    for fam, (why, seed, n, spec) in sorted(FAILING.items()):
        yield pytest.param(fam, seed, n, spec, id=fam, marks=pytest.mark.xfail(strict=False, reason=why))


@pytest.mark.parametrize("family,seed,n,spec", list(_family_params()))
def test_failing_family(tqp_module, device, family, seed, n, spec):
    """A known-bad family switched on: XPASS here means its bugs are fixed (then move the
    family out of FAILING so that the default run covers it)."""
    features = gen.parse_features(spec, base=PASSING | {family}) if spec else PASSING | {family}
    stats, bad = _campaign(device, features, seed, n, BAD_FAMILY, stop=True)
    assert not bad, f"{family}: {len(bad)} failing case(s):\n{_describe(bad)}"


def _known_bug_params():
    for path in sorted(KNOWN_BUGS.glob("*.sql")):
        first = next((ln[3:].strip() for ln in path.read_text().splitlines() if ln.startswith("-- bug:")), path.stem)
        yield pytest.param(path, id=path.stem, marks=pytest.mark.xfail(strict=False, reason=first))


@pytest.mark.parametrize("path", list(_known_bug_params()))
def test_known_bug(tqp_module, device, path):
    """Minimal reproductions of bugs the fuzzer found (tests/fuzz/known_bugs/*.sql): tqp must
    agree with DuckDB.  XPASS means fixed: move the file to tests/fuzz/regressions/."""
    res = fuzzer.replay(str(path), device)
    assert res.cls == "ok", f"{res.cls}: {res.detail}"


@pytest.mark.parametrize("path", sorted(REGRESSIONS.glob("*.sql")), ids=lambda p: p.stem)
def test_fixed_bug(tqp_module, device, path):
    """Reproductions of fuzzer-found bugs that have been fixed (tests/fuzz/regressions/*.sql)."""
    res = fuzzer.replay(str(path), device)
    assert res.cls == "ok", f"{res.cls}: {res.detail}"


def test_generator_is_deterministic():
    """The same seed and case index give the same data and SQL (what --case relies on)."""
    a = fuzzer.make_case(5, 17, gen.DEFAULT_FEATURES)
    b = fuzzer.make_case(5, 17, gen.DEFAULT_FEATURES)
    assert a.queries == b.queries and a.oracle == b.oracle
    assert all(a.tables[k].equals(b.tables[k]) for k in a.tables)


def test_feature_switches_restrict_generation():
    """Switched-off families do not appear in generated SQL."""
    feats = gen.parse_features("-joins,-outer_joins,-setops,-cte,-like,-case,-window")
    for i in range(60):
        sql = fuzzer.make_case(9, i, feats, ("differential",)).queries[0]
        for word in (" JOIN ", " UNION ", " INTERSECT ", " EXCEPT ", "WITH q", " LIKE ", "CASE ", " OVER ("):
            assert word not in sql, (word, sql)
