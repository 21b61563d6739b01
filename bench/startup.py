"""Time to first frame, cold process, headless: tunedeck vs a bare Textual app.

Each round starts a fresh interpreter for each app, alternating which goes
first, and times spawn → first frame (the child reports the moment). Prints the medians and their
ratio (target: ≤ 1.3, issue 19). Not a test: run it by hand (`python bench/startup.py`).

tunedeck is started as `tunedeck` starts (tui.cli.main: its parser, settings, the app).
A frame is counted when the App hands it to its driver. tunedeck's first frame is its
shell (title line, key banner, tabs); the first pane is mounted right after it (as issue
19 asks: what the first frame does not need goes after it), and the moment that pane is
on screen is printed too, beside the ratio, with no target.

Until 2026-12-03 the child subclassed the app and called super().on_mount() (Textual
calls every class's on_mount: the app's ran twice), started the app without the CLI's
parser, and reported from an "after refresh" callback that ran before the pane was
painted; the figures in README's history before that date are of that measurement.

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

# Printed by the child: (time.time(), CPU seconds) when it writes its first frame, and
# when it writes the first frame after its first pane is mounted; the parent subtracts its
# own spawn time (same clock: time.time()). The frames are caught where the App hands
# them to the driver (App._display, Textual's own): "after a refresh" callbacks may run
# with nothing painted.
MOMENTS = """
import os, sys, time
moments = []
def moment():
    moments.append(repr(time.time()) + " " + repr(time.process_time()))
def report():
    sys.stdout.write(" ".join(moments))
    sys.stdout.flush()
    os._exit(0)
pane_mounted = [False]
def watch_frames():
    from textual.app import App

    _display = App._display
    def display(self, *args, **kwargs):
        result = _display(self, *args, **kwargs)
        if not moments:
            moment()
        if pane_mounted[0]:
            moment()
            report()
        return result
    App._display = display
"""

BARE = (
    MOMENTS
    + """
watch_frames()
from textual.app import App
from textual.widgets import Static

class Bare(App):
    def compose(self):
        yield Static("hello")
    def on_mount(self):
        pane_mounted[0] = True  # all there in the first frame

Bare().run(headless=True, size=(80, 24))
"""
)

# tunedeck as a user starts it (`tunedeck`: the CLI's parser, settings, then the app),
# with an empty TUNEDECK_HOME and no API key. The hooks go in where `tunedeck` imports the
# app (after it pauses the collector, tui/startup_gc.py), so nothing loads sooner than
# it would.
TUNEDECK = (
    MOMENTS
    + """
import tui.startup_gc

pause = tui.startup_gc.pause

def pause_then_hook():
    pause()
    watch_frames()
    from tui.app import TunedeckApp

    after_first_frame = TunedeckApp._after_first_frame
    async def mark_pane_mounted(self):
        await after_first_frame(self)
        pane_mounted[0] = True
    TunedeckApp._after_first_frame = mark_pane_mounted
    run = TunedeckApp.run
    TunedeckApp.run = lambda self: run(self, headless=True, size=(80, 24))

tui.startup_gc.pause = pause_then_hook
from tui.cli.main import main
main([])
"""
)


Moments = tuple[float, float, float, float]  # first frame (wall, CPU), pane on screen (wall, CPU)


def time_once(code: str, env: dict[str, str]) -> Moments:
    """Wall seconds from spawn and the child's CPU seconds: at the first frame, at the pane."""
    start = time.time()
    done = subprocess.run(
        [sys.executable, "-c", code], check=True, env=env, capture_output=True, text=True
    )
    at1, cpu1, at2, cpu2 = map(float, done.stdout.split())
    return at1 - start, cpu1, at2 - start, cpu2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    # 15: this 2-core machine's speed drifts by ~20% over seconds; medians of 7 moved the
    # ratio by ±0.07 between consecutive runs.
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "TUNEDECK_HOME": home}
        env.pop("OPENAI_API_KEY", None)
        # A user's second start loads its bytecode; with this set (as in some shells and
        # CI images), every source edited since the last write is compiled on every run.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        # Warm the OS file cache and write the bytecode, as a user's second start has them.
        time_once(TUNEDECK, env)
        time_once(BARE, env)
        bare: list[Moments] = []
        deck: list[Moments] = []
        for round_no in range(args.rounds):
            pair = [(BARE, bare), (TUNEDECK, deck)]
            if round_no % 2:
                pair.reverse()
            for code, times in pair:
                times.append(time_once(code, env))

    def median(runs: list[Moments], field: int) -> float:
        return statistics.median(run[field] for run in runs)

    print(f"load average {os.getloadavg()[0]:.2f}, {args.rounds} runs each, medians")
    print(f"first frame  : bare textual {median(bare, 0) * 1000:6.1f} ms "
          f"(CPU {median(bare, 1) * 1000:.0f}), tunedeck {median(deck, 0) * 1000:6.1f} ms "
          f"(CPU {median(deck, 1) * 1000:.0f})")
    print(f"ratio        : {median(deck, 0) / median(bare, 0):.2f}  (target <= 1.3, issue 19); "
          f"CPU ratio {median(deck, 1) / median(bare, 1):.2f}")
    # The shell (title, tabs, footer) is the first frame; the first pane is mounted
    # right after it, and this is when it is on screen too: no target, shown beside.
    print(f"pane shown   : tunedeck {median(deck, 2) * 1000:6.1f} ms "
          f"(CPU {median(deck, 3) * 1000:.0f}), {median(deck, 2) / median(bare, 0):.2f} "
          "of the bare app's first frame")
    # On a shared machine the wall-clock ratio moves with the load; the CPU each child
    # spent until then moves much less.


if __name__ == "__main__":
    main()
