"""Command line: ``python -m tpcds gen|run ...``.

Example::

    python -m tpcds gen --sf 1
    python -m tpcds run --sf 0.1 --engines tqp,duckdb --queries 1-99 --repeat 3
"""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    usage = "usage: python -m tpcds {gen,run} [options]  (python -m tpcds run --help for details)"
    if not argv or argv[0] in ("-h", "--help"):
        print(usage)
        return 0 if argv else 2
    cmd, rest = argv[0], argv[1:]
    if cmd == "gen":
        from .gen import main as gen_main

        return gen_main(rest)
    if cmd == "run":
        from .runner import main as run_main

        return run_main(rest)
    print(f"unknown command {cmd!r}\n{usage}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
