"""Time to first frame, cold process, headless: tunedeck vs a bare Textual app.

Each round starts a fresh interpreter for each app, alternating which goes
first, and times spawn → first frame (the child reports the moment). Prints the medians and their
ratio (target: ≤ 1.3, issue 19). Not a test: run it by hand (`python bench/startup.py`).

Both apps are given their size (80×24), as a terminal gives it: headless with a
pipe for stdout, Rich's console says 80×25 and the driver 80×24, and the screen
is laid out a second time when the two disagree (a terminal reports one size to
both), which cost the bigger app more (~15-25 ms of CPU here) than the bare one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

# Printed by the child when its first frame has been rendered; the parent
# subtracts its own spawn time (same clock: time.time()).
FIRST_FRAME = """
import os, sys, time
def first_frame():
    sys.stdout.write(repr(time.time()) + " " + repr(time.process_time()))
    sys.stdout.flush()
    os._exit(0)
"""

BARE = (
    FIRST_FRAME
    + """
from textual.app import App
from textual.widgets import Static

class Bare(App):
    def compose(self):
        yield Static("hello")
    def on_mount(self):
        self.call_after_refresh(first_frame)

Bare().run(headless=True, size=(80, 24))
"""
)

TUNEDECK = (
    FIRST_FRAME
    + """
from pathlib import Path
import os
from tui.app import TunedeckApp
from tui.core.config import load_settings

class FirstFrame(TunedeckApp):
    def on_mount(self):
        super().on_mount()
        self.call_after_refresh(first_frame)

FirstFrame(settings=load_settings(), db_path=Path(os.environ["TUNEDECK_HOME"]) / "t.db").run(
    headless=True, size=(80, 24)
)
"""
)


def time_once(code: str, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds from spawn to first frame, the child's CPU seconds until then)."""
    start = time.time()
    done = subprocess.run(
        [sys.executable, "-c", code], check=True, env=env, capture_output=True, text=True
    )
    at, cpu = done.stdout.split()
    return float(at) - start, float(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "TUNEDECK_HOME": home}
        env.pop("OPENAI_API_KEY", None)
        # A user's second start loads its bytecode; with this set (as in some shells and
        # CI images), every source edited since the last write is compiled on every run.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        # Warm the OS file cache and create the database once, as a real second start would.
        time_once(TUNEDECK, env)
        time_once(BARE, env)
        bare: list[tuple[float, float]] = []
        deck: list[tuple[float, float]] = []
        for round_no in range(args.rounds):
            pair = [(BARE, bare), (TUNEDECK, deck)]
            if round_no % 2:
                pair.reverse()
            for code, times in pair:
                times.append(time_once(code, env))
    bare_s, deck_s = (statistics.median(t for t, _ in runs) for runs in (bare, deck))
    bare_cpu, deck_cpu = (statistics.median(c for _, c in runs) for runs in (bare, deck))
    print(f"load average {os.getloadavg()[0]:.2f}")
    print(f"bare textual : median {bare_s * 1000:7.1f} ms over {args.rounds} runs "
          f"(CPU {bare_cpu * 1000:.0f} ms)")
    print(f"tunedeck     : median {deck_s * 1000:7.1f} ms over {args.rounds} runs "
          f"(CPU {deck_cpu * 1000:.0f} ms)")
    print(f"ratio        : {deck_s / bare_s:.2f}  (target <= 1.3, issue 19)")
    # On a shared machine the wall-clock ratio moves with the load; the CPU each child
    # spent until its first frame moves much less.
    print(f"CPU ratio    : {deck_cpu / bare_cpu:.2f}")


if __name__ == "__main__":
    main()
