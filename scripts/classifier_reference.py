"""Independent references for the event classifier, for comparison only (never a runtime dependency).

Trains XGBoost (multi:softprob), scikit-learn's RandomForestClassifier and MLPClassifier on the
feature rows exported by `showertrig train classifier --export DIR` (train.csv) and measures, on
the same fresh rows (eval.csv), the AUC of P(signal) for signal vs each background class, beside
the AUCs of the TypeScript classifiers' own scores exported in eval.csv (score_* columns).

usage: .venv-ref/bin/python scripts/classifier_reference.py DIR [OUT_DIR]
writes OUT_DIR/classifier-references.json and .md (default reports)
"""
import csv
import json
import sys
import time

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
import xgboost as xgb

SEED = 7


def load(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    head = rows[0]
    feat = [i for i, h in enumerate(head) if h not in ("class", "true_energy_gev", "cut_selected") and not h.startswith("score_")]
    scores = {h[len("score_"):]: i for i, h in enumerate(head) if h.startswith("score_")}
    cls = np.array([r[0] for r in rows[1:]])
    x = np.array([[float(r[i]) for i in feat] for r in rows[1:]])
    s = {k: np.array([float(r[i]) for r in rows[1:]]) for k, i in scores.items()}
    return cls, x, s


def main():
    src = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else "reports"
    ctr, xtr, _ = load(f"{src}/train.csv")
    cev, xev, ts = load(f"{src}/eval.csv")
    classes = sorted(set(ctr))
    ytr = np.array([classes.index(c) for c in ctr])
    sig = classes.index("signal")
    models = {
        "xgboost": xgb.XGBClassifier(n_estimators=200, learning_rate=0.1, max_depth=6, objective="multi:softprob", random_state=SEED, n_jobs=2, tree_method="hist"),
        "sklearn-rf": RandomForestClassifier(n_estimators=200, min_samples_leaf=2, random_state=SEED, n_jobs=2),
        "sklearn-mlp": make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(64, 64), early_stopping=True, max_iter=300, random_state=SEED)),
    }
    scores = {}
    seconds = {}
    for name, m in models.items():
        t = time.time()
        m.fit(xtr, ytr)
        seconds[name] = time.time() - t
        scores[name] = m.predict_proba(xev)[:, sig]
    for k, v in ts.items():
        scores[f"ts-{k}"] = v
    backgrounds = [c for c in classes if c != "signal" and (cev == c).any()]
    auc = {}
    for name, s in scores.items():
        auc[name] = {}
        for b in backgrounds:
            mask = (cev == "signal") | (cev == b)
            auc[name][b] = float(roc_auc_score(cev[mask] == "signal", s[mask]))
    best_ref = {b: max(auc[n][b] for n in models) for b in backgrounds}
    res = {"train_rows": int(len(ctr)), "eval_rows": int(len(cev)), "classes": classes, "auc": auc, "best_reference": best_ref, "fit_seconds": seconds,
           "ts_minus_best": {n: {b: auc[n][b] - best_ref[b] for b in backgrounds} for n in scores if n.startswith("ts-")}}
    with open(f"{out}/classifier-references.json", "w") as f:
        json.dump(res, f, indent=2)
    lines = ["# Event classifier: independent references", "",
             f"Made by `bash scripts/classifier-reference.sh {src} {out}` (scikit-learn 1.5.2, xgboost 3.2.0) on the rows exported by `showertrig train classifier --export {src}`: "
             f"{len(ctr)} training rows, {len(cev)} evaluation rows (reconstructed events only; the same rows for every method). "
             "AUC of P(signal), signal vs each background class. ts-* are the TypeScript classifiers' own scores.", "",
             "| method | " + " | ".join(f"AUC vs {b}" for b in backgrounds) + " | fit s |", "|---|" + "---|" * (len(backgrounds) + 1)]
    for n in scores:
        lines.append(f"| {n} | " + " | ".join(f"{auc[n][b]:.4f}" for b in backgrounds) + f" | {seconds.get(n, float('nan')):.1f} |")
    lines += ["", "TypeScript minus the best reference:", "", "| method | " + " | ".join(backgrounds) + " |", "|---|" + "---|" * len(backgrounds)]
    for n, d in res["ts_minus_best"].items():
        lines.append(f"| {n} | " + " | ".join(f"{d[b]:+.4f}" for b in backgrounds) + " |")
    with open(f"{out}/classifier-references.md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
