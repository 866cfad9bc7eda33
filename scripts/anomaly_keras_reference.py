#!/usr/bin/env python3
"""Independent reference for the anomaly path (comparison only, never a runtime dependency).

Trains a Keras convolutional autoencoder of the same architecture as src/anomaly/autoencoder.ts
on the same exported images (`showertrig anomaly export --out DIR`), scores the same ordinary
and exotic samples with the same per-station reconstruction error, sets the threshold at the same
pass fraction on the calibration sample, and writes per class AUC and efficiency as JSON, which
`showertrig anomaly evaluate --keras FILE` puts beside its own numbers.

usage: .venv-ref/bin/python scripts/anomaly_keras_reference.py DIR OUT.json [--epochs E]
"""
import argparse
import json
import os
import time

import numpy as np


def load(d, name, spec, n):
    a = np.fromfile(os.path.join(d, f"{name}.f32"), dtype="<f4")
    return a.reshape(n, spec["height"], spec["width"], spec["channels"])


def build(spec, latent, seed):
    import tensorflow as tf
    from tensorflow import keras
    from tensorflow.keras import layers

    tf.keras.utils.set_random_seed(seed)
    h4, w4, neck = spec["height"] // 4, spec["width"] // 4, 8
    inp = keras.Input((spec["height"], spec["width"], spec["channels"]))
    x = layers.Conv2D(16, 3, strides=2, padding="same", activation="relu")(inp)
    x = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Conv2D(neck, 1, activation="relu")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(latent)(x)
    x = layers.Dense(h4 * w4 * neck, activation="relu")(x)
    x = layers.Reshape((h4, w4, neck))(x)
    x = layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu")(x)
    out = layers.Conv2D(spec["channels"], 3, padding="same")(x)
    return keras.Model(inp, out)


def composite_tests(x, y, eps, level):
    """[N, C, 3]: per station the relative error, the fraction of bins with |x - y| > level and the
    largest single-bin squared error, as compositeTests in src/anomaly/image.ts."""
    e = (x - y) ** 2
    rel = e.sum(axis=(1, 2)) / ((x ** 2).sum(axis=(1, 2)) + (y ** 2).sum(axis=(1, 2)) + eps)
    occ = (e > level * level).mean(axis=(1, 2))
    return np.stack([rel, occ, e.max(axis=(1, 2))], axis=-1)


def composite_scale(tests, pass_fraction):
    """Each test's value at a third of the budget on ordinary events (fitCompositeScale)."""
    worst = tests.max(axis=1)
    n = len(worst)
    k = int(round(n * pass_fraction / 3))
    q = np.sort(worst, axis=0)[n - 1 - k]
    return np.where(q > 0, q, 1.0)


def score(model, spec, x, mode="mse:mean", scale=None):
    """Per-station terms as src/anomaly/image.ts: mse = mean squared error over the plane's bins;
    relative:EPS = squared error / (sum x^2 + sum y^2 + EPS); combined by mean or max over stations."""
    y = model.predict(x, batch_size=256, verbose=0)
    by, bx = spec["binsY"], spec["binsX"]
    xs, ys = x[:, :by, :bx, :], y[:, :by, :bx, :]
    parts = mode.split(":")
    if parts[0] == "composite":
        eps = float(parts[1]) if len(parts) > 1 else 0.6
        level = float(parts[2]) if len(parts) > 2 else 0.1
        t = composite_tests(xs.astype(np.float64), ys.astype(np.float64), eps, level)
        return t if scale is None else (t / scale).max(axis=(1, 2))
    combine = parts.pop() if parts[-1] in ("mean", "max") else "mean"
    sse = ((xs - ys) ** 2).sum(axis=(1, 2))
    terms = sse / (by * bx) if parts[0] == "mse" else sse / ((xs ** 2).sum(axis=(1, 2)) + (ys ** 2).sum(axis=(1, 2)) + float(parts[1]))
    return terms.max(axis=1) if combine == "max" else terms.mean(axis=1)


def auc(sig, bkg):
    """Mann-Whitney AUC with mid-ranks for ties."""
    allv = np.concatenate([sig, bkg])
    order = np.argsort(allv, kind="mergesort")
    ranks = np.empty(len(allv))
    sv = allv[order]
    i = 0
    while i < len(sv):
        j = i
        while j < len(sv) and sv[j] == sv[i]:
            j += 1
        ranks[order[i:j]] = (i + j + 1) / 2
        i = j
    ns, nb = len(sig), len(bkg)
    return float((ranks[:ns].sum() - ns * (ns + 1) / 2) / (ns * nb))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("out")
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--score", default="mse:mean", help="mse[:mean|max], relative:EPS[:mean|max] or composite[:EPS[:LEVEL]] (default mse:mean)")
    ap.add_argument("--save", default=None, help="write the trained Keras model here (.keras) for re-scoring")
    ap.add_argument("--load", default=None, help="score a saved Keras model instead of training one")
    a = ap.parse_args()
    meta = json.load(open(os.path.join(a.dir, "meta.json")))
    spec, counts, tr = meta["spec"], meta["counts"], meta["training"]
    epochs = a.epochs or tr["epochs"]
    from tensorflow import keras

    if a.load:
        model = keras.models.load_model(a.load)
        prev = json.load(open(a.load + ".json"))
        seconds, history = prev["trainSeconds"], prev["history"]
    else:
        model = build(spec, tr["latent"], 7)
        model.compile(optimizer=keras.optimizers.Adam(tr["learningRate"]), loss="mse")
        xt = load(a.dir, "train", spec, counts["train"])
        xv = load(a.dir, "validation", spec, counts["validation"])
        t0 = time.time()
        hist = model.fit(xt, xt, epochs=epochs, batch_size=tr["batchSize"], shuffle=True, validation_data=(xv, xv), verbose=2)
        seconds, history = time.time() - t0, hist.history
        del xt
        if a.save:
            model.save(a.save)
            json.dump({"trainSeconds": seconds, "history": {k: [float(v) for v in h] for k, h in history.items()}}, open(a.save + ".json", "w"))
    f = meta["passFraction"]
    cal = score(model, spec, load(a.dir, "calibration", spec, counts["calibration"]), a.score)
    scale = None
    if a.score.startswith("composite"):
        scale = composite_scale(cal, f)
        cal = (cal / scale).max(axis=(1, 2))
    k = int(round(len(cal) * f))
    thr = np.sort(cal)[len(cal) - 1 - k]
    bkg = score(model, spec, load(a.dir, "background", spec, counts["background"]), a.score, scale)
    res = {"auc": {}, "efficiency": {}, "trainSeconds": seconds, "epochs": epochs,
           "loss": [float(v) for v in history["loss"]], "valLoss": [float(v) for v in history["val_loss"]],
           "backgroundPass": float((bkg > thr).mean()), "threshold": float(thr), "score": a.score,
           "scale": None if scale is None else [float(v) for v in scale]}
    for c in meta["exotic"]:
        s = score(model, spec, load(a.dir, c, spec, counts[c]), a.score, scale)
        res["auc"][c] = auc(s, bkg)
        res["efficiency"][c] = float((s > thr).mean())
    json.dump(res, open(a.out, "w"), indent=2)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
