"""Pre-flight: what a job launch would upload and cost, computed before anything is sent.

Blocking (reads the store, validates the bytes): call it from a thread with
its own Store. Only the valid lines of a dataset version are uploaded; the
same bytes already on this profile's provider are reused, never re-sent.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from store import Store
from tui.core.finetune.rules import OPENAI, ProviderRules, human_size
from tui.core.jobs.spec import JobSpec
from tui.core.jobs.upload import PURPOSE
from tui.core.wording import count_of

if TYPE_CHECKING:
    from tui.core.config import Profile
    from tui.core.finetune.port import Capabilities

MIN_EXAMPLES = OPENAI.minimum("supervised")


@dataclass
class PreparedFile:
    which: str  # "training" | "validation"
    version_id: int
    label: str  # "name v3"
    filename: str
    data: bytes
    sha256: str
    lines: int  # valid lines uploaded
    skipped: int  # invalid lines left out
    existing_file_id: str | None = None
    rules: ProviderRules = OPENAI  # how this provider takes the bytes (the plan's wording)

    @property
    def plan(self) -> str:
        if self.existing_file_id:
            return f"already on the provider as {self.existing_file_id}: not uploaded again"
        return self.rules.upload_plan(len(self.data))


@dataclass
class Preflight:
    spec: JobSpec
    profile: str
    training: PreparedFile
    validation: PreparedFile | None
    examples: int = 0
    tokens_total: int = 0
    epochs: int = 0
    epochs_auto: bool = True
    billed_tokens: int = 0
    price_per_1m: float | None = None
    estimated_cost_usd: float | None = None
    problems: list[str] = field(default_factory=list)  # block the launch
    warnings: list[str] = field(default_factory=list)
    provider: str = "OpenAI"  # whose rules it was checked against
    rules_note: str = ""  # those rules in a line (minimum examples, the suffix rule)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary_lines(self) -> list[str]:
        """The pre-flight in plain words, one fact a line (the screen and the CLI print it)."""
        spec = self.spec
        hyper = ", ".join(f"{k}={v}" for k, v in spec.hyperparameters.items()) or "all auto"
        out = [f"Provider: {self.provider} (profile {self.profile}) · {self.rules_note}"] \
            if self.rules_note else []
        out += [
            f"Base model: {spec.model}   method: {spec.method}   hyperparameters: {hyper}",
            f"Training: {self.training.label}: {count_of(self.training.lines, 'example')}"
            + (f", {count_of(self.training.skipped, 'invalid line')} left out"
               if self.training.skipped else ""),
            f"  {self.training.plan}",
        ]
        if self.validation is not None:
            out += [
                f"Validation: {self.validation.label}: "
                f"{count_of(self.validation.lines, 'example')}",
                f"  {self.validation.plan}",
            ]
        epochs = f"{self.epochs} ({'auto' if self.epochs_auto else 'set'})"
        out.append(f"Tokens: {self.tokens_total:,} per pass × epochs {epochs} = "
                   f"{self.billed_tokens:,} billed tokens (estimate)")
        if spec.method == "reinforcement":
            out.append("Cost: reinforcement fine-tuning is billed per training hour; not estimated")
        elif self.estimated_cost_usd is None:
            out.append(f"Cost: no training price known for {spec.model} (add it under "
                       "[prices.training] in config.toml)")
        else:
            out.append(f"Estimated cost: ${self.estimated_cost_usd:,.2f} "
                       f"(at ${self.price_per_1m:g} per 1M tokens)")
        if spec.suffix:
            out.append(f"Suffix: {spec.suffix}")
        if spec.seed is not None:
            out.append(f"Seed: {spec.seed}")
        if spec.metadata:
            out.append("Metadata: " + ", ".join(f"{k}={v}" for k, v in spec.metadata.items()))
        if spec.options:
            out.append("Options: " + ", ".join(f"{k}={v}" for k, v in spec.options.items()))
        return out


def prepare_file(store: Store, profile: str, version_id: int, which: str,
                 rules: ProviderRules = OPENAI) -> PreparedFile:
    from tui.core.dataset_versions import version_lines

    version = store.datasets.version(version_id)
    dataset = store.db.execute(
        "SELECT name FROM datasets WHERE id = ?", [version.dataset_id]
    ).fetchone()
    name = dataset[0] if dataset else f"dataset {version.dataset_id}"
    lines = list(version_lines(store, version_id, only_valid=True))
    data = "".join(f"{line}\n" for line in lines).encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    existing = store.files.find_by_hash(profile, digest, PURPOSE)
    total = store.db.execute(
        "SELECT COUNT(*) FROM examples WHERE version_id = ?", [version_id]
    ).fetchone()[0]
    return PreparedFile(
        which=which,
        version_id=version_id,
        label=f"{name} v{version.version}",
        # The content hash in the name lets a retry recognise an upload whose
        # answer was lost (see the port's find_file).
        filename=f"{_safe(name)}-v{version.version}-{which}-{digest[:12]}.jsonl",
        data=data,
        sha256=digest,
        lines=len(lines),
        skipped=max(0, total - len(lines)),
        existing_file_id=existing.remote_id if existing else None,
        rules=rules,
    )


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name)[:60] or "dataset"


def run_preflight(
    store: Store, profile: str | Profile, spec: JobSpec, *,
    prices: dict[str, float] | None = None,
) -> Preflight:
    """Gather, validate and price what `spec` would launch; nothing is sent.

    With a Profile, the job is checked against its provider's rules (methods, formats,
    sizes, suffix, options); with a profile's name alone, against OpenAI's.
    """
    from tui.core.finetune.factory import capabilities_for, rules_of

    rules = rules_of(profile) if not isinstance(profile, str) else OPENAI
    capabilities = capabilities_for(profile) if not isinstance(profile, str) else None
    name = profile if isinstance(profile, str) else profile.name
    training = prepare_file(store, name, spec.training_version_id, "training", rules)
    validation = (
        prepare_file(store, name, spec.validation_version_id, "validation", rules)
        if spec.validation_version_id is not None
        else None
    )
    pre = Preflight(spec=spec, profile=name, training=training, validation=validation,
                    provider=rules.provider)
    report = _validate(training.data, spec)
    if report is not None:
        pre.examples = int(getattr(report, "examples", training.lines) or 0)
        tokens = getattr(report, "tokens", None)
        pre.tokens_total = int(getattr(tokens, "total", 0) or 0)
        if not getattr(report, "trainable", True):
            pre.problems.append("Training file is not trainable: " + _first_errors(report))
    else:
        pre.examples = training.lines
        pre.tokens_total = _stored_tokens(store, spec.training_version_id)
    minimum = rules.minimum(spec.method)
    pre.rules_note = _rules_note(rules, spec.method)
    if pre.examples < minimum and not pre.problems:
        pre.problems.append(f"Training file has {count_of(pre.examples, 'example')}, but must have at "
                            f"least {minimum} examples" + (
                                f" for {rules.provider}" if rules is not OPENAI else ""))
    _check_provider_rules(pre, rules, capabilities, report)
    if validation is not None:
        vreport = _validate(validation.data, spec)
        if vreport is not None and not getattr(vreport, "trainable", True):
            pre.warnings.append("Validation file has problems: " + _first_errors(vreport))
        if validation.lines == 0:
            pre.problems.append("Validation file has no valid example")
    if training.skipped:
        pre.warnings.append(f"{count_of(training.skipped, 'invalid line')} of {training.label} "
                            f"{'is' if training.skipped == 1 else 'are'} left out of the upload")
    from tui.core.datasets.billing import default_epochs, estimated_cost

    explicit = spec.hyperparameters.get("n_epochs")
    pre.epochs_auto = explicit is None
    pre.epochs = int(explicit) if explicit is not None else default_epochs(pre.examples)
    pre.billed_tokens = pre.epochs * pre.tokens_total
    pre.price_per_1m, pre.estimated_cost_usd = estimated_cost(
        spec.model, spec.method, pre.billed_tokens, prices
    )
    return pre


def _rules_note(rules: ProviderRules, method: str) -> str:
    from tui.core.wording import count_of

    parts = [f"at least {count_of(rules.minimum(method), 'example')}"]
    if rules.max_examples is not None:
        parts[0] += f", at most {rules.max_examples:,}"
    if rules.suffix_max is None:
        parts.append("no suffix")
    else:
        parts.append(f"suffix ≤ {rules.suffix_max} characters"
                     + (f", {rules.suffix_rule}" if rules.suffix_rule else ""))
    if rules.max_file_bytes is not None:
        parts.append(f"files ≤ {human_size(rules.max_file_bytes)}")
    return "; ".join(parts)


def _check_provider_rules(pre: Preflight, rules: ProviderRules,
                          capabilities: Capabilities | None, report: Any | None) -> None:
    """What this provider refuses (problems) or ignores (warnings) in the job as specified."""
    from tui.core.finetune.port import Feature

    spec = pre.spec
    who = rules.provider
    if capabilities is not None:
        problem = capabilities.method_problem(spec.method, who)
        if problem:
            pre.problems.append(problem)
    accepted = rules.hyperparameters.get(spec.method, ())
    for name in spec.hyperparameters:
        if name not in accepted:
            pre.problems.append(f"{who} does not take {name} for {spec.method} (it takes "
                                f"{', '.join(accepted) or 'none'}); leave it auto" + (
                                    "; an absolute learning_rate option may fit"
                                    if name == "learning_rate_multiplier"
                                    and "learning_rate" in rules.options else ""))
    options, errors = rules.parse_options(spec.options)
    pre.problems += list(errors.values())
    if not errors:
        pre.spec = replace(spec, options=options)
    suffix = rules.suffix_problem(spec.suffix)
    if suffix:
        pre.problems.append(suffix)
    if rules.max_examples is not None and pre.examples > rules.max_examples:
        pre.problems.append(f"{who} takes at most {rules.max_examples:,} examples; the training "
                            f"file has {pre.examples:,}")
    for prepared in (pre.training, pre.validation):
        if prepared is not None and rules.max_file_bytes is not None \
                and len(prepared.data) > rules.max_file_bytes:
            pre.problems.append(f"{prepared.label} is {human_size(len(prepared.data))}; {who} "
                                f"takes files of at most {human_size(rules.max_file_bytes)}")
    allowed = rules.formats.get(spec.method, frozenset())
    formats = dict(getattr(report, "formats", None) or {}) if report is not None else {}
    refused = sorted(f for f, n in formats.items() if n and f != "unknown" and f not in allowed)
    if refused and allowed:
        pre.problems.append(f"{who} does not train on {', '.join(refused)} examples for "
                            f"{spec.method} (it takes {', '.join(sorted(allowed))})")
    grader_type = (spec.grader or {}).get("type") if spec.method == "reinforcement" else None
    if grader_type and rules.graders is not None and grader_type not in rules.graders:
        pre.problems.append(f"{who} runs no {grader_type!r} grader (it takes "
                            f"{', '.join(sorted(rules.graders))})")
    if capabilities is not None:
        for feature, given in ((Feature.METADATA, spec.metadata), (Feature.SEED, spec.seed)):
            if given not in (None, {}) and not capabilities.can(feature):
                pre.warnings.append(f"{feature.value} is not sent: "
                                    f"{capabilities.why_not(feature)}")


def _validate(data: bytes, spec: JobSpec) -> Any | None:
    try:
        from tui.core.datasets.validate import validate_bytes
    except ImportError:  # the validator is optional: fall back to the stored line results
        return None
    return validate_bytes(data, model=spec.model, method=spec.method)


def _first_errors(report: Any) -> str:
    first = list(getattr(report, "first_errors", None) or [])[:3]
    if first:
        # A file-wide problem (line 0: "file: 7 valid examples…") names no line.
        return "; ".join(
            f"line {e.line}: {getattr(e, 'message', e)}" if getattr(e, "line", None)
            else str(getattr(e, "message", e)) for e in first
        )
    errors = getattr(report, "errors", None) or {}
    if isinstance(errors, dict) and errors:
        return ", ".join(f"{k}: {v}" for k, v in errors.items())
    return count_of(getattr(report, "examples", 0), "example")


def _stored_tokens(store: Store, version_id: int) -> int:
    row = store.db.execute(
        "SELECT COALESCE(SUM(tokens), 0) FROM examples WHERE version_id = ? AND status = 'valid'",
        [version_id],
    ).fetchone()
    return int(row[0] or 0)
