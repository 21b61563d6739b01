"""JSON that satisfies a JSON schema, filled with the model's text answer.

Covers what Structured Outputs accepts: objects, arrays, scalars, enum/const,
anyOf/oneOf/allOf, $ref into $defs/definitions, and nullable type lists.
"""

from __future__ import annotations

from typing import Any


def fill(schema: dict[str, Any], text: str) -> Any:
    return _fill(schema, text, schema, depth=0)


def _resolve(ref: str, root: dict[str, Any]) -> dict[str, Any]:
    node: Any = root
    for part in ref.lstrip("#/").split("/"):
        if part:
            node = node.get(part, {}) if isinstance(node, dict) else {}
    return node if isinstance(node, dict) else {}


def _fill(schema: Any, text: str, root: dict[str, Any], depth: int) -> Any:
    if not isinstance(schema, dict) or depth > 12:
        return text
    if "$ref" in schema:
        return _fill(_resolve(schema["$ref"], root), text, root, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            options = [o for o in schema[key] if not (isinstance(o, dict) and o.get("type") == "null")]
            return _fill((options or schema[key])[0], text, root, depth + 1)
    if schema.get("allOf"):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(_resolve(part["$ref"], root) if "$ref" in part else part)
        return _fill(merged, text, root, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "string"
    if kind == "object":
        props = schema.get("properties") or {}
        # Structured Outputs requires every property; fill them all.
        return {name: _fill(sub, text, root, depth + 1) for name, sub in props.items()}
    if kind == "array":
        count = max(1, int(schema.get("minItems", 1)))
        if "maxItems" in schema:
            count = min(count, int(schema["maxItems"]))
        return [_fill(schema.get("items", {}), text, root, depth + 1) for _ in range(count)]
    if kind == "string":
        if "maxLength" in schema:
            return text[: int(schema["maxLength"])]
        return text
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        value = low + (1 if "exclusiveMinimum" in schema else 0)
        return int(value) if kind == "integer" else float(value)
    if kind == "boolean":
        return False
    return None
