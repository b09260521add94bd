#!/usr/bin/env bash
# Regenerates docs/reliability.md: every hazard of tests/adversarial_util/hazards.txt through
# `call`, the workbench's runtime path and `serve`, in a release build, with outcome, slowest
# repetition and peak memory per hazard and path (tests/adversarial_report.rs does the work).
#
#   scripts/reliability.sh                 # all hazards (about 3-5 minutes after the build)
#   scripts/reliability.sh spin,panic      # only these (writes a partial table)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
[[ $# -gt 0 ]] && export WIREBENCH_HAZARDS="$1"
start=$(date +%s)
cargo build --release --quiet
cargo test --release --quiet --test adversarial_report --no-run
echo "built in $(( $(date +%s) - start )) s; running the hazards…"
cargo test --release --quiet --test adversarial_report -- \
  --ignored --exact regenerate_reliability_table --nocapture --test-threads=1
echo "docs/reliability.md regenerated in $(( $(date +%s) - start )) s"
