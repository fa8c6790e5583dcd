#!/usr/bin/env bash
# Run every cargo-fuzz target for N seconds each (default 180): fuzz/run.sh [seconds] [target…]
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a compiler that accepts -Z flags (sanitizers,
# coverage instrumentation): a nightly toolchain, or the stable one with RUSTC_BOOTSTRAP=1, which
# this script sets unless FUZZ_TOOLCHAIN names a toolchain (e.g. FUZZ_TOOLCHAIN=nightly).
# Built in release mode with debug assertions and overflow checks (-O -a) under AddressSanitizer.
# New corpus entries go to fuzz/corpus/<target> (ignored by git); the committed seeds in
# fuzz/seeds/<target> are read as well. A crash leaves its input in fuzz/artifacts/<target>/ and
# makes the script fail; reproduce with `cargo fuzz run -O -a <target> <artifact>`.
# Memory: -rss_limit_mb / -malloc_limit_mb make any input that allocates unboundedly a failure.
set -euo pipefail

SECONDS_EACH="${1:-180}"
shift || true
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
    TARGETS=(ident money bid_package bank_callback)
fi

cd "$(dirname "$0")/.."
if [ -n "${FUZZ_TOOLCHAIN:-}" ]; then
    FUZZ=(cargo "+$FUZZ_TOOLCHAIN" fuzz)
else
    export RUSTC_BOOTSTRAP=1
    FUZZ=(cargo fuzz)
fi

"${FUZZ[@]}" build -O -a
failed=()
for t in "${TARGETS[@]}"; do
    mkdir -p "fuzz/corpus/$t"
    echo "== $t: ${SECONDS_EACH}s"
    status=0
    "${FUZZ[@]}" run -O -a "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
        -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -malloc_limit_mb=512 \
        -print_final_stats=1 >"fuzz/corpus/$t.log" 2>&1 || status=$?
    grep -E '^(#[0-9]+ +DONE|Done [0-9]+ runs|==[0-9]+== ?ERROR|SUMMARY|stat::(number_of_executed_units|peak_rss_mb|new_units_added))|panicked' \
        "fuzz/corpus/$t.log" || true
    if [ "$status" -ne 0 ]; then
        failed+=("$t")
        tail -n 40 "fuzz/corpus/$t.log"
    fi
done
if [ ${#failed[@]} -ne 0 ]; then
    echo "FAILED: ${failed[*]} (inputs in fuzz/artifacts/)"
    exit 1
fi
echo "PASS: ${TARGETS[*]}, ${SECONDS_EACH}s each, no crash"
