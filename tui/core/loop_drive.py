"""Drive a stored loop with the right providers: what the CLI, the TUI and retrain share.

The loop's profile gives the fine-tuning port (and the client its evals sample with);
a retrain's baseline runs on the replaced model's own profile, with that profile's
client. Both are closed when the drive ends, however it ends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from store.records import Loop
from tui.core.config import Capability, Settings


def loop_options(settings: Settings, profile: Any, *, poll_s: float | None = None,
                 allow_unsandboxed_graders: bool = False) -> Any:
    from tui.core import loop as loops
    from tui.core.evals.service import options_for
    from tui.core.pricing import training_prices_for

    runner = options_for(profile, settings)
    # The command line's opt-in adds to config.toml's, never takes it away.
    runner.allow_unsandboxed_graders |= allow_unsandboxed_graders
    return loops.LoopOptions(
        runner=runner, poll_s=poll_s or settings.poll_interval_s,
        training_prices=training_prices_for(profile.kind, settings.prices.training,
                                            profile=profile))


async def drive_loop(store: Any, settings: Settings, loop_id: int, *,
                     poll_s: float | None = None, say: Callable[[str], None] | None = None,
                     on_progress: Callable[[Any], None] | None = None,
                     started: Callable[[Any], None] | None = None,
                     provider: Any = None, allow_unsandboxed_graders: bool = False) -> Loop:
    """Advance the loop until it ends, is cancelled or waits; `started` gets the driver
    (to cancel it from elsewhere). `provider` replaces the loop profile's own (tests)."""
    from tui.core import loop as loops
    from tui.core.finetune import provider_for
    from tui.core.providers import make_client, require

    loop = store.loops.get(loop_id)
    profile = settings.profile(loop.profile)
    require(profile, Capability.FINE_TUNING)
    own = provider is None
    provider = provider or provider_for(profile, max_retries=2)
    baseline = None
    _, baseline_profile = loop.baseline
    if baseline_profile != loop.profile:
        baseline = make_client(settings.profile(baseline_profile), max_retries=2)
    try:
        driver = loops.LoopDriver(store, loop_id, provider=provider,
                                  options=loop_options(
                                      settings, profile, poll_s=poll_s,
                                      allow_unsandboxed_graders=allow_unsandboxed_graders),
                                  say=say, on_progress=on_progress, baseline_client=baseline)
        if started is not None:
            started(driver)
        return await driver.drive()
    finally:
        if baseline is not None:
            await baseline.close()
        if own:
            await provider.close()
