"""Summarise fuzzer campaigns (their --out folders) as Markdown.

    python -m tests.fuzz.report /tmp/fuzz/s1 /tmp/fuzz/s2 > /tmp/fuzz_summary.md

Counts per class and oracle are added up over the folders; failures are grouped by error
signature (errors) or by the constructs their reduced query uses (wrong answers), each group
shown once with its smallest reduced reproduction and both engines' answers.
"""
from __future__ import annotations

import collections
import json
import pathlib
import sys

from tests.fuzz.fuzzer import CLASSES, ORACLES


def load(dirs):
    counts = collections.Counter()
    by_oracle = collections.defaultdict(collections.Counter)
    refused = collections.Counter()
    errors = collections.defaultdict(collections.Counter)
    failures = []
    secs = 0.0
    for d in dirs:
        p = pathlib.Path(d) / "summary.json"
        if not p.exists():
            continue
        s = json.loads(p.read_text())
        counts.update(s["counts"])
        for o, c in s["by_oracle"].items():
            by_oracle[o].update(c)
        refused.update(s["refused"])
        for cls, sigs in s["errors"].items():
            errors[cls].update(sigs)
        failures += s["failures"]
        secs += s.get("secs", 0)
    return counts, by_oracle, refused, errors, failures, secs


def case_text(path: str) -> str:
    try:
        lines = pathlib.Path(path).read_text().splitlines()
    except OSError:
        return "(file missing)"
    keep = [ln for ln in lines if not ln.startswith("-- original query") and not ln.startswith("-- regenerate")]
    out, skip = [], False
    for ln in keep:
        if ln.startswith("-- original query:") or ln.startswith("-- tlp pair") or ln.startswith("-- norec pair"):
            skip = True
        if not skip:
            out.append(ln)
    return "\n".join(out[:80])


def main(argv=None) -> int:
    dirs = (argv or sys.argv[1:])
    counts, by_oracle, refused, errors, failures, secs = load(dirs)
    total = sum(counts.values())
    print(f"# tqp fuzz campaign: {total} cases ({secs / 60:.0f} min)\n")
    print("| class | total | " + " | ".join(ORACLES) + " |")
    print("|---|---:|" + "---:|" * len(ORACLES))
    for cls in CLASSES:
        if counts.get(cls):
            print(f"| {cls} | {counts[cls]} | " + " | ".join(str(by_oracle[o].get(cls, 0)) for o in ORACLES) + " |")
    print("\n## Refusals (NotSupportedError) by message\n")
    for m, c in refused.most_common():
        print(f"- {c} x `{m}`")
    for cls in ("tqp_internal_error", "tqp_error_only", "duck_error_only", "type_mismatch", "timeout"):
        if errors.get(cls):
            print(f"\n## {cls} by signature\n")
            for m, c in errors[cls].most_common():
                print(f"- {c} x `{m}`")
    groups = collections.defaultdict(list)
    for f in failures:
        if not f.get("reduced"):
            continue
        key = (f["reduced_class"], f["reduced_sig"] or f.get("shape") or "")
        groups[key].append(f)
    print("\n## Reduced failures, grouped\n")
    for (cls, key), fs in sorted(groups.items(), key=lambda kv: (kv[0][0], -len(kv[1]))):
        best = min(fs, key=lambda f: len(f.get("reduced_sql") or ""))
        print(f"### {cls}: {key[:160]} ({len(fs)} case(s))\n")
        print("```sql\n" + case_text(best["path"]) + "\n```\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
