#!/usr/bin/env bash
# Rebuild the chain guests and copy them to ../chain/ (committed fixtures for tests/compose_*.rs).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
cargo build --release --target wasm32-wasip2
mkdir -p ../chain
for c in geometry scene app; do
  cp "target/wasm32-wasip2/release/chain_${c//-/_}.wasm" "../chain/$c.wasm"
done
ls -l ../chain
