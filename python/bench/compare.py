"""Side-by-side speed of the Swift engine (`ranet bench`) and the lean PyTorch RANet (`torch_bench.py`).

For every preset, mode and thread count, runs the two alternately `--repeats` times (so machine noise hits both
alike), takes each engine's median images/s and prints them with the ratio ranet / PyTorch, plus both peak RSS
figures and OpenBLAS's kernel. `ranet bench` runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset, as `make bench`
does. Example: python3 compare.py --presets fmnist-small --threads 1 2 --repeats 3
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RANET = HERE.parents[1] / ".build/release/ranet"


def run(command, env):
    out = subprocess.run(command, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({out.returncode}):\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--presets", nargs="+", default=["fmnist-small", "cifar10-paper"])
    p.add_argument("--modes", nargs="+", default=["train", "eval", "latency"])
    p.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--seconds", type=float, default=5)
    a = p.parse_args()
    if not RANET.exists():
        sys.exit(f"{RANET} not found: build it first with `swift build -c release`")
    ranet_env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    print(f"{'preset':14} {'mode':8} {'thr':>3} {'ranet img/s':>12} {'torch img/s':>12} {'ratio':>6} "
          f"{'ranet RSS':>10} {'torch RSS':>10}  BLAS")
    for preset in a.presets:
        for mode in a.modes:
            for threads in a.threads:
                common = ["--preset", preset, "--mode", mode, "--threads", str(threads), "--seconds", str(a.seconds),
                          "--json"]
                ours, theirs = [], []
                for _ in range(a.repeats):
                    ours.append(run([str(RANET), "bench"] + common, ranet_env))
                    theirs.append(run([sys.executable, str(HERE / "torch_bench.py")] + common, dict(os.environ)))
                r = statistics.median(o["imagesPerSecond"] for o in ours)
                t = statistics.median(o["imagesPerSecond"] for o in theirs)
                print(f"{preset:14} {mode:8} {threads:>3} {r:12.1f} {t:12.1f} {r / t:6.2f} "
                      f"{max(o['peakRSSMB'] for o in ours):8.0f}MB {max(o['peakRSSMB'] for o in theirs):8.0f}MB  "
                      f"{ours[0]['corename']}, {ours[0].get('codeTarget', '?')}", flush=True)


if __name__ == "__main__":
    main()
