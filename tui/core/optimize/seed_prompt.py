"""An eval opened from a file carries its prompt as `input_messages`, not as a saved
prompt version; Optimize needs a version to start from (its lineage names the
parent). Rather than send a new user to the Playground to retype it, the eval's
own template becomes the seed: saved under the eval's name (an unchanged save
returns the same version) and linked to the eval, as "use a saved prompt" does.
"""

from __future__ import annotations

from typing import Any


def seed_from_eval(store: Any, eval_id: int) -> int | None:
    """The prompt version an optimization of this eval starts from: the last one its runs
    used, else the eval's own template messages saved as a version; None when the
    eval has no template of plain text messages to start from."""
    used = [r.prompt_version_id for r in store.evals.runs(eval_id) if r.prompt_version_id]
    if used:
        return used[-1]
    row = store.evals.get(eval_id)
    if row.prompt_version_id:
        return row.prompt_version_id
    template = row.input_messages
    if not isinstance(template, dict) or template.get("type") != "template":
        return None
    messages = template.get("template") or []
    if not messages or not all(isinstance(m, dict) and isinstance(m.get("content"), str)
                               for m in messages):
        return None  # content parts (images, files) are not text a reflection can edit
    runs = store.evals.runs(eval_id)
    model = next((r.model for r in reversed(runs) if r.model), None)
    version = store.prompts.save(
        row.name, [{"role": m.get("role", "user"), "content": m["content"]} for m in messages],
        model=model, note=f"the input messages of eval {row.name!r}")
    store.evals.update(eval_id, prompt_version_id=version.id)
    return version.id
