"""Checks the lean PyTorch RANet and MSDNet against the references before they are used for timing.

1. Test-vector sets S (RANet) and MS (MSDNet; reference PyTorch code): weights load strictly, eval and train logits, loss, gradients,
   BN running stats after one train forward, parameters after one SGD step, and eval logits after that step.
2. Parameter counts and exit input shapes of the benchmark presets (both families) against
   `ranet flops <preset> --json`.
Exit status 1 if anything is off.
"""
import os
import json
import subprocess
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import load_file

from torch_bench import MSDNET_PRESETS, PRESETS, build
from torch_msdnet import MSDNet, MSDNetConfig
from torch_ranet import RANet, RANetConfig

# The reference vectors sit in ../shared next to the repository (override with RANET_VECTORS, the directory of set S;
# set MS is its sibling).
VECTORS = Path(os.environ.get("RANET_VECTORS", Path(__file__).resolve().parents[3] / "shared/vectors/S"))
VECTORS_MS = VECTORS.parent / "MS"
RANET_BIN = Path(__file__).resolve().parents[2] / ".build/release/ranet"
LOGIT_TOL = 1e-4
ok = True


def report(name, diff, tol):
    global ok
    good = diff < tol
    ok &= good
    print(f"  {name:<34} max |diff| {diff:.3e}  (tol {tol:g})  {'ok' if good else 'FAIL'}")


def max_diff(a, b):
    return (a - b).abs().max().item()


def config_from_reference_args(args, input_nchw):
    """The reference's argparse fields -> RANetConfig (as the Swift ModelFactory maps them)."""
    data = args.get("data", "cifar10").lower()
    return RANetConfig(nChannels=args["nChannels"], growthRate=args["growthRate"], grFactor=args["grFactor"],
                       bnFactor=args["bnFactor"], scaleList=args["scale_list"], nBlocks=args["nBlocks"],
                       blockStep=args["block_step"], step=args["step"], stepMode=args["stepmode"],
                       classes=args["num_classes"], stem="cifar" if data.startswith("cifar") else "imagenet",
                       input=input_nchw[1:], compressFactor=args["compress_factor"], reduction=args["reduction"])


def msdnet_config_from_reference_args(args, input_nchw):
    """The official MSDNet argparse fields -> MSDNetConfig (as the Swift ModelFactory maps them)."""
    data = args.get("data", "cifar10").lower()
    return MSDNetConfig(nBlocks=args["nBlocks"], stepMode=args["stepmode"], step=args["step"], base=args["base"],
                        nChannels=args["nChannels"], growthRate=args["growthRate"], grFactor=args["grFactor"],
                        bnFactor=args["bnFactor"], classes=args["num_classes"], input=input_nchw[1:],
                        reduction=args["reduction"], bottleneck=args["bottleneck"],
                        stem="cifar" if data.startswith("cifar") else "imagenet")


def check_vectors(directory, make_model):
    with safe_open(str(directory / "io.safetensors"), "pt") as f:
        meta = f.metadata()
    io = load_file(str(directory / "io.safetensors"))
    weights = load_file(str(directory / "weights.safetensors"))
    model = make_model(json.loads(meta["args"]), json.loads(meta["input_shape_NCHW"]))
    print(f"set {directory.name}: {model.cfg}")
    # The file omits the BN counters num_batches_tracked (unused with momentum 0.1); take ours, then load
    # strictly so every other name and shape must match exactly.
    state = model.state_dict()
    weights.update({k: v for k, v in state.items() if k.endswith("num_batches_tracked")})
    model.load_state_dict(weights, strict=True)
    n_params = sum(p.numel() for p in model.parameters())
    ref_params = json.loads(meta["cum_params"])[-1]
    print(f"  parameters: ours {n_params:,}  reference {ref_params:,}  {'ok' if n_params == ref_params else 'FAIL'}")
    global ok
    ok &= n_params == ref_params
    exits = int(meta["num_exits"])
    x, y = io["x"], io["y"].long()

    model.eval()
    with torch.no_grad():
        out = model(x)
    ok &= len(out) == exits
    report("logits, eval mode", max(max_diff(o, io[f"logits_eval.{k}"]) for k, o in enumerate(out)), LOGIT_TOL)

    model.train()
    out = model(x)
    report("logits, train mode", max(max_diff(o, io[f"logits_train.{k}"]) for k, o in enumerate(out)), LOGIT_TOL)
    loss = sum(F.cross_entropy(o, y) for o in out)
    report("loss (sum over exits)", abs(loss.item() - io["loss"].item()), LOGIT_TOL)
    report("BN running stats after forward",
           max(max_diff(b, io[f"after_forward.{n}"]) for n, b in model.named_buffers() if "running" in n), 1e-4)
    loss.backward()
    # Gradients scale with the weights; compare relative to each tensor's largest gradient.
    grads = {n: p.grad for n, p in model.named_parameters()}
    report("gradients (relative to max |g|)",
           max(max_diff(g, io[f"grad.{n}"]) / max(io[f"grad.{n}"].abs().max().item(), 1e-6) for n, g in grads.items()),
           1e-3)
    torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4).step()
    report("parameters after one SGD step",
           max(max_diff(p.detach(), io[f"after_step.{n}"]) for n, p in model.named_parameters()), 1e-4)
    model.eval()
    with torch.no_grad():
        out = model(x)
    report("logits, eval mode after the step",
           max(max_diff(o, io[f"logits_eval_after.{k}"]) for k, o in enumerate(out)), LOGIT_TOL)


def check_presets():
    global ok
    print("presets vs `ranet flops --json` (parameters = last cumulative value = whole model):")
    for name in list(PRESETS) + list(MSDNET_PRESETS):
        model, cfg = build(name)
        model.eval()
        ours = sum(p.numel() for p in model.parameters())
        flops = json.loads(subprocess.run([str(RANET_BIN), "flops", name, "--json"], check=True,
                                          capture_output=True, text=True).stdout)
        swift = flops["cumulativeParams"][-1]
        # Also the feature shape entering each exit (one batch-1 forward), a check of the whole layout.
        shapes = []
        for c in model.classifier:
            # RANet's classifiers take a tensor, MSDNet's the feature list (they read its coarsest scale).
            c.register_forward_pre_hook(
                lambda m, inp: shapes.append(list((inp[0] if torch.is_tensor(inp[0]) else inp[0][-1]).shape[1:])))
        with torch.inference_mode():
            model(torch.zeros(1, *cfg.input))
        good = ours == swift and shapes == flops["classifierInput"]
        ok &= good
        print(f"  {name:<14} pytorch {ours:>10,}  swift {swift:>10,}  exit input shapes "
              f"{'equal' if shapes == flops['classifierInput'] else f'DIFFER {shapes}'}  {'ok' if good else 'FAIL'}")


if __name__ == "__main__":
    torch.set_num_threads(1)  # tiny work; leave the cores alone
    check_vectors(VECTORS, lambda args, shape: RANet(config_from_reference_args(args, shape)))
    check_vectors(VECTORS_MS, lambda args, shape: MSDNet(msdnet_config_from_reference_args(args, shape)))
    check_presets()
    print("PARITY OK" if ok else "PARITY FAILED")
    sys.exit(0 if ok else 1)
