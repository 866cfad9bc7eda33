#!/usr/bin/env bash
# The independent scikit-learn reference for the feature baselines, in its own venv (.venv-ref).
# usage: bash scripts/sklearn-reference.sh [FEATURES_DIR] [OUT_DIR]
#   FEATURES_DIR: written by `showertrig evaluate --export DIR` (default out/features; made here
#                 with the evaluation's defaults when absent)
#   OUT_DIR:      where sklearn_reference.json/.md go (default reports/sklearn)
set -euo pipefail
cd "$(dirname "$0")/.."
src="${1:-out/features}"
out="${2:-reports/sklearn}"
if [ ! -f "$src/test.csv" ]; then
  node --import tsx src/cli/entry.ts evaluate --export "$src"
fi
if [ ! -x .venv-ref/bin/python ]; then
  python3 -m venv .venv-ref
  .venv-ref/bin/pip install --quiet 'scikit-learn==1.5.2' numpy
fi
.venv-ref/bin/python scripts/sklearn_reference.py "$src" "$out"
