#!/bin/sh
# Builds every libFuzzer target (Package.swift adds them when RANET_FUZZ=1) with -sanitize=fuzzer,address in its own
# build directory, then runs each for FUZZ_SECONDS from the seed corpus in Fuzz/corpus/<target>/ plus the corpus the
# previous runs grew in .build/fuzz/corpus/<target>/. Crashing inputs land in .build/fuzz/findings/; turn each into a
# regression test under Tests/ with its input. Prints executions per target; exits 1 if any target found a crash.
set -u
SWIFT=${SWIFT:-swift}
SECONDS_EACH=${FUZZ_SECONDS:-60}
TARGETS=${FUZZ_TARGETS:-"safetensors checkpoint logits npy idx idx-gzip cifar png jpeg config theme store-file"}
BUILD=.build/fuzz
cd "$(dirname "$0")/.." || exit 1
for target in $TARGETS; do
    RANET_FUZZ=1 $SWIFT build --build-path "$BUILD" -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library \
        --product "fuzz-$target" || { echo "fuzz: building fuzz-$target failed" >&2; exit 1; }
done
mkdir -p "$BUILD/findings"
failed=0
printf '%-12s %12s %10s %s\n' target executions exec/s result
for target in $TARGETS; do
    mkdir -p "$BUILD/corpus/$target"
    log="$BUILD/$target.log"
    # -rss_limit_mb: a decoder that allocates what a file asks for shows up as an out-of-memory finding.
    "$BUILD/debug/fuzz-$target" "$BUILD/corpus/$target" "Fuzz/corpus/$target" \
        -max_total_time="$SECONDS_EACH" -print_final_stats=1 -rss_limit_mb=2048 -timeout=20 -max_len=131072 \
        -artifact_prefix="$BUILD/findings/$target-" >"$log" 2>&1
    status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    if [ $status -eq 0 ]; then result=ok; else result="FINDING (see $log)"; failed=1; fi
    printf '%-12s %12s %10s %s\n' "$target" "${runs:-?}" "${speed:-?}" "$result"
done
exit $failed
