"""Keras (TensorFlow) reference for `showertrig bench-backends`: the same CoordConv net with the same
weights (read from the tfjs model directory), run on the same prepared input windows.

Comparison only, never a runtime dependency. Runs in the venv that `npm run tf:native` makes
(.venv-tf has tensorflow-cpu, which brings Keras 3). Prints one line
`BENCH-BACKENDS-RESULT {json}`: inference events/s per batch size (a compiled tf.function per
batch, and Keras's predict_on_batch), training events/s (default net and a larger one, one epoch
after a warm-up epoch, batch 64, Adam, Huber loss), a 512^3 matmul's GFLOP/s, and the scaled
outputs of the first 256 windows for the parent to compare with tfjs. A two-input model (image +
standardised feature row, as showertrig's default) gets the same feature rows as tfjs (--features).
The command line, the model reading and the timing rule are scripts/bench_reference.py's.
"""
import json
import time

import numpy as np

from bench_reference import TfjsModel, coords, median_ms, parse_args, print_result, scaled_targets

p, a = parse_args()
tm = TfjsModel(a.model)  # before TensorFlow's import: a bad model directory fails fast

import tensorflow as tf  # noqa: E402  (after argument errors, which need no TensorFlow)

tf.config.threading.set_intra_op_parallelism_threads(a.threads)
tf.config.threading.set_inter_op_parallelism_threads(1)
import keras  # noqa: E402

arch, S, C, weights, n_features = tm.arch, tm.size, tm.stations, tm.weights, tm.n_features


class CoordConv(keras.layers.Layer):
    """conv(concat(x, coords)) as conv(x, W) + conv(coords, Wc): the coordinate part is one constant
    map per layer, the same computation the tfjs layer does."""

    def __init__(self, filters, **kw):
        super().__init__(**kw)
        self.filters = filters

    def build(self, shape):
        self.kernel = self.add_weight(shape=(3, 3, shape[-1], self.filters), initializer="he_normal", name="kernel")
        self.coord_kernel = self.add_weight(shape=(3, 3, 3, self.filters), initializer="he_normal", name="coord_kernel")
        self.h, self.w = shape[1], shape[2]

    def call(self, x):
        c = tf.nn.conv2d(tf.constant(coords(self.h, self.w)), self.coord_kernel, 1, "SAME")
        return tf.nn.conv2d(x, self.kernel, 1, "SAME") + c


def build(arch, n_features=0):
    """showertrig's buildEnergyVertexNet (src/reconstruction/cnn/model.ts), layer for layer."""
    inp = keras.Input((S, S, C))
    x = inp
    for b in range(arch["blocks"]):
        x = CoordConv(arch["width"] * min(4, 2 ** b), name=f"coordconv_{b}")(x)
        x = keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-3, name=f"bn_{b}")(x)
        x = keras.layers.ReLU()(x)
        x = keras.layers.MaxPooling2D(2, 2)(x)
    x = keras.layers.Flatten()(x)
    inputs = [inp]
    if n_features > 0:
        f = keras.Input((n_features,))
        inputs.append(f)
        x = keras.layers.Concatenate()([x, keras.layers.Dense(arch["denseUnits"], activation="relu", name="features_dense")(f)])
    x = keras.layers.Dense(arch["denseUnits"], activation="relu", name="dense")(x)
    if n_features > 0:
        x = keras.layers.Dense(arch["denseUnits"], activation="relu", name="dense_2")(x)
    return keras.Model(inputs, [keras.layers.Dense(1, name="energy")(x), keras.layers.Dense(1, name="vertex")(x)])


model = build(arch, n_features)
for b in range(arch["blocks"]):
    model.get_layer(f"coordconv_{b}").set_weights([weights[f"coordconv_{b}/kernel"], weights[f"coordconv_{b}/coord_kernel"]])
    model.get_layer(f"bn_{b}").set_weights([weights[f"bn_{b}/{k}"] for k in ("gamma", "beta", "moving_mean", "moving_variance")])
for name in ("features_dense", "dense", "dense_2", "energy", "vertex") if n_features > 0 else ("dense", "energy", "vertex"):
    model.get_layer(name).set_weights([weights[f"{name}/kernel"], weights[f"{name}/bias"]])

X = tm.windows(a.inputs)
F = tm.feature_rows(p, a.features, len(X))
fn = tf.function(lambda *x: model(list(x) if len(x) > 1 else x[0], training=False))


def net_inputs(lo, hi):
    """The model's inputs for windows lo..hi-1: the image, and the feature rows of a two-input model."""
    return [X[lo:hi], F[lo:hi]] if n_features > 0 else [X[lo:hi]]


inference = []
for batch in [int(b) for b in a.batches.split(",")]:
    nb = len(X) // batch
    chunks = [net_inputs(i * batch, (i + 1) * batch) for i in range(nb)]
    for execution, run in (("tf.function", lambda c: [o.numpy() for o in fn(*[tf.constant(v) for v in c])]),
                           ("predict_on_batch", lambda c: model.predict_on_batch(c if len(c) > 1 else c[0]))):
        ms = median_ms(lambda: [run(c) for c in chunks], a.reps)
        inference.append({"execution": execution, "batch": batch, "events_per_second": nb * batch / (ms / 1000)})

first = [o.numpy().ravel() for o in fn(*[tf.constant(v) for v in net_inputs(0, 256)])]
outputs_first = np.stack(first, 1).ravel().astype(float).tolist()

Xt = tm.windows(a.train)
ye, yd = scaled_targets(a.targets)
training = []
# Training: the image-only net of the default and of the larger architecture (as tfjs's worker).
for label, ar in () if a.no_training else (("default", arch), ("larger", json.loads(a.larger))):
    m = build(ar)
    m.compile(optimizer=keras.optimizers.Adam(2e-3), loss=[keras.losses.Huber(1.0), keras.losses.Huber(1.0)])
    n = (len(Xt) // 64) * 64
    m.fit(Xt[:n], [ye[:n], yd[:n]], batch_size=64, epochs=1, verbose=0, shuffle=True)  # warm-up: tracing, allocations
    t0 = time.perf_counter()
    m.fit(Xt[:n], [ye[:n], yd[:n]], batch_size=64, epochs=1, verbose=0, shuffle=True)
    training.append({"net": f"{label} {json.dumps(ar, separators=(',', ':'))}", "events_per_second": n / (time.perf_counter() - t0)})

A = tf.random.normal((512, 512))
mm = tf.function(lambda: tf.matmul(A, A))
ms = median_ms(lambda: mm().numpy(), a.reps)
print_result({
    "threads": a.threads, "tensorflow": tf.__version__, "keras": keras.__version__, "matmul_gflops": 2 * 512 ** 3 / (ms * 1e6),
    "inference": inference, "training": training, "outputs_first": outputs_first,
})
