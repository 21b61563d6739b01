"""Rules for one list of chat messages (and the tools beside it), shared by every format.

Messages name the field they are about (`messages[2].role: …`), as the
service's own errors do. Each check appends `(category, message)` to the
example's error or warning list; nothing here raises on any JSON value.
"""

from __future__ import annotations

import base64
import binascii
import re

import orjson

from tui.core.datasets.tokens import SPECIAL_TOKEN_STRINGS

SFT_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
RFT_ROLES = frozenset({"developer", "user", "assistant", "tool"})
ROLE_KEYS: dict[str, frozenset[str]] = {
    "system": frozenset({"role", "content", "name"}),
    "developer": frozenset({"role", "content", "name"}),
    "user": frozenset({"role", "content", "name"}),
    "assistant": frozenset({"role", "content", "name", "tool_calls", "function_call", "weight",
                            "refusal"}),
    "tool": frozenset({"role", "content", "tool_call_id"}),
    "function": frozenset({"role", "content", "name"}),
}
ALL_MESSAGE_KEYS = frozenset().union(*ROLE_KEYS.values())
MAX_IMAGES = 10
MAX_IMAGE_BYTES = 10 * 1024 * 1024
IMAGE_MIME = frozenset({"image/jpeg", "image/jpg", "image/png", "image/webp"})
_FUNCTION_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


def json_type(value: object) -> str:
    """The JSON name of a parsed value's type, for messages."""
    if value is None:
        return "null"
    if type(value) is bool:
        return "boolean"
    if type(value) in (int, float):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


def special_token_in(text: str) -> str | None:
    if "<|" in text:
        for token in SPECIAL_TOKEN_STRINGS:
            if token in text:
                return token
    return None


class Example:
    """What the checks learn about one example while they run."""

    __slots__ = ("err", "warn", "check_special", "images", "uses_tools", "declared_tools",
                 "call_ids", "assistants", "trainable", "users")

    def __init__(self, check_special: bool) -> None:
        self.err: list[tuple[str, str]] = []
        self.warn: list[tuple[str, str]] = []
        self.check_special = check_special
        self.images = 0
        self.uses_tools = False
        self.declared_tools: set[str] | None = None
        self.call_ids: set[str] = set()
        self.assistants = 0
        self.trainable = 0
        self.users = 0

    def text(self, text: str, path: str) -> None:
        if self.check_special:
            token = special_token_in(text)
            if token is not None:
                self.err.append(("special_token", f"{path}: contains the special token {token!r}"))


def check_messages(ex: Example, messages: object, path: str, roles: frozenset[str], *,
                   allow_weight: bool, rft: bool = False) -> bool:
    """Check a messages list; False when it is not a non-empty list at all."""
    if type(messages) is not list:
        what = "missing" if messages is None else f"expected a list, got {json_type(messages)}"
        ex.err.append(("missing_messages_list", f"{path}: {what}"))
        return False
    if not messages:
        ex.err.append(("missing_messages_list", f"{path}: empty list"))
        return False
    for i, message in enumerate(messages):
        check_message(ex, message, f"{path}[{i}]", roles, allow_weight=allow_weight, rft=rft)
    return True


def check_message(ex: Example, m: object, at: str, roles: frozenset[str], *,
                  allow_weight: bool, rft: bool = False) -> None:
    err = ex.err
    if type(m) is not dict:
        err.append(("data_type", f"{at}: expected an object, got {json_type(m)}"))
        return
    role = m.get("role")
    if role is None:
        err.append(("message_missing_key", f"{at}: missing key 'role'"))
    elif type(role) is not str:
        err.append(("data_type", f"{at}.role: expected a string, got {json_type(role)}"))
        role = None
    elif role not in roles:
        if rft and role == "system":
            err.append(("rft_system_role",
                        f"{at}.role: 'system' is not allowed in reinforcement examples; use 'developer'"))
        else:
            err.append(("unrecognized_role", f"{at}.role: unrecognized role {role!r}"))
        role = None
    allowed = ROLE_KEYS[role] if role is not None else ALL_MESSAGE_KEYS
    if not m.keys() <= allowed or (not allow_weight and "weight" in m):
        for key in m:
            if key not in allowed:
                where = f"on a {role} message" if key in ALL_MESSAGE_KEYS else "in a message"
                err.append(("message_unrecognized_key", f"{at}.{key}: not allowed {where}"))
            elif key == "weight" and not allow_weight:
                err.append(("message_unrecognized_key",
                            f"{at}.weight: only supervised examples take a weight"))
    name = m.get("name")
    if name is not None:
        if type(name) is not str:
            err.append(("data_type", f"{at}.name: expected a string, got {json_type(name)}"))
        else:
            ex.text(name, f"{at}.name")
    if role == "assistant":
        _check_assistant(ex, m, at, allow_weight)
    elif role == "tool":
        _check_tool_message(ex, m, at)
    else:
        if role == "user":
            ex.users += 1
        elif role == "function":
            ex.uses_tools = True
        if "content" not in m:
            err.append(("message_missing_key", f"{at}: missing key 'content'"))
        else:
            _check_content(ex, m["content"], f"{at}.content", role)


def _check_assistant(ex: Example, m: dict, at: str, allow_weight: bool) -> None:
    ex.assistants += 1
    tool_calls = m.get("tool_calls")
    function_call = m.get("function_call")
    if tool_calls is not None:
        ex.uses_tools = True
        _check_tool_calls(ex, tool_calls, f"{at}.tool_calls")
    if function_call is not None:
        ex.uses_tools = True
        _check_function(ex, function_call, f"{at}.function_call", "invalid_tool_calls")
    content = m.get("content")
    if content is None or content == "" or content == []:
        if tool_calls is None and function_call is None:
            ex.err.append(("missing_content",
                           f"{at}: assistant message has no content, tool_calls or function_call"))
    else:
        _check_content(ex, content, f"{at}.content", "assistant")
    weight = m.get("weight", 1)
    if allow_weight and "weight" in m and (type(weight) is not int or weight not in (0, 1)):
        ex.err.append(("invalid_weight",
                       f"{at}.weight: must be 0 or 1, got {orjson.dumps(weight).decode()}"))
    if weight != 0 or type(weight) is not int:
        ex.trainable += 1


def _check_tool_message(ex: Example, m: dict, at: str) -> None:
    ex.uses_tools = True
    call_id = m.get("tool_call_id")
    if call_id is None:
        ex.err.append(("invalid_tool_message", f"{at}: missing key 'tool_call_id'"))
    elif type(call_id) is not str:
        ex.err.append(("invalid_tool_message",
                       f"{at}.tool_call_id: expected a string, got {json_type(call_id)}"))
    elif call_id not in ex.call_ids:
        ex.err.append(("invalid_tool_message",
                       f"{at}.tool_call_id: {call_id!r} answers no earlier assistant tool call"))
    if "content" not in m:
        ex.err.append(("message_missing_key", f"{at}: missing key 'content'"))
    elif type(m["content"]) is not str:
        ex.err.append(("invalid_tool_message",
                       f"{at}.content: tool content must be a string, got {json_type(m['content'])}"))
    else:
        ex.text(m["content"], f"{at}.content")


def _check_content(ex: Example, content: object, at: str, role: str | None) -> None:
    if type(content) is str:
        if not content:
            ex.err.append(("missing_content", f"{at}: empty"))
        else:
            ex.text(content, at)
        return
    if type(content) is not list:
        if content is None:
            ex.err.append(("missing_content", f"{at}: null"))
        else:
            ex.err.append(("invalid_content",
                           f"{at}: expected a string or a list of content parts, got {json_type(content)}"))
        return
    if not content:
        ex.err.append(("missing_content", f"{at}: empty list"))
    for j, part in enumerate(content):
        where = f"{at}[{j}]"
        kind = part.get("type") if type(part) is dict else None
        if kind == "text":
            text = part.get("text")
            if type(text) is not str:
                ex.err.append(("invalid_content", f"{where}.text: expected a string, got {json_type(text)}"))
            else:
                ex.text(text, f"{where}.text")
        elif kind == "image_url":
            ex.images += 1
            if role == "assistant":
                ex.err.append(("image_in_assistant", f"{where}: assistant messages cannot contain images"))
            elif role != "user" and role is not None:
                ex.err.append(("invalid_image", f"{where}: images are only allowed in user messages"))
            _check_image(ex, part.get("image_url"), f"{where}.image_url")
        elif type(part) is not dict:
            ex.err.append(("invalid_content", f"{where}: expected a content part object, got {json_type(part)}"))
        else:
            ex.err.append(("invalid_content",
                           f"{where}.type: unsupported content part type {orjson.dumps(kind).decode()}"))


def _check_image(ex: Example, image: object, at: str) -> None:
    if type(image) is not dict:
        ex.err.append(("invalid_image", f"{at}: expected an object with 'url', got {json_type(image)}"))
        return
    url = image.get("url")
    detail = image.get("detail")
    if detail is not None and detail not in ("auto", "low", "high"):
        ex.err.append(("invalid_image", f"{at}.detail: must be auto, low or high"))
    if type(url) is not str or not url:
        ex.err.append(("invalid_image", f"{at}.url: expected a URL string"))
    elif url.startswith("data:"):
        header, comma, payload = url.partition(",")
        if not comma or not header.endswith(";base64"):
            ex.err.append(("invalid_image", f"{at}.url: a data URL must be data:image/...;base64,..."))
            return
        mime = header[5:-7].lower()
        if mime not in IMAGE_MIME:
            ex.warn.append(("image_format", f"{at}.url: {mime or 'untyped'} image will be skipped "
                                            "(JPEG, PNG or WEBP only)"))
        elif len(payload) * 3 // 4 > MAX_IMAGE_BYTES:
            ex.warn.append(("image_too_large", f"{at}.url: image is over 10 MB and will be skipped"))
        elif not _looks_like_image(payload[:24]):
            ex.warn.append(("image_format", f"{at}.url: data is not a JPEG, PNG or WEBP image "
                                            "and will be skipped"))
    elif not url.startswith(("https://", "http://")):
        ex.err.append(("invalid_image", f"{at}.url: expected an http(s) URL or a data: URL"))


def _looks_like_image(head: str) -> bool:
    try:
        data = base64.b64decode(head[: len(head) // 4 * 4], validate=True)
    except (binascii.Error, ValueError):
        return False
    return (data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"))
            or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"))


def _check_tool_calls(ex: Example, calls: object, at: str) -> None:
    if type(calls) is not list or not calls:
        ex.err.append(("invalid_tool_calls", f"{at}: expected a non-empty list"))
        return
    for k, call in enumerate(calls):
        where = f"{at}[{k}]"
        if type(call) is not dict:
            ex.err.append(("invalid_tool_calls", f"{where}: expected an object, got {json_type(call)}"))
            continue
        call_id = call.get("id")
        if type(call_id) is not str or not call_id:
            ex.err.append(("invalid_tool_calls", f"{where}.id: expected a non-empty string"))
        elif call_id in ex.call_ids:
            ex.err.append(("invalid_tool_calls", f"{where}.id: duplicate id {call_id!r}"))
        else:
            ex.call_ids.add(call_id)
        if call.get("type", "function") != "function":
            ex.err.append(("invalid_tool_calls", f"{where}.type: must be 'function'"))
        for key in call.keys() - {"id", "type", "function"}:
            ex.err.append(("invalid_tool_calls", f"{where}.{key}: unrecognized key"))
        _check_function(ex, call.get("function"), f"{where}.function", "invalid_tool_calls")


def _check_function(ex: Example, fn: object, at: str, category: str) -> None:
    """A call: {name, arguments} with arguments a JSON-encoded string."""
    if type(fn) is not dict:
        ex.err.append((category, f"{at}: expected an object with name and arguments"))
        return
    name = fn.get("name")
    if type(name) is not str or not name:
        ex.err.append((category, f"{at}.name: expected a non-empty string"))
    elif ex.declared_tools is not None and name not in ex.declared_tools:
        ex.warn.append(("unknown_tool", f"{at}.name: {name!r} is not among the example's tools"))
    arguments = fn.get("arguments")
    if type(arguments) is not str:
        ex.err.append((category, f"{at}.arguments: expected a JSON string, got {json_type(arguments)}"))
        return
    ex.text(arguments, f"{at}.arguments")
    try:
        orjson.loads(arguments)
    except orjson.JSONDecodeError:
        ex.warn.append(("tool_arguments_not_json", f"{at}.arguments: not valid JSON"))


def check_tools(ex: Example, obj: dict, prefix: str = "") -> None:
    """`tools`, legacy `functions` and `parallel_tool_calls` beside the messages."""
    tools = obj.get("tools")
    if "tools" in obj:
        ex.uses_tools = True
        ex.declared_tools = set()
        if type(tools) is not list:
            ex.err.append(("invalid_tools", f"{prefix}tools: expected a list, got {json_type(tools)}"))
        else:
            for i, tool in enumerate(tools):
                where = f"{prefix}tools[{i}]"
                if type(tool) is not dict or tool.get("type") != "function":
                    ex.err.append(("invalid_tools", f"{where}: expected {{type: 'function', function: {{…}}}}"))
                    continue
                _check_definition(ex, tool.get("function"), f"{where}.function")
    functions = obj.get("functions")
    if "functions" in obj:
        ex.uses_tools = True
        if ex.declared_tools is None:
            ex.declared_tools = set()
        if type(functions) is not list:
            ex.err.append(("invalid_tools", f"{prefix}functions: expected a list, got {json_type(functions)}"))
        else:
            for i, fn in enumerate(functions):
                _check_definition(ex, fn, f"{prefix}functions[{i}]")
    if "parallel_tool_calls" in obj and type(obj["parallel_tool_calls"]) is not bool:
        ex.err.append(("invalid_tools", f"{prefix}parallel_tool_calls: expected true or false"))


def _check_definition(ex: Example, fn: object, at: str) -> None:
    if type(fn) is not dict:
        ex.err.append(("invalid_tools", f"{at}: expected an object with a name"))
        return
    name = fn.get("name")
    if type(name) is not str or not _FUNCTION_NAME.fullmatch(name):
        ex.err.append(("invalid_tools", f"{at}.name: must be 1-64 letters, digits, _ or -"))
    elif name in ex.declared_tools:  # type: ignore[operator]
        ex.err.append(("invalid_tools", f"{at}.name: duplicate function {name!r}"))
    else:
        ex.declared_tools.add(name)  # type: ignore[union-attr]
    if "description" in fn and type(fn["description"]) is not str:
        ex.err.append(("invalid_tools", f"{at}.description: expected a string"))
    if "parameters" in fn and type(fn["parameters"]) is not dict:
        ex.err.append(("invalid_tools", f"{at}.parameters: expected a JSON schema object"))
    if "strict" in fn and type(fn["strict"]) is not bool:
        ex.err.append(("invalid_tools", f"{at}.strict: expected true or false"))
