"""PyTorch side of otfuse's real-format round-trip tests (GraphTorchRoundTripTest).

Run with Debian's python3-torch (/usr/bin/python3). Two verbs:

  make  --arch A --width W --bias 0|1 --bn 0|1 --classes K --seed S --channels C --size H --out DIR
        builds the pytorch-cifar style network, randomises its parameters and BatchNorm running
        statistics, saves its state_dict as DIR/model_zip.pt (zip format) and DIR/model_legacy.pt
        (legacy format), random inputs DIR/x.npy (N x C x H x W float32) and the logits
        DIR/logits.npy of the network in eval mode.
  check --arch A ... --weights FILE.safetensors --input X.npy --out LOGITS.npy
        loads a safetensors state_dict with load_state_dict(strict=True) and writes the logits.

The architectures follow pytorch-cifar (kuangliu) as the otfusion reference uses them: VGG with
features.N / classifier, ResNet with conv1, bn1, layerS.B.{conv1,bn1,conv2,bn2,shortcut.0,shortcut.1},
linear. This file is written for the tests; it copies no code.
"""
import argparse
import json
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

VGG_CFG = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
}


def scale(c, w):
    return max(1, int(round(c * w)))


class VGG(nn.Module):
    def __init__(self, name, width, bias, bn, classes, channels):
        super().__init__()
        layers = []
        cin = channels
        for item in VGG_CFG[name]:
            if item == "M":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                c = scale(item, width)
                layers.append(nn.Conv2d(cin, c, kernel_size=3, padding=1, bias=bias))
                if bn:
                    layers.append(nn.BatchNorm2d(c))
                layers.append(nn.ReLU(inplace=True))
                cin = c
        layers.append(nn.AvgPool2d(kernel_size=1, stride=1))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(cin, classes, bias=bias)

    def forward(self, x):
        out = self.features(x)
        return self.classifier(out.view(out.size(0), -1))


class Block(nn.Module):
    def __init__(self, cin, planes, stride, bn):
        super().__init__()
        norm = nn.BatchNorm2d if bn else (lambda c: nn.Identity())
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = norm(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = norm(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != planes:
            mods = [nn.Conv2d(cin, planes, 1, stride, bias=False)]
            if bn:
                mods.append(nn.BatchNorm2d(planes))
            self.shortcut = nn.Sequential(*mods)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    def __init__(self, blocks, width, bias, bn, classes, channels):
        super().__init__()
        norm = nn.BatchNorm2d if bn else (lambda c: nn.Identity())
        planes = scale(64, width)
        self.conv1 = nn.Conv2d(channels, planes, 3, 1, 1, bias=False)
        self.bn1 = norm(planes)
        cin = planes
        for s, n in enumerate(blocks):
            p = scale(64 << s, width)
            mods = []
            for b in range(n):
                mods.append(Block(cin, p, 2 if (s > 0 and b == 0) else 1, bn))
                cin = p
            setattr(self, "layer%d" % (s + 1), nn.Sequential(*mods))
        self.linear = nn.Linear(cin, classes, bias=bias)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        for s in range(4):
            out = getattr(self, "layer%d" % (s + 1))(out)
        k = min(4, out.shape[2])
        out = F.avg_pool2d(out, k)
        return self.linear(out.view(out.size(0), -1))


def build(a):
    if a.arch.startswith("vgg"):
        return VGG(a.arch, a.width, bool(a.bias), bool(a.bn), a.classes, a.channels)
    blocks = {"resnet18": [2, 2, 2, 2], "resnet34": [3, 4, 6, 3]}[a.arch]
    return ResNet(blocks, a.width, bool(a.bias), bool(a.bn), a.classes, a.channels)


def read_safetensors(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    kinds = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "F16": np.float16}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        s, e = info["data_offsets"]
        arr = np.frombuffer(data[s:e], dtype=kinds[info["dtype"]]).reshape(info["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("verb", choices=["make", "check"])
    p.add_argument("--arch", required=True)
    p.add_argument("--width", type=float, default=1.0)
    p.add_argument("--bias", type=int, default=1)
    p.add_argument("--bn", type=int, default=1)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--channels", type=int, default=3)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--n", type=int, default=8)
    p.add_argument("--out", required=True)
    p.add_argument("--weights")
    p.add_argument("--input")
    a = p.parse_args()
    torch.manual_seed(a.seed)
    net = build(a)
    if a.verb == "make":
        with torch.no_grad():
            for m in net.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.running_mean.uniform_(-0.2, 0.2)
                    m.running_var.uniform_(0.5, 1.5)
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.2, 0.2)
                    m.num_batches_tracked.fill_(7)
        net.eval()
        x = torch.randn(a.n, a.channels, a.size, a.size)
        with torch.no_grad():
            logits = net(x)
        torch.save(net.state_dict(), a.out + "/model_zip.pt")
        torch.save(net.state_dict(), a.out + "/model_legacy.pt", _use_new_zipfile_serialization=False)
        np.save(a.out + "/x.npy", x.numpy())
        np.save(a.out + "/logits.npy", logits.numpy())
    else:
        net.load_state_dict(read_safetensors(a.weights), strict=True)
        net.eval()
        x = torch.from_numpy(np.load(a.input))
        with torch.no_grad():
            np.save(a.out, net(x).numpy())
    return 0


if __name__ == "__main__":
    sys.exit(main())
