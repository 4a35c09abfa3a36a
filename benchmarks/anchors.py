"""Anchor timings for `otfuse bench ot`: POT and scipy on the very matrices otfuse solves.

Run by org.otfuse.cli.BenchCommand with Debian's Python (python3-pot 0.8.2, scipy 1.10.1,
numpy 1.24.2; `OTFUSE_PYTHON`, default /usr/bin/python3). One call per case:

    anchors.py --out DIR --n N --m M --marginals uniform|dirichlet
               [--solvers lsa,emd,sinkhorn] [--repeats 3] [--budget 30]
               [--reg-factor 0.05] [--stop-thr 1e-9] [--num-itermax 1000] [--threads 2]

Inputs (the protocol of shared/fixtures/ot, so that n = 256 and 512 reproduce those files):
np.random.RandomState(0); X = randn(n, 64); Y = randn(m, 64); for dirichlet marginals also
a = dirichlet(ones(n)), b = dirichlet(ones(m)); else a = 1/n, b = 1/m. C = cdist(X, Y,
"sqeuclidean") in float64. Writes DIR/C.npy, DIR/a.npy, DIR/b.npy (float64) for otfuse to read,
then times each requested anchor with time.perf_counter (C construction excluded): up to
--repeats runs, fewer when the runs of that anchor already took --budget seconds; reports the
median. Prints one JSON object on stdout:

    {"n", "m", "marginals", "reg", "stop_thr", "versions", "blas",
     "anchors": {"lsa": {"seconds", "runs", "cost"}, "emd": {...}, "sinkhorn": {..., "niter",
                 "err", "has_nan"}}}

lsa: scipy.optimize.linear_sum_assignment(C), cost C[r, c].sum() / n (square uniform only).
emd: ot.emd(a, b, C, numItermax=10**8), cost sum(T * C).
sinkhorn: ot.sinkhorn(a, b, C, reg, numItermax, stopThr) with reg = reg_factor * median(C)
(POT's sinkhorn_knopp: kernel form, stops when the L2 norm of the column-marginal error, checked
every 10 iterations, is below stopThr), cost sum(T * C).
"""
import argparse
import json
import os
import sys
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--m", type=int, required=True)
    p.add_argument("--dim", type=int, default=64)
    p.add_argument("--marginals", choices=["uniform", "dirichlet"], default="uniform")
    p.add_argument("--solvers", default="lsa,emd,sinkhorn")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--warmup", type=int, default=10,
                   help="untimed runs first: at least this many and at least --warmup-min seconds of them,"
                        " none started after --warmup-budget seconds")
    p.add_argument("--warmup-budget", type=float, default=5.0)
    p.add_argument("--warmup-min", type=float, default=1.0,
                   help="warm up at least this many seconds (small problems: JIT on otfuse's side)")
    p.add_argument("--budget", type=float, default=30.0)
    p.add_argument("--reg-factor", type=float, default=0.05)
    p.add_argument("--stop-thr", type=float, default=1e-9)
    p.add_argument("--num-itermax", type=int, default=1000)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    # BLAS threads must be fixed before numpy loads
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)

    import numpy as np
    import scipy
    import scipy.optimize
    from scipy.spatial.distance import cdist
    import ot

    n, m = args.n, args.m
    rng = np.random.RandomState(0)
    X = rng.randn(n, args.dim)
    Y = rng.randn(m, args.dim)
    if args.marginals == "dirichlet":
        a = rng.dirichlet(np.ones(n))
        b = rng.dirichlet(np.ones(m))
    else:
        a = np.full(n, 1.0 / n)
        b = np.full(m, 1.0 / m)
    C = cdist(X, Y, "sqeuclidean")
    os.makedirs(args.out, exist_ok=True)
    np.save(os.path.join(args.out, "C.npy"), C)
    np.save(os.path.join(args.out, "a.npy"), a)
    np.save(os.path.join(args.out, "b.npy"), b)
    reg = args.reg_factor * float(np.median(C))

    def timed(fn):
        # the same warm-up rule as otfuse's side (BenchCommand.timeAny): page faults of first
        # allocations and caches are not what a sweep of many solves pays
        spent = 0.0
        k = 0
        while (k < max(1, args.warmup) or spent < args.warmup_min) and spent < args.warmup_budget:
            t0 = time.perf_counter()
            fn()
            spent += time.perf_counter() - t0
            k += 1
        runs = []
        result = None
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            result = fn()
            runs.append(time.perf_counter() - t0)
            if sum(runs) >= args.budget:
                break
        return float(np.median(runs)), runs, result

    anchors = {}
    for solver in [s for s in args.solvers.split(",") if s]:
        if solver == "lsa":
            if n != m or args.marginals != "uniform":
                continue
            s, runs, (r, c) = timed(lambda: scipy.optimize.linear_sum_assignment(C))
            anchors["lsa"] = {"seconds": s, "runs": runs, "cost": float(C[r, c].sum() / n)}
        elif solver == "emd":
            s, runs, T = timed(lambda: ot.emd(a, b, C, numItermax=100_000_000))
            anchors["emd"] = {"seconds": s, "runs": runs, "cost": float(np.sum(T * C))}
        elif solver == "sinkhorn":
            def run():
                return ot.sinkhorn(a, b, C, reg, numItermax=args.num_itermax,
                                   stopThr=args.stop_thr, log=True)
            s, runs, (T, log) = timed(run)
            anchors["sinkhorn"] = {
                "seconds": s, "runs": runs, "cost": float(np.sum(T * C)),
                "niter": int(log.get("niter", -1)),
                "err": float(log["err"][-1]) if log.get("err") else None,
                "marginal_error": float(max(np.abs(T.sum(1) - a).max(), np.abs(T.sum(0) - b).max())),
                "has_nan": bool(np.isnan(T).any())}
        else:
            print(f"anchors.py: unknown solver {solver!r}", file=sys.stderr)
            return 2
    try:
        from threadpoolctl import threadpool_info
        blas = threadpool_info()
    except Exception:  # threadpoolctl is optional
        blas = None
    out = {"n": n, "m": m, "marginals": args.marginals, "reg": reg, "stop_thr": args.stop_thr,
           "versions": {"pot": ot.__version__, "numpy": np.__version__, "scipy": scipy.__version__,
                        "python": sys.version.split()[0]},
           "blas": blas, "anchors": anchors}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
