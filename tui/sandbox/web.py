"""Small request/response helpers shared by the route modules."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from tui.sandbox.errors import bad_request
from tui.sandbox.service import Sandbox


def sandbox(request: Request) -> Sandbox:
    return request.app.state.sandbox


def ok(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


async def body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise bad_request("We could not parse the JSON body of your request.") from None
    if not isinstance(data, dict):
        raise bad_request("The request body must be a JSON object.")
    return data


def require(data: dict[str, Any], key: str, kind: type | tuple[type, ...] = str) -> Any:
    value = data.get(key)
    if value is None:
        raise bad_request(f"Missing required parameter: '{key}'.", key, "missing_required_parameter")
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise bad_request(f"Invalid type for '{key}'.", key, "invalid_type")
    return value


def optional(data: dict[str, Any], key: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, kind) or isinstance(value, bool) and kind not in (bool, (bool,)):
        raise bad_request(f"Invalid type for '{key}'.", key, "invalid_type")
    return value


def path(request: Request, name: str) -> str:
    return request.path_params[name]


def check_metadata(value: Any, param: str = "metadata") -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request("metadata must be an object of string pairs", param)
    if len(value) > 16:
        raise bad_request(f"metadata has {len(value)} pairs; at most 16 are allowed", param)
    for k, v in value.items():
        if not isinstance(v, str) or len(k) > 64 or len(v) > 512:
            raise bad_request("metadata keys are strings of at most 64 characters and values "
                              "strings of at most 512", param)
    return value
