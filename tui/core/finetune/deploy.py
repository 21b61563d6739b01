"""Azure's deployment step: a tuned model answers only through a deployment.

With subscription, resource_group, resource and management_token_env in the profile,
the deployment is created through Azure's management API (ARM):

    PUT {management}/subscriptions/S/resourceGroups/G/providers/
        Microsoft.CognitiveServices/accounts/R/deployments/NAME?api-version=2024-10-21

with the Entra token the named variable holds (`az account get-access-token --resource
https://management.azure.com` prints one). `management_base_url` points elsewhere (the
sandbox serves the same route under /azure-management). Without them, the exact
`az cognitiveservices account deployment create …` command is given to run by hand; a
deployment made that way is found by calling it by name.

The deployment is stored (store.deployments): fine-tuned model -> deployment name.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import time
from typing import TYPE_CHECKING, Any

from tui.core.finetune.port import Answerable
from tui.core.secrets import redact

if TYPE_CHECKING:
    from store import Store
    from tui.core.config import Profile

MANAGEMENT = "https://management.azure.com"
ARM_API_VERSION = "2024-10-21"
# Azure's deployment SKUs for each training type (Developer trains and serves cheaply).
SKUS = {"Standard": "standard", "GlobalStandard": "GlobalStandard",
        "Developer": "DeveloperTier"}
POLL_S = 5.0
WAIT_S = 600.0  # a fine-tuned deployment usually takes minutes


def arm_ready(profile: Profile) -> bool:
    return all((profile.subscription, profile.resource_group, profile.resource,
                profile.management_token_env))


def deployment_name(model: str) -> str:
    """A deployment name for `model`: letters, digits, '-' and '_', at most 64 characters."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", model).strip("-")
    return name[:64].rstrip("-") or "tunedeck-model"


def sku_for(training_type: str | None) -> str:
    return SKUS.get(training_type or "Standard", "standard")


def arm_url(profile: Profile, name: str) -> str:
    base = (profile.management_base_url or MANAGEMENT).rstrip("/")
    return (f"{base}/subscriptions/{profile.subscription}/resourceGroups/"
            f"{profile.resource_group}/providers/Microsoft.CognitiveServices/accounts/"
            f"{profile.resource}/deployments/{name}?api-version={ARM_API_VERSION}")


def az_command(profile: Profile, model: str, name: str, sku: str) -> str:
    """The command that creates the deployment by hand; unknown parts as <placeholders>."""
    parts = ["az", "cognitiveservices", "account", "deployment", "create",
             "--resource-group", profile.resource_group or "<resource-group>",
             "--name", profile.resource or _resource_of(profile) or "<resource-name>",
             "--deployment-name", name, "--model-name", model, "--model-version", "1",
             "--model-format", "OpenAI", "--sku-name", sku, "--sku-capacity", "1"]
    if profile.subscription:
        parts += ["--subscription", profile.subscription]
    return " ".join(p if p.startswith("<") else shlex.quote(p) for p in parts)


def _resource_of(profile: Profile) -> str | None:
    found = re.match(r"https?://([^.]+)\.openai\.azure\.com", profile.base_url or "")
    return found.group(1) if found else None


def arm_body(model: str, sku: str) -> dict[str, Any]:
    return {"sku": {"name": sku, "capacity": 1},
            "properties": {"model": {"format": "OpenAI", "name": model, "version": "1"}}}


async def answers(client: Any, name: str) -> bool:
    """Whether a deployment of this name answers (one tiny request; 404: it does not)."""
    import openai

    try:
        await client.chat.completions.create(
            model=name, messages=[{"role": "user", "content": "ping"}], max_tokens=1)
    except openai.NotFoundError:
        return False
    return True


async def ensure_deployment(provider: Any, store: Store, model: str,
                            training_type: str | None, *, wait_s: float = WAIT_S,
                            poll_s: float = POLL_S) -> Answerable:
    profile: Profile = provider.profile
    for known in store.deployments.for_model(model, profile.name):
        if known.status == "succeeded":
            return Answerable(model=known.name, ready=True, deployment=known.name,
                              message=f"{model} answers as deployment {known.name}")
    name = deployment_name(model)
    sku = sku_for(training_type)
    if not arm_ready(profile):
        if await answers(provider.inference_client(), name):
            store.deployments.record(profile.name, model, name, "succeeded", {"how": "by hand"})
            return Answerable(model=name, ready=True, deployment=name,
                              message=f"{model} answers as deployment {name}")
        command = az_command(profile, model, name, sku)
        store.deployments.record(profile.name, model, name, "instructions",
                                 {"command": command})
        return Answerable(model=name, ready=False, deployment=name, command=command,
                          message=f"{model} answers only once deployed. Create the deployment "
                                  f"{name} (or name subscription, resource_group, resource and "
                                  "management_token_env in the profile for tunedeck to do it), "
                                  "then try again")
    token = os.environ.get(profile.management_token_env or "")
    if not token:
        return Answerable(model=name, ready=False, deployment=name,
                          message=f"${profile.management_token_env} holds no Entra token: "
                                  "export it (az account get-access-token --resource "
                                  "https://management.azure.com --query accessToken -o tsv)")
    state, detail = await _arm_deploy(profile, token, name, model, sku, wait_s, poll_s)
    status = {"Succeeded": "succeeded", "Failed": "failed", "Canceled": "failed"}.get(
        state, "creating")
    store.deployments.record(profile.name, model, name, status, {"state": state, **detail})
    if status == "succeeded":
        return Answerable(model=name, ready=True, deployment=name,
                          message=f"Deployed {model} as {name}")
    if status == "failed":
        reason = detail.get("message") or state
        return Answerable(model=name, ready=False, deployment=name,
                          message=f"Azure could not deploy {model} as {name}: {reason}")
    return Answerable(model=name, ready=False, deployment=name,
                      message=f"The deployment {name} is still being created ({state}); "
                              "ask again in a few minutes")


async def _arm_deploy(profile: Profile, token: str, name: str, model: str, sku: str,
                      wait_s: float, poll_s: float) -> tuple[str, dict[str, Any]]:
    import httpx2

    url = arm_url(profile, name)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with httpx2.AsyncClient(timeout=60.0) as http:
        response = await http.put(url, json=arm_body(model, sku), headers=headers)
        if response.status_code >= 400:
            return "Failed", {"status": response.status_code, "message": _arm_error(response)}
        deadline = time.monotonic() + wait_s
        while True:
            state = _state(response)
            if state in ("Succeeded", "Failed", "Canceled") or time.monotonic() >= deadline:
                return state, {}
            await asyncio.sleep(poll_s)
            response = await http.get(url, headers=headers)
            if response.status_code >= 400:
                return "Failed", {"status": response.status_code,
                                  "message": _arm_error(response)}


def _state(response: Any) -> str:
    try:
        return str(response.json().get("properties", {}).get("provisioningState") or "Creating")
    except ValueError:
        return "Creating"


def _arm_error(response: Any) -> str:
    try:
        error = response.json().get("error") or {}
        text = f"{error.get('code', response.status_code)}: {error.get('message', '')}"
    except ValueError:
        text = f"HTTP {response.status_code}"
    return redact(text)
