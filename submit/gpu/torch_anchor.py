#!/usr/bin/env python3
"""PyTorch anchor for otfuse's GPU benchmark: the same problems as GpuCheck, on the same GPU.

    python3 submit/gpu/torch_anchor.py --config DATA/bench-config.json --out torch-results.json
                                       [--device cuda|cpu] [--sizes-scale K]

Reads bench-config.json and the points that org.otfuse.core.backend.GpuCheck wrote, and times,
in float32 with TF32 off (what cuBLAS SGEMM does by default, and what GpuCheck's numbers are):

* ground cost, n = m in cost_sizes, d = cost_dim, uniform [-1, 1) data: the expansion
  ||x||^2 + ||y||^2 - 2 x y^T with clamp and sqrt (two spellings) and torch.cdist; the anchor is
  the fastest of the three;
* Sinkhorn on euclidean(x[:n], y[:n]) / mean, reg, uniform masses: 100 iterations of the kernel
  form (K = exp(-C/reg) inside the timed region; v = b / K^T u, u = a / K v) and of the log form
  (g = reg (log b - logsumexp((f - C)/reg, 0)), f = reg (log a - logsumexp((g - C)/reg, 1))),
  and both to tolerance (max_i |rowsum_i - a_i| <= tol_times_n / n, looked at every check_every
  iterations), as a user would write them (no row shift, no final column check).

Times: CUDA events around the region after one warm-up, median of 3 (1 run to tolerance).
--device cpu runs the same code on the CPU with time.perf_counter (for a dry run elsewhere).
"""
import argparse
import json
import math
import platform
import sys
import time

import numpy as np
import torch


def timer(device):
    if device.type == "cuda":
        def run(fn):
            torch.cuda.synchronize()
            s = torch.cuda.Event(enable_timing=True)
            e = torch.cuda.Event(enable_timing=True)
            s.record()
            out = fn()
            e.record()
            torch.cuda.synchronize()
            return s.elapsed_time(e), out
    else:
        def run(fn):
            s = time.perf_counter()
            out = fn()
            return (time.perf_counter() - s) * 1e3, out
    return run


def median(v):
    v = sorted(v)
    k = len(v)
    return v[k // 2] if k % 2 else 0.5 * (v[k // 2 - 1] + v[k // 2])


def repeat(run, fn, reps=3, warm=1):
    for _ in range(warm):
        run(fn)
    times = []
    out = None
    for _ in range(reps):
        t, out = run(fn)
        times.append(t)
    return times, out


def euclid(x, y):
    xx = (x * x).sum(1, keepdim=True)
    yy = (y * y).sum(1)
    return (xx + yy - 2.0 * (x @ y.T)).clamp_(min=0).sqrt_()


def euclid_addmm(x, y):
    xx = (x * x).sum(1, keepdim=True)
    yy = (y * y).sum(1)
    return torch.addmm(yy, x, y.T, beta=1, alpha=-2).add_(xx).clamp_(min=0).sqrt_()


def kernel_fixed(C, a, b, reg, iters):
    K = torch.exp(-C / reg)
    u = torch.ones_like(a)
    v = torch.ones_like(b)
    for _ in range(iters):
        v = b / (K.T @ u)
        u = a / (K @ v)
    return u, v


def log_fixed(C, a, b, reg, iters):
    loga, logb = a.log(), b.log()
    f = torch.zeros_like(a)
    g = torch.zeros_like(b)
    for _ in range(iters):
        g = reg * (logb - torch.logsumexp((f[:, None] - C) / reg, dim=0))
        f = reg * (loga - torch.logsumexp((g[None, :] - C) / reg, dim=1))
    return f, g


def kernel_tol(C, a, b, reg, tol, max_iter, every):
    K = torch.exp(-C / reg)
    u = torch.ones_like(a)
    v = torch.ones_like(b)
    err = float("nan")
    for it in range(1, max_iter + 1):
        v = b / (K.T @ u)
        s = K @ v
        if it % every == 0 or it == max_iter:
            err = (u * s - a).abs().max().item()
            if not math.isfinite(err) or err <= tol:
                return it, err
        u = a / s
    return max_iter, err


def log_tol(C, a, b, reg, tol, max_iter, every):
    loga, logb = a.log(), b.log()
    f = torch.zeros_like(a)
    g = torch.zeros_like(b)
    err = float("nan")
    for it in range(1, max_iter + 1):
        g = reg * (logb - torch.logsumexp((f[:, None] - C) / reg, dim=0))
        lse = torch.logsumexp((g[None, :] - C) / reg, dim=1)
        if it % every == 0 or it == max_iter:
            err = (torch.exp(f / reg + lse) - a).abs().max().item()
            if not math.isfinite(err) or err <= tol:
                return it, err
        f = reg * (loga - lse)
    return max_iter, err


def guarded(rows, row, fn):
    try:
        fn(row)
    except Exception as e:  # noqa: BLE001 - one failed size must not stop the others
        row["error"] = repr(e)[:500]
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    rows.append(row)
    shown = {k: row[k] for k in row if k in ("kind", "config", "n", "ms", "iterations", "error")}
    print("  torch", json.dumps(shown), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--config", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--device", default="cuda")
    p.add_argument("--reps", type=int, default=3)
    args = p.parse_args()
    cfg = json.load(open(args.config))
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        with open(args.out, "w") as f:
            json.dump({"env": {"torch": torch.__version__, "error": "CUDA not available"},
                       "rows": []}, f, indent=1)
        print("torch anchor: CUDA not available to torch %s" % torch.__version__)
        sys.exit(1)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    run = timer(device)
    env = {
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "device": torch.cuda.get_device_name(0) if device.type == "cuda" else platform.processor(),
        "python": sys.version.split()[0],
        "tf32": False,
        "timing": "CUDA events, one warm-up, median of %d (to tolerance: one run)" % args.reps,
    }
    rows = []
    t0 = time.time()

    d = cfg["cost_dim"]
    for n in cfg["cost_sizes"]:
        gen = torch.Generator(device=device).manual_seed(n)
        x = torch.rand(n, d, device=device, generator=gen) * 2 - 1
        y = torch.rand(n, d, device=device, generator=gen) * 2 - 1
        variants = {}
        for name, fn in (("expansion", lambda: euclid(x, y)),
                         ("addmm", lambda: euclid_addmm(x, y)),
                         ("cdist", lambda: torch.cdist(x, y))):
            row = {"kind": "ground_cost", "config": name, "n": n, "m": n, "d": d}

            def body(r, fn=fn):
                times, c = repeat(run, fn, args.reps)
                r["ms"] = median(times)
                r["ms_all"] = times
                r["tflops"] = 2.0 * n * n * d / (r["ms"] * 1e9)
                variants[r["config"]] = r["ms"]
                del c
            guarded(rows, row, body)
        if variants:
            best = min(variants, key=variants.get)
            rows.append({"kind": "ground_cost_best", "n": n, "m": n, "d": d, "config": best,
                         "ms": variants[best]})
        del x, y
        if device.type == "cuda":
            torch.cuda.empty_cache()

    rows_total = cfg["points_rows"]
    dim = cfg["point_dim"]
    px = np.fromfile(cfg["points_x"], dtype="<f4").reshape(rows_total, dim)
    py = np.fromfile(cfg["points_y"], dtype="<f4").reshape(rows_total, dim)
    reg = cfg["reg"]
    fixed = cfg["fixed_iterations"]
    for n in cfg["sinkhorn_sizes"]:
        x = torch.from_numpy(px[:n].copy()).to(device)
        y = torch.from_numpy(py[:n].copy()).to(device)
        C = euclid(x, y)
        C = C * (1.0 / C.double().mean()).float()
        a = torch.full((n,), 1.0 / n, device=device, dtype=torch.float32)
        tol = cfg["tol_times_n"] / n
        for form, fn in (("kernel_f32", kernel_fixed), ("log_f32", log_fixed)):
            row = {"kind": "sinkhorn_fixed", "config": form, "n": n, "iterations": fixed,
                   "reg": reg}

            def body(r, fn=fn):
                times, _ = repeat(run, lambda: fn(C, a, a, reg, fixed), args.reps)
                r["ms"] = median(times)
                r["ms_all"] = times
            guarded(rows, row, body)
        for form, fn in (("kernel_f32", kernel_tol), ("log_f32", log_tol)):
            row = {"kind": "sinkhorn_tol", "config": form, "n": n, "reg": reg, "tolerance": tol}

            def body(r, fn=fn):
                t, (its, err) = run(lambda: fn(C, a, a, reg, tol, cfg["max_iter"],
                                               cfg["check_every"]))
                r["ms"] = t
                r["iterations"] = its
                r["row_error"] = err
                r["converged"] = bool(math.isfinite(err) and err <= tol)
            guarded(rows, row, body)
        del x, y, C
        if device.type == "cuda":
            torch.cuda.empty_cache()

    env["seconds"] = time.time() - t0
    with open(args.out, "w") as f:
        json.dump({"env": env, "rows": rows}, f, indent=1)
    print("torch anchor: %d rows in %.1f s -> %s" % (len(rows), env["seconds"], args.out))


if __name__ == "__main__":
    main()
