#!/usr/bin/env bash
# Checks and unit-tests the Prometheus alert rules in config/prometheus with promtool.
# Exits non-zero when a check or test fails. Without promtool it tries to install it
# (Debian/Ubuntu package "prometheus", which ships promtool) and fails if it cannot.
set -euo pipefail
cd "$(dirname "$0")/../config/prometheus"

if ! command -v promtool >/dev/null 2>&1; then
  echo "promtool not found; trying: apt-get install -y prometheus" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
  if command -v apt-get >/dev/null 2>&1; then
    $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null || true
  fi
  if ! command -v promtool >/dev/null 2>&1; then
    echo "promtool is not installed and could not be installed: install the 'prometheus' package or put promtool on PATH" >&2
    exit 2
  fi
fi

status=0
for rules in *-rules.yml; do
  promtool check rules "$rules" || status=1
done
for t in *-rules.test.yml; do
  promtool test rules "$t" || status=1
done
exit "$status"
