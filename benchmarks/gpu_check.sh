#!/usr/bin/env bash
# The check a session runs first when its task is lent a GPU (the `device` tool): the
# differential tests on cuda, TPC-H SF1 and SF10 with fresh parameters, the ML scoring benchmark
# and TPC-DS SF0.1, on cuda against DuckDB with all host threads on the same machine, in one
# report. The GPU image has torch, pyarrow and numpy but not sqlglot, DuckDB or the data
# generators, so they travel as wheels:
#
#   bash benchmarks/gpu_check.sh --prepare      # here, once: wheels into .whl/ (git-ignored)
#   device run: carry [".whl"], timeout_s 590, command "bash benchmarks/gpu_check.sh"
#
# $OUT (which the device tool brings back, at most 8 files) gets report.txt and the runners' JSON.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--prepare" ]; then
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 -d .whl sqlglot==30.30.0 duckdb==2.0.1 tpchgen-cli==4.0.0 tpcgen-cli==4.0.0
    exit
fi
FINAL=${OUT:-out/gpu}
OUT=/tmp/gpu_check
mkdir -p "$OUT" "$FINAL"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD PATH=/tmp/site/bin:$PATH PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/gpu.txt" 2>&1
python3 -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name())" >> "$OUT/gpu.txt" 2>&1

# Budget: under 8 minutes on one GPU with 16 host cores (each step has its own timeout).
echo "== differential tests on cuda"
timeout 150 python3 -m pytest -q -m "not slow" -p no:cacheprovider -k "cuda" \
    tests/differential tests/functions tests/test_predict_sql.py 2>&1 | tail -40 | tee "$OUT/tests.txt"

echo "== TPC-H SF1, fresh parameters, tqp on cuda vs DuckDB (all host threads)"
timeout 120 python3 -m tpch run --sf 1 --device cuda --engines tqp,duckdb --repeat 2 --vary 1 \
    --threads "$(nproc)" --out "$OUT/tpch1" --no-progress 2>&1 | tail -32 | tee "$OUT/tpch1.txt"

echo "== TPC-H SF10, fresh parameters"
timeout 170 python3 -m tpch run --sf 10 --device cuda --engines tqp,duckdb --repeat 1 --vary 2 \
    --threads "$(nproc)" --out "$OUT/tpch10" --no-progress 2>&1 | tail -32 | tee "$OUT/tpch10.txt"

echo "== ML scoring on cuda (random forest)"
timeout 60 python3 benchmarks/ml_in_sql.py --device cuda --model rf --reps 3 2>&1 | tail -20 | tee "$OUT/ml.txt"

echo "== TPC-DS SF0.1 on cuda"
timeout 60 python3 -m tpcds run --sf 0.1 --device cuda --engines tqp,duckdb --repeat 1 \
    --out "$OUT/tpcds" --no-progress 2>&1 | tail -20 | tee "$OUT/tpcds.txt"

cat "$OUT"/gpu.txt "$OUT"/tests.txt "$OUT"/tpch1.txt "$OUT"/tpch10.txt "$OUT"/ml.txt "$OUT"/tpcds.txt > "$FINAL/report.txt" 2>/dev/null
for d in tpch1 tpch10 tpcds; do
    f=$(ls "$OUT/$d"/*.json 2>/dev/null | head -n 1) && [ -n "$f" ] && cp "$f" "$FINAL/$d.json"
done
