"""A job to launch, checked against the API's ranges before anything is sent.

`parse_form` turns the create form's raw strings into a `JobSpec` or a dict of
field -> message; `JobSpec.create_kwargs` is what `jobs.create` receives.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

# The metadata key a guided loop stamps on its jobs, so a job found on the provider can be
# matched back to its loop (Fireworks has no metadata field and carries it in the name).
LOOP_METADATA_KEY = "tunedeck_loop"

METHODS = ("supervised", "dpo", "reinforcement")
REASONING_EFFORTS = ("low", "medium", "high")
MAX_METADATA = 16


class SpecError(ValueError):
    """Invalid form input: `errors` maps each field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


@dataclass
class JobSpec:
    model: str
    training_version_id: int
    method: str = "supervised"
    validation_version_id: int | None = None
    hyperparameters: dict[str, Any] = field(default_factory=dict)  # only explicit values
    grader: dict[str, Any] | None = None
    suffix: str | None = None
    seed: int | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    # The provider's own settings (Together's lora_r, Azure's training_type…), as typed:
    # strings until the pre-flight checks them against the provider's rules.
    options: dict[str, Any] = field(default_factory=dict)

    def method_body(self) -> dict[str, Any]:
        inner: dict[str, Any] = {"hyperparameters": dict(self.hyperparameters)}
        if self.method == "reinforcement":
            inner["grader"] = self.grader
        return {"type": self.method, self.method: inner}

    def create_kwargs(self, training_file: str, validation_file: str | None) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "model": self.model,
            "training_file": training_file,
            "method": self.method_body(),
        }
        if validation_file:
            kwargs["validation_file"] = validation_file
        if self.suffix:
            kwargs["suffix"] = self.suffix
        if self.seed is not None:
            kwargs["seed"] = self.seed
        if self.metadata:
            kwargs["metadata"] = dict(self.metadata)
        return kwargs


# name -> (kind, check, wording); "auto" or blank means: let the provider choose.
_RANGES: dict[str, tuple[type, Any, str]] = {
    "n_epochs": (int, lambda v: 1 <= v <= 50, "an integer from 1 to 50"),
    "batch_size": (int, lambda v: 1 <= v <= 256, "an integer from 1 to 256"),
    "learning_rate_multiplier": (float, lambda v: v > 0, "a number greater than 0"),
    "beta": (float, lambda v: 0 < v <= 2, "a number greater than 0 and at most 2"),
    "compute_multiplier": (float, lambda v: v > 0, "a number greater than 0"),
    "eval_interval": (int, lambda v: v >= 1, "an integer of at least 1"),
    "eval_samples": (int, lambda v: v >= 1, "an integer of at least 1"),
}

HYPERPARAMETERS: dict[str, tuple[str, ...]] = {
    "supervised": ("n_epochs", "batch_size", "learning_rate_multiplier"),
    "dpo": ("n_epochs", "batch_size", "learning_rate_multiplier", "beta"),
    "reinforcement": (
        "n_epochs",
        "batch_size",
        "learning_rate_multiplier",
        "compute_multiplier",
        "eval_interval",
        "eval_samples",
        "reasoning_effort",
    ),
}


def parse_hyperparameter(name: str, raw: str) -> Any:
    """'auto'/blank -> None; otherwise a checked number (or effort); ValueError says why."""
    text = raw.strip()
    if text in ("", "auto"):
        return None
    if name == "reasoning_effort":
        if text not in REASONING_EFFORTS:
            raise ValueError(f"must be auto or one of {', '.join(REASONING_EFFORTS)}")
        return text
    kind, check, wording = _RANGES[name]
    try:
        value = int(text) if kind is int else float(text)
    except ValueError:
        raise ValueError(f"must be auto or {wording}, not {text!r}") from None
    if not check(value):
        raise ValueError(f"must be auto or {wording}, not {text}")
    return value


def parse_metadata(raw: str) -> dict[str, str]:
    """`key=value, key2=value2` or a JSON object; at most 16 pairs (API limits)."""
    text = raw.strip()
    if not text:
        return {}
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"is not valid JSON: {exc.msg}") from None
        if not isinstance(data, dict):
            raise ValueError("must be a JSON object")
        pairs = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
    else:
        pairs = {}
        for item in text.split(","):
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise ValueError(f"write key=value pairs separated by commas ({item.strip()!r})")
            pairs[key.strip()] = value.strip()
    if len(pairs) > MAX_METADATA:
        raise ValueError(f"at most {MAX_METADATA} pairs, got {len(pairs)}")
    for key, value in pairs.items():
        if len(key) > 64:
            raise ValueError(f"key {key[:20]!r}… is longer than 64 characters")
        if len(value) > 512:
            raise ValueError(f"value of {key!r} is longer than 512 characters")
    return pairs


def parse_options(raw: Any) -> dict[str, Any]:
    """`key=value, key2=value2`, a list of `key=value` or a mapping; values stay as given
    (the pre-flight checks them against the chosen provider's options)."""
    if not raw:
        return {}
    if isinstance(raw, dict):
        return {str(k).strip(): v for k, v in raw.items()}
    items = raw if isinstance(raw, list | tuple) else str(raw).split(",")
    out: dict[str, Any] = {}
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        key, sep, value = text.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"write key=value pairs ({text!r})")
        out[key.strip()] = value.strip()
    return out


def parse_form(values: dict[str, Any]) -> JobSpec:
    """Check the create form's values (strings, ids) and build a JobSpec, or raise SpecError."""
    errors: dict[str, str] = {}
    method = str(values.get("method") or "supervised")
    if method not in METHODS:
        errors["method"] = f"must be one of {', '.join(METHODS)}"
        method = "supervised"
    model = str(values.get("model") or "").strip()
    if not model:
        errors["model"] = "pick or type a base model"
    training = values.get("training_version_id")
    if not isinstance(training, int):
        errors["training_version_id"] = "pick a dataset version to train on"
    validation = values.get("validation_version_id")
    if validation is not None and not isinstance(validation, int):
        validation = None
    if validation is not None and validation == training:
        errors["validation_version_id"] = "use a different version than the training one"
    hyper: dict[str, Any] = {}
    for name in HYPERPARAMETERS[method]:
        try:
            value = parse_hyperparameter(name, str(values.get(name) or ""))
        except ValueError as exc:
            errors[name] = str(exc)
            continue
        if value is not None:
            hyper[name] = value
    grader = None
    if method == "reinforcement":
        if validation is None and "validation_version_id" not in errors:
            errors["validation_version_id"] = "reinforcement fine-tuning needs a validation set"
        grader = _parse_grader(str(values.get("grader") or ""), errors)
    suffix = str(values.get("suffix") or "").strip() or None
    if suffix is not None and len(suffix) > 64:
        errors["suffix"] = f"at most 64 characters, got {len(suffix)}"
    seed = None
    raw_seed = str(values.get("seed") or "").strip()
    if raw_seed:
        try:
            seed = int(raw_seed)
            if not 0 <= seed <= 2**31 - 1:
                raise ValueError
        except ValueError:
            errors["seed"] = "must be an integer from 0 to 2147483647"
    try:
        metadata = parse_metadata(str(values.get("metadata") or ""))
    except ValueError as exc:
        errors["metadata"] = str(exc)
        metadata = {}
    try:
        options = parse_options(values.get("options"))
    except ValueError as exc:
        errors["options"] = str(exc)
        options = {}
    if errors:
        raise SpecError(errors)
    assert isinstance(training, int)
    return JobSpec(
        model=model,
        training_version_id=training,
        method=method,
        validation_version_id=validation,
        hyperparameters=hyper,
        grader=grader,
        suffix=suffix,
        seed=seed,
        metadata=metadata,
        options=options,
    )


def _parse_grader(text: str, errors: dict[str, str]) -> dict[str, Any] | None:
    if not text.strip():
        errors["grader"] = "reinforcement fine-tuning needs a grader (JSON)"
        return None
    try:
        grader = json.loads(text)
    except json.JSONDecodeError as exc:
        errors["grader"] = f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        return None
    if not isinstance(grader, dict) or not isinstance(grader.get("type"), str):
        errors["grader"] = 'must be a JSON object with a "type" (string_check, python, …)'
        return None
    return grader
