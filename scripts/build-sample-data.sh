#!/usr/bin/env bash
# Rebuilds the bundled sample (sample-data/: the store `make run` opens, its runs' float16 weights, a few test images):
# fmnist-small (RANet) and fmnist-msdnet (MSDNet) on Fashion-MNIST, each trained (a) plainly, (b) with Gradient
# Equilibrium (IMTA stage 1) and (c) IMTA stage 2 over (b); the default recipe (20 epochs, batch 64, lr 0.1 multistep,
# seed 0, 5,000 validation images) for (a) and (b), 10 epochs of it for (c). Then the working store is copied to
# sample-data/, each run's last checkpoint is written there as float16 weights and recorded as the run's checkpoint,
# and every run is evaluated from those weights on validation and test (per-sample records, thumbnails, budget curves
# of every policy) and bench-exit measures its real early exit.
#
#   scripts/build-sample-data.sh                 # hours on two cores: the two architectures train side by side
#   EPOCHS=1 TRAIN_LIMIT=2000 WORK=/tmp/s OUT=/tmp/s/sample-data scripts/build-sample-data.sh   # a quick dry run
#
# It can be stopped and started again: a finished step is skipped, an interrupted run resumes exactly
# (`ranet train --resume`), a run still training in another process is waited for.
# Environment: RANET (.build/release/ranet), WORK (sample-build: the training store and checkpoints, float32 with
# optimizer state, not committed), OUT (sample-data), EPOCHS (20), STAGE2_EPOCHS (10, at most EPOCHS: stage 2 trains
# only the new heads and ISC modules over a frozen backbone; the reference repeats the stage-1 schedule, an hour
# more), STAGE2_LR (0.1), IMAGES (thumbnails per split, 500: sample-data stays under 40 MB), SAMPLE_IMAGES (easy and
# hard test images written, 3 each); TRAIN_LIMIT, VAL_SIZE (all, 5000) and BENCH_LIMIT (bench-exit's test images: all)
# only for dry runs.
set -euo pipefail
RANET=${RANET:-.build/release/ranet}
WORK=${WORK:-sample-build}
OUT=${OUT:-sample-data}
EPOCHS=${EPOCHS:-20}
STAGE2_EPOCHS=${STAGE2_EPOCHS:-$((EPOCHS < 10 ? EPOCHS : 10))}
STAGE2_LR=${STAGE2_LR:-0.1}
IMAGES=${IMAGES:-500}
SAMPLE_IMAGES=${SAMPLE_IMAGES:-3}
if [ ! -x "$RANET" ]; then
    echo "no $RANET: build it first (swift build -c release --product ranet) or set RANET" >&2
    exit 1
fi
mkdir -p "$WORK/logs"
store="$WORK/ranet.sqlite"
# One thread and one batch part per run (recorded in the run): the two architectures train side by side on two cores.
recipe=(--store "$store" --threads 1 --batch-parts 1 --json)
data=()
[ -n "${TRAIN_LIMIT:-}" ] && data+=(--train-limit "$TRAIN_LIMIT")
[ -n "${VAL_SIZE:-}" ] && data+=(--val-size "$VAL_SIZE")
bench=()
[ -n "${BENCH_LIMIT:-}" ] && bench+=(--limit "$BENCH_LIMIT")

# field NAME FIELD: a field of the run named NAME in the working store (empty when there is none).
field() {
    "$RANET" runs --json --store "$store" 2>/dev/null | python3 -c '
import json, sys
runs = [r for r in json.load(sys.stdin) if r["name"] == sys.argv[1]]
print(runs[0][sys.argv[2]] if runs else "")' "$1" "$2"
}

# train NAME ARGS...: trains the run named NAME unless it finished; resumes it if interrupted; waits while it runs.
train() {
    local name=$1
    shift
    local log="$WORK/logs/$(echo "$name" | tr -cs 'A-Za-z0-9' '-' | sed 's/-$//').log"
    while [ "$(field "$name" status)" = running ]; do sleep 30; done
    case "$(field "$name" status)" in
    finished) ;;
    "") "$RANET" train --name "$name" "$@" "${recipe[@]}" >>"$log" 2>&1 ;;
    *) "$RANET" train --resume "$(field "$name" id)" --store "$store" --json >>"$log" 2>&1 ;;
    esac
    [ "$(field "$name" status)" = finished ] || { echo "training $name failed: see $log" >&2; exit 1; }
    echo "trained: $name (run $(field "$name" id))" >&2
}

# benchmark_count STORE RUN: how many bench-exit results STORE holds for RUN.
benchmark_count() {
    python3 - "$1" "$2" <<'PY'
import sqlite3, sys
store = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
print(store.execute("SELECT count(*) FROM exit_benchmarks WHERE run_id = ?", (int(sys.argv[2]),)).fetchone()[0])
PY
}

chain() {
    local arch=$1 preset=$2
    train "$arch ($preset)" --preset "$preset" --epochs "$EPOCHS" "${data[@]}"
    train "$arch GE" --preset "$preset" --epochs "$EPOCHS" --technique ge "${data[@]}"
    train "$arch IMTA" --imta-from "$(field "$arch GE" id)" --epochs "$STAGE2_EPOCHS" --lr "$STAGE2_LR"
}
chain RANet fmnist-small &
ranet_chain=$!
# RANet's first run is run 1 (what the README's `ranet infer --run 1` takes) before MSDNet's starts.
until [ -n "$(field "RANet (fmnist-small)" id)" ] || ! kill -0 $ranet_chain 2>/dev/null; do sleep 1; done
chain MSDNet fmnist-msdnet &
msdnet_chain=$!
wait $ranet_chain
wait $msdnet_chain

# The committed store: a copy of the working one (made once) whose runs record float16 weights beside it.
out_store="$OUT/ranet.sqlite"
mkdir -p "$OUT/weights" "$OUT/images"
if [ ! -f "$out_store" ]; then
    python3 - "$store" "$out_store" <<'PY'
import sqlite3, sys
source, target = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
source.backup(target)
target.execute("VACUUM")
target.close()
PY
fi
# checkpoint STORE RUN: the file of RUN's latest checkpoint in STORE.
checkpoint() {
    "$RANET" runs --json --store "$1" | python3 -c '
import json, sys
print([r for r in json.load(sys.stdin) if r["id"] == int(sys.argv[1])][0]["checkpoints"][-1])' "$2"
}
runs=$("$RANET" runs --json --store "$out_store" | python3 -c 'import json, sys; print(" ".join(str(r["id"]) for r in json.load(sys.stdin)))')
for run in $runs; do
    weights="$OUT/weights/run-$run.safetensors"
    if [ "$(checkpoint "$out_store" "$run")" != "$(cd "$OUT/weights" && pwd)/run-$run.safetensors" ]; then
        "$RANET" export-weights --run "$run" --checkpoint "$(checkpoint "$store" "$run")" --float16 --record --force \
            --out "$weights" --store "$out_store"
    fi
done

# Evaluations (from the float16 weights, so the stored accuracies are the shipped models') and measured early exit.
for run in $runs; do
    splits=$("$RANET" export --run "$run" --what evaluations --format json --store "$out_store" |
        python3 -c 'import json, sys; print(" ".join(sorted({e["evaluation"]["split"] for e in json.load(sys.stdin)})))')
    if [ "$splits" != "test val" ]; then
        "$RANET" eval --run "$run" --split both --images "$IMAGES" --store "$out_store" >"$WORK/logs/eval-$run.txt"
    fi
    if [ "$(benchmark_count "$out_store" "$run")" = 0 ]; then
        "$RANET" bench-exit --run "$run" "${bench[@]}" --store "$out_store" >"$WORK/logs/bench-exit-$run.txt"
    fi
done
"$RANET" sample-images --run "$(field "RANet (fmnist-small)" id)" --split test --easy "$SAMPLE_IMAGES" \
    --hard "$SAMPLE_IMAGES" --out-dir "$OUT/images" --force --store "$out_store"
du -sh "$OUT"
python3 "$(dirname "$0")/anytime_table.py" --store "$out_store" --ranet "$RANET"
# Everything in the one file (no -wal beside it), in rollback-journal mode: readers open copies of it anyway.
python3 - "$out_store" <<'PY'
import sqlite3, sys
store = sqlite3.connect(sys.argv[1])
store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
store.execute("PRAGMA journal_mode=DELETE")
store.close()
PY
ls -la "$OUT"
