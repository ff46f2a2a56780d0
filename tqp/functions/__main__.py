"""python -m tqp.functions [path]: write the function table (default docs/functions.md)."""
import pathlib
import sys

from .docs import markdown


def main(argv: list[str]) -> None:
    default = pathlib.Path(__file__).resolve().parents[2] / "docs" / "functions.md"
    path = pathlib.Path(argv[0]) if argv else default
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown(), encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":  # the doctest collector imports this module: it must write nothing then
    main(sys.argv[1:])
