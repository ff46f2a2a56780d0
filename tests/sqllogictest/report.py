"""Turn a `runner --engine both --json` result into a Markdown report of tqp's failures,
and (optionally) into known_failures.txt.

    python -m tests.sqllogictest.report /tmp/slt_full.json -o /tmp/slt_report.md \\
        [--known-failures tests/sqllogictest/known_failures.txt]

Failures are grouped by category: errors by exception class and the shape of their message
(numbers, quoted literals and quoted identifiers normalised); wrong results by the failed
statement they follow in the same file (a cascade), else by the SQL features they use.
Each category shows its smallest SQL as the example.
"""
from __future__ import annotations

import argparse
import collections
import datetime
import json
import pathlib
import re

from tests.sqllogictest import runner

_DQ = re.compile(r'"[^"]*"')


def category_of_error(cls: str | None, msg: str | None) -> str:
    key = runner.error_key(cls, msg)
    return _DQ.sub('"?"', key)


# Feature tags for wrong results, in priority order (the first two found name the group).
_FEATURES = [
    ("INSERT OR REPLACE", re.compile(r"\bINSERT\s+OR\s+REPLACE\b", re.I)),
    ("REPLACE INTO", re.compile(r"^\s*REPLACE\b", re.I)),
    ("UPDATE", re.compile(r"^\s*UPDATE\b", re.I)),
    ("DELETE", re.compile(r"^\s*DELETE\b", re.I)),
    ("empty IN ()", re.compile(r"\bIN\s*\(\s*\)", re.I)),
    ("correlated subquery", re.compile(r"\(\s*SELECT\b[^()]*\b\w+\.\w+\s*[<>=!]+\s*\w+\.\w+", re.I)),
    ("EXISTS", re.compile(r"\bEXISTS\b", re.I)),
    ("IN (subquery)", re.compile(r"\bIN\s*\(\s*SELECT\b", re.I)),
    ("scalar subquery", re.compile(r"\(\s*SELECT\b", re.I)),
    ("COALESCE with aggregate", re.compile(r"\bCOALESCE\s*\([^()]*\b(?:AVG|SUM|COUNT|MIN|MAX)\s*\(", re.I)),
    ("NULLIF", re.compile(r"\bNULLIF\b", re.I)),
    ("COALESCE", re.compile(r"\bCOALESCE\b", re.I)),
    ("CASE", re.compile(r"\bCASE\b", re.I)),
    ("CAST", re.compile(r"\bCAST\b", re.I)),
    ("division", re.compile(r"(?<![-*/])/(?![*/])")),
    ("modulo", re.compile(r"%")),
    ("BETWEEN", re.compile(r"\bBETWEEN\b", re.I)),
    ("NOT IN list", re.compile(r"\bNOT\s+IN\s*\(", re.I)),
    ("IN list", re.compile(r"\bIN\s*\(", re.I)),
    ("HAVING", re.compile(r"\bHAVING\b", re.I)),
    ("GROUP BY", re.compile(r"\bGROUP\s+BY\b", re.I)),
    ("aggregate", re.compile(r"\b(?:AVG|SUM|COUNT|MIN|MAX|TOTAL|GROUP_CONCAT)\s*\(", re.I)),
    ("DISTINCT", re.compile(r"\bDISTINCT\b", re.I)),
    ("JOIN", re.compile(r"\bJOIN\b|\bFROM\s+\w+(?:\s+(?:AS\s+)?\w+)?\s*,", re.I)),
    ("ORDER BY", re.compile(r"\bORDER\s+BY\b", re.I)),
    ("LIMIT", re.compile(r"\bLIMIT\b", re.I)),
]


def features(sql: str) -> list[str]:
    return [name for name, rx in _FEATURES if rx.search(sql)]


def _load(path: str) -> dict:
    with open(path) as fh:
        return json.load(fh)


def _statuses(report: dict, engine: str) -> dict[tuple[str, int], str]:
    out = {}
    for f in report["engines"].get(engine, {}).get("files", []):
        for line, ch in f["statuses"].items():
            out[(f["file"], int(line))] = runner.CHAR_STATUS[ch]
    return out


def _details(report: dict, engine: str) -> dict[tuple[str, int], dict]:
    out = {}
    for f in report["engines"].get(engine, {}).get("files", []):
        for d in f["details"]:
            out[(f["file"], d["line"])] = d
    return out


def gist(d: dict | None, status: str | None) -> str:
    if d is None:
        return status or "not run"
    if d["status"] == runner.ERROR:
        return runner.error_key(d.get("error_class"), d.get("error"))[:90]
    if d["status"] == runner.FAIL:
        return f"wrong result: {d.get('reason') or '?'}"[:90]
    return d["status"] + (f" ({d['reason']})" if d.get("reason") else "")


def known_failure_lines(report: dict) -> list[str]:
    duck, tq = _statuses(report, "duckdb"), _statuses(report, "tqp")
    det = _details(report, "tqp")
    keys = sorted(k for k, s in duck.items() if s == runner.PASS and tq.get(k) != runner.PASS)
    head = ["# Records of the sqllogictest corpus that DuckDB passes and tqp does not yet.",
            "# One `<file>:<line>  <gist>` per line; tests/sqllogictest/test_sqllogictest.py ignores",
            "# these and fails on any other such record. Regenerate with",
            "#   python -m tests.sqllogictest.runner --engine both --json /tmp/slt_full.json",
            "#   python -m tests.sqllogictest.report /tmp/slt_full.json "
            "--known-failures tests/sqllogictest/known_failures.txt",
            "# (or runner --write-known-failures) and only ever let it shrink."]
    return head + [f"{f}:{line}  {gist(det.get((f, line)), tq.get((f, line)))}" for f, line in keys]


class Categorizer:
    """Assigns each non-passing tqp record a category; keeps counts and the smallest example."""

    def __init__(self, report: dict, engine: str = "tqp"):
        self.status = _statuses(report, engine)
        self.details = _details(report, engine)
        self.ref_status = _statuses(report, "duckdb")
        self._sql_cache: dict[str, dict[int, runner.Record]] = {}
        # statements that failed on `engine`, per file, for cascade detection
        self.failed_statements: dict[str, list[int]] = collections.defaultdict(list)
        for (f, line), d in self.details.items():
            if d["kind"] == "statement" and d["status"] in (runner.ERROR, runner.FAIL):
                self.failed_statements[f].append(line)
        for v in self.failed_statements.values():
            v.sort()

    def record(self, f: str, line: int) -> runner.Record | None:
        if f not in self._sql_cache:
            root = runner.corpus_dir()
            p = (root / f) if root is not None else pathlib.Path(f)
            try:
                self._sql_cache[f] = {r.line: r for r in runner.parse_file(p)}
            except OSError:
                self._sql_cache[f] = {}
        return self._sql_cache[f].get(line)

    def category(self, f: str, line: int) -> str:
        d = self.details.get((f, line))
        st = self.status.get((f, line))
        if d is None:
            return f"not run ({st or 'missing'})"
        if d["status"] == runner.ERROR:
            cat = category_of_error(d.get("error_class"), d.get("error"))
            if "correlated scalar subquery" in (d.get("error") or ""):
                cat += f" -- {self._subquery_shape(d['sql'])}"
            return cat
        if d["status"] == runner.SKIPPED:
            return f"skipped: {d.get('reason')}"
        # wrong result: the cascade of an earlier statement in the same file? Candidates: a
        # statement tqp failed (DuckDB passing it or not), or a DML statement tqp accepted
        # (which may have done the wrong thing); the latest one before the record wins.
        self.record(f, line)
        candidates: list[tuple[int, str]] = []
        for l in self.failed_statements.get(f, []):
            if l < line:
                sd = self.details[(f, l)]
                first_word = sd["sql"].split()[0].upper() if sd["sql"].split() else "?"
                both = "" if self.ref_status.get((f, l)) == runner.PASS else ", DuckDB fails it too"
                candidates.append((l, f"wrong result after a failed {first_word} statement "
                                      f"({category_of_error(sd.get('error_class'), sd.get('error'))[:60]}{both})"))
        dml_tags = ("INSERT OR REPLACE", "REPLACE INTO", "UPDATE", "DELETE")
        for r in (self._sql_cache.get(f) or {}).values():
            if (r.kind == "statement" and r.line < line and not r.expect_error
                    and self.status.get((f, r.line)) == runner.PASS):
                tags = [t for t in features(r.sql) if t in dml_tags]
                if tags:
                    candidates.append((r.line, f"wrong result after a {tags[0]} statement that "
                                               f"tqp accepted"))
        if candidates and d["kind"] == "query":
            return max(candidates)[1]
        if d["kind"] == "statement":
            return f"statement succeeded where an error was expected: {' + '.join(features(d['sql'])[:2]) or 'other'}"
        tags = features(d["sql"])
        shape = re.sub(r"\d+", "N", d.get("reason") or "?")
        return f"wrong result ({shape}): {' + '.join(tags[:2]) or 'plain expression'}"

    @staticmethod
    def _subquery_shape(sql: str) -> str:
        subs = re.findall(r"\(\s*(SELECT\b[^()]*(?:\([^()]*\)[^()]*)*)\)", sql, flags=re.I)
        corr = [re.sub(r"\s+", " ", s) for s in subs if re.search(r"\w+\.\w+\s*[<>]", s)]
        return corr[0] if corr else "?"


def _example(cat: Categorizer, keys: list[tuple[str, int]]) -> tuple[tuple[str, int], dict]:
    best = min(keys, key=lambda k: (len(cat.details.get(k, {}).get("sql", "") or ""), k))
    return best, cat.details.get(best, {})


def _fmt_values(v) -> str:
    if v is None:
        return "-"
    s = ", ".join(v[:10])
    return s + (", ..." if len(v) > 10 else "")


def _setup_context(cat: Categorizer, f: str) -> str:
    recs = cat._sql_cache.get(f) or {}
    creates = [r.sql.strip() for r in recs.values() if r.kind == "statement"
               and r.sql.strip().upper().startswith(("CREATE TABLE", "CREATE VIEW"))]
    uniq = list(dict.fromkeys(creates))[:3]
    return "; ".join(uniq)


def categories_section(cat: Categorizer, keys: list[tuple[str, int]], top: int) -> list[str]:
    groups: dict[str, list[tuple[str, int]]] = collections.defaultdict(list)
    for k in keys:
        groups[cat.category(*k)].append(k)
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    out = ["| # | records | category | files |", "|---|---:|---|---|"]
    for i, (name, ks) in enumerate(ordered[:top], 1):
        files = collections.Counter(f for f, _ in ks)
        fl = ", ".join(f"{f} ({n})" for f, n in files.most_common(3))
        if len(files) > 3:
            fl += f", +{len(files) - 3} more"
        out.append(f"| {i} | {len(ks)} | {name.replace('|', '/')} | {fl} |")
    out.append("")
    for i, (name, ks) in enumerate(ordered[:top], 1):
        (f, line), d = _example(cat, ks)
        cat.record(f, line)   # loads the file for the setup context
        out.append(f"### {i}. {name}  ({len(ks)} records)")
        out.append("")
        out.append(f"Example `{f}:{line}` (tables: `{_setup_context(cat, f)[:300]}`)")
        out.append("")
        out.append("```sql")
        out.append((d.get("sql") or "").strip())
        out.append("```")
        if d.get("status") == runner.ERROR:
            out.append(f"- tqp raises `{d.get('error_class')}: {(d.get('error') or '')[:300]}`")
        elif d.get("status") == runner.FAIL:
            out.append(f"- {d.get('reason')}")
            out.append(f"- expected: `{_fmt_values(d.get('expected'))}`")
            out.append(f"- got:      `{_fmt_values(d.get('got'))}`")
        more = [f"{f2}:{l2}" for f2, l2 in ks if (f2, l2) != (f, line)][:4]
        if more:
            out.append(f"- more: {', '.join(more)}")
        out.append("")
    if len(ordered) > top:
        rest = sum(len(v) for _, v in ordered[top:])
        out.append(f"({len(ordered) - top} more categories, {rest} records)")
        out.append("")
    return out


def build_report(report: dict, top: int = 30) -> str:
    engines = list(report["engines"])
    lines = ["# sqllogictest: tqp vs DuckDB", ""]
    commit = report.get("commit") or "unknown"
    lines += [f"Generated {datetime.datetime.now():%Y-%m-%d %H:%M} from a run of "
              f"`python -m tests.sqllogictest.runner {' '.join(report.get('argv', []))}` "
              f"started {report.get('started', '?')}, engine at `{commit[:120]}`, "
              f"{len(report.get('files', []))} files.",
              "Each file runs on a fresh connection after `SET integer_division = true` and "
              "`SET error_on_division_by_zero = false`. A record is one `statement` or `query`; "
              "`skipped` are records guarded by `onlyif <other engine>` (mostly MySQL variants).",
              "", "| engine | pass | fail (wrong result) | error | skipped | pass rate | time |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    for e in engines:
        s = report["engines"][e]["summary"]
        c = s["counts"]
        lines.append(f"| {e} | {c['pass']} | {c['fail']} | {c['error']} | {c['skipped']} | "
                     f"{100 * (s['pass_rate'] or 0):.2f}% | {s['seconds']:.0f}s |")
        if s.get("setup_failures"):
            lines.append(f"|  | {s['setup_failures']} failed SET statements | | | | | |")
    lines.append("")
    if "duckdb" not in engines or "tqp" not in engines:
        return "\n".join(lines)

    duck, tq = _statuses(report, "duckdb"), _statuses(report, "tqp")
    target = sorted(k for k, s in duck.items() if s == runner.PASS and tq.get(k) != runner.PASS)
    both = sorted(k for k, s in duck.items() if s in (runner.FAIL, runner.ERROR)
                  and tq.get(k) in (runner.FAIL, runner.ERROR))
    tqp_only = sorted(k for k, s in tq.items() if s == runner.PASS
                      and duck.get(k) in (runner.FAIL, runner.ERROR))
    lines += [f"**Records DuckDB passes and tqp does not: {len(target)}** (the target metric; "
              f"known_failures.txt lists them). Both fail: {len(both)}. tqp passes, DuckDB "
              f"does not: {len(tqp_only)}.", "", "| file | DuckDB passes, tqp not |", "|---|---:|"]
    for f, n in collections.Counter(f for f, _ in target).most_common():
        lines.append(f"| {f} | {n} |")
    lines.append("")
    cat = Categorizer(report)
    lines += ["## Failure categories (records DuckDB passes and tqp does not)", ""]
    lines += categories_section(cat, target, top)
    if both:
        lines += ["## Records both engines fail (SQLite behaviour DuckDB does not share either)", ""]
        lines += categories_section(cat, both, min(top, 10))
    if tqp_only:
        lines += ["## Records tqp passes and DuckDB does not", ""]
        lines += [f"- `{f}:{l}`: " + gist(_details(report, "duckdb").get((f, l)), duck.get((f, l)))
                  for f, l in tqp_only[:20]]
        lines.append("")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.sqllogictest.report")
    ap.add_argument("json", help="the runner's --json output (run with --engine both)")
    ap.add_argument("-o", "--output", default=None, help="write the Markdown report here")
    ap.add_argument("--top", type=int, default=30, help="categories to show")
    ap.add_argument("--known-failures", default=None, metavar="PATH",
                    help="also write the known-failures list here")
    args = ap.parse_args(argv)
    report = _load(args.json)
    md = build_report(report, args.top)
    if args.output:
        pathlib.Path(args.output).write_text(md + "\n")
        print(f"report written to {args.output}")
    else:
        print(md)
    if args.known_failures:
        kf = known_failure_lines(report)
        pathlib.Path(args.known_failures).write_text("\n".join(kf) + "\n")
        print(f"{sum(1 for l in kf if not l.startswith('#'))} known failures written to "
              f"{args.known_failures}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
