#!/usr/bin/env bash
# Bounded fuzzing of every cargo-fuzz target in fuzz/ (see docs/fuzzing.md).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     # default: 60 s per target, every target
#
# Builds once without a sanitizer (only a stable toolchain here: cargo-fuzz runs with
# RUSTC_BOOTSTRAP=1), then runs each target for SECONDS from the committed seeds in
# fuzz/corpus/<target>, keeping what it finds in fuzz/target/corpus/<target> (not committed).
# Crashes land in fuzz/artifacts/<target>/. Prints one summary line per target and exits 1
# if any target crashed, leaked, timed out or ran out of memory.
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${1:-60}"
[[ $# -gt 0 ]] && shift
[[ "$secs" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: SECONDS must be a number, not \`$secs\`" >&2; exit 2; }

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "fuzz.sh: installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked
fi
# cargo-fuzz needs nightly flags (-Zsanitizer=…, sancov passes); stable accepts them this way.
export RUSTC_BOOTSTRAP=1
# The workbench's hidden `:debug-panic` must stay hidden from the App::update fuzzer.
unset WIREBENCH_DEBUG
export WIREBENCH_NO_CACHE=1

if [[ $# -gt 0 ]]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo fuzz list)
fi

mkdir -p fuzz/target/logs
build_start=$(date +%s)
# All targets at once: they share one dependency build.
cargo fuzz build -s none >fuzz/target/logs/build.log 2>&1 \
  || { tail -40 fuzz/target/logs/build.log; echo "fuzz.sh: build failed" >&2; exit 1; }
echo "built the fuzz targets in $(( $(date +%s) - build_start )) s"
bin_dir="fuzz/target/$(rustc -vV | sed -n 's/^host: //p')/release"

failed=0
printf '%-18s %8s %12s %10s %8s %7s  %s\n' target seconds execs exec/s cov corpus result
for t in "${targets[@]}"; do
  mkdir -p "fuzz/target/corpus/$t" "fuzz/corpus/$t"
  log="fuzz/target/logs/$t.log"
  start=$(date +%s)
  status=0
  mkdir -p "fuzz/artifacts/$t"
  # The binary cargo-fuzz built, run directly: `cargo fuzz run` would rebuild first whenever
  # the library changed in the meantime.
  "$bin_dir/$t" "fuzz/target/corpus/$t" "fuzz/corpus/$t" \
    -artifact_prefix="fuzz/artifacts/$t/" -max_total_time="$secs" -timeout=30 \
    -rss_limit_mb=4096 -print_final_stats=1 >"$log" 2>&1 || status=$?
  took=$(( $(date +%s) - start ))
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || true)
  corp=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || true)
  if [[ $status -eq 0 ]]; then
    result=clean
  else
    failed=1
    why=$(grep -m1 -A1 -E 'ERROR: libFuzzer: [a-z-]+|panicked at |deadly signal' "$log" | tr '\n' ' ' | cut -c1-200 || true)
    result="FAILED (exit $status): ${why:-see $log}"
    artifact=$(grep -o 'fuzz/artifacts/[^ ]*' "$log" | tail -1 || true)
    [[ -n "$artifact" ]] && result="$result — reproduce: RUSTC_BOOTSTRAP=1 cargo fuzz run -s none $t $artifact"
  fi
  printf '%-18s %8s %12s %10s %8s %7s  %s\n' "$t" "$took" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${corp:-?}" "$result"
done
exit $failed
