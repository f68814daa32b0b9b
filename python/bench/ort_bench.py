"""Inference throughput of ONNX Runtime (CPU execution provider) on the lean PyTorch models, measured like `ranet bench`.

The lean RANet or MSDNet of `torch_bench.py` (eval mode) is exported with `torch.onnx.export`, every exit's logits an
output, at a fixed batch size (static shapes let ONNX Runtime plan every kernel once), then run by `onnxruntime` with
all graph optimisations (`ORT_ENABLE_ALL`: batch norm folded into the convs, conv+ReLU fused, ...),
`intra_op_num_threads` = --threads, one inter-op thread and sequential execution. eval: batch 64; latency: batch 1.
The exported model is cached under $RANET_ORT_CACHE (default: the system temp dir), keyed by preset, batch size and
a hash of the model code.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from timing import median_images_per_second, peak_rss_mb

CACHE = Path(os.environ.get("RANET_ORT_CACHE", Path(tempfile.gettempdir()) / "ranet-ort-models"))


def model_path(preset, batch):
    """The cached model's path; its name carries a hash of the model code, so an edited model is exported again."""
    digest = hashlib.sha1()
    for name in ("torch_ranet.py", "torch_msdnet.py", "torch_bench.py"):
        digest.update((Path(__file__).parent / name).read_bytes())
    return CACHE / f"{preset}-b{batch}-{digest.hexdigest()[:10]}.onnx"


def export(preset, batch):
    """Exports the lean model of `preset` at `batch` to `model_path` (run in a child process, so torch's memory does
    not count in the measuring process's peak RSS)."""
    import torch
    from torch_bench import build
    CACHE.mkdir(parents=True, exist_ok=True)
    path = model_path(preset, batch)
    torch.manual_seed(1)
    model, cfg = build(preset)
    model.eval()
    x = torch.randn(batch, *cfg.input)
    outputs = [f"logits_{k}" for k in range(len(model(x)))]
    partial = path.with_suffix(".partial")
    with torch.inference_mode(False), torch.no_grad():
        torch.onnx.export(model, (x,), str(partial), input_names=["images"], output_names=outputs,
                          opset_version=17, do_constant_folding=True, dynamo=False)
    partial.replace(path)  # atomically: a half-written model is never picked up


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="fmnist-small", help="a preset of torch_bench.py")
    p.add_argument("--mode", choices=["eval", "latency"], default="eval")
    p.add_argument("--batch-size", type=int, default=64, help="images per batch (latency: 1)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seconds", type=float, default=5.0, help="seconds to measure (at least 3 steps)")
    p.add_argument("--json", action="store_true", help="print one JSON line")
    p.add_argument("--export-only", action="store_true", help="only export the model (used internally)")
    p.add_argument("--refresh", action="store_true", help="export again even if the model is cached")
    a = p.parse_args()
    batch = 1 if a.mode == "latency" else a.batch_size
    if a.export_only:
        export(a.preset, batch)
        return
    path = model_path(a.preset, batch)
    if a.refresh or not path.exists():
        subprocess.run([sys.executable, __file__, "--export-only", "--preset", a.preset, "--mode", a.mode,
                        "--batch-size", str(batch)], check=True)

    import onnxruntime as ort
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = a.threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    shape = session.get_inputs()[0].shape
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    outputs = [o.name for o in session.get_outputs()]

    def step():
        session.run(outputs, {"images": x})

    median, steps = median_images_per_second(step, batch, a.seconds)
    peak_mb = peak_rss_mb()
    if a.json:
        print(json.dumps({"preset": a.preset, "mode": a.mode, "batchSize": batch, "threads": a.threads,
                          "imagesPerSecond": median, "peakRSSMB": peak_mb, "engine": "onnxruntime",
                          "onnxruntime": ort.__version__, "exits": len(outputs)}))
    else:
        print(f"{a.preset} {a.mode} batch {batch}, {a.threads} thread(s), ONNX Runtime {ort.__version__} "
              f"({len(outputs)} exits): {median:.1f} images/s (median of {steps} steps; "
              f"{batch / median * 1000:.2f} ms/step), peak RSS {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
