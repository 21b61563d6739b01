"""Other providers' APIs on the sandbox: the same engine, state and job lifecycle.

Each dialect is an HTTP and shape layer only: it parses the provider's requests into
the sandbox's internal (OpenAI-shaped) job and file records, starts the one job
lifecycle (tui.sandbox.job_lifecycle) on the one engine, and answers in the shapes the
provider's own SDK parses. Objects remember the dialect that made them (`_dialect`),
so each provider lists only its own, as separate accounts would.

Mounted by tui.sandbox.asgi:

* `/v1`             OpenAI (routes/)
* `/openai/v1`      Azure OpenAI v1 (the OpenAI routes with Azure's quirks, azure.py),
                    and `/azure-management/…` its deployments (ARM)
* `/bedrock/v1`     Bedrock's OpenAI-compatible endpoint (no suffix)
* `/together/v1`    Together (together.py): `Together(base_url=".../together")`
* `/fireworks/v1`   Fireworks (fireworks.py): `Fireworks(base_url=".../fireworks")`,
                    chat also under `/fireworks/inference/v1` (the real API's place)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

OPENAI, AZURE, BEDROCK, TOGETHER, FIREWORKS = "openai", "azure", "bedrock", "together", \
    "fireworks"

# Path prefix -> dialect; the longest matching prefix wins.
PREFIXES = {
    "/v1": OPENAI,
    "/openai/v1": AZURE,
    "/azure-management": AZURE,
    "/bedrock/v1": BEDROCK,
    "/together/v1": TOGETHER,
    "/fireworks/v1": FIREWORKS,
    "/fireworks/inference/v1": FIREWORKS,
}
# Signed upload URLs: the token in the path is the credential, as with a cloud bucket.
UNAUTHENTICATED = ("/together/upload/", "/fireworks/upload/", "/fireworks/files/")


def dialect_of_path(path: str) -> str | None:
    best = None
    for prefix, name in PREFIXES.items():
        if (path == prefix or path.startswith(prefix + "/")) and (
                best is None or len(prefix) > len(best[0])):
            best = (prefix, name)
    return best[1] if best else None


def dialect(request: Any) -> str:
    return str(request.scope.get("state", {}).get("dialect") or OPENAI)


def mine(records: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """The records a dialect's account sees (records from before dialects are OpenAI's)."""
    return [r for r in records if (r.get("_dialect") or OPENAI) == name]


def owns(record: dict[str, Any] | None, name: str) -> bool:
    return record is not None and (record.get("_dialect") or OPENAI) == name


# Filled in by the dialect modules (azure.py, fireworks.py) when tui.sandbox.asgi imports
# them to mount their routes: a dialect whose chat names a deployment or a loaded LoRA
# maps that name to the model that answers. A registry, not imports from here, so the
# OpenAI routes that call resolve_model and the dialects built on those routes form no
# import cycle.
MODEL_RESOLVERS: dict[str, Callable[[Any, str], str]] = {}


def resolve_model(request: Any, sb: Any, model: str) -> str:
    """The sandbox model a dialect's chat request calls (Azure: a deployment's model;
    Fireworks: a loaded LoRA); a model another dialect trained is unknown here."""
    from tui.sandbox.errors import APIError

    where = dialect(request)
    resolver = MODEL_RESOLVERS.get(where)
    if resolver is not None:
        model = resolver(sb, model)
    record = sb.state.get("models", model)
    if record is not None and not owns(record, where):
        raise APIError(404, f"The model `{model}` does not exist or you do not have access "
                       "to it.", param="model", code="model_not_found")
    return model
