#!/usr/bin/env python3
"""Writes test/fixtures/dbscan_reference.json: scikit-learn DBSCAN labels and core flags on small
point sets that exercise the tricky cases (chains at exactly eps, border points between two
clusters, duplicates, sample weights, a pixelised shower with dark-count noise).

The TypeScript test (src/reconstruction/clustering/dbscan.test.ts) reads the fixture without Python.
Regenerate: pip install scikit-learn numpy && python3 scripts/sklearn_dbscan_reference.py
algorithm='kd_tree' because its distance test ((dx^2 + dy^2) <= eps^2) is exact, as ours is;
the brute-force path computes distances through a dot-product expansion that rounds at ties.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.cluster import DBSCAN


def case(name, x, y, eps, min_samples, weight=None):
    pts = np.column_stack([np.asarray(x, float), np.asarray(y, float)])
    model = DBSCAN(eps=eps, min_samples=min_samples, algorithm="kd_tree")
    model.fit(pts, sample_weight=None if weight is None else np.asarray(weight, float))
    core = np.zeros(len(pts), dtype=int)
    core[model.core_sample_indices_] = 1
    out = {
        "name": name,
        "eps": eps,
        "min_samples": min_samples,
        "x": [float(v) for v in pts[:, 0]],
        "y": [float(v) for v in pts[:, 1]],
        "labels": [int(v) for v in model.labels_],
        "core": [int(v) for v in core],
    }
    if weight is not None:
        out["weight"] = [float(v) for v in weight]
    return out


def main():
    rng = np.random.default_rng(20240611)
    cases = []

    # Two Gaussian blobs plus uniform noise.
    a = rng.normal([0, 0], 0.6, size=(40, 2))
    b = rng.normal([5, 1], 0.6, size=(30, 2))
    noise = rng.uniform(-6, 12, size=(15, 2))
    p = np.vstack([a, b, noise])
    rng.shuffle(p)
    cases.append(case("blobs_with_noise", p[:, 0], p[:, 1], 0.7, 4))

    # A chain with spacing exactly eps (ties must count as neighbours), and one point just beyond.
    xs = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5 + 1e-9]
    cases.append(case("chain_at_eps", xs, [0.0] * len(xs), 0.5, 3))

    # Border point B=(1,0): exactly eps from the core points (0,0) and (2,0) of two clusters,
    # 3 neighbours (itself included) < min_samples=4, so not core. sklearn gives it the label of
    # the cluster expanded first, i.e. the one whose lowest-index core point comes first.
    left = [(0.0, 0.0), (-0.5, 0.0), (0.0, 0.5), (0.0, -0.5), (-1.0, 0.0)]
    right = [(2.0, 0.0), (2.5, 0.0), (2.0, 0.5), (2.0, -0.5), (3.0, 0.0)]
    border = [(1.0, 0.0)]
    for name, pts in (
        ("border_between_two_clusters_left_first", left + border + right),
        ("border_between_two_clusters_right_first", right + border + left),
        ("border_first_then_right_then_left", border + right + left),
    ):
        cases.append(case(name, [q[0] for q in pts], [q[1] for q in pts], 1.0, 4))

    # Duplicates: a point repeated min_samples times is a cluster by itself.
    dx = [0.0, 0.0, 0.0, 3.0, 3.0, 7.0, 7.1, 7.2]
    dy = [0.0, 0.0, 0.0, 3.0, 3.0, 7.0, 7.0, 7.0]
    cases.append(case("duplicates", dx, dy, 0.15, 3))

    # Weights: an isolated heavy point is core; light points near it are border.
    wx = [0.0, 0.4, 10.0, 10.3, 10.6, 20.0]
    wy = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    ww = [5.0, 1.0, 1.0, 1.0, 1.0, 2.0]
    cases.append(case("weights", wx, wy, 0.5, 3, ww))

    # A pixelised shower (0.5 mm pixels, coordinates = pixel centres in mm) with dark-count noise,
    # unweighted and count-weighted, at the default eps = 2 mm, min_samples = 3.
    n = 160
    r = np.abs(rng.standard_cauchy(n)) * 0.8
    phi = rng.uniform(0, 2 * np.pi, n)
    ix = np.floor((100.0 + r * np.cos(phi)) / 0.5).astype(int)
    iy = np.floor((80.0 + r * np.sin(phi)) / 0.5).astype(int)
    ix = np.concatenate([ix, rng.integers(0, 400, 12)])
    iy = np.concatenate([iy, rng.integers(0, 400, 12)])
    keys, counts = np.unique(np.column_stack([ix, iy]), axis=0, return_counts=True)
    px = (keys[:, 0] + 0.5) * 0.5
    py = (keys[:, 1] + 0.5) * 0.5
    cases.append(case("pixel_shower_unweighted", px, py, 2.0, 3))
    cases.append(case("pixel_shower_count_weighted", px, py, 2.0, 5, counts.astype(float)))

    out = {"generator": f"scikit-learn {sklearn.__version__} DBSCAN(algorithm='kd_tree')", "cases": cases}
    path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "dbscan_reference.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=None, separators=(",", ":"))
        f.write("\n")
    for c in cases:
        print(c["name"], "points", len(c["x"]), "clusters", max(c["labels"]) + 1, "core", sum(c["core"]))


if __name__ == "__main__":
    main()
