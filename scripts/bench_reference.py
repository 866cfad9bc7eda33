"""What the reference engines of `showertrig bench-backends` share (scripts/bench_keras.py,
scripts/bench_torch.py): their command line, the tfjs model directory read as plain arrays (the
architecture, the input spec and every weight by name), the CoordConv coordinate channels, the
timing rule, and the result line. NumPy only: each engine imports its framework itself, after the
arguments are checked.
"""
import argparse
import json
import os
import statistics
import time

import numpy as np

RESULT_MARK = "BENCH-BACKENDS-RESULT "


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True, help="tfjs model directory (model.json + weights.bin)")
    p.add_argument("--inputs", required=True, help="float32 prepared windows, NHWC")
    p.add_argument("--train", required=True, help="float32 training windows, NHWC")
    p.add_argument("--targets", required=True, help="float32 (energy GeV, d cm) per training window")
    p.add_argument("--batches", default="64,256")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--larger", default='{"width": 32, "blocks": 3, "denseUnits": 128}')
    p.add_argument("--features", help="float32 feature rows of the --inputs windows (two-input models)")
    p.add_argument("--no-training", action="store_true")
    return p, p.parse_args()


class TfjsModel:
    """model.json + weights.bin: the showertrig metadata (inputSpec, architecture) and the weights
    as float32 arrays by name, in tfjs's layouts (HWIO conv kernels, (in, out) dense kernels)."""

    def __init__(self, directory):
        try:
            with open(os.path.join(directory, "model.json")) as f:
                mj = json.load(f)
            meta = mj["userDefinedMetadata"]["showertrig"]
            raw = np.fromfile(os.path.join(directory, "weights.bin"), dtype=np.float32)
        except (OSError, ValueError, KeyError) as e:
            raise SystemExit(f"bench-backends: {directory} is not a showertrig tfjs model directory: {e!r}")
        self.spec, self.arch = meta["inputSpec"], meta["architecture"]
        self.size, self.stations = self.spec["size"], self.spec["nStations"]
        self.weights, off = {}, 0
        for group in mj["weightsManifest"]:
            for w in group["weights"]:
                if w.get("dtype", "float32") != "float32":
                    raise SystemExit(f"bench-backends: weight {w['name']} is {w['dtype']}; only float32 weights are read")
                n = int(np.prod(w["shape"]))
                self.weights[w["name"]] = raw[off:off + n].reshape(w["shape"])
                off += n
        if off != raw.size:
            raise SystemExit(f"bench-backends: the manifest lists {off} floats, {directory}/weights.bin holds {raw.size}")
        # Two-input models (image + standardised feature row) have a features_dense layer.
        k = self.weights.get("features_dense/kernel")
        self.n_features = 0 if k is None else k.shape[0]

    def windows(self, path):
        """A float32 file of prepared windows as [n, size, size, stations] (NHWC)."""
        return np.fromfile(path, dtype=np.float32).reshape(-1, self.size, self.size, self.stations)

    def feature_rows(self, parser, path, n):
        """The --features file as [n, n_features]; a usage error when a two-input model has none."""
        if self.n_features == 0:
            return None
        if path is None:
            parser.error(f"the model takes {self.n_features} features per event: pass --features")
        return np.fromfile(path, dtype=np.float32).reshape(n, self.n_features)


def coords(h, w):
    """The CoordConv coordinate channels (x, y, r/sqrt 2) as NHWC [1, h, w, 3], as tfjs's layer makes them."""
    y, x = np.meshgrid(np.linspace(-1, 1, h) if h > 1 else [0.0], np.linspace(-1, 1, w) if w > 1 else [0.0], indexing="ij")
    return np.stack([x, y, np.sqrt(x * x + y * y) / np.sqrt(2)], -1)[None].astype(np.float32)


def scaled_targets(targets_path):
    """The training targets in the net's scaled units: log10 E − 1 and d/3.75 cm + 1, [n, 1] each."""
    t = np.fromfile(targets_path, dtype=np.float32).reshape(-1, 2)
    return np.log10(t[:, 0:1]) - 1, t[:, 1:2] / 3.75 + 1


def median_ms(f, reps):
    """One untimed call (warm-up), then the median wall time of reps calls, in ms."""
    f()
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        t.append((time.perf_counter() - t0) * 1000)
    return statistics.median(t)


def print_result(result):
    print(RESULT_MARK + json.dumps(result))
