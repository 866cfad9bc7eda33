#!/usr/bin/env bash
# The true-profile floor (reports/comparison/truth-floor.md): the comparison's events with the
# simulation's own per-station shower truth, the ideal readout and the detector hits, and the
# comparison's strongest tree model trained on each.
# usage: bash scripts/compare-estimators-truth.sh [OUT_DIR]
#   env EVENTS (10000), SEED (11), TRAIN_EVENTS (12000), CALIBRATION_EVENTS (6000), BOOTSTRAP (300)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-reports/comparison}"
work=out/compare-truth
if [ ! -x .venv-ref/bin/python ]; then
  python3 -m venv .venv-ref
  .venv-ref/bin/pip install --quiet 'scikit-learn==1.5.2' numpy matplotlib
fi
nice -n 10 node --import tsx scripts/compare-estimators-truth.ts --out "$work" --events "${EVENTS:-10000}" \
  --seed "${SEED:-11}" --train-events "${TRAIN_EVENTS:-12000}" --calibration-events "${CALIBRATION_EVENTS:-6000}"
OMP_NUM_THREADS=1 nice -n 10 .venv-ref/bin/python scripts/compare_estimators_truth.py "$work" "$out" "${BOOTSTRAP:-300}"
