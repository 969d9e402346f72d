#!/usr/bin/env bash
# Issue 29, item 5: the one prepared GPU check (at most 8 minutes on one GPU), for the day a GPU is lent.
#   bash scripts/gpu_check.sh [OUT]      (OUT default results/gpu; run from the repository root, after make setup)
# 1. the GPU test subset (device, guard, speed paths, CLI) on CUDA;  2. the 64² training bench, plain and fast
# (bf16 + channels-last + compile), with FLOP/s and its share of the measured matmul peak;  3. config F at the
# gpu profile for a short budget (20 kimg: 8² and 16²) and at 64² (start_resolution 64, 8 kimg), each with
# its sec/kimg from the run's log, to turn results/gpu/cost.json's FLOPs into measured hours.
set -uo pipefail
OUT=${1:-results/gpu}
mkdir -p "$OUT"
PY=.venv/bin/python
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
timeout 150 $PY -m pytest -q -p no:cacheprovider tests/test_device.py tests/test_device_hygiene.py \
  tests/test_speed_paths.py tests/test_cli.py -k "not ruff" 2>&1 | tail -15 | tee "$OUT/tests.txt"
timeout 150 $PY -m sgan bench --cases train-F-64-512,train-F-64-512-fast,generate-F-cpu,features-domain \
  --json "$OUT/bench.json" 2>&1 | tail -20 | tee "$OUT/bench.txt"
for spec in "short:--set total_kimg=20" "64:--set start_resolution=64 --set total_kimg=8"; do
  name=${spec%%:*}; args=${spec#*:}
  timeout 100 $PY -m sgan train --config F --profile gpu --out "/tmp/gpu-check-$name" --no-progress \
    --data-n 10000 $args --set tick_kimg=4 --set tick_fid_samples=0 2>&1 | tail -3 | tee "$OUT/train-$name.txt"
  $PY - "/tmp/gpu-check-$name/log.jsonl" <<'PY' | tee -a "$OUT/train-$name.txt"
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
for r in rows:
    ips = r["images_per_s"]
    print(f"{r['kimg']:.1f} kimg at {r['resolution']}² (α {r['alpha']}): {ips:.0f} img/s = "
          f"{1000 / ips if ips else float('nan'):.1f} s/kimg")
PY
done
