#!/usr/bin/env bash
# The native-backend measurements in one go, each configuration A/B (wasm, then native)
# back to back so that both see the same machine load:
#   1. bench-backends: CNN inference/training per backend and thread count, against Keras;
#   2. bench-e2e through the broker: signal showers only with 1 and 2 processors and the simulator
#      mix, as fast as possible, then 1,000 events/s offered for latency.
# Needs a broker (KAFKA_BROKERS, default 127.0.0.1:9092) and `npm run tf:native`. Results go to
# bench/results/{backends,e2e}.{json,md} (OUT=DIR elsewhere). EVENTS (default 20000) sets the measured
# frames per run; CONFIGS (';'-separated bench-e2e flag sets) a subset of the end-to-end configurations.
#   bash scripts/bench-native.sh            # everything (about 10-15 minutes on 2 quiet cores)
#   bash scripts/bench-native.sh e2e        # only the end-to-end part
#   EVENTS=5000 CONFIGS='--signal-only --processors 1;--signal-only --rate 1000' bash scripts/bench-native.sh e2e
set -euo pipefail
cd "$(dirname "$0")/.."
BROKERS=${KAFKA_BROKERS:-127.0.0.1:9092}
EVENTS=${EVENTS:-20000}
NATIVE=${NATIVE_BACKEND:-tensorflow}
OUT=${OUT:-bench/results}
CONFIGS="${CONFIGS:---signal-only --processors 1;--signal-only --processors 2;--processors 1;--signal-only --rate 1000;--rate 1000}"
st() { node --import tsx src/cli/entry.ts "$@"; }

bash scripts/tf-native.sh --check
if [ "${1:-all}" != e2e ]; then
  st bench-backends --threads 1,2 --out "$OUT"
fi
IFS=';' read -r -a configs <<< "$CONFIGS"
for cfg in "${configs[@]}"; do
  for backend in wasm "$NATIVE"; do
    echo "== bench-e2e $cfg --backend $backend" >&2
    # shellcheck disable=SC2086
    st bench-e2e --brokers "$BROKERS" --events "$EVENTS" $cfg --backend "$backend" --out "$OUT" || echo "warning: bench-e2e $cfg --backend $backend did not reconstruct every event" >&2
  done
done
cat "$OUT/e2e.md"
