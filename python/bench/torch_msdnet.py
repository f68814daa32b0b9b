"""A lean PyTorch MSDNet (Huang et al., ICLR 2018), for timing against the Swift engine.

Same network, parameter names and numerics as the official code (kalviny/MSDNet-PyTorch, models/msdnet.py) and as
the Swift `MSDNet` (vectors/MS/README.txt), built from the fields of the Swift `MSDNetConfig`. The official code has
no needless work to skip (no resizes), so "lean" only means written compactly; `check_parity.py` checks it
against vector set MS.
"""
import math
from dataclasses import dataclass, field

import torch
import torch.nn as nn


@dataclass
class MSDNetConfig:
    """The fields of the Swift `MSDNetConfig` (same names and defaults; prune "max" only)."""
    nBlocks: int
    stepMode: str
    step: int
    base: int
    nChannels: int
    growthRate: int
    grFactor: list
    bnFactor: list
    classes: int
    input: list = field(default_factory=lambda: [3, 32, 32])  # C, H, W
    reduction: float = 0.5
    bottleneck: bool = True
    stem: str = "cifar"  # or "imagenet"

    def layers_per_block(self):
        return [self.base if i == 0 else (self.step if self.stepMode == "even" else self.step * i + 1)
                for i in range(self.nBlocks)]

    def plan(self):
        """Per block, per MSDN layer: (width n entering, in scales, out scales, width after a transition or None)."""
        counts = self.layers_per_block()
        total, S = sum(counts), len(self.grFactor)
        interval = (total + S - 1) // S
        n, l, blocks = self.nChannels, 0, []
        for count in counts:
            block = []
            for _ in range(count):
                l += 1
                ins, outs = S - max(0, l - 2) // interval, S - (l - 1) // interval
                width = n
                n += self.growthRate
                trans = None
                if ins > outs and self.reduction > 0:
                    n = math.floor(self.reduction * n)  # floor on the base width (the reference's quirk Q5)
                    trans = n
                block.append((width, ins, outs, trans))
            blocks.append(block)
        return blocks


class ConvBasic(nn.Module):
    """conv (no bias unless the ImageNet stem) -> BN -> ReLU; names `net.{0,1}`."""
    def __init__(self, cin, cout, kernel, stride, bias=False):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(cin, cout, kernel, stride, kernel // 2, bias=bias),
                                 nn.BatchNorm2d(cout), nn.ReLU(inplace=True))

    def forward(self, x):
        return self.net(x)


def conv_bn(cin, cout, down, bottleneck, bn_width):
    """The reference's ConvBN: [1x1 -> BN -> ReLU] -> 3x3 (stride 1|2) -> BN -> ReLU, as a Sequential `net`."""
    layers, inner = [], cin
    if bottleneck:
        inner = min(cin, bn_width * cout)
        layers += [nn.Conv2d(cin, inner, 1, bias=False), nn.BatchNorm2d(inner), nn.ReLU(inplace=True)]
    layers += [nn.Conv2d(inner, cout, 3, 2 if down else 1, 1, bias=False), nn.BatchNorm2d(cout),
               nn.ReLU(inplace=True)]
    return nn.Sequential(*layers)


class ConvBN(nn.Module):
    def __init__(self, *args):
        super().__init__()
        self.net = conv_bn(*args)

    def forward(self, x):
        return self.net(x)


class ScaleUnit(nn.Module):
    """cat[x, down(finer), normal(x)] (ConvDownNormal) or cat[x, normal(x)] (ConvNormal)."""
    def __init__(self, cin_finer, cin, cout, bottleneck, bn_finer, bn):
        super().__init__()
        if cin_finer is None:
            self.conv_down = None
            self.conv_normal = ConvBN(cin, cout, False, bottleneck, bn)
        else:
            self.conv_down = ConvBN(cin_finer, cout // 2, True, bottleneck, bn_finer)
            self.conv_normal = ConvBN(cin, cout // 2, False, bottleneck, bn)

    def forward(self, finer, x):
        if self.conv_down is None:
            return torch.cat([x, self.conv_normal(x)], 1)
        return torch.cat([x, self.conv_down(finer), self.conv_normal(x)], 1)


class MSDNLayer(nn.Module):
    def __init__(self, cfg, width, ins, outs):
        super().__init__()
        S, gr, bn, g = len(cfg.grFactor), cfg.grFactor, cfg.bnFactor, cfg.growthRate
        offset = S - outs
        self.drops = ins > outs
        self.layers = nn.ModuleList()
        for s in range(offset, S):
            if s == offset and not self.drops:
                self.layers.append(ScaleUnit(None, width * gr[s], g * gr[s], cfg.bottleneck, None, bn[s]))
            else:
                self.layers.append(ScaleUnit(width * gr[s - 1], width * gr[s], g * gr[s], cfg.bottleneck,
                                             bn[s - 1], bn[s]))

    def forward(self, x):
        shift = 1 if self.drops else 0
        return [unit(x[i + shift - 1] if i + shift > 0 else None, x[i + shift]) for i, unit in enumerate(self.layers)]


class FirstLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        nC, gr = cfg.nChannels, cfg.grFactor
        self.imagenet = cfg.stem == "imagenet"
        if self.imagenet:
            first = ConvBasic(cfg.input[0], nC * gr[0], 7, 2, bias=True)
        else:
            first = ConvBasic(cfg.input[0], nC * gr[0], 3, 1)
        self.layers = nn.ModuleList([first] + [ConvBasic(nC * gr[s - 1], nC * gr[s], 3, 2) for s in range(1, len(gr))])
        self.pool = nn.MaxPool2d(3, 2, 1)

    def forward(self, x):
        features = []
        for s, layer in enumerate(self.layers):
            x = layer(x)
            if s == 0 and self.imagenet:
                x = self.pool(x)
            features.append(x)
        return features


class Transition(nn.Module):
    """The reference's ParallelModule: one 1x1 ConvBasic per scale (`m.<i>`)."""
    def __init__(self, convs):
        super().__init__()
        self.m = nn.ModuleList(convs)

    def forward(self, x):
        return [conv(f) for conv, f in zip(self.m, x)]


class Classifier(nn.Module):
    def __init__(self, cin, classes, imagenet):
        super().__init__()
        inner = cin if imagenet else 128
        self.m = nn.Sequential(ConvBasic(cin, inner, 3, 2), ConvBasic(inner, inner, 3, 2), nn.AvgPool2d(2))
        self.linear = nn.Linear(inner, classes)

    def forward(self, x):
        return self.linear(self.m(x[-1]).flatten(1))


class MSDNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        S, gr = len(cfg.grFactor), cfg.grFactor
        self.blocks = nn.ModuleList()
        widths = []
        for k, block in enumerate(cfg.plan()):
            modules = [FirstLayer(cfg)] if k == 0 else []
            for width, ins, outs, trans in block:
                modules.append(MSDNLayer(cfg, width, ins, outs))
                n = width + cfg.growthRate
                if trans is not None:
                    offset = S - outs
                    modules.append(Transition([ConvBasic(n * gr[s], trans * gr[s], 1, 1) for s in range(offset, S)]))
                    n = trans
            widths.append(n)
            self.blocks.append(nn.Sequential(*modules))
        self.classifier = nn.ModuleList(Classifier(n * gr[-1], cfg.classes, cfg.stem == "imagenet") for n in widths)

    def forward(self, x):
        """Returns the logits of every exit, in exit order."""
        logits = []
        for block, classifier in zip(self.blocks, self.classifier):
            x = block(x)
            logits.append(classifier(x))
        return logits
