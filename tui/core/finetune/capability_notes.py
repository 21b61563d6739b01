"""A job's provider in a few plain lines: where its progress comes from, what it cannot do,
and whether its tuned model needs a step before it answers (the job detail shows them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.core.finetune.port import Feature

if TYPE_CHECKING:
    from tui.core.config import Profile

# How each missing feature changes what the detail shows, before the provider's reason.
_EFFECT = {
    Feature.EVENTS: "Events are made from the job's states and progress",
    Feature.CHECKPOINTS: "No checkpoints tab to fill",
    Feature.METRICS: "No per-step metrics: the charts stay empty",
    Feature.RESULT_FILE: "No result CSV: tunedeck builds one from the metrics",
}
# Features whose absence only matters as "this key does nothing here".
_KEYS = {Feature.CANCEL: "c", Feature.PAUSE: "z", Feature.RESUME: "u"}


def needs_deploy_step(profile: Profile) -> bool:
    from tui.core.finetune.factory import capabilities_for

    return not capabilities_for(profile).can(Feature.SERVES_AT_ONCE)


def capability_lines(profile: Profile) -> list[str]:
    """What the detail of a job on `profile` should say about its provider ([] for none)."""
    from tui.core.finetune.factory import capabilities_for, rules_of

    caps, who = capabilities_for(profile), rules_of(profile).provider
    out: list[str] = []
    for feature, effect in _EFFECT.items():
        why = caps.why_not(feature)
        if why:
            out.append(f"{effect}: {why}.")
    keys = [f"{key} ({caps.why_not(feature)})" for feature, key in _KEYS.items()
            if not caps.can(feature)]
    if keys:
        out.append("Keys that do nothing on " + who + ": " + "; ".join(keys) + ".")
    serve = caps.why_not(Feature.SERVES_AT_ONCE)
    if serve:
        out.append(f"Before it answers: {serve}. d makes it answer (or says how).")
    return [f"{who} · {line}" for line in out]
