#!/usr/bin/env bash
# The check a session runs first when its task is lent a GPU (the `device` tool): the
# differential tests on cuda, then TPC-H SF1 with fresh parameters and TPC-DS SF0.1 on cuda
# against DuckDB on the same machine. The GPU image has torch, pyarrow and numpy but not
# sqlglot, DuckDB or the data generators, so they travel as wheels:
#
#   bash benchmarks/gpu_check.sh --prepare      # here, once: wheels into .whl/ (git-ignored)
#   device run: carry [".whl"], timeout_s 590, command "bash benchmarks/gpu_check.sh"
#
# Results land in $OUT (the device tool brings them back): tests.txt, tpch JSON/PNG, tpcds JSON.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--prepare" ]; then
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 -d .whl sqlglot==30.30.0 duckdb==2.0.1 tpchgen-cli==4.0.0 tpcgen-cli==4.0.0
    exit
fi
OUT=${OUT:-out/gpu}
mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD PATH=/tmp/site/bin:$PATH PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/gpu.txt" 2>&1
python3 -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name())" >> "$OUT/gpu.txt" 2>&1

echo "== differential tests on cuda"
timeout 200 python3 -m pytest -q -m "not slow" -p no:cacheprovider -k "cuda" \
    tests/differential tests/functions tests/test_predict_sql.py 2>&1 | tail -40 | tee "$OUT/tests.txt"

echo "== TPC-H SF1, fresh parameters, tqp on cuda vs DuckDB"
timeout 220 python3 -m tpch run --sf 1 --device cuda --engines tqp,duckdb --repeat 3 --vary 1 \
    --out "$OUT/tpch" --no-progress 2>&1 | tail -40 | tee "$OUT/tpch.txt"

echo "== TPC-DS SF0.1, tqp on cuda vs DuckDB"
timeout 120 python3 -m tpcds run --sf 0.1 --device cuda --engines tqp,duckdb --repeat 1 \
    --out "$OUT/tpcds" --no-progress 2>&1 | tail -30 | tee "$OUT/tpcds.txt"
