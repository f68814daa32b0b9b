#!/usr/bin/env bash
# The IMTA comparison of issue 22 (docs/models.md#improved-training-imta): fmnist-small (RANet) and fmnist-msdnet
# (MSDNet), each trained (a) plainly, (b) with Gradient Equilibrium, (c) IMTA stage 2 over (b); same seed, split and
# recipe for all six. Prints the anytime table (test accuracy per exit, cumulative MFLOPs) of all six side by side and
# the budgeted test accuracy at 25%, 50% and 75% of each run's last-exit FLOPs (thresholds solved on validation).
#
#   scripts/imta-comparison.sh                       # the full version: 20 epochs each, release build (hours)
#   EPOCHS=2 TRAIN_LIMIT=6000 VAL_SIZE=1000 scripts/imta-comparison.sh   # a reduced one
#
# Environment: EPOCHS (20), STAGE2_EPOCHS (= EPOCHS: the reference fine-tunes with the stage-1 schedule), STAGE2_LR
# (0.1), TRAIN_LIMIT (all), VAL_SIZE (5000), SEED (0), THREADS (OpenBLAS's count), STORE (imta-comparison.sqlite),
# RANET (.build/release/ranet), T (3), GAMMA (0.9).
set -euo pipefail
RANET=${RANET:-.build/release/ranet}
STORE=${STORE:-imta-comparison.sqlite}
EPOCHS=${EPOCHS:-20}
STAGE2_EPOCHS=${STAGE2_EPOCHS:-$EPOCHS}
STAGE2_LR=${STAGE2_LR:-0.1}
SEED=${SEED:-0}
VAL_SIZE=${VAL_SIZE:-5000}
T=${T:-3}
GAMMA=${GAMMA:-0.9}
if [ ! -x "$RANET" ]; then
    echo "no $RANET: build it first (swift build -c release --product ranet) or set RANET" >&2
    exit 1
fi
common=(--store "$STORE" --seed "$SEED" --val-size "$VAL_SIZE")
[ -n "${TRAIN_LIMIT:-}" ] && common+=(--train-limit "$TRAIN_LIMIT")
threads=()
[ -n "${THREADS:-}" ] && threads=(--threads "$THREADS")
out=$(mktemp -d)
runs=()
for preset in fmnist-small fmnist-msdnet; do
    plain=$("$RANET" train --preset "$preset" --epochs "$EPOCHS" --name "$preset plain" "${common[@]}" "${threads[@]}")
    ge=$("$RANET" train --preset "$preset" --epochs "$EPOCHS" --technique ge --name "$preset GE" "${common[@]}" \
        "${threads[@]}")
    imta=$("$RANET" train --imta-from "$ge" --epochs "$STAGE2_EPOCHS" --lr "$STAGE2_LR" --temperature "$T" \
        --gamma "$GAMMA" --seed "$SEED" --name "$preset GE+IMTA" --store "$STORE" "${threads[@]}")
    runs+=("$plain:$preset plain" "$ge:$preset GE" "$imta:$preset GE+IMTA")
done
for entry in "${runs[@]}"; do
    run=${entry%%:*}
    "$RANET" eval --run "$run" --images 0 --json --store "$STORE" >"$out/eval-$run.json"
    last=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["exits"][-1]["cumulativeFlops"])' \
        "$out/eval-$run.json")
    for share in 25 50 75; do
        budget=$(python3 -c "print($last * $share / 100 / 1e6)")
        "$RANET" sweep --run "$run" --budget "$budget" --json --store "$STORE" >"$out/budget-$run-$share.json"
    done
done
python3 - "$out" "${runs[@]}" <<'PY'
import json, sys
out, entries = sys.argv[1], sys.argv[2:]
runs = [(e.split(":", 1)[0], e.split(":", 1)[1]) for e in entries]
for preset in ("fmnist-small", "fmnist-msdnet"):
    mine = [(r, n) for r, n in runs if n.startswith(preset + " ")]
    evals = {r: json.load(open(f"{out}/eval-{r}.json")) for r, _ in mine}
    print(f"\n{preset}: test accuracy per exit (cumulative MFLOPs)")
    print("exit  " + "  ".join(f"{n[len(preset) + 1:] + f' (run {r})':>24}" for r, n in mine))
    for k in range(len(evals[mine[0][0]]["exits"])):
        cells = []
        for r, _ in mine:
            e = evals[r]["exits"][k]
            cells.append(f"{100 * e['accuracy']:6.2f}% ({e['cumulativeFlops'] / 1e6:7.3f} MF)".rjust(24))
        print(f"{k:4d}  " + "  ".join(cells))
    print(f"{preset}: budgeted test accuracy (maxprob, thresholds from validation) at a share of the last exit's FLOPs")
    for share in (25, 50, 75):
        cells = []
        for r, _ in mine:
            b = json.load(open(f"{out}/budget-{r}-{share}.json"))
            cells.append(f"{100 * b['accuracy']:6.2f}% ({b['averageFlops'] / 1e6:7.3f} MF)".rjust(24))
        print(f"{share:3d}%  " + "  ".join(cells))
PY
echo "store: $STORE; per-run JSON: $out"
