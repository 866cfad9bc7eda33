#!/usr/bin/env bash
# Checks and unit-tests the Prometheus alert rules in config/prometheus with promtool.
# Exits non-zero when a check or test fails, and with 3 when promtool is not installed. Installs
# nothing unless asked: `--install` tries the Debian/Ubuntu package "prometheus" (ships promtool).
set -euo pipefail
cd "$(dirname "$0")/../config/prometheus"

if ! command -v promtool >/dev/null 2>&1 && [ "${1:-}" = "--install" ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
  if command -v apt-get >/dev/null 2>&1; then
    $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null || true
  fi
fi
if ! command -v promtool >/dev/null 2>&1; then
  echo "promtool is not installed: install the 'prometheus' package (or run this script with --install), or put promtool on PATH" >&2
  exit 3
fi

status=0
for rules in *-rules.yml; do
  promtool check rules "$rules" || status=1
done
for t in *-rules.test.yml; do
  promtool test rules "$t" || status=1
done
exit "$status"
