"""Host allocator tuning: on by default on glibc, off with TQP_HOST_MALLOC=default."""
import os
import subprocess
import sys

import pytest

CHECK = "import tqp; from tqp.exec.memory import keep_freed_memory; tqp.connect('cpu'); print(keep_freed_memory())"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc mallopt only")
@pytest.mark.parametrize("setting,expect", [(None, "True"), ("default", "False")])
def test_host_malloc_setting(setting, expect):
    env = dict(os.environ)
    env.pop("TQP_HOST_MALLOC", None)
    if setting is not None:
        env["TQP_HOST_MALLOC"] = setting
    out = subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == expect
