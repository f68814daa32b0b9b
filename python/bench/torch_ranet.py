"""A lean PyTorch RANet (Yang et al., CVPR 2020), for timing against the Swift engine.

Same network, parameter names and numerics as the reference implementation (yangle15/RANet-pytorch,
models/RANet.py) and as ../shared/spec/RANET.md; the one saving is that a bilinear resize to the size a
tensor already has is skipped (it is an exact identity), as the Swift `Graph.resize` does.
"""
import math
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class RANetConfig:
    """The fields of the Swift `RANetConfig` (same names and defaults)."""
    nChannels: int
    growthRate: int
    grFactor: list
    bnFactor: list
    scaleList: list
    nBlocks: int
    blockStep: int
    step: int
    stepMode: str
    classes: int
    input: list = field(default_factory=lambda: [3, 32, 32])  # C, H, W
    stem: str = "cifar"  # or "imagenet"
    compressFactor: float = 0.25
    reduction: float = 0.5

    def blocks(self, h):
        """Blocks of sub-network h (0 for h = -1)."""
        return 0 if h < 0 else self.nBlocks + h * self.blockStep

    def layers(self, k):
        """Layers of block k (1-based)."""
        return k * self.step if self.stepMode == "lg" else self.step


def resize(x, h, w):
    # Lean: the reference always calls F.interpolate; to the same size with align_corners=True that is an identity.
    if x.shape[-2] == h and x.shape[-1] == w:
        return x
    return F.interpolate(x, size=(h, w), mode="bilinear", align_corners=True)


class ConvBasic(nn.Module):
    """conv (no bias) -> BN -> ReLU; names `net.{0,1}`."""
    def __init__(self, cin, cout, kernel, stride):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(cin, cout, kernel, stride, kernel // 2, bias=False),
                                 nn.BatchNorm2d(cout), nn.ReLU(inplace=True))

    def forward(self, x):
        return self.net(x)


class BottleneckConv(nn.Module):
    """1x1 to min(in, width*out) -> BN -> ReLU -> 3x3 (stride 1|2) -> BN -> ReLU; names `net.{0,1,3,4}`."""
    def __init__(self, cin, cout, width, stride=1):
        super().__init__()
        mid = min(cin, width * cout)
        self.net = nn.Sequential(nn.Conv2d(cin, mid, 1, bias=False), nn.BatchNorm2d(mid), nn.ReLU(inplace=True),
                                 nn.Conv2d(mid, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout),
                                 nn.ReLU(inplace=True))

    def forward(self, x):
        return self.net(x)


class DenseLayer(nn.Module):
    """y = concat[x, BC(x -> g)] (the reference's ConvNormal)."""
    def __init__(self, cin, growth, width):
        super().__init__()
        self.conv_normal = BottleneckConv(cin, growth, width)

    def forward(self, x):
        return torch.cat([x, self.conv_normal(x)], 1)


class FusionLayer(nn.Module):
    """y = concat[resize(x), resize(BC(low -> u)), BC(x -> g-u, stride 1|2)] (the reference's ConvUpNormal)."""
    def __init__(self, cin, cin_low, growth, compress, width, width_low, down):
        super().__init__()
        u = math.floor(growth * compress)
        self.conv_up = BottleneckConv(cin_low, u, width_low)
        self.conv_normal = BottleneckConv(cin, growth - u, width, stride=2 if down else 1)

    def forward(self, x, low):
        r = self.conv_normal(x)
        h, w = r.shape[-2:]
        return torch.cat([resize(x, h, w), resize(self.conv_up(low), h, w), r], 1)


class Block(nn.Module):
    """A dense block (`low_channels` None) or a fusion block, then an optional transition.

    forward returns (output, cumulative outputs: the input and each layer's output), the latter for the next
    sub-network; they exclude the fusion block's closing concat and the transition."""
    def __init__(self, cin, n_layers, growth, width, trans, reduction,
                 low_channels=None, compress=0.25, width_low=1, down=False):
        super().__init__()
        self.fusion = low_channels is not None
        if self.fusion:
            # Only the last layer may be the stride-2 ("down") variant.
            self.layers = nn.ModuleList(
                FusionLayer(cin + i * growth, low_channels[i], growth, compress, width, width_low,
                            down and i == n_layers - 1) for i in range(n_layers))
        else:
            self.layers = nn.ModuleList(DenseLayer(cin + i * growth, growth, width) for i in range(n_layers))
        c = cin + n_layers * growth
        self.cumulative_channels = [cin + i * growth for i in range(n_layers + 1)]
        if self.fusion:
            extra = math.floor(c * compress)
            self.conv_last = ConvBasic(low_channels[n_layers], extra, 1, 1)
            c += extra
        self.trans = ConvBasic(c, math.floor(reduction * c), 1, 1) if trans else None
        self.out_channels = self.trans.net[0].out_channels if trans else c

    def forward(self, x, lows=None):
        outputs = [x]
        for i, layer in enumerate(self.layers):
            x = layer(x, lows[i]) if self.fusion else layer(x)
            outputs.append(x)
        if self.fusion:
            x = torch.cat([x, resize(self.conv_last(lows[-1]), x.shape[-2], x.shape[-1])], 1)
        if self.trans is not None:
            x = self.trans(x)
        return x, outputs


class FirstLayer(nn.Module):
    """The stem, built highest resolution first; forward returns the base features lowest resolution first."""
    def __init__(self, cfg):
        super().__init__()
        S, nC, gr = len(cfg.scaleList), cfg.nChannels, cfg.grFactor
        top = nC * gr[S - 1]
        # The reference hard-codes 3 input channels; like the Swift engine we take them from cfg.input.
        if cfg.stem == "imagenet":
            first = nn.Sequential(nn.Conv2d(cfg.input[0], top, 7, 2, 3), nn.BatchNorm2d(top), nn.ReLU(inplace=True),
                                  nn.MaxPool2d(3, 2, 1))
        else:
            first = ConvBasic(cfg.input[0], top, 3, 1)
        self.layers = nn.ModuleList([first])
        for h in range(S - 2, -1, -1):
            stride = 1 if cfg.scaleList[h] == cfg.scaleList[h + 1] else 2
            self.layers.append(ConvBasic(nC * gr[h + 1], nC * gr[h], 3, stride))

    def forward(self, x):
        features = []
        for layer in self.layers:
            x = layer(x)
            features.append(x)
        return features[::-1]


class Classifier(nn.Module):
    """Two stride-2 ConvBasics, 2x2 average pooling, a linear layer (128 channels, or `in` for ImageNet)."""
    def __init__(self, cin, classes, imagenet):
        super().__init__()
        inner = cin if imagenet else 128
        self.m = nn.Sequential(ConvBasic(cin, inner, 3, 2), ConvBasic(inner, inner, 3, 2), nn.AvgPool2d(2))
        self.linear = nn.Linear(inner, classes)

    def forward(self, x):
        return self.linear(self.m(x).flatten(1))


class RANet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        S = len(cfg.scaleList)
        # Registration order as the reference (scale_flows, classifier, FirstLayer), so state_dicts list alike.
        self.scale_flows = nn.ModuleList()
        self.classifier = nn.ModuleList()
        exit_channels = []
        low_channels = None  # cumulative channels of each block of sub-network h-1
        for h in range(S):
            flow = nn.ModuleList()
            c = cfg.nChannels * cfg.grFactor[h]
            growth = cfg.growthRate * cfg.grFactor[h]
            bh, b_prev, scale = cfg.blocks(h), cfg.blocks(h - 1), cfg.scaleList[h]
            # A fusion block k is "down" iff k is among the last (scale-1) entries of [0, b_0, ..., b_{h-1}]
            # (none when scale == 1; the reference's `[-0:]` slice would take the whole list there).
            ends = [cfg.blocks(j) for j in range(-1, h)]
            down_blocks = set(ends[max(len(ends) - (scale - 1), 0):]) if scale > 1 else set()
            for k in range(1, bh + 1):
                trans = any(k == j * bh // scale for j in range(1, scale))
                if k <= b_prev:
                    block = Block(c, cfg.layers(k), growth, cfg.bnFactor[h], trans, cfg.reduction,
                                  low_channels=low_channels[k - 1], compress=cfg.compressFactor,
                                  width_low=cfg.bnFactor[h - 1], down=k in down_blocks)
                else:
                    block = Block(c, cfg.layers(k), growth, cfg.bnFactor[h], trans, cfg.reduction)
                    exit_channels.append(block.out_channels)
                flow.append(block)
                c = block.out_channels
            low_channels = [b.cumulative_channels for b in flow]
            self.scale_flows.append(flow)
        for c in exit_channels:
            self.classifier.append(Classifier(c, cfg.classes, cfg.stem == "imagenet"))
        self.FirstLayer = FirstLayer(cfg)
        # The reference re-initialises sub-networks and classifiers only; the stem keeps PyTorch's default init.
        for m in list(self.scale_flows.modules()) + list(self.classifier.modules()):
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, 0, math.sqrt(2.0 / (m.kernel_size[0] * m.kernel_size[1] * m.out_channels)))
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)

    def forward(self, x):
        """Returns the logits of every exit, in exit order (sub-network 0 first)."""
        bases = self.FirstLayer(x)
        logits, lows, e = [], None, 0
        for h, flow in enumerate(self.scale_flows):
            x, cumulative = bases[h], []
            for j, block in enumerate(flow):
                x, outputs = block(x, lows[j] if block.fusion else None)
                cumulative.append(outputs)
                if not block.fusion:  # every dense block ends in an exit
                    logits.append(self.classifier[e](x))
                    e += 1
            lows = cumulative
        return logits

