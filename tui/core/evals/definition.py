"""Eval files: a JSON definition in OpenAI's shapes that names its data file.

    {
      "name": "capitals",
      "data": "capitals.jsonl",                  # relative to this file; or "items": [...]
      "input_messages": {"type": "template", "template": [...]},   # the run's shape
      "testing_criteria": [ ...graders, exactly as evals.create takes them... ],
      "model": "gpt-4.1-mini",                   # optional default model
      "sampling_params": {"temperature": 0},     # optional, as in evals.runs.create
      "data_source_config": {...}                # optional, passed through
    }

`input_messages` may also sit in `data_source` (the exact runs.create body).
Items that carry a `sample` are graded as they are (OpenAI's `jsonl` source).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.core.evals.graders import validate_all

_KNOWN = {"name", "data", "items", "input_messages", "testing_criteria", "model",
          "sampling_params", "data_source_config", "data_source", "metadata", "description"}


class DefinitionError(ValueError):
    pass


@dataclass
class EvalDefinition:
    name: str
    testing_criteria: list[dict[str, Any]]
    input_messages: Any = None
    source: dict[str, Any] = field(default_factory=dict)
    model: str | None = None
    sampling_params: dict[str, Any] = field(default_factory=dict)
    data_source_config: dict[str, Any] = field(default_factory=dict)
    path: str | None = None

    def data_source(self, model: str | None) -> dict[str, Any]:
        """The run's data source in OpenAI's runs.create shape, plus where items live."""
        data: dict[str, Any] = {"type": "completions" if model else "jsonl", "source": self.source}
        if model:
            data.update(model=model, input_messages=self.input_messages,
                        sampling_params=self.sampling_params)
        return data


def parse(data: Any, *, base: Path | None = None, where: str = "eval") -> EvalDefinition:
    if not isinstance(data, dict):
        raise DefinitionError(f"{where}: must be a JSON object")
    unknown = set(data) - _KNOWN
    if unknown:
        raise DefinitionError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise DefinitionError(f"{where}: 'name' is required")
    problems = validate_all(data.get("testing_criteria"))
    if problems:
        raise DefinitionError(f"{where}: " + "; ".join(problems))
    run_source = data.get("data_source") or {}
    input_messages = data.get("input_messages", run_source.get("input_messages"))
    if input_messages is not None and not isinstance(input_messages, dict | list):
        raise DefinitionError(f"{where}: input_messages must be a template object or a list")
    if isinstance(input_messages, dict) and input_messages.get("type") not in (
            "template", "item_reference"):
        raise DefinitionError(f"{where}: input_messages.type must be template or item_reference")
    if "items" in data:
        if not isinstance(data["items"], list):
            raise DefinitionError(f"{where}: 'items' must be a list")
        source = {"type": "file_content", "content": data["items"]}
    elif isinstance(data.get("data"), str):
        path = Path(data["data"]).expanduser()
        if not path.is_absolute() and base is not None:
            path = base / path
        if not path.exists():
            raise DefinitionError(f"{where}: data file {str(path)!r} does not exist")
        if not path.is_file():  # a device or FIFO would be read (or waited on) for ever
            raise DefinitionError(f"{where}: data file {str(path)!r} is not a regular file")
        source = {"type": "file", "path": str(path.resolve())}
    elif isinstance(run_source.get("source"), dict) and run_source["source"].get(
            "type") == "file_content":
        source = run_source["source"]
    else:
        raise DefinitionError(f"{where}: name a data file with 'data' or give 'items'")
    sampling = data.get("sampling_params", run_source.get("sampling_params")) or {}
    if not isinstance(sampling, dict):
        raise DefinitionError(f"{where}: sampling_params must be an object")
    return EvalDefinition(
        name=name.strip(), testing_criteria=data["testing_criteria"],
        input_messages=input_messages, source=source,
        model=data.get("model", run_source.get("model")), sampling_params=sampling,
        data_source_config=data.get("data_source_config") or {"type": "custom"},
    )


def load(path: str | Path) -> EvalDefinition:
    from tui.core.datasets.source import NotRegularFile, open_regular

    path = Path(path).expanduser()
    try:
        with open_regular(path) as handle:
            data = json.loads(handle.read().decode("utf-8"))
    except FileNotFoundError:
        raise DefinitionError(f"no such eval file: {path}") from None
    except NotRegularFile as exc:
        raise DefinitionError(f"{path}: {exc}") from None
    except ValueError as exc:
        raise DefinitionError(f"{path}: not valid JSON ({exc})") from None
    definition = parse(data, base=path.parent, where=str(path.name))
    definition.path = str(path.resolve())
    return definition


def save_to_store(store: Any, definition: EvalDefinition, *, profile: str | None = None):
    """The eval row for a definition: updated in place when the same file was loaded before."""
    metadata = {"source": definition.source, "model": definition.model,
                "sampling_params": definition.sampling_params}
    if definition.path:
        for existing in store.evals.list():
            if existing.definition_path == definition.path:
                store.evals.update(existing.id, name=definition.name,
                                   testing_criteria=definition.testing_criteria,
                                   input_messages=definition.input_messages, metadata=metadata,
                                   data_source_config=definition.data_source_config)
                return store.evals.get(existing.id)
    return store.evals.create(
        definition.name, testing_criteria=definition.testing_criteria,
        data_source_config=definition.data_source_config,
        input_messages=definition.input_messages, source="file" if definition.path else "local",
        profile=profile, definition_path=definition.path, metadata=metadata,
    )


def from_store(eval_row: Any) -> EvalDefinition:
    """The definition of a stored eval (file, local or imported)."""
    meta = eval_row.metadata or {}
    return EvalDefinition(
        name=eval_row.name, testing_criteria=eval_row.testing_criteria or [],
        input_messages=eval_row.input_messages, source=meta.get("source") or (
            {"type": "dataset_version", "id": eval_row.dataset_version_id}
            if eval_row.dataset_version_id else {}),
        model=meta.get("model"), sampling_params=meta.get("sampling_params") or {},
        data_source_config=eval_row.data_source_config or {}, path=eval_row.definition_path,
    )
