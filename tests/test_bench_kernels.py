"""benchmarks/kernels.py runs every registered case at a tiny size, and a kernel that returns a
wrong answer makes it fail instead of being timed."""
import importlib.util
import json
import math
import pathlib
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
TINY = ["--rows", "20000", "--reps", "1"]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_kernels", REPO / "benchmarks" / "kernels.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def test_every_case_runs_checked_with_a_bound(bench, tmp_path):
    path = tmp_path / "kernels.json"
    result = bench.main(TINY + ["--json", str(path)])
    assert [c["name"] for c in result["cases"]] == [name for name, _ in bench.CASES]
    assert len(result["cases"]) >= 20
    for c in result["cases"]:
        assert c["ok"], c["name"]
        assert math.isfinite(c["best_ms"]) and c["best_ms"] > 0, c["name"]
        assert math.isfinite(c["bound_ms"]) and c["bound_ms"] > 0, c["name"]
        assert c["read_bytes"] > 0 and c["write_bytes"] > 0, c["name"]
    bw = result["bandwidth"]
    assert bw["read_GBps"] > 0 and bw["copy_GBps"] > 0 and bw["write_GBps"] > 0
    saved = json.loads(path.read_text())
    assert saved["machine"]["threads"] == 2 and saved["cases"] == result["cases"]


def test_wrong_kernel_output_fails(bench, monkeypatch):
    real = bench.G.group_ids

    def off_by_one(key, domain):  # right shape and dtype, wrong numbering
        ids, g = real(key, domain)
        return (ids + 1) % g, g

    monkeypatch.setattr(bench.G, "group_ids", off_by_one)
    with pytest.raises(AssertionError, match="group_ids"):
        bench.main(TINY + ["--only", "group_ids"])
