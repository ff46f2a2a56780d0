"""Every package of the pipeline imports on its own, first, in a fresh interpreter (an import
cycle shows only when a module other than `tqp` is imported first)."""
import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["tqp.optimizer", "tqp.functions", "tqp.sql.binder", "tqp.physical", "tqp.plan.nodes"])
def test_imports_first(module):
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


PANDAS_FREE = """
import sys
import tqp
con = tqp.connect()
assert con.execute("select 1").fetchall() == [(1,)]
con.register("t", sys.argv[1])
rows = con.execute("select s, count(*), sum(n), min(d), sum(n)::DECIMAL(12, 2) from t where s like '%b%' or s < 'b' "
                   "group by s order by s").fetchall()
assert [r[:2] for r in rows] == [("a", 500), ("b", 1000)], rows
print(sorted(m for m in sys.modules if m.split(".")[0] == "pandas"))
"""


def test_queries_do_not_import_pandas(tmp_path):
    """pandas costs more to import than a small query takes: loading, running and fetching
    must not pull it in (pyarrow's pa.array / to_numpy / fill_null do, on first use)."""
    import datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"s": ["b", "a", None, "b"] * 500, "n": [1, None, 3, 4] * 500,
                             "d": [datetime.date(2020, 1, 2)] * 2000}), path)
    done = subprocess.run([sys.executable, "-c", PANDAS_FREE, str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
