#!/usr/bin/env python3
"""The true-profile floor: how much room the detector leaves between the best trees and the shower itself.

Reads what `node --import tsx scripts/compare-estimators-truth.ts` wrote into DIR (the comparison's
training, calibration and accepted test events, with three views of each shower: t* the simulation's
own per-station truth, p* the rich features on the ideal readout, f* the rich features on the hits),
trains the comparison's strongest tree model (scikit-learn HistGradientBoosting, its tuned setting)
on each input set, energy-calibrated by the same inversion in true-energy bins, and writes
OUT/truth-floor.{md,json}: σ (3σ-clipped), std and 68 % half-width of ΔE/E and of d per input set,
each set's ratio to the detector-level trees with paired-bootstrap intervals, and σ per energy bin.
Comparison only, never a runtime dependency. usage: compare_estimators_truth.py DIR OUT [BOOTSTRAP]
"""
import json
import sys
from pathlib import Path

import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingRegressor

sys.path.insert(0, str(Path(__file__).parent))
from compare_estimators import E_BINS, METRICS, metrics  # noqa: E402
from sklearn_reference import calibrate, fit_calibration  # noqa: E402

TUNED = dict(random_state=0, learning_rate=0.05, max_iter=2000, max_leaf_nodes=63, l2_regularization=1.0,
             early_stopping=True, n_iter_no_change=30)
DETECTOR = "detector hits, rich features (the comparison's best trees)"


def input_sets(columns):
    pick = lambda *pre: [i for i, c in enumerate(columns) if c.startswith(pre)]  # noqa: E731
    counts = pick("t_count_")
    lateral = counts + pick("t_p_core_", "t_r_core_", "t_r_tail_")
    profile = lateral + pick("t_tmax", "t_alpha")
    return {
        DETECTOR: pick("f"),
        "ideal readout, rich features": pick("p"),
        "true particle counts per station": counts,
        "true counts + longitudinal profile (T, α)": counts + pick("t_tmax", "t_alpha"),
        "true counts + lateral profile per station": lateral,
        "true counts + lateral + longitudinal profile (T, α)": profile,
        "ideal readout rich features + all of the above truth": pick("p") + profile,
    }


def main():
    src = Path(sys.argv[1] if len(sys.argv) > 1 else "out/compare-truth")
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "reports/comparison")
    n_boot = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    columns = json.loads((src / "truth-columns.json").read_text())
    data = {k: np.fromfile(src / f"truth-{k}.f64").reshape(-1, len(columns)) for k in ("train", "calibration", "test")}
    e_col, d_col = columns.index("energy_gev"), columns.index("d_cm")
    train, calib, test = data["train"], data["calibration"], data["test"]
    e_true, d_true = test[:, e_col], test[:, d_col]
    res, info = {}, {}
    for name, cols in input_sets(columns).items():
        reg_e = HistGradientBoostingRegressor(**TUNED).fit(train[:, cols], np.log(train[:, e_col]))
        reg_d = HistGradientBoostingRegressor(**TUNED).fit(train[:, cols], train[:, d_col])
        cal = fit_calibration(calib[:, e_col], np.exp(reg_e.predict(calib[:, cols])))
        e = calibrate(cal, np.exp(reg_e.predict(test[:, cols])))
        res[name] = ((e - e_true) / e_true, reg_d.predict(test[:, cols]) - d_true)
        info[name] = {"inputs": len(cols), "iterations": [int(reg_e.n_iter_), int(reg_d.n_iter_)]}
        print(f"{name}: {info[name]}", file=sys.stderr, flush=True)
    summary = {k: {"energy": metrics(e), "d": metrics(d)} for k, (e, d) in res.items()}
    rng = np.random.default_rng(0)
    draws = {(k, q, m): [] for k in res for q in ("energy", "d") for m in METRICS}
    for _ in range(n_boot):
        idx = rng.integers(0, len(e_true), len(e_true))
        ref = {q: metrics(v[idx]) for q, v in zip(("energy", "d"), res[DETECTOR])}
        for k, (e, d) in res.items():
            for q, v in (("energy", e), ("d", d)):
                mv = metrics(v[idx])
                for m in METRICS:
                    draws[(k, q, m)].append(ref[q][m] / mv[m])
    # room = detector trees ÷ the input set: how much better than the trees an estimator could be
    room = {}
    for (k, q, m), v in draws.items():
        room.setdefault(k, {}).setdefault(q, {})[m] = {
            "value": summary[DETECTOR][q][m] / summary[k][q][m],
            "ci95": [float(np.quantile(v, 0.025)), float(np.quantile(v, 0.975))]}
    bins = []
    for lo, hi in zip(E_BINS[:-1], E_BINS[1:]):
        sel = (e_true >= lo) & (e_true < hi)
        bins.append({"bin": [lo, hi], "n": int(sel.sum()),
                     **{k: {"sigma_e": metrics(e[sel])["sigma"], "sigma_d": metrics(d[sel])["sigma"]}
                        for k, (e, d) in res.items()}})
    result = {"sklearn_version": sklearn.__version__, "model": TUNED, "events": int(len(e_true)),
              "train_events": int(len(train)), "calibration_events": int(len(calib)), "bootstrap": n_boot,
              "inputs": info, "summary": summary, "trees_over_input_set": room, "per_bin": bins}
    out.mkdir(parents=True, exist_ok=True)
    (out / "truth-floor.json").write_text(json.dumps(result, indent=2) + "\n")
    q_name = {"energy": "ΔE/E", "d": "d"}
    lines = [f"# The true-profile floor ({len(e_true)} test events, the comparison's)", "",
             f"- the same tree model on every input set: scikit-learn {sklearn.__version__} HistGradientBoosting, the "
             f"comparison's tuned setting; trained on {len(train)} events, energy-calibrated on {len(calib)} "
             "(inversion in bins of true energy); test events = the comparison's accepted events.",
             "- command: `bash scripts/compare-estimators-truth.sh` (about 4 min of simulation and 12 min of trees on 2 cores).",
             "- σ = 3σ-clipped std; 68 % = half the 16–84 % quantile range; d in cm.",
             "- room = σ(detector trees) ÷ σ(input set), paired bootstrap 95 % interval: how far below the trees an "
             "estimator with that information could get (the CNN's goal needs room ≥ 1.11, i.e. ≤ 0.9 × the trees).",
             "", "| inputs | n | ΔE/E σ | std | 68 % | d σ | std | 68 % |", "|---|---|---|---|---|---|---|---|"]
    for k, s in summary.items():
        lines.append(f"| {k} | {info[k]['inputs']} | " +
                     " | ".join(f"{s[q][m]:.4f}" for q in ("energy", "d") for m in METRICS) + " |")
    lines += ["", "## Room: detector trees ÷ input set (95 % CI)", "",
              "| inputs | " + " | ".join(f"{q_name[q]} {m}" for q in ("energy", "d") for m in METRICS) + " |",
              "|---|" + "---|" * 6]
    for k in res:
        if k == DETECTOR:
            continue
        lines.append(f"| {k} | " + " | ".join(
            f"{room[k][q][m]['value']:.3f} ({room[k][q][m]['ci95'][0]:.3f}–{room[k][q][m]['ci95'][1]:.3f})"
            for q in ("energy", "d") for m in METRICS) + " |")
    lines += ["", "## σ(ΔE/E) per true-energy bin", "", "| E bin (GeV) | events | " + " | ".join(res) + " |",
              "|---|---|" + "---|" * len(res)]
    for b in bins:
        lines.append(f"| {b['bin'][0]}–{b['bin'][1]} | {b['n']} | " + " | ".join(f"{b[k]['sigma_e']:.3f}" for k in res) + " |")
    (out / "truth-floor.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
