#!/usr/bin/env python3
"""Makes a large component for the side-by-side benchmark, the size of what componentize-py or
componentize-js produce (~18 MB: megabytes of function bodies and of data), with the
`neon:processor` world of the samples, so it plugs onto kv-store like data-processor does.

    scripts/large-component.py OUT.wasm [--code-mb 6] [--data-mb 10]

Needs `wasm-tools`. The bodies are real code (loops, loads and stores, arithmetic of every
type, calls), deterministic, and valid: validating them costs what validating compiled code does.
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

BODY = """
    (local.set 2 (i32.add (local.get 2) (i32.load offset=8 (local.get 0))))
    (i64.store offset=16 (local.get 1)
      (i64.mul (i64.extend_i32_u (local.get 2)) (i64.const {k})))
    (local.set 3 (i64.xor (local.get 3) (i64.load offset=24 (local.get 1))))
    (local.set 4 (f64.add (local.get 4) (f64.convert_i32_s (local.get 2))))
    (br_if 1 (i32.gt_u (local.get 2) (i32.const {limit})))
    (local.set 0 (i32.add (local.get 0) (i32.const 4)))"""


def function(i, repeat):
    body = "".join(BODY.format(k=i * 7 + r, limit=1000 + r) for r in range(repeat))
    fallback = f"(call $g{i - 1} (local.get 0) (local.get 2))" if i else "(local.get 2)"
    return (
        f"  (func $g{i} (param i32 i32) (result i32) (local i32 i64 f64)\n"
        f"    (local.set 2 (i32.const {i}))\n"
        f"    (block (loop {body}\n      (br 0)))\n"
        f"    (if (result i32) (i32.eqz (local.get 1))\n"
        f"      (then {fallback})\n"
        f"      (else (i32.add (i32.trunc_f64_s (local.get 4)) (i32.wrap_i64 (local.get 3))))))\n"
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--code-mb", type=float, default=6)
    ap.add_argument("--data-mb", type=float, default=10)
    args = ap.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        wit = os.path.join(tmp, "wit")
        os.makedirs(os.path.join(wit, "deps"))
        for src, dst in [("processor/processor.wit", "processor.wit"),
                         ("kv-store/store.wit", "deps/store.wit")]:
            with open(os.path.join(ROOT, "wit", src)) as f, open(os.path.join(wit, dst), "w") as g:
                g.write(f.read())
        dummy = os.path.join(tmp, "dummy.wasm")
        subprocess.run(["wasm-tools", "component", "embed", "--dummy", wit, "--world",
                        "processor", "-o", dummy], check=True)
        wat = subprocess.run(["wasm-tools", "print", dummy], check=True, capture_output=True,
                             text=True).stdout.rstrip()
        assert wat.endswith(")"), "unexpected wasm-tools print output"
        repeat = 3
        per_function = 71 * repeat  # bytes of code, about
        functions = int(args.code_mb * 1e6 / per_function)
        segment = 64 * 1024
        segments = int(args.data_mb * 1e6 / segment)
        path = os.path.join(tmp, "large.wat")
        with open(path, "w") as f:
            f.write(wat[:-1])
            for i in range(functions):
                f.write(function(i, repeat))
            for _ in range(segments):
                data = rng.randbytes(segment)
                f.write('  (data "' + "".join(f"\\{b:02x}" for b in data) + '")\n')
            f.write(")\n")
        core = os.path.join(tmp, "large-core.wasm")
        subprocess.run(["wasm-tools", "parse", path, "-o", core], check=True)
        subprocess.run(["wasm-tools", "component", "new", core, "-o", args.out], check=True)
    print(f"{args.out}: {os.path.getsize(args.out) / 1e6:.1f} MB, {functions} functions, "
          f"{segments} data segments", file=sys.stderr)


if __name__ == "__main__":
    main()
