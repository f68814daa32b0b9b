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
    "$RANET" eval --run "${entry%%:*}" --split both --images 0 --store "$STORE" >"$out/eval-${entry%%:*}.txt"
done
for preset in fmnist-small fmnist-msdnet; do
    echo
    echo "$preset: test accuracy per exit (cumulative MFLOPs); budgeted (maxprob, thresholds from validation)"
    mine=()
    for entry in "${runs[@]}"; do [[ ${entry#*:} == "$preset "* ]] && mine+=("$entry"); done
    python3 "$(dirname "$0")/anytime_table.py" --store "$STORE" --ranet "$RANET" "${mine[@]}"
done
echo "store: $STORE; evaluation logs: $out"
