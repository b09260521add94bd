#!/usr/bin/env bash
# The project's test command (named in the README): every unit, integration, snapshot and
# end-to-end test. Extra arguments go to `cargo test` (e.g. a test name).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --all-targets "$@"
