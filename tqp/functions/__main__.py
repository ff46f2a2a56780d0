"""python -m tqp.functions [path]: write the function table (default docs/functions.md)."""
import pathlib
import sys

from .docs import markdown

path = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[2] / "docs" / "functions.md")
path.parent.mkdir(parents=True, exist_ok=True)
path.write_text(markdown(), encoding="utf-8")
print(f"wrote {path}")
