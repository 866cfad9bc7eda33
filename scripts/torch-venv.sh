#!/usr/bin/env bash
# Makes the PyTorch venv that `showertrig bench-backends` uses for its PyTorch comparison
# (scripts/bench_torch.py: the same net and weights as the tfjs model, on the same inputs).
# Comparison only: showertrig itself never imports torch.
#
#   bash scripts/torch-venv.sh           # .venv-torch in the repo, torch from PyPI
#   options: --check (self-check only)
#   env:     TORCH_VENV (venv dir; default .venv-torch in the repo; a venv that already has torch
#            is used as it is, never modified: another worktree's can be shared),
#            TORCH_PYTHON (default python3), TORCH_VERSION (default 2.15.0),
#            TORCH_PIP_ARGS (extra pip arguments, e.g. "--index-url https://download.pytorch.org/whl/cpu"
#            for the CPU-only wheel, about 1 GB installed instead of about 5.5 GB)
#
# PyPI's torch for Linux depends on its nvidia-* wheels (CUDA libraries, most of the 5.5 GB) and
# does not import without them ("libcublasLt.so not found" after a --no-deps install), even on a
# machine without a GPU: they are installed with it. Idempotent: a second run only self-checks.
# bench-backends finds the venv at .venv-torch, or at $TORCH_VENV, or through --torch PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

CHECK_ONLY=0
for a in "$@"; do
  case "$a" in
    --check) CHECK_ONLY=1 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "torch-venv: unknown option '$a' (see --help)" >&2; exit 2 ;;
  esac
done

VENV=${TORCH_VENV:-$ROOT/.venv-torch}
PYTHON=${TORCH_PYTHON:-python3}
WANT=${TORCH_VERSION:-2.15.0}
read -r -a PIP_ARGS <<< "${TORCH_PIP_ARGS:-}"

say() { echo "torch-venv: $*"; }
die() { echo "torch-venv: error: $1" >&2; [ $# -lt 2 ] || echo "  fix: $2" >&2; exit 1; }

# The version of torch in the venv, or nothing (no venv, or no torch in it).
have_torch() { [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("torch"))' 2>/dev/null || true; }

self_check() {
  say "self-check: torch and numpy in $VENV"
  # 3x3 all-ones kernel over a 4x4 ramp, no padding: each output is the sum of a 3x3 window.
  "$VENV/bin/python" -c '
import numpy, torch
torch.set_num_threads(1)
x = torch.arange(16, dtype=torch.float32).reshape(1, 1, 4, 4)
y = torch.nn.functional.conv2d(x, torch.ones(1, 1, 3, 3)).flatten().tolist()
assert y == [45, 54, 81, 90], f"conv2d gave {y}"
print(f"torch-venv: ok: torch {torch.__version__} (numpy {numpy.__version__}), conv2d correct")
' || die "the self-check failed (output above)" "remove $VENV and run again, or point TORCH_VENV at a working venv"
}

if [ "$CHECK_ONLY" = 1 ]; then
  [ -n "$(have_torch)" ] || die "no torch in $VENV" "bash scripts/torch-venv.sh"
  self_check; exit 0
fi

installed=$(have_torch)
if [ -n "$installed" ]; then
  note=""; [ "${installed%%+*}" = "$WANT" ] || note=" (not the pinned $WANT: used as it is)"
  say "torch $installed already in $VENV$note"
  "$VENV/bin/python" -c 'import numpy' 2>/dev/null || {
    say "pip install numpy into $VENV (bench_torch.py reads the model and inputs with it)"
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q numpy || die "pip could not install numpy" "see pip's message above"
  }
  self_check; exit 0
fi

# --- prerequisites --------------------------------------------------------------------------------
command -v "$PYTHON" >/dev/null 2>&1 || die "no Python ('$PYTHON' not found): torch installs with pip" \
  "install Python 3.10 or later (Debian: apt-get install python3 python3-venv) or set TORCH_PYTHON"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 10) else 1)' \
  || die "$("$PYTHON" --version 2>&1) is older than the torch $WANT wheels (3.10 or later)" "set TORCH_PYTHON to another interpreter"
mkdir -p "$(dirname "$VENV")"
free_mb=$(df -Pm "$(dirname "$VENV")" | awk 'NR==2 {print $4}')
need_mb=$([ ${#PIP_ARGS[@]} -gt 0 ] && echo 1500 || echo 7000)
[ "$free_mb" -ge "$need_mb" ] || die "only $free_mb MiB free at $(dirname "$VENV"); torch with its dependencies needs about $need_mb MiB" \
  "free some disk, point TORCH_VENV at a file system with room (or at an existing venv with torch), or use the CPU-only wheel (TORCH_PIP_ARGS, see --help)"

# --- the venv and the wheels ----------------------------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
  say "creating the venv $VENV"
  "$PYTHON" -m venv "$VENV" || die "could not create a venv with $PYTHON" "Debian: apt-get install python3-venv"
fi
say "pip install torch==$WANT numpy into $VENV ${PIP_ARGS[*]:+(pip arguments: ${PIP_ARGS[*]}) }(PyPI's Linux wheel brings its CUDA libraries: several GB, minutes)"
"$VENV/bin/python" -m pip install --disable-pip-version-check -q ${PIP_ARGS[@]+"${PIP_ARGS[@]}"} "torch==$WANT" numpy \
  || die "pip could not install torch==$WANT (network, disk, or no wheel for this Python/platform)" "see pip's message above; TORCH_VERSION picks another release"
[ -n "$(have_torch)" ] || die "pip finished but $VENV has no torch"
self_check
