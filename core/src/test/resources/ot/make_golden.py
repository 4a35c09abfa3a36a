"""Golden values for org.otfuse.core.ot tests beyond the shared POT fixtures.

Run from this directory with Debian's Python (python3-pot 0.8.2, scipy 1.10.1, numpy 1.24.2):

    /usr/bin/python3 make_golden.py

Inputs: the reference MLPNet checkpoints in ../fixtures/otfusion-mnist/checkpoints (float32).
Outputs (committed next to this script):
  fc1_euclid_block.npy  float64 [24, 24]: scipy cdist(W0[:24], W1[:24], "euclidean") on the
                        float32 weights cast to float64 (W = fc1.weight, 400 x 784)
  golden.json           full 400 x 400 fc1 Euclidean cost: ot.emd cost and permutation with uniform
                        marginals; ot.sinkhorn (log domain) cost at reg = 0.05 * max(C)
"""
import json

import numpy as np
import ot
import scipy
import scipy.optimize
from scipy.spatial.distance import cdist

base = "../fixtures/otfusion-mnist/checkpoints"
w0 = np.load(f"{base}/model_0/fc1.weight.npy").astype(np.float64)
w1 = np.load(f"{base}/model_1/fc1.weight.npy").astype(np.float64)
C = cdist(w0, w1, "euclidean")
np.save("fc1_euclid_block.npy", C[:24, :24].copy())

n = C.shape[0]
a = np.full(n, 1.0 / n)
T = ot.emd(a, a, C, numItermax=10_000_000)
perm = T.argmax(axis=1)
r, c = scipy.optimize.linear_sum_assignment(C)
reg = 0.05 * float(C.max())
Ts = ot.sinkhorn(a, a, C, reg, method="sinkhorn_log", numItermax=100_000, stopThr=1e-13)
out = {
    "versions": {"pot": ot.__version__, "numpy": np.__version__, "scipy": scipy.__version__},
    "fc1_n": n,
    "fc1_C_min": float(C.min()),
    "fc1_C_max": float(C.max()),
    "fc1_C_sum": float(C.sum()),
    "fc1_emd_cost": float((T * C).sum()),
    "fc1_emd_perm": [int(x) for x in perm],
    "fc1_lsa_matches_emd": bool((c[np.argsort(r)] == perm).all()),
    "fc1_sinkhorn_reg": reg,
    "fc1_sinkhorn_cost": float((Ts * C).sum()),
    "fc1_sinkhorn_marg_err": float(max(abs(Ts.sum(1) - a).max(), abs(Ts.sum(0) - a).max())),
}
with open("golden.json", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print({k: v for k, v in out.items() if k != "fc1_emd_perm"})
