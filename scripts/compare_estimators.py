#!/usr/bin/env python3
"""The E/d estimator comparison on identical showers, with paired bootstrap confidence intervals.

Reads what `node --import tsx scripts/compare-estimators.ts` wrote into DIR:
  train.csv, calibration.csv, test.csv   rich feature rows f0.. and truth (energy_gev, d_cm)
  pred-<tag>.csv, labels-<tag>.json      truth and each estimator's E, d on the accepted test events
adds the independent scikit-learn HistGradientBoosting trees on the same rich features (defaults,
and a stronger setting: smaller steps, more leaves, L2), energy-calibrated by the same inversion in
true-energy bins (sklearn_reference.py), and writes OUT/comparison.{md,json} and OUT/*.png:
  - σ (3σ-clipped std), std and 68 % half-width of ΔE/E and of d for every estimator;
  - each CNN's ratio to each tree model, metric by metric, with the 68 % and 95 % intervals of a paired
    bootstrap (the same resampled events for both: the events' shared difficulty cancels);
  - the mean ΔE/E per true-energy bin with its standard error (the calibration check);
  - σ(ΔE/E) and σ(d) per true-energy bin.
Comparison only, never a runtime dependency. usage: compare_estimators.py DIR OUT [BOOTSTRAP]
"""
import json
import sys
from pathlib import Path

import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingRegressor

sys.path.insert(0, str(Path(__file__).parent))
from sklearn_reference import calibrate, clipped_sigma, fit_calibration, load  # noqa: E402

METRICS = ("sigma", "std", "half_width_68")
E_BINS = [1, 2, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]


def metrics(v):
    q = np.quantile(v, [0.1586553, 0.8413447])
    return {"sigma": clipped_sigma(v)[0], "std": float(v.std(ddof=1)), "half_width_68": float((q[1] - q[0]) / 2),
            "mean": float(v.mean())}


def load_predictions(src):
    """All pred-*.csv merged column-wise; every file must have the same truth rows."""
    base, labels = None, {}
    cols = {}
    for f in sorted(src.glob("pred-*.csv")):
        d, names = load(f)
        tag = f.stem[len("pred-"):]
        lab = json.loads((src / f"labels-{tag}.json").read_text())
        if base is None:
            base = d
        elif len(d["energy_gev"]) != len(base["energy_gev"]) or not np.allclose(d["energy_gev"], base["energy_gev"]):
            raise SystemExit(f"{f}: its events differ from the first file's (same seed and first model needed)")
        for n in names:
            if n.startswith("E__"):
                key = n[3:]
                name = lab[key] if key not in labels.values() else f"{lab[key]} ({tag})"
                if name in cols:
                    continue
                cols[name] = (d[n], d["d__" + key])
    return base, cols


def hgb_models(train, calib, test, n_feat):
    x = lambda t: np.column_stack([t[f"f{j}"] for j in range(n_feat)])  # noqa: E731
    settings = {
        "sklearn HGB, rich features (defaults)": dict(random_state=0),
        "sklearn HGB, rich features (tuned)": dict(random_state=0, learning_rate=0.05, max_iter=2000,
                                                   max_leaf_nodes=63, l2_regularization=1.0,
                                                   early_stopping=True, n_iter_no_change=30),
    }
    out, info = {}, {}
    for name, kw in settings.items():
        reg_e = HistGradientBoostingRegressor(**kw).fit(x(train), np.log(train["energy_gev"]))
        reg_d = HistGradientBoostingRegressor(**kw).fit(x(train), train["d_cm"])
        cal = fit_calibration(calib["energy_gev"], np.exp(reg_e.predict(x(calib))))
        out[name] = (calibrate(cal, np.exp(reg_e.predict(x(test)))), reg_d.predict(x(test)))
        info[name] = {"params": kw, "iterations": [int(reg_e.n_iter_), int(reg_d.n_iter_)]}
        print(f"trained {name}: {info[name]['iterations']} iterations", file=sys.stderr, flush=True)
    return out, info


def bootstrap_ratios(res, cnns, trees, n_boot, rng):
    """Paired bootstrap of metric(cnn)/metric(tree) for E and d: the same resampled events for both."""
    n = len(next(iter(res.values()))[0])
    draws = {(c, t, q, m): [] for c in cnns for t in trees for q in ("energy", "d") for m in METRICS}
    for _ in range(n_boot):
        idx = rng.integers(0, n, n)
        cache = {}
        for name in cnns + trees:
            e, d = res[name]
            cache[name] = {"energy": metrics(e[idx]), "d": metrics(d[idx])}
        for (c, t, q, m) in draws:
            draws[(c, t, q, m)].append(cache[c][q][m] / cache[t][q][m])
    out = {}
    for (c, t, q, m), v in draws.items():
        v = np.array(v)
        out.setdefault(c, {}).setdefault(t, {}).setdefault(q, {})[m] = {
            "ci68": [float(np.quantile(v, 0.16)), float(np.quantile(v, 0.84))],
            "ci95": [float(np.quantile(v, 0.025)), float(np.quantile(v, 0.975))]}
    return out


def per_bin(e_true, res):
    rows = []
    for lo, hi in zip(E_BINS[:-1], E_BINS[1:]):
        sel = (e_true >= lo) & (e_true < hi)
        row = {"bin": [lo, hi], "n": int(sel.sum())}
        for name, (e, d) in res.items():
            m = metrics(e[sel])
            row[name] = {"bias": m["mean"], "bias_se": float(e[sel].std(ddof=1) / np.sqrt(sel.sum())),
                         "sigma_e": m["sigma"], "sigma_d": metrics(d[sel])["sigma"]}
        rows.append(row)
    return rows


def plots(out, bins, names, ratio_rows):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    centre = [np.sqrt(b["bin"][0] * b["bin"][1]) for b in bins]
    fig, ax = plt.subplots(1, 3, figsize=(16, 4.5))
    for name in names:
        ax[0].plot(centre, [b[name]["sigma_e"] for b in bins], marker="o", label=name)
        ax[1].plot(centre, [b[name]["sigma_d"] for b in bins], marker="o", label=name)
        ax[2].errorbar(centre, [b[name]["bias"] for b in bins], yerr=[b[name]["bias_se"] for b in bins],
                       marker="o", capsize=2, label=name)
    ax[2].axhspan(-0.03, 0.03, color="0.9")
    for a, t in zip(ax, ["σ(ΔE/E), 3σ-clipped", "σ(d) cm, 3σ-clipped", "mean ΔE/E ± s.e. (band ±3 %)"]):
        a.set_xscale("log")
        a.set_xlabel("true E (GeV)")
        a.set_title(t)
        a.grid(alpha=0.3)
    ax[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "per_energy.png", dpi=110)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(ratio_rows) + 1.2))
    for i, (label, val, lo, hi) in enumerate(ratio_rows):
        ax.errorbar([val], [i], xerr=[[val - lo], [hi - val]], fmt="o", capsize=3)
    ax.set_yticks(range(len(ratio_rows)))
    ax.set_yticklabels([r[0] for r in ratio_rows], fontsize=7)
    ax.axvline(0.9, color="g", ls="--", label="goal 0.9")
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set_xlabel("CNN / best tree model (paired bootstrap 95 % interval)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "ratios.png", dpi=110)
    plt.close(fig)


def main():
    src = Path(sys.argv[1] if len(sys.argv) > 1 else "out/compare")
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "reports/comparison")
    n_boot = int(sys.argv[3]) if len(sys.argv) > 3 else 400
    truth, res = load_predictions(src)
    train, names = load(src / "train.csv")
    calib, _ = load(src / "calibration.csv")
    test, _ = load(src / "test.csv")
    if not np.allclose(test["energy_gev"], truth["energy_gev"]):
        raise SystemExit("test.csv and the predictions are not the same events")
    n_feat = len([n for n in names if n.startswith("f")])
    hgb, hgb_info = hgb_models(train, calib, test, n_feat)
    res.update(hgb)
    e_true, d_true = truth["energy_gev"], truth["d_cm"]
    res = {k: ((e - e_true) / e_true, d - d_true) for k, (e, d) in res.items()}
    cnns = [k for k in res if not (k.startswith("GBT") or k.startswith("ridge") or k.startswith("sklearn"))]
    trees = [k for k in res if k.startswith("GBT, rich") or k.startswith("sklearn")]
    summary = {k: {"energy": metrics(e), "d": metrics(d)} for k, (e, d) in res.items()}
    ratios = bootstrap_ratios(res, cnns, trees, n_boot, np.random.default_rng(0))
    bins = per_bin(e_true, res)
    best = {q: {m: min(trees, key=lambda t: summary[t][q][m]) for m in METRICS} for q in ("energy", "d")}
    result = {"sklearn_version": sklearn.__version__, "events": int(len(e_true)), "train_events": int(len(train["energy_gev"])),
              "calibration_events": int(len(calib["energy_gev"])), "features": n_feat, "bootstrap": n_boot,
              "hgb": hgb_info, "summary": summary, "best_tree": best, "ratios": ratios, "per_bin": bins}
    out.mkdir(parents=True, exist_ok=True)
    (out / "comparison.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [f"# E and d estimators on identical showers ({len(e_true)} fresh events)", "",
             f"- rich features: {n_feat} per event; tree models trained on {result['train_events']} events, energy-calibrated "
             f"(inversion in bins of true energy) on {result['calibration_events']}; scikit-learn {sklearn.__version__}.",
             "- σ = 3σ-clipped std; 68 % = half the 16–84 % quantile range; d in cm.", "",
             "| estimator | ΔE/E σ | std | 68 % | d σ | std | 68 % |", "|---|---|---|---|---|---|---|"]
    for k, s in summary.items():
        lines.append(f"| {k} | " + " | ".join(f"{s[q][m]:.4f}" for q in ("energy", "d") for m in METRICS) + " |")
    lines += ["", f"## CNN / best tree model, per metric (paired bootstrap, {n_boot} resamples; goal ≤ 0.9)", "",
              "| CNN | quantity | metric | best tree model | ratio | 68 % CI | 95 % CI |", "|---|---|---|---|---|---|---|"]
    ratio_rows = []
    for c in cnns:
        for q in ("energy", "d"):
            for m in METRICS:
                t = best[q][m]
                r = summary[c][q][m] / summary[t][q][m]
                ci = ratios[c][t][q][m]
                lines.append(f"| {c} | {'ΔE/E' if q == 'energy' else 'd'} | {m} | {t} | {r:.3f} | "
                             f"{ci['ci68'][0]:.3f}–{ci['ci68'][1]:.3f} | {ci['ci95'][0]:.3f}–{ci['ci95'][1]:.3f} |")
                ratio_rows.append((f"{c}: {q} {m} vs {t}", r, *ci["ci95"]))
    lines += ["", "## Mean ΔE/E per true-energy bin (± standard error)", "",
              "| E bin (GeV) | events | " + " | ".join(res) + " |", "|---|---|" + "---|" * len(res)]
    for b in bins:
        lines.append(f"| {b['bin'][0]}–{b['bin'][1]} | {b['n']} | " +
                     " | ".join(f"{b[k]['bias']:+.3f} ± {b[k]['bias_se']:.3f}" for k in res) + " |")
    lines += ["", "![per energy](per_energy.png)", "", "![ratios](ratios.png)", ""]
    (out / "comparison.md").write_text("\n".join(lines) + "\n")
    plots(out, bins, [k for k in res if not k.startswith("ridge") and "paper" not in k], ratio_rows)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
