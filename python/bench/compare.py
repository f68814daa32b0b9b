"""Side-by-side speed of the Swift engine (`ranet bench`), the lean PyTorch models (`torch_bench.py`) and ONNX Runtime
on those models (`ort_bench.py`).

For every preset, mode and thread count, runs the engines alternately `--repeats` times (so machine noise hits all
alike), takes each engine's median images/s and prints them with the ratios ranet / PyTorch and ranet / ONNX Runtime
(ONNX Runtime only infers: eval and latency rows), each against the goal of docs/performance.md (training >= 3x
PyTorch, inference >= 2x ONNX Runtime), the fraction of the FP32 peak ranet reaches and the fraction the goal would
need (the peer's speed times the goal ratio, over the same peak), peak RSS and the load
average while the row ran. A header names the machine, OpenBLAS's kernel, the versions and the date; a Markdown copy
of the table follows. `ranet bench` runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset, as `make bench` does.
Example: python3 compare.py --presets fmnist-small --threads 1 2 --repeats 3
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RANET = HERE.parents[1] / ".build/release/ranet"
PRESETS = ["fmnist-small", "cifar10-paper", "fmnist-msdnet", "cifar10-anytime"]
# Goals of issue 24 (docs/performance.md#against-pytorch-and-onnx-runtime).
TRAIN_GOAL_VS_TORCH = 3.0
INFER_GOAL_VS_ORT = 2.0
# FP32 FLOP per cycle and core: two FMA units of 16 (AVX-512) or 8 (AVX2) lanes, 2 FLOPs each (a Zen 5 core at
# ~4.2 GHz: ~265 GFLOP/s, ../shared/spec/PERF_NOTES.md).
FLOP_PER_CYCLE = {"avx512f": 64, "avx2": 32}


def run(command, env):
    out = subprocess.run(command, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({out.returncode}):\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def load():
    return os.getloadavg()[0]


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def cpu_peak():
    """(GFLOP/s per core, how it was derived): FLOP/cycle from the CPU's vector flags x the clock /proc/cpuinfo
    reports (a VM may report its nominal clock, below the boost clock: then the fraction of peak reads high)."""
    try:
        info = Path("/proc/cpuinfo").read_text()
        flags = next(l for l in info.splitlines() if l.startswith("flags")).split()
        mhz = float(next(l for l in info.splitlines() if l.startswith("cpu MHz")).split(":")[1])
    except (OSError, StopIteration, ValueError):
        return None, "unknown (pass --peak-gflops)"
    per_cycle = next((n for flag, n in FLOP_PER_CYCLE.items() if flag in flags and "fma" in flags), 16)
    return per_cycle * mhz / 1e3, f"{per_cycle} FLOP/cycle x {mhz:.0f} MHz from /proc/cpuinfo"


def version(module):
    try:
        return __import__(module).__version__
    except ImportError:
        return None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--presets", nargs="+", default=PRESETS)
    p.add_argument("--modes", nargs="+", choices=["train", "eval", "latency"], default=["train", "eval", "latency"])
    p.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--seconds", type=float, default=3)
    p.add_argument("--engines", nargs="+", choices=["torch", "ort"], default=["torch", "ort"],
                   help="engines beside ranet (a missing pip package drops its engine with a note)")
    p.add_argument("--peak-gflops", type=float,
                   help="FP32 peak GFLOP/s of one core, for the fractions of peak (default: from the "
                        "CPU's vector flags and clock)")
    p.add_argument("--ranet", type=Path, default=RANET, help="the ranet binary to measure (default: the release build)")
    a = p.parse_args()
    ranet = a.ranet
    if not ranet.exists():
        sys.exit(f"{ranet} not found: build it first with `swift build -c release`")
    engines = []
    for engine, module in (("torch", "torch"), ("ort", "onnxruntime")):
        if engine in a.engines:
            if version(module) is None:
                print(f"note: {module} is not installed (pip install {module}); its column stays empty")
            else:
                engines.append(engine)
    if "ort" in engines and version("onnx") is None:
        print("note: onnx is not installed (pip install onnx), needed to export for ONNX Runtime; its column stays empty")
        engines.remove("ort")
    peak, peak_source = (a.peak_gflops, "--peak-gflops") if a.peak_gflops else cpu_peak()
    ranet_env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    probe = run([str(ranet), "bench", "--preset", a.presets[0], "--mode", "latency", "--seconds", "0", "--json"],
                ranet_env)
    print(f"date {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; {cpu_model()}, "
          f"{os.cpu_count()} logical CPUs; OpenBLAS kernel {probe['corename']}, engine code {probe['codeTarget']}; "
          f"PyTorch {version('torch')}, ONNX Runtime {version('onnxruntime')}; load average {load():.1f}; "
          f"{a.repeats} alternating repeats of {a.seconds:g} s, medians (images/s); "
          f"FP32 peak {cell(peak)} GFLOP/s per thread ({peak_source})")
    flops = {}
    for preset in a.presets:
        cost = run([str(ranet), "flops", preset, "--json"], ranet_env)
        flops[preset] = cost["cumulativeFlops"][-1]  # all exits computed: the last exit's cumulative count
    header = (f"{'preset':15} {'mode':7} {'thr':>3} {'ranet':>9} {'PyTorch':>9} {'ORT':>9} {'vs torch':>9} "
              f"{'vs ORT':>8} {'peak':>6} {'needs':>6} {'RSS ranet/torch/ORT MB':>23} {'load':>5}")
    print(header)
    rows = []
    for preset in a.presets:
        for mode in a.modes:
            for threads in a.threads:
                common = ["--preset", preset, "--mode", mode, "--threads", str(threads), "--seconds", str(a.seconds),
                          "--json"]
                commands = {"ranet": ([str(ranet), "bench"] + common, ranet_env)}
                if "torch" in engines:
                    commands["torch"] = ([sys.executable, str(HERE / "torch_bench.py")] + common, dict(os.environ))
                if "ort" in engines and mode != "train":
                    commands["ort"] = ([sys.executable, str(HERE / "ort_bench.py")] + common, dict(os.environ))
                results = {name: [] for name in commands}
                loads = [load()]
                for _ in range(a.repeats):
                    for name, (command, env) in commands.items():
                        results[name].append(run(command, env))
                    loads.append(load())
                med = {name: statistics.median(r["imagesPerSecond"] for r in rs) for name, rs in results.items()}
                rss = {name: max(r["peakRSSMB"] for r in rs) for name, rs in results.items()}
                row = {"preset": preset, "mode": mode, "threads": threads, "batchSize": results["ranet"][0]["batchSize"],
                       "imagesPerSecond": med, "peakRSSMB": rss, "load": statistics.median(loads)}
                if "torch" in med:
                    row["vsTorch"] = med["ranet"] / med["torch"]
                if "ort" in med:
                    row["vsORT"] = med["ranet"] / med["ort"]
                if peak:
                    # multiply-adds x 2 FLOPs; training: forward + backward (input and weight gradients) = 3x forward.
                    per_image = flops[preset] * 2 * (3 if mode == "train" else 1) / 1e9
                    row["peakFraction"] = med["ranet"] * per_image / (peak * threads)
                    peer, goal = ("torch", TRAIN_GOAL_VS_TORCH) if mode == "train" else ("ort", INFER_GOAL_VS_ORT)
                    if peer in med:
                        # What the goal asks of ranet in the same unit: above 100% of the reported clock's peak, no
                        # kernel gets there at these multiply-adds.
                        row["goalFraction"] = goal * med[peer] * per_image / (peak * threads)
                rows.append(row)
                print(format_row(row), flush=True)
    print()
    print(markdown(rows))
    misses = [r for r in rows if not goal_met(r)]
    print(f"\ngoals met in {len(rows) - len(misses)} of {len(rows)} rows"
          + (": missed " + ", ".join(f"{r['preset']} {r['mode']} {r['threads']}t" for r in misses) if misses else ""))


def goal_met(row):
    if row["mode"] == "train":
        return row.get("vsTorch", 0) >= TRAIN_GOAL_VS_TORCH
    return row.get("vsORT", 0) >= INFER_GOAL_VS_ORT


def cell(value, digits=1):
    return "-" if value is None else f"{value:.{digits}f}"


def format_row(r):
    med, rss = r["imagesPerSecond"], r["peakRSSMB"]
    mark = "ok" if goal_met(r) else "MISS"
    vs_torch = cell(r.get("vsTorch"), 2) + ("x" if "vsTorch" in r else "")
    vs_ort = cell(r.get("vsORT"), 2) + ("x" if "vsORT" in r else "")
    rss_text = "/".join(cell(rss.get(e), 0) for e in ("ranet", "torch", "ort"))
    return (f"{r['preset']:15} {r['mode']:7} {r['threads']:>3} {cell(med['ranet']):>9} {cell(med.get('torch')):>9} "
            f"{cell(med.get('ort')):>9} {vs_torch:>9} {vs_ort:>8} "
            f"{percent(r, 'peakFraction'):>6} {percent(r, 'goalFraction'):>6} {rss_text:>23} "
            f"{r['load']:5.1f}  {mark}")


def percent(row, key):
    return cell(row[key] * 100, 1) + "%" if key in row else "-"


def markdown(rows):
    lines = ["| preset, mode (batch) | threads | ranet | PyTorch | ONNX Runtime | ranet / PyTorch | ranet / ORT | "
             "FP32 peak | goal needs | goal | load |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        med = r["imagesPerSecond"]
        goal = ("3x PyTorch" if r["mode"] == "train" else "2x ORT") + (" met" if goal_met(r) else " **missed**")
        lines.append(
            f"| {r['preset']} {r['mode']} ({r['batchSize']}) | {r['threads']} | {cell(med['ranet'])} | "
            f"{cell(med.get('torch'))} | {cell(med.get('ort'))} | {cell(r.get('vsTorch'), 2)} | "
            f"{cell(r.get('vsORT'), 2)} | {percent(r, 'peakFraction')} | {percent(r, 'goalFraction')} | "
            f"{goal} | {r['load']:.1f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
