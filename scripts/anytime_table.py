#!/usr/bin/env python3
"""The anytime table of evaluated runs side by side, as Markdown: test accuracy per exit with cumulative MFLOPs, then
the budgeted test accuracy (maxprob, thresholds solved on validation by `ranet sweep --budget`) at shares of each
run's last-exit FLOPs. Reads the store through the CLI only.

    scripts/anytime_table.py --store my.sqlite 1:RANet 3:"RANet GE" 5:"RANet IMTA"
    scripts/anytime_table.py       # every run of the default store (from a clone: the bundled sample, read via a copy)
"""
import argparse
import json
import subprocess
import sys


def ranet(binary, *arguments):
    done = subprocess.run([binary, *arguments], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{binary} {' '.join(arguments)} failed: {done.stderr.strip()}")
    return json.loads(done.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="*", help="RUN or RUN:LABEL (default: every run of the store)")
    parser.add_argument("--store", help="experiment store (default: as ranet's)")
    parser.add_argument("--ranet", default=".build/release/ranet")
    parser.add_argument("--shares", default="25,50,75", help="budgets in percent of each run's last-exit FLOPs")
    args = parser.parse_args()
    store = ["--store", args.store] if args.store else []
    stored = {str(r["id"]): r["name"] for r in ranet(args.ranet, "runs", "--json", *store)}
    entries = [(e.split(":", 1) + [None])[:2] for e in args.runs] or [[r, None] for r in stored]
    columns = []
    for run, label in entries:
        if run not in stored:
            sys.exit(f"no run {run} in the store (runs: {', '.join(stored)})")
        evaluations = ranet(args.ranet, "export", "--run", run, "--what", "evaluations", "--format", "json", *store)
        tests = [e["evaluation"] for e in evaluations if e["evaluation"]["split"] == "test"]
        if not tests:
            sys.exit(f"run {run} has no test evaluation: ranet eval --run {run} --split both")
        columns.append((run, label or stored[run], tests[-1]))

    print("| exit | " + " | ".join(f"{label} (run {run})" for run, label, _ in columns) + " |")
    print("|---:|" + "---:|" * len(columns))
    for k in range(max(len(t["exitAccuracy"]) for _, _, t in columns)):
        cells = [f"{100 * t['exitAccuracy'][k]:.2f}% @ {t['exitFLOPs'][k] / 1e6:.2f} MF"
                 if k < len(t["exitAccuracy"]) else "" for _, _, t in columns]
        print(f"| {k} | " + " | ".join(cells) + " |")
    for share in (int(s) for s in args.shares.split(",")):
        cells = []
        for run, _, test in columns:
            budget = test["exitFLOPs"][-1] * share / 100 / 1e6
            result = ranet(args.ranet, "sweep", "--run", run, "--budget", f"{budget:.4f}", "--json", *store)
            cells.append(f"{100 * result['accuracy']:.2f}% @ {result['averageFlops'] / 1e6:.2f} MF")
        print(f"| budget {share}% | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
