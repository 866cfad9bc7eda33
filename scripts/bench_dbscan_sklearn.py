"""The independent reference of `showertrig bench-reco --sklearn PYTHON`: scikit-learn's DBSCAN on the
same TT stations the TypeScript clustering is timed on. Comparison only, never at run time.

Input directory (written by bench-reco): points.f64 (x, y in mm, interleaved), offsets.i32 (station s
is points offsets[s] .. offsets[s + 1]), params.json ({"eps", "min_samples", "events"}).
Two ways of calling it, both timed (best of --reps passes, wall clock):
  per_station: one DBSCAN(algorithm='kd_tree').fit per station, as a per-event trigger would call it;
  one_fit:     every station in one fit, each moved 1e6 mm from the others (no pair across stations
               is within eps), so the Python call overhead is paid once.
kd_tree because its distance test (dx^2 + dy^2 <= eps^2) is exact, as the TypeScript one is.
Writes labels.i32 (per_station labels, station by station) and prints one line
`DBSCAN-SKLEARN {json}` with the timings.
"""
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import DBSCAN

d = sys.argv[1]
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
p = json.load(open(d + "/params.json"))
xy = np.fromfile(d + "/points.f64", dtype=np.float64).reshape(-1, 2)
off = np.fromfile(d + "/offsets.i32", dtype=np.int32)
stations = [xy[off[s]:off[s + 1]] for s in range(len(off) - 1)]
eps, ms = p["eps"], p["min_samples"]


def per_station():
    out = []
    for pts in stations:
        if len(pts) == 0:
            out.append(np.zeros(0, np.int32))
            continue
        out.append(DBSCAN(eps=eps, min_samples=ms, algorithm="kd_tree").fit(pts).labels_.astype(np.int32))
    return out


shifted = np.concatenate([pts + np.array([1e6 * s, 0.0]) for s, pts in enumerate(stations) if len(pts) > 0])


def one_fit():
    return DBSCAN(eps=eps, min_samples=ms, algorithm="kd_tree").fit(shifted).labels_


def best(f):
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        r = f()
        t.append(time.perf_counter() - t0)
    return min(t), r


t_ps, labels = best(per_station)
t_one, _ = best(one_fit)
np.concatenate(labels).astype(np.int32).tofile(d + "/labels.i32")
print("DBSCAN-SKLEARN " + json.dumps({
    "sklearn": sklearn.__version__,
    "numpy": np.__version__,
    "python": sys.version.split()[0],
    "events": p["events"],
    "stations": len(stations),
    "points": int(len(xy)),
    "per_station_s": t_ps,
    "one_fit_s": t_one,
    "reps": reps,
}))
