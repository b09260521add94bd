"""`neon:processor` in Python: the same contract as the Rust data-processor.

Uppercases text and keeps a call counter in the imported `neon:kv-store` component, so it can
replace `data-processor.wasm` in a composition without the gateway or the store noticing.
Built into a component by `build.sh` with componentize-py.
"""

from typing import Optional

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports.transform import Stats
from wit_world.imports import store

# kv-store key holding the number of successful `process` calls.
COUNT_KEY = "processed-count"
# kv-store key holding the input of the last successful `process` call.
LAST_INPUT_KEY = "last-input"

U32_MAX = 2**32 - 1
U64_MAX = 2**64 - 1


def _parse_count(text: str) -> int:
    """Reads a stored count the way Rust's `str::parse::<u64>` does; anything else is 0."""
    t = text.strip()
    if t.startswith("+"):
        t = t[1:]
    if not (t.isascii() and t.isdigit()):
        return 0
    n = int(t)
    return n if n <= U64_MAX else 0


def _lines(text: str) -> int:
    """Counts lines like Rust's `str::lines`: a trailing newline does not start a new line."""
    parts = text.split("\n")
    if parts[-1] == "":
        parts.pop()
    return len(parts)


class Transform(exports.Transform):
    def process(self, input: str) -> str:
        if input == "":
            raise Err("input is empty")
        try:
            current: Optional[str] = store.get(COUNT_KEY)
        except Err as e:
            raise Err(f"kv-store get `{COUNT_KEY}` failed: {e.value}")
        previous = _parse_count(current) if current is not None else 0
        count = min(previous + 1, U64_MAX)
        try:
            store.set(LAST_INPUT_KEY, input)
        except Err as e:
            raise Err(f"kv-store set `{LAST_INPUT_KEY}` failed: {e.value}")
        try:
            store.set(COUNT_KEY, str(count))
        except Err as e:
            raise Err(f"kv-store set `{COUNT_KEY}` failed: {e.value}")
        return f"processed #{count}: {input.upper()}"

    def analyze(self, input: str) -> Stats:
        return Stats(
            words=min(len(input.split()), U32_MAX),
            chars=min(len(input), U32_MAX),
            lines=min(_lines(input), U32_MAX),
        )

    def last_input(self) -> Optional[str]:
        # The WIT signature has no error channel; a failing store reads as "nothing yet".
        try:
            return store.get(LAST_INPUT_KEY)
        except Err:
            return None
