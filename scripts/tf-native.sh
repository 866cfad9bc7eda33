#!/usr/bin/env bash
# Builds the native TensorFlow backend of tfjs (@tensorflow/tfjs-node, or -gpu with --gpu) from the
# TensorFlow wheel on PyPI, without the libtensorflow download that the packages' own install
# script does (and that cannot be fetched from every machine).
#
#   npm run tf:native                # @tensorflow/tfjs-node      from tensorflow-cpu
#   npm run tf:native -- --gpu       # @tensorflow/tfjs-node-gpu  from tensorflow[and-cuda]
#   options: --force (rebuild even when the stamp matches), --check (self-check only)
#   env:     TF_NATIVE_VENV (venv dir; default .venv-tf or .venv-tf-gpu in the repo; another
#            worktree's venv can be shared), TF_NATIVE_PYTHON (default python3),
#            TF_NATIVE_TF_VERSION (default 2.21.0)
#
# Steps, each skipped when already done (idempotent; a second run takes seconds):
#   1. the npm package itself, put in place with `npm install --ignore-scripts` (npm removes it after
#      its failed download; package.json and the lockfile are not touched);
#   2. a virtual environment with the TensorFlow wheel (pip's cache keeps the download);
#   3. libtensorflow_cc.so.2 + libtensorflow_framework.so.2 (hard links, or copies across file
#      systems) and the C headers staged in node_modules/<pkg>/deps/{lib,include}, with
#      libtensorflow.so -> libtensorflow_cc.so.2 (the wheel exports the C and eager C API there);
#   4. the binding built by npm's own node-gyp against the installed Node's headers (--nodedir);
#   5. a self-check in a fresh Node: tf.getBackend() === 'tensorflow' and a conv2d with known values.
# It never runs during `npm install`: upstream's normal install (with internet) is untouched.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

GPU=0; FORCE=0; CHECK_ONLY=0
for a in "$@"; do
  case "$a" in
    --gpu) GPU=1 ;;
    --force) FORCE=1 ;;
    --check) CHECK_ONLY=1 ;;
    -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "tf:native: unknown option '$a' (see --help)" >&2; exit 2 ;;
  esac
done

TF_VERSION=${TF_NATIVE_TF_VERSION:-2.21.0}
if [ "$GPU" = 1 ]; then
  PKG=@tensorflow/tfjs-node-gpu; WHEEL="tensorflow[and-cuda]==$TF_VERSION"; VENV=${TF_NATIVE_VENV:-$ROOT/.venv-tf-gpu}
else
  PKG=@tensorflow/tfjs-node; WHEEL="tensorflow-cpu==$TF_VERSION"; VENV=${TF_NATIVE_VENV:-$ROOT/.venv-tf}
fi
PYTHON=${TF_NATIVE_PYTHON:-python3}
PKG_DIR=$ROOT/node_modules/$PKG
NAPI=8 # the highest N-API version tfjs-node 4.x lists (package.json binary.napi_versions) that Node 20 has
BINDING=$PKG_DIR/lib/napi-v$NAPI/tfjs_binding.node
STAMP=$PKG_DIR/deps/showertrig-native.stamp

say() { echo "tf:native: $*"; }
die() { echo "tf:native: error: $1" >&2; [ $# -lt 2 ] || echo "  fix: $2" >&2; exit 1; }

self_check() {
  say "self-check: $PKG in a fresh Node process"
  (cd "$ROOT" && TF_CPP_MIN_LOG_LEVEL=2 node --input-type=module -e "
    const tf = await import('$PKG');
    await tf.ready();
    if (tf.getBackend() !== 'tensorflow') throw new Error('backend is ' + tf.getBackend() + ', not tensorflow');
    // 3x3 all-ones kernel over a 4x4 ramp, 'valid': each output is the sum of a 3x3 window.
    const x = tf.tensor4d([...Array(16).keys()], [1, 4, 4, 1]);
    const y = Array.from(tf.conv2d(x, tf.ones([3, 3, 1, 1]), 1, 'valid').dataSync());
    if (JSON.stringify(y) !== JSON.stringify([45, 54, 81, 90])) throw new Error('conv2d gave ' + y);
    const b = tf.backend();
    const dev = '$GPU' === '1' ? (b.isUsingGpuDevice ? ', a GPU device in use' : ', no GPU device found (runs on the CPU)') : '';
    console.log('tf:native: ok: $PKG ' + tf.version['tfjs-node'] + ' on TensorFlow ' + b.binding.TF_Version + ', conv2d correct' + dev);
  ") || die "the self-check failed (output above)" "npm run tf:native -- --force$([ "$GPU" = 1 ] && echo ' --gpu')"
}

if [ "$CHECK_ONLY" = 1 ]; then self_check; exit 0; fi

# --- prerequisites, each with the reason it is needed ---------------------------------------------
[ -d "$ROOT/node_modules/@tensorflow/tfjs" ] || die "node_modules is not installed" "npm ci (or npm install) first"
command -v "$PYTHON" >/dev/null 2>&1 || die "no Python ('$PYTHON' not found): the TensorFlow wheel installs with pip" \
  "install Python 3.9-3.13 (Debian: apt-get install python3 python3-venv) or set TF_NATIVE_PYTHON"
"$PYTHON" -c 'import sys; sys.exit(0 if (3, 9) <= sys.version_info[:2] <= (3, 13) else 1)' \
  || die "$("$PYTHON" --version 2>&1) is not one the TensorFlow $TF_VERSION wheel is built for (3.9-3.13)" "set TF_NATIVE_PYTHON to another interpreter"
command -v g++ >/dev/null 2>&1 && command -v make >/dev/null 2>&1 \
  || die "no C++ compiler or make: the binding is compiled here" "Debian: apt-get install g++ make"
NODE_PREFIX=$(node -p 'require("path").resolve(process.execPath, "../..")')
[ -f "$NODE_PREFIX/include/node/node_api.h" ] \
  || die "Node's headers are not at $NODE_PREFIX/include/node (node-gyp would try to download them)" \
    "install them with Node (Debian: apt-get install libnode-dev; the official tarballs and images include them)"
NODE_GYP=${npm_config_node_gyp:-}
if [ -z "$NODE_GYP" ] || [ ! -f "$NODE_GYP" ]; then
  NODE_GYP=$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js
fi
[ -f "$NODE_GYP" ] || die "npm's bundled node-gyp not found" "run this through npm: npm run tf:native"

need_mb=$([ "$GPU" = 1 ] && echo 9000 || echo 2500)
if [ ! -d "$VENV" ]; then
  free_mb=$(df -Pm "$(dirname "$VENV")" | awk 'NR==2 {print $4}')
  [ "$free_mb" -ge "$need_mb" ] || die "only $free_mb MiB free at $(dirname "$VENV"); the TensorFlow venv needs about $need_mb MiB" \
    "free some disk, or point TF_NATIVE_VENV at a file system with room (or at an existing venv)"
fi

# --- 1. the npm package ---------------------------------------------------------------------------
WANT_VERSION=$(node -p "require('./package.json').optionalDependencies['$PKG'] || ''")
[ -n "$WANT_VERSION" ] || die "$PKG is not in package.json's optionalDependencies"
have_version=$(node -p "try { require('$PKG_DIR/package.json').version } catch { '' }")
if [ "$have_version" != "$WANT_VERSION" ] || [ ! -d "$ROOT/node_modules/@mapbox/node-pre-gyp" ]; then
  say "putting $PKG@$WANT_VERSION in place (npm install --ignore-scripts: without its libtensorflow download)"
  npm install --ignore-scripts --no-save --no-audit --no-fund --loglevel=error \
    || die "npm could not install $PKG (the npm registry is needed once)" "check the network, then run again"
  [ -f "$PKG_DIR/package.json" ] || die "$PKG is still missing after npm install"
fi

# --- 2. the wheel in its own venv -----------------------------------------------------------------
TF_DIR=""
find_tf() { TF_DIR=$("$VENV/bin/python" -c 'import importlib.util as u, os; s = u.find_spec("tensorflow"); print(os.path.dirname(s.origin) if s else "")' 2>/dev/null || true); }
[ -x "$VENV/bin/python" ] && find_tf
if [ -z "$TF_DIR" ] || [ ! -f "$TF_DIR/libtensorflow_cc.so.2" ]; then
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating the venv $VENV"
    "$PYTHON" -m venv "$VENV" || die "could not create a venv with $PYTHON" "Debian: apt-get install python3-venv"
  fi
  say "pip install $WHEEL into $VENV (a few hundred MB$([ "$GPU" = 1 ] && echo ', several GB with the CUDA libraries'); cached by pip)"
  "$VENV/bin/python" -m pip install --disable-pip-version-check -q "$WHEEL" \
    || die "pip could not install $WHEEL (network, disk, or no wheel for this Python/platform)" "see pip's message above"
  find_tf
  [ -n "$TF_DIR" ] && [ -f "$TF_DIR/libtensorflow_cc.so.2" ] || die "the wheel has no libtensorflow_cc.so.2 (TensorFlow $TF_VERSION at '$TF_DIR')"
fi
INSTALLED_TF=$("$VENV/bin/python" -c 'import importlib.metadata as m
for n in ("tensorflow-cpu", "tensorflow"):
    try: print(m.version(n)); break
    except m.PackageNotFoundError: pass')

WANT_STAMP="tf=$INSTALLED_TF src=$TF_DIR pkg=$WANT_VERSION node=$(node -p process.versions.modules) gpu=$GPU"
if [ "$FORCE" = 0 ] && [ -f "$BINDING" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$WANT_STAMP" ]; then
  say "already built ($WANT_STAMP)"
  self_check
  exit 0
fi

# --- 3. staging -----------------------------------------------------------------------------------
say "staging TensorFlow $INSTALLED_TF libraries and headers into $PKG_DIR/deps"
rm -rf "$PKG_DIR/deps" "$PKG_DIR/build" "$PKG_DIR/lib"
mkdir -p "$PKG_DIR/deps/lib" "$PKG_DIR/deps/include"
link_or_copy() { ln -f "$1" "$2" 2>/dev/null || cp "$1" "$2"; }
link_or_copy "$TF_DIR/libtensorflow_cc.so.2" "$PKG_DIR/deps/lib/libtensorflow_cc.so.2"
link_or_copy "$TF_DIR/libtensorflow_framework.so.2" "$PKG_DIR/deps/lib/libtensorflow_framework.so.2"
ln -s libtensorflow_cc.so.2 "$PKG_DIR/deps/lib/libtensorflow.so"
ln -s libtensorflow_cc.so.2 "$PKG_DIR/deps/lib/libtensorflow.so.2"
ln -s libtensorflow_framework.so.2 "$PKG_DIR/deps/lib/libtensorflow_framework.so"
# c_api.h and eager/c_api.h include tensorflow/c/*, tsl/ and xla/ headers.
for d in tensorflow tsl xla third_party; do
  [ -d "$TF_DIR/include/$d" ] || continue
  cp -al "$TF_DIR/include/$d" "$PKG_DIR/deps/include/" 2>/dev/null || cp -a "$TF_DIR/include/$d" "$PKG_DIR/deps/include/"
done
[ -f "$PKG_DIR/deps/include/tensorflow/c/eager/c_api.h" ] || die "the wheel's headers lack tensorflow/c/eager/c_api.h"
if [ "$GPU" = 1 ]; then
  # The CUDA libraries come as nvidia-* wheels beside tensorflow; libtensorflow finds them through
  # its RUNPATH relative to its own directory ($ORIGIN/../nvidia/...), so mirror that layout.
  [ -d "$TF_DIR/../nvidia" ] && ln -sfn "$(readlink -f "$TF_DIR/../nvidia")" "$PKG_DIR/deps/nvidia"
fi

# --- 4. the binding -------------------------------------------------------------------------------
say "building the binding (node-gyp $(node "$NODE_GYP" --version), Node headers from $NODE_PREFIX)"
(cd "$PKG_DIR" && node "$NODE_GYP" rebuild --nodedir="$NODE_PREFIX" --napi_build_version=$NAPI \
    --module_name=tfjs_binding --module_path="$PKG_DIR/lib/napi-v$NAPI" --loglevel=warn) \
  || die "node-gyp could not build the binding (compiler output above)" "check g++ and the staged headers, then npm run tf:native -- --force"
[ -f "$BINDING" ] || die "node-gyp finished but $BINDING is missing"
echo "$WANT_STAMP" > "$STAMP"

# --- 5. self-check --------------------------------------------------------------------------------
self_check
