#!/usr/bin/env python3
"""How the anomaly score is formed from the autoencoder's reconstructions: candidate scores compared
on the tuning sample of scripts/anomaly-tuning-dump.ts (tuning seeds, never the evaluation's).

Half of the ordinary events fit what a score needs (per-test scales); the other half sets the
threshold at the budget pass fraction (0.5 Hz of 85.3 Hz). Per exotic class: efficiency at that
threshold (faults: events flagged with the fault that the same event without it would not have
been) / AUC against the ordinary half. Comparison only; the chosen score is implemented in
src/anomaly/image.ts (compositeTests) and its scales are fitted at calibration.

usage: python3 scripts/anomaly_score_study.py DUMP_DIR
"""
import json
import sys

import numpy as np

CLASSES = ["dark-photon", "late-shower", "wide-angle", "slow-track", "hot-cluster", "dead-region", "noisy-burst"]
FAULTS = {"hot-cluster", "dead-region", "noisy-burst"}
PASS = 0.5 / 85.3


def load(d, spec, name):
    h, w, c, by, bx = spec["height"], spec["width"], spec["channels"], spec["binsY"], spec["binsX"]
    arr = lambda k: np.fromfile(f"{d}/{name}.{k}.f32", dtype="<f4").reshape(-1, h, w, c)[:, :by, :bx, :].astype(np.float64)
    return arr("x"), arr("y")


def auc(sig, bkg):
    """Mann-Whitney AUC with mid-ranks for ties."""
    allv = np.concatenate([sig, bkg])
    order = allv.argsort(kind="mergesort")
    _, first, counts = np.unique(allv[order], return_index=True, return_counts=True)
    ranks = np.empty(len(allv))
    ranks[order] = np.repeat(first + (counts + 1) / 2.0, counts)
    return (ranks[: len(sig)].sum() - len(sig) * (len(sig) + 1) / 2) / (len(sig) * len(bkg))


# Per-station tests, each [N, stations].
def relative(eps):
    return lambda x, y: ((x - y) ** 2).sum(axis=(1, 2)) / ((x**2).sum(axis=(1, 2)) + (y**2).sum(axis=(1, 2)) + eps)


def mse(x, y):
    return ((x - y) ** 2).mean(axis=(1, 2))


def occupancy(level):
    return lambda x, y: (((x - y) ** 2) > level * level).mean(axis=(1, 2))


def peak(x, y):
    return ((x - y) ** 2).max(axis=(1, 2))


def main():
    d = sys.argv[1]
    spec = json.load(open(f"{d}/spec.json"))
    xo, yo = load(d, spec, "ordinary")
    half = len(xo) // 2
    fit, ref = (xo[:half], yo[:half]), (xo[half:], yo[half:])
    data = {c: load(d, spec, c) for c in CLASSES}
    base = {c: load(d, spec, c + ".base") for c in FAULTS}

    def evaluate(name, tests, combine="max"):
        """Each test's worst (or mean) station over its value at a share of the budget on the fit half; the largest."""
        red = (lambda t: t.max(1)) if combine == "max" else (lambda t: t.mean(1))
        scales = [np.quantile(red(t(*fit)), 1 - PASS / len(tests)) for t in tests]
        score = lambda x, y: np.max([red(t(x, y)) / s for t, s in zip(tests, scales)], axis=0)
        so = score(*ref)
        thr = np.quantile(so, 1 - PASS)
        cells = [name]
        for c in CLASSES:
            s = score(*data[c])
            eff = ((s > thr) & ~(score(*base[c]) > thr)).mean() if c in FAULTS else (s > thr).mean()
            cells.append(f"{100 * eff:.0f} % / {auc(s, so):.3f}")
        print("| " + " | ".join(cells) + " |", flush=True)

    print(f"{len(xo)} ordinary ({half} fit, {len(xo) - half} threshold), {len(data[CLASSES[0]][0])} per class\n")
    print("| score | " + " | ".join(CLASSES) + " |")
    print("|---" * (len(CLASSES) + 1) + "|")
    evaluate("mse, mean over stations", [mse], "mean")
    evaluate("mse, max", [mse])
    evaluate("relative ε 0.6, max", [relative(0.6)])
    evaluate("relative ε 2, max", [relative(2)])
    evaluate("occupancy |x−y| > 0.1, max", [occupancy(0.1)])
    evaluate("peak bin, max", [peak])
    evaluate("relative 0.6 or occupancy 0.1", [relative(0.6), occupancy(0.1)])
    evaluate("relative 0.6 or peak", [relative(0.6), peak])
    evaluate("composite: relative 0.6 or occupancy 0.1 or peak", [relative(0.6), occupancy(0.1), peak])
    evaluate("composite with occupancy 0.07", [relative(0.6), occupancy(0.07), peak])
    evaluate("composite with occupancy 0.15", [relative(0.6), occupancy(0.15), peak])
    evaluate("composite with relative ε 2", [relative(2), occupancy(0.1), peak])
    xd, xb = data["dead-region"][0], base["dead-region"][0]
    lost = (np.expm1(xb).sum(axis=(1, 2)) - np.expm1(xd).sum(axis=(1, 2))).max(axis=1)
    print(f"\ndead region: light removed by the fault (ΣADC/64, worst station) ≥ 1 MIP in {100 * (lost >= 1).mean():.0f} % "
          f"of events, ≥ 5 MIP in {100 * (lost >= 5).mean():.0f} %, none in {100 * (lost <= 0).mean():.0f} %")


if __name__ == "__main__":
    main()
