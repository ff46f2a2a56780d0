"""Every package of the pipeline imports on its own, first, in a fresh interpreter (an import
cycle shows only when a module other than `tqp` is imported first)."""
import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["tqp.optimizer", "tqp.functions", "tqp.sql.binder", "tqp.physical", "tqp.plan.nodes"])
def test_imports_first(module):
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
