#!/usr/bin/env python3
"""PyTorch side of submit/train-bench: one timed training epoch of the same network on the same
images as `otfuse train bench`, printed as one JSON line.

Same data (Fashion-MNIST idx files, normalised (x/255 - 0.2860)/0.3530, padded to 32x32 with the
normalised value of black for VGG), same architectures (MLPNet 784-400-200-100-10; VGG11 at a width
multiplier with BatchNorm, PyTorch-cifar layout), same optimiser (SGD lr 0.01 momentum 0.9), same
batch size, same warm-up, same thread count. Needs only torch and numpy (no torchvision).
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn

MEAN, STD = 0.2860, 0.3530
VGG11 = [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]


def idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(data_dir, limit, pad):
    x = idx(os.path.join(data_dir, "train-images-idx3-ubyte.gz"))[:limit].astype(np.float32)
    y = idx(os.path.join(data_dir, "train-labels-idx1-ubyte.gz"))[:limit].astype(np.int64)
    x = torch.from_numpy(((x / 255.0) - MEAN) / STD).float().unsqueeze(1)
    if pad:
        p = (32 - x.shape[-1]) // 2
        x = nn.functional.pad(x, (p, 32 - x.shape[-1] - p, p, 32 - x.shape[-2] - p), value=-MEAN / STD)
    return x, torch.from_numpy(y)


def model(arch, width):
    if arch == "mlpnet":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 400), nn.ReLU(), nn.Linear(400, 200), nn.ReLU(),
                             nn.Linear(200, 100), nn.ReLU(), nn.Linear(100, 10))
    layers, c = [], 1
    for v in VGG11:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            out = max(1, round(v * width))
            layers += [nn.Conv2d(c, out, 3, padding=1), nn.BatchNorm2d(out), nn.ReLU(inplace=True)]
            c = out
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(c, 10))


def epoch(m, opt, x, y, batch):
    m.train()
    loss = None
    for s in range(0, len(x), batch):
        xb, yb = x[s:s + batch], y[s:s + batch]
        opt.zero_grad()
        loss = nn.functional.cross_entropy(m(xb), yb)
        loss.backward()
        opt.step()
    return float(loss)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", required=True, choices=["mlpnet", "vgg11"])
    ap.add_argument("--width", type=float, default=1.0)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--limit", type=int, default=10000)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--warmup", type=int, default=-1, help="warm-up minibatches (-1: one whole epoch)")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    x, y = load(a.data_dir, a.limit, a.arch != "mlpnet")
    m = model(a.arch, a.width)
    opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
    n = len(x) if a.warmup < 0 else min(len(x), a.warmup * a.batch_size)
    if n > 0:
        epoch(m, opt, x[:n], y[:n], a.batch_size)
    t0, c0 = time.perf_counter(), time.process_time()
    loss = epoch(m, opt, x, y, a.batch_size)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({"framework": "pytorch " + torch.__version__, "arch": a.arch, "width": a.width,
                      "images": len(x), "batch_size": a.batch_size, "seconds": wall,
                      "images_per_second": len(x) / wall, "cpu_seconds": cpu,
                      "images_per_cpu_second": len(x) / cpu, "train_loss": loss, "threads": a.threads,
                      "mkldnn": torch.backends.mkldnn.is_available()}))


if __name__ == "__main__":
    main()
