"""One differential case per query in tests/differential/*.sql, per device.

Each file holds statements separated by `;`, each preceded by a `-- name` line that
becomes the pytest id.  The query runs on DuckDB (the reference) and on tqp over the
same session-scoped tables, and the results must match (see conftest.check).
"""
from __future__ import annotations

import pathlib

import pytest

HERE = pathlib.Path(__file__).resolve().parent


def load_sql_file(path: pathlib.Path) -> list[tuple[str, str]]:
    """[(name, sql)] from a file of `-- name` lines each followed by one statement.

    A statement ends at a line ending in `;`.  Blank lines between statements are skipped.
    """
    out: list[tuple[str, str]] = []
    name = None
    buf: list[str] = []
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.rstrip()
        if name is None:
            if not line.strip():
                continue
            if not line.startswith("--"):
                raise ValueError(f"{path.name}:{lineno}: statement without a '-- name' line")
            name = line[2:].strip()
            continue
        if not buf and not line.strip():
            continue
        buf.append(line)
        if line.endswith(";"):
            out.append((name, "\n".join(buf)[:-1].strip()))
            name, buf = None, []
    if name is not None:
        raise ValueError(f"{path.name}: '-- {name}' has no statement ending in ';'")
    return out


def collect() -> list:
    cases = []
    seen: dict[str, str] = {}
    for path in sorted(HERE.glob("*.sql")):
        for name, sql in load_sql_file(path):
            # Names are the test ids, so they must be unique across files.
            if name in seen:
                raise ValueError(f"duplicate query name {name!r} in {path.name} and {seen[name]}")
            seen[name] = path.name
            cases.append(pytest.param(sql, id=name))
    return cases


CASES = collect()


@pytest.mark.parametrize("sql", CASES)
def test_query(check, sql):
    check(sql)
