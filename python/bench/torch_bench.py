"""Throughput of the lean PyTorch RANet or MSDNet on random input, measured like `ranet bench`.

train: forward through all exits + sum of per-exit cross-entropies + backward + SGD step (train mode);
eval: forward through all exits under inference_mode (eval mode); latency: eval at batch 1.
"""
import argparse
import json

import torch
import torch.nn.functional as F

from timing import median_images_per_second, peak_rss_mb
from torch_msdnet import MSDNet, MSDNetConfig
from torch_ranet import RANet, RANetConfig

# Copies of the Swift presets (Sources/AdaptiveNets/RANet/RANetPresets.swift).
PRESETS = {
    "fmnist-small": RANetConfig(nChannels=16, growthRate=6, grFactor=[4, 2, 1], bnFactor=[4, 2, 1],
                                scaleList=[1, 2, 3], nBlocks=2, blockStep=2, step=2, stepMode="even",
                                classes=10, input=[1, 28, 28]),
    "cifar10-paper": RANetConfig(nChannels=16, growthRate=6, grFactor=[4, 2, 1, 1], bnFactor=[4, 2, 1, 1],
                                 scaleList=[1, 2, 3, 3], nBlocks=2, blockStep=2, step=4, stepMode="even",
                                 classes=10, input=[3, 32, 32]),
}

# Copies of the Swift MSDNet presets (Sources/ModelConfigs/MSDNetPresets.swift: the README's CIFAR settings).
MSDNET_PRESETS = {
    "fmnist-msdnet": MSDNetConfig(nBlocks=5, stepMode="even", step=2, base=2, nChannels=16, growthRate=6,
                                  grFactor=[1, 2, 4], bnFactor=[1, 2, 4], classes=10, input=[1, 28, 28]),
    "cifar10-anytime": MSDNetConfig(nBlocks=7, stepMode="even", step=2, base=4, nChannels=16, growthRate=6,
                                    grFactor=[1, 2, 4], bnFactor=[1, 2, 4], classes=10, input=[3, 32, 32]),
}
ALL_PRESETS = sorted(PRESETS) + sorted(MSDNET_PRESETS)


def build(preset):
    """The lean model of a preset (RANet or MSDNet) and its config."""
    if preset in MSDNET_PRESETS:
        return MSDNet(MSDNET_PRESETS[preset]), MSDNET_PRESETS[preset]
    return RANet(PRESETS[preset]), PRESETS[preset]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", choices=ALL_PRESETS, default="fmnist-small")
    p.add_argument("--mode", choices=["train", "eval", "latency"], default="train")
    p.add_argument("--batch-size", type=int, default=64, help="images per batch (latency: 1)")
    p.add_argument("--threads", type=int, default=torch.get_num_threads())
    p.add_argument("--seconds", type=float, default=5.0, help="seconds to measure (at least 3 steps)")
    p.add_argument("--json", action="store_true", help="print one JSON line")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)  # only intra-op threads, like the Swift engine's thread count
    torch.manual_seed(1)
    model, cfg = build(a.preset)
    batch = 1 if a.mode == "latency" else a.batch_size
    if a.mode == "train" and batch < 2:
        p.error("--batch-size must be at least 2 for training (BatchNorm batch statistics)")
    x = torch.randn(batch, *cfg.input)
    y = torch.arange(batch) % cfg.classes  # labels as `ranet bench` makes them
    if a.mode == "train":
        model.train()
        # lr as `ranet bench` (it does not affect speed); momentum and weight decay as the paper.
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)

        def step():
            opt.zero_grad(set_to_none=True)
            loss = sum(F.cross_entropy(out, y) for out in model(x))
            loss.backward()
            opt.step()
    else:
        model.eval()

        def step():
            with torch.inference_mode():
                model(x)

    median, steps = median_images_per_second(step, batch, a.seconds)
    peak_mb = peak_rss_mb()
    threads = torch.get_num_threads()
    if a.json:
        print(json.dumps({"preset": a.preset, "mode": a.mode, "batchSize": batch, "threads": threads,
                          "imagesPerSecond": median, "peakRSSMB": peak_mb, "engine": "pytorch-lean",
                          "torch": torch.__version__}))
    else:
        print(f"{a.preset} {a.mode} batch {batch}, {threads} thread(s), PyTorch {torch.__version__} (lean): "
              f"{median:.1f} images/s (median of {steps} steps; {batch / median * 1000:.2f} ms/step), "
              f"peak RSS {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
