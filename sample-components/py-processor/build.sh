#!/usr/bin/env bash
# Build the Python `neon:processor` (app.py) into a component with componentize-py.
#
#   sample-components/py-processor/build.sh               # -> target/polyglot/py-processor.wasm
#   sample-components/py-processor/build.sh --out FILE    # somewhere else
#
# The output is ~40 MiB (it embeds CPython), so it is built, never committed: the default
# place is under the repo's gitignored target/. Needs componentize-py (the version in
# requirements.txt): `pip install -r sample-components/py-processor/requirements.txt`.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="$repo/target/polyglot/py-processor.wasm"

die() { echo "py-processor/build.sh: error: $*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) [[ $# -ge 2 ]] || die "--out needs a file"; out="$2"; shift 2 ;;
    --out=*) out="${1#--out=}"; shift ;;
    -h|--help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument \`$1\` (try --help)" ;;
  esac
done

if ! command -v componentize-py >/dev/null 2>&1; then
  echo "py-processor/build.sh: componentize-py not found — install it with" >&2
  echo "  pip install -r $here/requirements.txt     (Python 3.10+; or: pip install componentize-py)" >&2
  echo "then re-run this script" >&2
  exit 3
fi

mkdir -p "$(dirname "$out")" || die "cannot create $(dirname "$out")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# Build from a temp copy: componentize-py runs app.py at build time (pre-initialization) and
# would leave __pycache__ in the source folder.
cp "$here/app.py" "$tmp/app.py"
cd "$tmp"
PYTHONDONTWRITEBYTECODE=1 componentize-py \
  -d "$repo/wit/kv-store" -d "$repo/wit/processor" -w neon:processor/processor@1.0.0 \
  componentize --stub-wasi -p "$tmp" -o "$tmp/py-processor.wasm" app \
  || die "componentize-py failed (see above)"
mv "$tmp/py-processor.wasm" "$out"
printf '%10d  %s\n' "$(wc -c < "$out")" "$out"
