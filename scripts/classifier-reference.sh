#!/usr/bin/env bash
# The independent references for the event classifier (XGBoost, scikit-learn random forest and
# MLP), comparison only, in their own venv (.venv-ref).
# usage: bash scripts/classifier-reference.sh [FEATURES_DIR] [OUT_DIR]
#   FEATURES_DIR: written by `showertrig train classifier --export DIR` (default out/classifier-features;
#                 made here with the command's defaults when absent)
#   OUT_DIR:      where classifier-references.json/.md go (default reports)
set -euo pipefail
cd "$(dirname "$0")/.."
src="${1:-out/classifier-features}"
out="${2:-reports}"
if [ ! -f "$src/eval.csv" ]; then
  node --import tsx src/cli/entry.ts train classifier --export "$src"
fi
if [ ! -x .venv-ref/bin/python ] || ! .venv-ref/bin/python -c 'import xgboost, sklearn' 2>/dev/null; then
  python3 -m venv .venv-ref
  .venv-ref/bin/pip install --quiet 'scikit-learn==1.5.2' numpy 'xgboost==3.2.0'
fi
.venv-ref/bin/python scripts/classifier_reference.py "$src" "$out"
