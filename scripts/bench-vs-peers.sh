#!/usr/bin/env bash
# wirebench side by side with the CLIs people use today (wasmtime, wasm-tools, wac): the same
# work both ways, process to process, in one run; then the criterion benches (each against its
# own floor) and the TUI's first frame, idle CPU and memory. Writes docs/performance.md.
#
#   scripts/bench-vs-peers.sh [--no-install] [--no-benches] [--runs N] [--out FILE]
#
# --no-install  do not `cargo install` missing peers (their rows say "skipped")
# --no-benches  skip the criterion benches (only the process-to-process part)
# --runs N      at least N hyperfine runs per command (default 10; hyperfine runs quick commands
#               for 3 s) and N first-frame runs; the 1,000-process loop runs 3 times
#
# Needs: cargo, python3, util-linux `script`, tmux, GNU time (optional), hyperfine (optional:
# without it a simple timing loop is used). Slow, installs tools and depends on the machine's
# load, so it is NOT part of CI; run it by hand on a quiet machine and commit the result.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/docs/performance.md
RUNS=10
INSTALL=1
BENCHES=1
while [ $# -gt 0 ]; do
    case $1 in
    --no-install) INSTALL=0 ;;
    --no-benches) BENCHES=0 ;;
    --runs) RUNS=$2; shift ;;
    --out) OUT=$2; shift ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

CALLS=1000
LOOP_RUNS=3
FRAME_RUNS=$RUNS
IDLE_SECONDS=10
WORK=$(mktemp -d "${TMPDIR:-/tmp}/wirebench-bench.XXXXXX")
RESULTS=$WORK/results
mkdir -p "$RESULTS"
TMUX_SOCKET=wirebench-bench-$$
cleanup() {
    tmux -L "$TMUX_SOCKET" kill-server >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

have() { command -v "$1" >/dev/null 2>&1; }
log() { printf '\n== %s\n' "$*" >&2; }
# A measurement or note for the report, one JSON object per line.
record() { printf '%s\n' "$1" >>"$RESULTS/records.jsonl"; }
json_str() { python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }

for tool in cargo python3 script; do
    have "$tool" || { echo "error: \`$tool\` is required" >&2; exit 1; }
done

load_avg() { cut -d' ' -f1-3 /proc/loadavg; }
LOAD_BEFORE=$(load_avg)
STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)

log "building wirebench (release)"
(cd "$ROOT" && cargo build --release --quiet)
WB=${CARGO_TARGET_DIR:-$ROOT/target}/release/wirebench

# --- peers ----------------------------------------------------------------------------------
install_peer() { # BIN CRATE
    if ! have "$1" && [ "$INSTALL" = 1 ]; then
        log "installing $2 (takes a while)"
        cargo install --locked "$2" >&2 || echo "warning: installing $2 failed" >&2
    fi
}
# wasmtime pinned to the version wirebench embeds: same compiler, same cache format.
install_peer wasmtime wasmtime-cli@48.0.8
install_peer wac wac-cli
install_peer wasm-tools wasm-tools
version_of() { have "$1" && "$1" --version 2>/dev/null | head -1 || echo "not installed"; }
PEER_VERSIONS="wasmtime: $(version_of wasmtime); wac: $(version_of wac); wasm-tools: $(version_of wasm-tools); hyperfine: $(version_of hyperfine)"

# --- timing helpers -------------------------------------------------------------------------
# measure NAME RUNS COMMAND [PREPARE]: hyperfine's JSON (mean/median/stddev in seconds) in
# NAME.json. At least RUNS runs (hyperfine keeps going for 3 s, so quick commands get hundreds);
# PREPARE runs before each, untimed.
measure() {
    local name=$1 runs=$2 cmd=$3 prepare=${4:-}
    echo "  $name: $cmd" >&2
    if have hyperfine; then
        local prep=()
        [ -n "$prepare" ] && prep=(--prepare "$prepare")
        hyperfine --style basic --warmup 2 --min-runs "$runs" "${prep[@]}" \
            --export-json "$RESULTS/$name.json" "$cmd" >&2
    else
        # Same shape as hyperfine's export, from a plain loop (includes the shell's start-up).
        python3 - "$RESULTS/$name.json" "$runs" "$cmd" "$prepare" <<'PY'
import json, statistics, subprocess, sys, time
out, runs, cmd, prepare = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL)
times = []
for _ in range(runs):
    if prepare:
        subprocess.run(prepare, shell=True, check=True)
    t = time.perf_counter()
    subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL)
    times.append(time.perf_counter() - t)
json.dump({"results": [{"command": cmd, "mean": statistics.mean(times),
    "median": statistics.median(times),
    "stddev": statistics.stdev(times) if len(times) > 1 else 0.0, "times": times}]},
    open(out, "w"))
PY
    fi
}

# Peak RSS in KiB of one run of COMMAND (GNU time), or nothing.
peak_rss() {
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f '%M' -o "$WORK/rss" sh -c "$1" >/dev/null 2>&1 || true
        tail -1 "$WORK/rss"
    fi
}

# pair KEY LABEL WB_CMD PEER_BIN PEER_CMD [RUNS] [PREPARE]: both sides timed, or the peer
# skipped; PREPARE runs before each timed run of either side. The sides take turns over
# ROUNDS rounds and each side's runs are pooled, so a burst of load on a shared machine does
# not fall on one side only.
ROUNDS=2
pair() {
    local key=$1 label=$2 wb_cmd=$3 peer=$4 peer_cmd=$5 runs=${6:-$RUNS} wb_prepare=${7:-}
    local wb_rss peer_rss="" round
    for round in $(seq "$ROUNDS"); do
        measure "$key.wirebench.round$round" "$runs" "$wb_cmd" "$wb_prepare"
        # The peer runs the same untimed preparation, so that its effect on caches is shared.
        if have "$peer"; then measure "$key.peer.round$round" "$runs" "$peer_cmd" "$wb_prepare"; fi
    done
    wb_rss=$(peak_rss "$wb_cmd")
    if have "$peer"; then
        peer_rss=$(peak_rss "$peer_cmd")
        record "{\"kind\":\"pair\",\"key\":\"$key\",\"label\":$(json_str "$label"),\"peer\":\"$peer\",\"wb_cmd\":$(json_str "$wb_cmd"),\"peer_cmd\":$(json_str "$peer_cmd"),\"wb_rss\":\"$wb_rss\",\"peer_rss\":\"$peer_rss\"}"
    else
        echo "  skipped: $peer not installed" >&2
        record "{\"kind\":\"pair\",\"key\":\"$key\",\"label\":$(json_str "$label"),\"peer\":\"$peer\",\"wb_cmd\":$(json_str "$wb_cmd"),\"peer_cmd\":$(json_str "$peer_cmd"),\"wb_rss\":\"$wb_rss\",\"skipped\":true}"
    fi
}

# --- process to process ---------------------------------------------------------------------
SAMPLES=$ROOT/assets/samples
KV=$SAMPLES/kv-store.wasm
export WIREBENCH_CACHE_DIR=$WORK/wb-cache
# Both runtimes compile once and then load from their caches: prime them.
"$WB" call "$KV" 'get("user")' >/dev/null
if have wasmtime; then wasmtime run --invoke 'get("user")' "$KV" >/dev/null; fi

log "1,000 calls of get: one wirebench process vs one wasmtime process per call"
for _ in $(seq "$CALLS"); do echo 'get("user")'; done >"$WORK/calls.txt"
{
    echo '#!/bin/sh'
    echo "for i in \$(seq $CALLS); do wasmtime run --invoke 'get(\"user\")' '$KV' >/dev/null || exit 1; done"
} >"$WORK/wasmtime-loop.sh"
chmod +x "$WORK/wasmtime-loop.sh"
pair calls1000 "1,000 \`get\` calls" "'$WB' call '$KV' --stdin < '$WORK/calls.txt'" \
    wasmtime "'$WORK/wasmtime-loop.sh'" "$LOOP_RUNS"
pair call1 "one \`get\` call, process start to exit" "'$WB' call '$KV' 'get(\"user\")'" \
    wasmtime "wasmtime run --invoke 'get(\"user\")' '$KV'"

log "inspect vs wasm-tools component wit"
for s in kv-store data-processor http-gateway type-zoo; do
    pair "wit.$s" "WIT of $s.wasm" "'$WB' inspect --wit '$SAMPLES/$s.wasm'" \
        wasm-tools "wasm-tools component wit '$SAMPLES/$s.wasm'"
done
pair "inspect.kv-store" "\`inspect\` summary of kv-store.wasm vs \`component wit\`" \
    "'$WB' inspect '$KV'" wasm-tools "wasm-tools component wit '$KV'"
# A component the size of what componentize-py makes: megabytes of code and data.
LARGE=$WORK/large.wasm
if have wasm-tools && python3 "$ROOT/scripts/large-component.py" "$LARGE"; then
    LARGE_LABEL="large.wasm ($(($(stat -c %s "$LARGE") / 1000000)) MB, synthesized)"
    pair "wit.large" "WIT of $LARGE_LABEL" "'$WB' inspect --wit '$LARGE'" \
        wasm-tools "wasm-tools component wit '$LARGE'"
    pair "inspect.large" "\`inspect\` summary of $LARGE_LABEL vs \`component wit\`" \
        "'$WB' inspect '$LARGE'" wasm-tools "wasm-tools component wit '$LARGE'"
else
    LARGE=
    echo "  skipped: the large component needs wasm-tools" >&2
fi

log "plug vs wac plug"
pair "plug.processor" "plug kv-store into data-processor" \
    "'$WB' plug '$SAMPLES/data-processor.wasm' --plug '$KV' -o '$WORK/wb-plug1.wasm'" \
    wac "wac plug '$SAMPLES/data-processor.wasm' --plug '$KV' -o '$WORK/wac-plug1.wasm'"
pair "plug.gateway" "plug data-processor into http-gateway" \
    "'$WB' plug '$SAMPLES/http-gateway.wasm' --plug '$SAMPLES/data-processor.wasm' -o '$WORK/wb-plug2.wasm'" \
    wac "wac plug '$SAMPLES/http-gateway.wasm' --plug '$SAMPLES/data-processor.wasm' -o '$WORK/wac-plug2.wasm'"
if [ -n "$LARGE" ]; then
    pair "plug.large" "plug kv-store into $LARGE_LABEL" \
        "'$WB' plug '$LARGE' --plug '$KV' -o '$WORK/wb-plug3.wasm'" \
        wac "wac plug '$LARGE' --plug '$KV' -o '$WORK/wac-plug3.wasm'"
fi
# First sight: an empty cache directory before every run, so every input's function bodies are
# validated and recorded, as for files never seen before.
FIRST=$WORK/first-sight-cache
pair "first.plug.processor" "plug kv-store into data-processor, first sight (empty cache)" \
    "WIREBENCH_CACHE_DIR='$FIRST' '$WB' plug '$SAMPLES/data-processor.wasm' --plug '$KV' -o '$WORK/wb-plug1.wasm'" \
    wac "wac plug '$SAMPLES/data-processor.wasm' --plug '$KV' -o '$WORK/wac-plug1.wasm'" \
    "$RUNS" "rm -rf '$FIRST'"
if [ -n "$LARGE" ]; then
    pair "first.plug.large" "plug kv-store into $LARGE_LABEL, first sight (empty cache)" \
        "WIREBENCH_CACHE_DIR='$FIRST' '$WB' plug '$LARGE' --plug '$KV' -o '$WORK/wb-plug3.wasm'" \
        wac "wac plug '$LARGE' --plug '$KV' -o '$WORK/wac-plug3.wasm'" "$RUNS" "rm -rf '$FIRST'"
fi

# --- the TUI ----------------------------------------------------------------------------------
# Time to first frame: the TUI runs in a pty (`script`) and exits right after its first frame
# (WIREBENCH_EXIT_AFTER_FIRST_FRAME=1); the frame time is when the last byte reached the pty,
# from script's timing log (start = script start, so it includes the pty and exec).
first_frame() { # OUT_FILE DEMO_DIR CACHE_DIR
    local t=$WORK/timing
    WIREBENCH_DEMO_DIR=$2 WIREBENCH_CACHE_DIR=$3 WIREBENCH_EXIT_AFTER_FIRST_FRAME=1 \
        TERM=xterm-256color timeout 30 script -qf -T "$t" \
        -c "stty cols 160 rows 48; exec '$WB'" "$WORK/screen" </dev/null >/dev/null 2>&1 || true
    awk '{ s += $1 } END { printf "%.6f\n", s }' "$t" >>"$1"
}
log "TUI first frame on the demo ($FRAME_RUNS runs each, cold and warm cache)"
: >"$RESULTS/frame-cold.txt"
: >"$RESULTS/frame-warm.txt"
for i in $(seq "$FRAME_RUNS"); do
    first_frame "$RESULTS/frame-cold.txt" "$WORK/demo-cold-$i" "$WORK/cache-cold-$i"
done
WARM_DEMO=$WORK/demo-warm
WARM_CACHE=$WORK/cache-warm
first_frame /dev/null "$WARM_DEMO" "$WARM_CACHE"
# The first frame does not wait for compiling; fill the cache as the TUI's load would.
WIREBENCH_CACHE_DIR=$WARM_CACHE "$WB" call "$WARM_DEMO" 'version()' >/dev/null 2>&1 || true
for i in $(seq "$FRAME_RUNS"); do
    first_frame "$RESULTS/frame-warm.txt" "$WARM_DEMO" "$WARM_CACHE"
done
# The floor: the same pty and binary doing nothing but start and exit.
: >"$RESULTS/frame-floor.txt"
for i in $(seq "$FRAME_RUNS"); do
    t=$WORK/timing
    script -qf -T "$t" -c "stty cols 160 rows 48; exec '$WB' --version" "$WORK/screen" \
        </dev/null >/dev/null 2>&1 || true
    awk '{ s += $1 } END { printf "%.6f\n", s }' "$t" >>"$RESULTS/frame-floor.txt"
done

log "idle CPU and memory of the TUI on the demo (${IDLE_SECONDS} s idle in tmux)"
if have tmux; then
    tmux -L "$TMUX_SOCKET" new-session -d -x 160 -y 48 \
        "WIREBENCH_DEMO_DIR='$WARM_DEMO' WIREBENCH_CACHE_DIR='$WARM_CACHE' TERM=xterm-256color exec '$WB'"
    sleep 3 # open, draw, compile (warm cache) and instantiate the demo
    PID=$(tmux -L "$TMUX_SOCKET" list-panes -F '#{pane_pid}' | head -1)
    ticks() { sed 's/.*) //' "/proc/$PID/stat" | awk '{ print $12 + $13 }'; }
    T0=$(ticks)
    sleep "$IDLE_SECONDS"
    T1=$(ticks)
    HZ=$(getconf CLK_TCK)
    HWM=$(awk '/VmHWM/ { print $2 }' "/proc/$PID/status")
    RSS=$(awk '/VmRSS/ { print $2 }' "/proc/$PID/status")
    THREADS=$(awk '/Threads/ { print $2 }' "/proc/$PID/status")
    tmux -L "$TMUX_SOCKET" send-keys q
    sleep 1
    tmux -L "$TMUX_SOCKET" kill-server >/dev/null 2>&1 || true
    record "{\"kind\":\"idle\",\"ticks\":$((T1 - T0)),\"hz\":$HZ,\"seconds\":$IDLE_SECONDS,\"hwm_kb\":$HWM,\"rss_kb\":$RSS,\"threads\":$THREADS}"
else
    record '{"kind":"idle","skipped":true}'
fi

# --- criterion benches ------------------------------------------------------------------------
if [ "$BENCHES" = 1 ]; then
    log "criterion benches (short measurement: the machine may be shared)"
    touch "$WORK/bench-stamp"
    (cd "$ROOT" && cargo bench --bench call --bench wave --bench instantiate --bench tui \
        --bench inspect --bench compose -- --warm-up-time 1 --measurement-time 3) \
        2>&1 | tee "$RESULTS/criterion.txt" | grep -E '^(allocations|chain)' >&2 || true
    (cd "$ROOT" && RELOAD_BENCH_RUNS=${RELOAD_BENCH_RUNS:-20} cargo bench --bench reload) \
        >"$RESULTS/reload.txt" 2>&1 || true
    cat "$RESULTS/reload.txt" >&2
fi

LOAD_AFTER=$(load_avg)

# --- the report -------------------------------------------------------------------------------
log "writing $OUT"
MACHINE_CPU=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
export ROOT WORK RESULTS OUT STARTED LOAD_BEFORE LOAD_AFTER PEER_VERSIONS MACHINE_CPU BENCHES \
    CALLS RUNS ROUNDS LOOP_RUNS FRAME_RUNS
export MACHINE_CORES=$(nproc)
export MACHINE_MEM=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
export MACHINE_KERNEL=$(uname -sr)
export RUSTC=$(rustc --version)
export WB_VERSION=$("$WB" --version)
export GIT_REV=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
python3 - <<'PY'
import glob, json, os, re, statistics

env = os.environ
R = env["RESULTS"]


def hf(name):
    """Median and stddev (seconds) of the runs in a measurement's hyperfine exports (one per
    round), or None."""
    times = []
    for path in sorted(glob.glob(f"{R}/{name}.json") + glob.glob(f"{R}/{name}.round*.json")):
        try:
            times += json.load(open(path))["results"][0]["times"]
        except (OSError, KeyError, IndexError, ValueError):
            pass
    if not times:
        return None
    return statistics.median(times), statistics.stdev(times) if len(times) > 1 else 0.0


def fmt_s(s):
    if s is None:
        return "–"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.1f} ms"
    if s >= 1e-6:
        return f"{s * 1e6:.2f} µs"
    return f"{s * 1e9:.0f} ns"


def fmt_kb(kb):
    return f"{int(kb) / 1024:.1f} MiB" if kb else "–"


def lines_of(path):
    try:
        return [float(x) for x in open(path).read().split()]
    except OSError:
        return []


records = []
if os.path.exists(f"{R}/records.jsonl"):
    records = [json.loads(l) for l in open(f"{R}/records.jsonl") if l.strip()]
pairs = {r["key"]: r for r in records if r["kind"] == "pair"}
idle = next((r for r in records if r["kind"] == "idle"), {"skipped": True})

# Criterion: medians of the benches run by this script (newer than its stamp).
crit = {}
stamp = f"{env['WORK']}/bench-stamp"
if env["BENCHES"] == "1" and os.path.exists(stamp):
    since = os.path.getmtime(stamp)
    target = env.get("CARGO_TARGET_DIR") or f"{env['ROOT']}/target"
    for b in glob.glob(f"{target}/criterion/**/new/benchmark.json", recursive=True):
        if os.path.getmtime(b) < since:
            continue
        meta = json.load(open(b))
        est = json.load(open(os.path.join(os.path.dirname(b), "estimates.json")))
        crit[meta["full_id"]] = est["median"]["point_estimate"] / 1e9
allocs = None
if os.path.exists(f"{R}/criterion.txt"):
    m = re.search(r"allocations per frame: floor paragraph (\d+), layout (\d+), render (\d+)",
                  open(f"{R}/criterion.txt").read())
    if m:
        allocs = tuple(int(x) for x in m.groups())
reload_rows = []
if os.path.exists(f"{R}/reload.txt"):
    for line in open(f"{R}/reload.txt"):
        parts = line.split()
        if len(parts) == 11 and re.match(r"^[a-z-]+$", parts[0]):
            reload_rows.append(parts)

targets = []  # (target, measured, baseline, ratio text, limit text, met)


def target(name, measured, baseline, ratio, limit, met):
    mark = "–" if met is None else ("met" if met else "**missed**")
    targets.append(f"| {name} | {measured} | {baseline} | {ratio} | {limit} | {mark} |")


def c(id_):
    return crit.get(id_)


# 1. warm get vs typed floor
full, typed = c("warm get/full path: parse WAVE, call, format"), c("warm get/typed wasmtime call (baseline)")
if full and typed:
    target("`get` over the full path vs a typed wasmtime call", fmt_s(full), fmt_s(typed),
           f"{full / typed:.1f}×", "≤ 5×", full / typed <= 5)
else:
    target("`get` over the full path vs a typed wasmtime call", "not run", "", "", "≤ 5×", None)

# 2. 1,000 calls
p = pairs.get("calls1000")
wb, peer = hf("calls1000.wirebench"), hf("calls1000.peer")
if p and not p.get("skipped") and wb and peer:
    target(f"{env['CALLS']} calls: one `wirebench call --stdin` vs `wasmtime run --invoke` each",
           fmt_s(wb[0]), fmt_s(peer[0]), f"{peer[0] / wb[0]:.0f}× faster", "≥ 100× faster",
           peer[0] / wb[0] >= 100)
else:
    target("1,000 calls vs 1,000 `wasmtime run --invoke`", fmt_s(wb and wb[0]),
           "skipped: wasmtime not installed", "", "≥ 100× faster", None)


def worst_pair(keys, label, peer_name):
    rows = [(k, hf(f"{k}.wirebench"), hf(f"{k}.peer")) for k in keys]
    rows = [(k, w, p) for k, w, p in rows if w and p]
    if not rows:
        target(label, "", f"skipped: {peer_name} not installed", "", "≤ 1× (no slower)", None)
        return
    k, w, p = max(rows, key=lambda r: r[1][0] / r[2][0])
    # Medians of many runs each; 5 % is the tolerance for "no slower".
    target(f"{label} (slowest case: {pairs[k]['label']})", fmt_s(w[0]), fmt_s(p[0]),
           f"{w[0] / p[0]:.2f}×", "≤ 1× (no slower)", w[0] <= p[0] * 1.05)


worst_pair([k for k in pairs if k.startswith("wit.")],
           "`inspect --wit` vs `wasm-tools component wit` (the same output)", "wasm-tools")
worst_pair([k for k in pairs if k.startswith("inspect.")],
           "`inspect` summary (kind, size, world, ports with signatures) vs `wasm-tools component wit`",
           "wasm-tools")
worst_pair([k for k in pairs if k.startswith("plug.")], "`plug` vs `wac plug`, files seen before",
           "wac")
worst_pair([k for k in pairs if k.startswith("first.plug.")],
           "`plug` vs `wac plug`, files never seen (empty cache)", "wac")

# reload
if reload_rows:
    worst = max(reload_rows, key=lambda r: float(r[5]))
    target(f"reload p50 beyond the debounce window (slowest sample: {worst[0]})",
           f"{worst[5]} ms", f"decode alone {worst[1]} ms", "", "≤ 50 ms", float(worst[5]) <= 50)
else:
    target("reload p50 beyond the debounce window", "not run", "", "", "≤ 50 ms", None)

cold, warm, floor = (lines_of(f"{R}/frame-{k}.txt") for k in ("cold", "warm", "floor"))
med = lambda xs: statistics.median(xs) if xs else None
if cold:
    target("TUI first frame on the demo, cold cache", fmt_s(med(cold)),
           f"process start {fmt_s(med(floor))}", "", "≤ 300 ms", med(cold) <= 0.3)
if warm:
    target("TUI first frame on the demo, warm cache", fmt_s(med(warm)),
           f"process start {fmt_s(med(floor))}", "", "≤ 100 ms", med(warm) <= 0.1)
frame, paint = c("tui 200 nodes/layout + render (one frame after a change)"), c(
    "tui 200 nodes/draw a full-screen paragraph (floor)")
if frame:
    target("frame (layout + render) at 200 nodes / 400 plugs, 200×60", fmt_s(frame),
           f"full-screen paragraph {fmt_s(paint)}", f"{frame / paint:.1f}×" if paint else "",
           "≤ 5 ms", frame <= 0.005)
else:
    target("frame at 200 nodes", "not run", "", "", "≤ 5 ms", None)
if not idle.get("skipped"):
    cpu = idle["ticks"] / idle["hz"] / idle["seconds"] * 100
    target(f"idle CPU of the TUI on the demo ({idle['seconds']} s)", f"{cpu:.2f} %",
           f"{idle['ticks']} ticks of 1/{idle['hz']} s", "", "< 1 %", cpu < 1)
    target("memory of the TUI on the demo (peak RSS, VmHWM)", fmt_kb(idle["hwm_kb"]),
           f"now {fmt_kb(idle['rss_kb'])}, {idle['threads']} threads", "", "≤ 100 MB",
           int(idle["hwm_kb"]) * 1024 <= 100e6)
else:
    target("idle CPU / memory of the TUI", "skipped: tmux not installed", "", "", "< 1 % / ≤ 100 MB",
           None)

out = []
w = out.append
w("# Performance")
w("")
w(f"Generated by `scripts/bench-vs-peers.sh` on {env['STARTED']} from git `{env['GIT_REV']}` "
  "— regenerate it with the script, do not edit by hand. Every figure sits next to a baseline "
  "measured in the same run; on a shared machine the ratios are more telling than the times.")
w("")
w("## Machine")
w("")
w(f"- CPU: {env['MACHINE_CPU']}, {env['MACHINE_CORES']} cores; memory {env['MACHINE_MEM']}; "
  f"{env['MACHINE_KERNEL']}")
w(f"- Load average (1, 5, 15 min) before: {env['LOAD_BEFORE']}; after: {env['LOAD_AFTER']}")
w(f"- {env['WB_VERSION']} (release build), {env['RUSTC']}")
w(f"- Peers: {env['PEER_VERSIONS']}")
w(f"- hyperfine: the two sides of a comparison take turns, {env['ROUNDS']} rounds of at least {env['RUNS']} runs per command, 3 s or more (the {env['CALLS']}-process "
  f"loop: {env['LOOP_RUNS']} runs); first-frame runs: {env['FRAME_RUNS']}; medians throughout; "
  "\"no slower\" allows 5 %")
w("")
w("## Targets")
w("")
w("| target | measured | baseline (same run) | ratio | limit | |")
w("|---|---|---|---|---|---|")
out.extend(targets)
w("")
w("## Side by side with the CLIs in use today (process to process)")
w("")
w("Each command is a whole process, start to exit, with warm caches on both sides "
  "(wasmtime's default compile cache; wirebench's `WIREBENCH_CACHE_DIR`, which holds compiled "
  "code and the hashes of files and compositions that passed full validation, so a file seen "
  "before is not validated again). `inspect` validates what `wasm-tools component wit` "
  "validates (structure and types, no function body) and keeps no record, so every run of it "
  "is a first sight. Rows marked \"first sight\" empty wirebench's cache directory before "
  "every run (untimed, and run before the peer's runs too): every input's function bodies are "
  "validated and recorded, as for files never seen before (`wac plug` validates its output "
  "instead, which holds the same code). "
  "`large.wasm` is made by `scripts/large-component.py`: the `neon:processor` world with "
  "megabytes of function bodies and data, the size of a componentize-py component.")
w("")
w("| work | wirebench | peer | peer ÷ wirebench | peak RSS wirebench / peer |")
w("|---|---|---|---|---|")
for k, p in pairs.items():
    wb = hf(f"{k}.wirebench")
    if p.get("skipped"):
        w(f"| {p['label']} | {fmt_s(wb and wb[0])} | skipped: {p['peer']} not installed | – | "
          f"{fmt_kb(p['wb_rss'])} / – |")
        continue
    pe = hf(f"{k}.peer")
    ratio = f"{pe[0] / wb[0]:.2f}×" if wb and pe else "–"
    w(f"| {p['label']} | {fmt_s(wb and wb[0])} ± {fmt_s(wb and wb[1])} | "
      f"`{p['peer']}` {fmt_s(pe and pe[0])} ± {fmt_s(pe and pe[1])} | {ratio} | "
      f"{fmt_kb(p['wb_rss'])} / {fmt_kb(p['peer_rss'])} |")
w("")
w("Commands (paths shortened):")
w("")
for k, p in pairs.items():
    short = lambda s: re.sub(r"'[^']*/([^/']+)'", r"\1", s)
    w(f"- {p['label']}: `{short(p['wb_cmd'])}` vs `{short(p['peer_cmd'])}`")
w("")
w("## The TUI on the demo")
w("")
w("First frame: the binary runs in a pty (`script`) with `WIREBENCH_EXIT_AFTER_FIRST_FRAME=1`; "
  "the time is when the frame's last byte reached the pty, counted from the pty's start "
  "(so it includes starting the process). Cold: empty compile cache and a fresh demo folder "
  "(written on the way); warm: the same folder and a filled cache. The floor is the same pty "
  "running `wirebench --version`.")
w("")
w("| | median | min | max |")
w("|---|---|---|---|")
for name, xs in (("cold cache", cold), ("warm cache", warm), ("floor: process start", floor)):
    if xs:
        w(f"| {name} | {fmt_s(med(xs))} | {fmt_s(min(xs))} | {fmt_s(max(xs))} |")
if not idle.get("skipped"):
    w("")
    w(f"Idle: after loading the demo (linked mode, 4 instances) the TUI used {idle['ticks']} "
      f"clock ticks (1/{idle['hz']} s) of CPU in {idle['seconds']} s; peak RSS "
      f"{fmt_kb(idle['hwm_kb'])}, {idle['threads']} threads.")
if allocs:
    w("")
    w(f"Heap allocations per frame at 200 nodes: render {allocs[2]}, layout {allocs[1]} "
      f"(a full-screen paragraph: {allocs[0]}).")
w("")
w("## Criterion benches (medians)")
w("")
if not crit:
    w("Not run (`--no-benches`).")
else:
    w("`cargo bench --bench NAME -- --warm-up-time 1 --measurement-time 3`; each row against "
      "the floor of its group.")
    w("")
    groups = [
        ("warm `get` on kv-store (`benches/call.rs`)", "warm get/typed wasmtime call (baseline)",
         ["warm get/dynamic Func::call with Vals (reference)",
          "warm get/full path: parse WAVE, call, format"]),
        ("instantiate kv-store (`benches/call.rs`)",
         "instantiate kv-store/InstancePre::instantiate, fresh store (baseline)",
         ["instantiate kv-store/Session::reset: store, WASI, instances"]),
        ("compile kv-store (`benches/instantiate.rs`)",
         "compile/deserialize_file (mmap)/kv-store",
         ["compile/deserialize from memory (floor)/kv-store", "compile/wasmtime cache hit/kv-store",
          "compile/cold cranelift/kv-store", "session load kv-store/Session::load, warm compile cache"]),
        ("compile http-gateway (`benches/instantiate.rs`)",
         "compile/deserialize_file (mmap)/http-gateway",
         ["compile/deserialize from memory (floor)/http-gateway",
          "compile/wasmtime cache hit/http-gateway", "compile/cold cranelift/http-gateway"]),
        ("instantiate paths (`benches/instantiate.rs`)",
         "instantiate paths kv-store/InstancePre, on-demand allocator",
         ["instantiate paths kv-store/Linker::instantiate (type-checks each time)",
          "instantiate paths kv-store/InstancePre, pooling allocator"]),
        ("TUI at 200 nodes / 400 plugs, 200×60 (`benches/tui.rs`)",
         "tui 200 nodes/draw a full-screen paragraph (floor)",
         ["tui 200 nodes/render", "tui 200 nodes/layout",
          "tui 200 nodes/layout + render (one frame after a change)",
          "tui 200 nodes/App::new (plug report + layout)"]),
        ("compose (`benches/compose.rs`)", "compose/encode_chain_50",
         ["compose/plug_and_encode_chain_50", "compose/encode_chain_50_validated_before"]),
    ]
    for sample in ("kv-store", "data-processor", "http-gateway", "type-zoo"):
        groups.append((f"decode {sample} (`benches/inspect.rs`)",
                       f"decode/wit_component_decode/{sample}",
                       [f"decode/wirebench_model/{sample}", f"decode/summary_text/{sample}"]))
    for case in ("string", "record", "variant", "everything", "nested-list", "path-100"):
        groups.append((f"WAVE parse: {case} (`benches/wave.rs`)",
                       f"wave parse/wasm_wave::from_str (floor)/{case}",
                       [f"wave parse/wirebench call text/{case}"]))
        groups.append((f"WAVE format: {case} (`benches/wave.rs`)",
                       f"wave format/wasm_wave::to_string (floor)/{case}",
                       [f"wave format/wirebench writer/{case}"]))
    w("| group | bench | median | baseline | ratio |")
    w("|---|---|---|---|---|")
    for title, base, rows in groups:
        b = c(base)
        if b is None:
            continue
        w(f"| {title} | {base.split('/', 1)[1]} | {fmt_s(b)} | (baseline) | 1 |")
        for r in rows:
            v = c(r)
            if v is not None:
                w(f"| | {r.split('/', 1)[1]} | {fmt_s(v)} | {fmt_s(b)} | {v / b:.2f}× |")
if reload_rows:
    w("")
    w("Reload (`benches/reload.rs`, p50 / p99 in ms; \"beyond window\" is rename → reload event "
      "minus the debounce window; the instance column is compiling and instantiating the new "
      "code, which changed, so no cache can help):")
    w("")
    w("| sample | decode only | rename → event | beyond window | new instance | rename → instance |")
    w("|---|---|---|---|---|---|")
    for r in reload_rows:
        w(f"| {r[0]} | {r[1]} / {r[2]} | {r[3]} / {r[4]} | {r[5]} / {r[6]} | {r[7]} / {r[8]} | "
          f"{r[9]} / {r[10]} |")
w("")
open(env["OUT"], "w").write("\n".join(out))
PY
echo "wrote $OUT" >&2
