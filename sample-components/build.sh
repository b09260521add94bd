#!/usr/bin/env bash
# Build wirebench's sample guests and install them as assets/samples/<name>.wasm + SHA256SUMS.
#
#   sample-components/build.sh                 # build into assets/samples
#   sample-components/build.sh --out DIR       # build into DIR (e.g. a temp dir in CI)
#   sample-components/build.sh --check         # build into a temp dir, compare with assets/samples
#   sample-components/build.sh --optimize      # also run wasm-opt on the core module, if installed
#
# Builds are reproducible for the same rustc (see rust-toolchain note in README.md): registry
# paths are remapped so panic locations do not depend on $CARGO_HOME.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
out="$repo/assets/samples"
check=0
optimize=0

die() { echo "build.sh: error: $*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) [[ $# -ge 2 ]] || die "--out needs a directory"; out="$2"; shift 2 ;;
    --out=*) out="${1#--out=}"; shift ;;
    --check) check=1; shift ;;
    --optimize) optimize=1; shift ;;
    -h|--help) sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument \`$1\` (try --help)" ;;
  esac
done

components=(kv-store data-processor http-gateway type-zoo hostile)
core_modules=(lone-wolf)

command -v cargo >/dev/null || die "cargo not found; install Rust from https://rustup.rs"

ensure_target() {
  local target="$1"
  if rustc --print target-libdir --target "$target" >/dev/null 2>&1 \
     && [[ -d "$(rustc --print target-libdir --target "$target")" ]]; then
    return 0
  fi
  command -v rustup >/dev/null \
    || die "Rust target $target is not installed and rustup is not available to add it"
  echo "build.sh: adding Rust target $target" >&2
  rustup target add "$target" \
    || die "\`rustup target add $target\` failed; install the target and re-run"
}
ensure_target wasm32-wasip2
ensure_target wasm32-wasip1

if [[ $check -eq 1 ]]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  "${BASH_SOURCE[0]}" --out "$tmp" $([[ $optimize -eq 1 ]] && echo --optimize)
  if diff -u "$repo/assets/samples/SHA256SUMS" "$tmp/SHA256SUMS"; then
    echo "build.sh: assets/samples matches a fresh build"
    exit 0
  fi
  die "assets/samples differs from a fresh build (diff above); run sample-components/build.sh and commit"
fi

target_dir="${SAMPLES_TARGET_DIR:-$here/target}"
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
# Remap absolute paths that end up in panic messages so the bytes do not depend on the machine.
export RUSTFLAGS="${RUSTFLAGS:-} --remap-path-prefix=$cargo_home=/cargo --remap-path-prefix=$here=/samples"

pkg_args=()
for name in "${components[@]}"; do pkg_args+=(-p "$name"); done
cd "$here"
cargo build --release --locked --target wasm32-wasip2 --target-dir "$target_dir" "${pkg_args[@]}" \
  || die "building the components (wasm32-wasip2) failed"
pkg_args=()
for name in "${core_modules[@]}"; do pkg_args+=(-p "$name"); done
cargo build --release --locked --target wasm32-wasip1 --target-dir "$target_dir" "${pkg_args[@]}" \
  || die "building the core modules (wasm32-wasip1) failed"

mkdir -p "$out" || die "cannot create output directory $out"
out="$(cd "$out" && pwd)"
for name in "${components[@]}"; do
  cp "$target_dir/wasm32-wasip2/release/${name//-/_}.wasm" "$out/$name.wasm"
  chmod 644 "$out/$name.wasm"
done
for name in "${core_modules[@]}"; do
  cp "$target_dir/wasm32-wasip1/release/$name.wasm" "$out/$name.wasm"
  chmod 644 "$out/$name.wasm"
  # wasm-opt understands core modules only (not components), so it is applied here alone.
  if [[ $optimize -eq 1 ]]; then
    if command -v wasm-opt >/dev/null; then
      wasm-opt -Os --strip-debug --strip-producers "$out/$name.wasm" -o "$out/$name.wasm" \
        || die "wasm-opt failed on $name.wasm"
    else
      echo "build.sh: wasm-opt not found; $name.wasm left unoptimized" >&2
    fi
  fi
done

all=("${components[@]}" "${core_modules[@]}")
(
  cd "$out"
  files=()
  for name in "${all[@]}"; do files+=("$name.wasm"); done
  if command -v sha256sum >/dev/null; then
    sha256sum "${files[@]}" > SHA256SUMS
  else
    shasum -a 256 "${files[@]}" > SHA256SUMS
  fi
)
for name in "${all[@]}"; do
  printf '%8d  %s\n' "$(wc -c < "$out/$name.wasm")" "$out/$name.wasm"
done
echo "build.sh: wrote $out/SHA256SUMS"
