"""Independent check of the SavedModel showertrig writes for its CNN graph (src/reconstruction/cnn/graph-def.ts):
Python TensorFlow (not tfjs-node) loads <dir>/saved_model.pb and runs its serving_default signature on
<dir>/inputs.json ([{"shape": [...], "data": [...]}, ...] in signature order input_0, input_1, ...).
Prints one line, `GRAPH-CHECK {json}`: each output's values. Run by scripts/check-graph-python.ts, which
compares them with the tfjs layers model; comparison only, never at run time."""
import json
import sys

import numpy as np
import tensorflow as tf

d = sys.argv[1]
with open(d + "/inputs.json") as f:
    inputs = json.load(f)
signature = tf.saved_model.load(d, tags=["serve"]).signatures["serving_default"]
feed = {f"input_{i}": tf.constant(np.asarray(x["data"], np.float32).reshape(x["shape"])) for i, x in enumerate(inputs)}
out = signature(**feed)
print("GRAPH-CHECK " + json.dumps({"tensorflow": tf.__version__, "outputs": {k: v.numpy().ravel().astype(float).tolist() for k, v in sorted(out.items())}}))
