"""Azure OpenAI's v1 API (`/openai/v1`) and its deployments (`/azure-management/…`).

The OpenAI routes serve `/openai/v1` too; this module holds what Azure does differently:

* `trainingType` (Standard | GlobalStandard | Developer) is accepted on a job and shown
  on it; anything else is Azure's 400;
* a suffix with a dot is refused with Azure's 400 (`invalidPayload`): Azure names a tuned
  model `<base>.ft-<job>[-<suffix>]`, dots are its separators;
* a tuned model answers only through a deployment, called by the deployment's name
  (`DeploymentNotFound` otherwise). Deployments are made through ARM:
  `PUT /azure-management/subscriptions/S/resourceGroups/G/providers/
  Microsoft.CognitiveServices/accounts/R/deployments/NAME?api-version=…`, answered
  `Creating` and `Succeeded` a sandbox second later, as Azure does (in minutes).
  The sandbox's own key stands in for the Entra token. Base models answer by their
  name, as if deployed under it.
"""

from __future__ import annotations

import re
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tui.sandbox.dialects import AZURE, MODEL_RESOLVERS, owns
from tui.sandbox.errors import APIError
from tui.sandbox.web import body, ok, path, sandbox

TRAINING_TYPES = ("Standard", "GlobalStandard", "Developer")
DEPLOY_SECONDS = 1.0  # sandbox seconds a deployment stays "Creating"


def training_type(value: Any) -> str | None:
    if value is None:
        return None
    for known in TRAINING_TYPES:
        if isinstance(value, str) and value.lower() == known.lower():
            return known
    raise APIError(400, f"The training type '{value}' is not supported. Supported values: "
                   f"{', '.join(TRAINING_TYPES)}.", param="trainingType", code="invalidPayload")


def check_suffix(suffix: Any) -> None:
    if isinstance(suffix, str) and "." in suffix:
        raise APIError(400, f"The specified suffix '{suffix}' is invalid: the suffix can't "
                       "contain dot/period characters.", param="suffix", code="invalidPayload")


def model_name(base: str, job_id: str, suffix: str | None) -> str:
    tail = re.sub(r"[^0-9a-f]", "", job_id.split("-", 1)[-1])[:32]
    return f"{base}.ft-{tail}" + (f"-{suffix}" if suffix else "")


def resolve(sb: Any, name: str) -> str:
    """The model an Azure request calls: a deployment's, or a base model by its own name."""
    record = sb.state.get("deployments", name)
    if record is not None:
        if _state(sb, record) != "Succeeded":
            raise APIError(404, f"The API deployment {name} is still being created. Please "
                           "wait a moment and try again.", code="DeploymentNotReady")
        return record["_model"]
    if name in sb.engine.base_models():
        return name
    raise APIError(404, "The API deployment for this resource does not exist. If you created "
                   "the deployment within the last 5 minutes, please wait a moment and try "
                   "again.", code="DeploymentNotFound")


def _state(sb: Any, record: dict[str, Any]) -> str:
    if record.get("_failed"):
        return "Failed"
    ready = record["_created"] + DEPLOY_SECONDS / sb.speed
    return "Succeeded" if time.time() >= ready else "Creating"


def _arm_json(sb: Any, record: dict[str, Any]) -> dict[str, Any]:
    return {"id": record["_arm_id"], "name": record["id"],
            "type": "Microsoft.CognitiveServices/accounts/deployments",
            "sku": record["_sku"],
            "properties": {"model": record["_model_spec"],
                           "provisioningState": _state(sb, record)}}


def _arm_error(status: int, code: str, message: str) -> Response:
    import orjson

    return Response(orjson.dumps({"error": {"code": code, "message": message}}),
                    status_code=status, media_type="application/json")


async def put_deployment(request: Request) -> Response:
    sb, data = sandbox(request), await body(request)
    name = path(request, "name")
    spec = (data.get("properties") or {}).get("model") or {}
    model = spec.get("name")
    sku = data.get("sku") or {}
    if not isinstance(model, str) or spec.get("format") != "OpenAI":
        return _arm_error(400, "InvalidResourceProperties",
                          "properties.model needs format 'OpenAI' and a name.")
    tuned = sb.state.get("models", model)
    if not (owns(tuned, AZURE) or model in sb.engine.base_models()):
        return _arm_error(400, "DeploymentModelNotSupported",
                          f"The model '{model}' is not a model of this resource.")
    if not isinstance(sku.get("name"), str):
        return _arm_error(400, "InvalidResourceProperties", "sku.name is required.")
    arm_id = request.url.path.removeprefix("/azure-management")
    record = {"id": name, "_dialect": AZURE, "_model": model, "_model_spec": spec,
              "_sku": {"name": sku["name"], "capacity": int(sku.get("capacity") or 1)},
              "_created": time.time(), "_arm_id": arm_id}
    existed = sb.state.get("deployments", name) is not None
    sb.state.put("deployments", record)
    return ok(_arm_json(sb, record), 200 if existed else 201)


async def get_deployment(request: Request) -> Response:
    sb = sandbox(request)
    record = sb.state.get("deployments", path(request, "name"))
    if record is None:
        return _arm_error(404, "DeploymentNotFound",
                          f"Deployment '{path(request, 'name')}' could not be found.")
    return ok(_arm_json(sb, record))


_ARM = ("/subscriptions/{subscription}/resourceGroups/{group}/providers/"
        "Microsoft.CognitiveServices/accounts/{account}/deployments/{name}")

ARM_ROUTES = [
    Route(_ARM, put_deployment, methods=["PUT"]),
    Route(_ARM, get_deployment, methods=["GET"]),
]


MODEL_RESOLVERS[AZURE] = resolve
