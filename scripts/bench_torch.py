"""PyTorch reference for `showertrig bench-backends`: the same CoordConv net with the same weights
(read from the tfjs model directory, as scripts/bench_keras.py does), run on the same prepared
input windows.

Comparison only, never a runtime dependency. Runs in the venv that scripts/torch-venv.sh makes
(.venv-torch, or TORCH_VENV). Prints one line `BENCH-BACKENDS-RESULT {json}`: inference events/s
per batch size for two executions, training events/s (default net and a larger one, one epoch
after a warm-up epoch, batch 64, Adam, Huber loss; --no-training skips it), a 512^3 matmul's
GFLOP/s, and the scaled outputs of the first 256 windows for the parent to compare with tfjs.

Executions (both under torch.inference_mode, the net in eval mode, batch norm unfolded as trained,
as Keras runs it):
  eager      the nn.Module called op by op from Python (what most PyTorch inference code does);
  jit.trace  the module traced once per batch size with torch.jit.trace and frozen with
             torch.jit.freeze (weights become constants; batch norm stays unfolded, since the
             coordinate map's add sits between each conv and its batch norm). TorchScript is
             deprecated (torch 2.15 warns at every call), but still runs. optimize_for_inference (oneDNN
             layouts) was slower here at batch 256 and is not used. No torch.compile: it needs a
             C++ toolchain and tens of seconds of compilation per batch shape.

Layouts: tfjs and Keras are NHWC with HWIO kernels; torch is NCHW with OIHW kernels. The prepared
NHWC windows are handed to torch as a permuted view (no copy: NHWC bytes are torch's
channels_last format), the kernels are transposed once, and the rows of the first dense layer are
reordered from Keras's (h, w, c) flatten order to torch's (c, h, w) one.

The command line, the model reading and the timing rule are scripts/bench_reference.py's.
"""
import json
import time
import warnings

import numpy as np

from bench_reference import TfjsModel, coords as coords_nhwc, median_ms, parse_args, print_result, scaled_targets

p, a = parse_args()
tm = TfjsModel(a.model)  # before torch's import: a bad model directory fails fast

import torch  # noqa: E402  (after argument errors, which need no torch)
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

warnings.filterwarnings("ignore", message=r"`torch\.jit\.", category=FutureWarning)  # TorchScript's deprecation notices
torch.set_num_threads(a.threads)
torch.set_num_interop_threads(1)

arch, S, C, weights, n_features = tm.arch, tm.size, tm.stations, tm.weights, tm.n_features


def coords(h, w):
    """The CoordConv coordinate channels as NCHW [1, 3, h, w]."""
    return torch.from_numpy(np.ascontiguousarray(coords_nhwc(h, w).transpose(0, 3, 1, 2)))


class CoordConv(nn.Module):
    """conv(concat(x, coords)) as conv(x, W) + conv(coords, Wc): the coordinate part is one constant
    map per layer (a buffer), the same computation the tfjs and Keras layers do. 3x3, 'same'."""

    def __init__(self, cin, filters, h, w):
        super().__init__()
        self.kernel = nn.Parameter(nn.init.kaiming_normal_(torch.empty(filters, cin, 3, 3)))
        self.coord_kernel = nn.Parameter(nn.init.kaiming_normal_(torch.empty(filters, 3, 3, 3)))
        self.register_buffer("coords", coords(h, w))

    def forward(self, x):
        return F.conv2d(x, self.kernel, padding=1) + F.conv2d(self.coords, self.coord_kernel, padding=1)


class Net(nn.Module):
    """showertrig's buildEnergyVertexNet (src/reconstruction/cnn/model.ts), layer for layer, NCHW."""

    def __init__(self, ar, n_features=0):
        super().__init__()
        self.blocks = nn.ModuleList()
        cin, size = C, S
        for b in range(ar["blocks"]):
            filters = ar["width"] * min(4, 2 ** b)
            # Keras's momentum 0.9 is torch's 0.1 (the weight of the new batch statistics).
            self.blocks.append(nn.ModuleDict({"conv": CoordConv(cin, filters, size, size), "bn": nn.BatchNorm2d(filters, eps=1e-3, momentum=0.1)}))
            cin, size = filters, size // 2
        self.flat = cin * size * size
        u = ar["denseUnits"]
        self.features_dense = nn.Linear(n_features, u) if n_features > 0 else None
        self.dense = nn.Linear(self.flat + (u if n_features > 0 else 0), u)
        self.dense_2 = nn.Linear(u, u) if n_features > 0 else None
        self.energy, self.vertex = nn.Linear(u, 1), nn.Linear(u, 1)

    def forward(self, x, f=None):
        for blk in self.blocks:
            x = F.max_pool2d(F.relu(blk["bn"](blk["conv"](x))), 2, 2)
        x = torch.flatten(x, 1)
        if self.features_dense is not None:
            x = torch.cat([x, F.relu(self.features_dense(f))], 1)
        x = F.relu(self.dense(x))
        if self.dense_2 is not None:
            x = F.relu(self.dense_2(x))
        return self.energy(x), self.vertex(x)


def load_tfjs_weights(net, ar):
    """Copies the tfjs weights in, converting HWIO kernels to OIHW and Keras's (in, out) dense
    kernels to torch's (out, in); the first dense layer's image rows go from (h, w, c) to (c, h, w)."""
    t = lambda v: torch.from_numpy(np.ascontiguousarray(v))  # noqa: E731
    with torch.no_grad():
        for b, blk in enumerate(net.blocks):
            blk["conv"].kernel.copy_(t(weights[f"coordconv_{b}/kernel"].transpose(3, 2, 0, 1)))
            blk["conv"].coord_kernel.copy_(t(weights[f"coordconv_{b}/coord_kernel"].transpose(3, 2, 0, 1)))
            bn = blk["bn"]
            for param, key in ((bn.weight, "gamma"), (bn.bias, "beta"), (bn.running_mean, "moving_mean"), (bn.running_var, "moving_variance")):
                param.copy_(t(weights[f"bn_{b}/{key}"]))
        k = weights["dense/kernel"]
        cl = net.blocks[-1]["conv"].kernel.shape[0]
        side = int(round((net.flat // cl) ** 0.5))
        img = k[:net.flat].reshape(side, side, cl, -1).transpose(2, 0, 1, 3).reshape(net.flat, -1)
        net.dense.weight.copy_(t(np.concatenate([img, k[net.flat:]], 0).T))
        net.dense.bias.copy_(t(weights["dense/bias"]))
        for name in ("features_dense", "dense_2", "energy", "vertex"):
            layer = getattr(net, name)
            if layer is not None:
                layer.weight.copy_(t(weights[f"{name}/kernel"].T))
                layer.bias.copy_(t(weights[f"{name}/bias"]))


model = Net(arch, n_features).eval()
load_tfjs_weights(model, arch)

X = tm.windows(a.inputs)
Fr = tm.feature_rows(p, a.features, len(X))


def net_inputs(lo, hi):
    """Windows lo..hi-1 as torch tensors: the NHWC bytes viewed as NCHW (channels_last, no copy),
    and the feature rows of a two-input model."""
    x = torch.from_numpy(X[lo:hi]).permute(0, 3, 1, 2)
    return (x, torch.from_numpy(Fr[lo:hi])) if n_features > 0 else (x,)


def traced(batch):
    """The module traced at this batch size and frozen (weights as constants)."""
    with torch.no_grad():
        return torch.jit.freeze(torch.jit.trace(model, net_inputs(0, batch)))


inference = []
for batch in [int(b) for b in a.batches.split(",")]:
    nb = len(X) // batch
    execs = (("eager", model), ("jit.trace", traced(batch)))
    for execution, fn in execs:
        def run_all(fn=fn):
            with torch.inference_mode():
                return [[o.numpy() for o in fn(*net_inputs(i * batch, (i + 1) * batch))] for i in range(nb)]
        ms = median_ms(run_all, a.reps)
        inference.append({"execution": execution, "batch": batch, "events_per_second": nb * batch / (ms / 1000)})

m = min(256, len(X))
with torch.inference_mode():
    first = [o.numpy().ravel() for o in model(*net_inputs(0, m))]
outputs_first = np.stack(first, 1).ravel().astype(float).tolist()

training = []
if not a.no_training:
    Xt = torch.from_numpy(tm.windows(a.train)).permute(0, 3, 1, 2)
    ye, yd = (torch.from_numpy(np.ascontiguousarray(y)) for y in scaled_targets(a.targets))
    n = (len(Xt) // 64) * 64
    # Training: the image-only net of the default and of the larger architecture (as tfjs's worker and Keras).
    for label, ar in (("default", arch), ("larger", json.loads(a.larger))):
        net = Net(ar).train()
        opt = torch.optim.Adam(net.parameters(), lr=2e-3, eps=1e-7)  # Keras's Adam epsilon

        def epoch():
            for idx in torch.randperm(n).split(64):
                opt.zero_grad(set_to_none=True)
                e, d = net(Xt[idx])
                loss = F.huber_loss(e, ye[idx], delta=1.0) + F.huber_loss(d, yd[idx], delta=1.0)
                loss.backward()
                opt.step()
            return loss.item()
        epoch()  # warm-up: allocations, oneDNN primitive caches
        t0 = time.perf_counter()
        epoch()
        training.append({"net": f"{label} {json.dumps(ar, separators=(',', ':'))}", "events_per_second": n / (time.perf_counter() - t0)})

A = torch.randn(512, 512)
with torch.inference_mode():
    ms = median_ms(lambda: torch.mm(A, A), a.reps)
print_result({
    "threads": a.threads, "torch": torch.__version__, "matmul_gflops": 2 * 512 ** 3 / (ms * 1e6),
    "inference": inference, "training": training, "outputs_first": outputs_first,
})
