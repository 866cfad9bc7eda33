#!/usr/bin/env bash
# The E/d estimator comparison on identical fresh showers (reports/comparison/): rich-feature boosted
# trees (this project's and scikit-learn's) against the CNNs, paired bootstrap, plots.
# usage: bash scripts/compare-estimators.sh [OUT_DIR] [LABEL=MODEL_DIR ...]
#   the first model decides which events are accepted (default: models/default, then models/cnn-hybrid-rich);
#   env EVENTS (10000), SEED (11), TRAIN_EVENTS (12000), CALIBRATION_EVENTS (6000), BOOTSTRAP (200)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-reports/comparison}"
shift || true
models=("$@")
[ ${#models[@]} -gt 0 ] || models=("CNN core, shipped=models/default" "hybrid CNN, rich features + stacked trees (40k)=models/cnn-hybrid-rich")
work=out/compare
if [ ! -x .venv-ref/bin/python ]; then
  python3 -m venv .venv-ref
  .venv-ref/bin/pip install --quiet 'scikit-learn==1.5.2' numpy matplotlib
fi
rm -f "$work"/pred-*.csv "$work"/labels-*.json
nice -n 10 node --import tsx scripts/compare-estimators.ts --out "$work" --tag base --baselines \
  --events "${EVENTS:-10000}" --seed "${SEED:-11}" --train-events "${TRAIN_EVENTS:-12000}" \
  --calibration-events "${CALIBRATION_EVENTS:-6000}" "${models[@]}"
# one OpenMP thread: on a shared, loaded machine several spinning threads are far slower than one
OMP_NUM_THREADS=1 nice -n 10 .venv-ref/bin/python scripts/compare_estimators.py "$work" "$out" "${BOOTSTRAP:-200}"
