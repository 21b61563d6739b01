"""Provider errors explained: what happened, what to do next, whether a retry may help.

Messages never include the key (they go through `redact`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tui.core.secrets import redact

TRAINING_NOT_AVAILABLE = "training_not_available"


@dataclass(frozen=True)
class Explained:
    title: str
    hint: str
    retryable: bool
    status: int | None = None

    def __str__(self) -> str:
        return f"{self.title} — {self.hint}"


def training_alternatives(settings: Any, exclude: str | None = None) -> list[str]:
    """`name (kind)` of every other profile that fine-tunes somewhere other than OpenAI."""
    from tui.core.config import Capability

    if settings is None:
        return []
    return [f"{p.name} ({p.provider_label})" for p in settings.profiles.values()
            if p.name != exclude and p.kind != "openai" and p.has(Capability.FINE_TUNING)]


def _training_not_available(detail: str, settings: Any, profile: str | None) -> Explained:
    others = training_alternatives(settings, profile)
    if others:
        where = ("fine-tune on another profile: " + ", ".join(others)
                 + "; `tunedeck jobs retrain JOB --profile P --model M` moves a job there "
                 "with its data, method and hyperparameters")
    else:
        where = ("add a profile that still fine-tunes (Azure OpenAI, Together, Fireworks, "
                 "Bedrock, Nebius, or your own GPU with kind = \"local\"): see the README, "
                 "\"Where to fine-tune after OpenAI\"")
    return Explained(
        "OpenAI no longer takes fine-tuning jobs from this organization (403 "
        f"training_not_available): OpenAI is winding down self-serve fine-tuning ({detail})",
        f"models already tuned keep answering until their base models retire; {where}",
        False, 403)


def explain(exc: BaseException, *, key_env: str = "OPENAI_API_KEY", model: str = "",
            settings: Any = None, profile: str | None = None) -> Explained:
    """`settings` and the failing `profile` let a refusal name the alternatives there are."""
    import openai

    from tui.core.pagination import PaginationStopped

    if isinstance(exc, PaginationStopped):
        return Explained(str(exc), "the server does not page its lists like OpenAI; "
                         "check the profile's base_url", False)
    detail = redact(_message(exc))
    if isinstance(exc, openai.PermissionDeniedError) and (
            getattr(exc, "code", None) == TRAINING_NOT_AVAILABLE
            or TRAINING_NOT_AVAILABLE in str(getattr(exc, "body", "") or "")):
        return _training_not_available(detail, settings, profile)
    if isinstance(exc, openai.AuthenticationError):
        return Explained(
            f"The provider rejected the API key (401): {detail}",
            f"check ${key_env}, or switch profile with p",
            False,
            401,
        )
    if isinstance(exc, openai.PermissionDeniedError):
        return Explained(
            f"Not allowed (403): {detail}",
            "the key's project or organization lacks access",
            False,
            403,
        )
    if isinstance(exc, openai.NotFoundError):
        what = f"model {model!r}" if model else "the requested object"
        return Explained(
            f"Not found (404): {what} does not exist on this provider",
            "pick a model this provider serves",
            False,
            404,
        )
    if isinstance(exc, openai.RateLimitError):
        retry_after = exc.response.headers.get("retry-after") if exc.response else None
        wait = f"retry after {retry_after}s" if retry_after else "wait, then retry"
        return Explained(f"Rate limited (429): {detail}", wait, True, 429)
    if isinstance(exc, openai.BadRequestError):
        return Explained(
            f"Request rejected (400): {detail}", "fix the parameter it names", False, 400
        )
    if isinstance(exc, openai.APITimeoutError):
        return Explained(
            "The request timed out", "retry; a slow model may need a longer timeout", True
        )
    if isinstance(exc, openai.APIConnectionError):
        return Explained(
            f"Connection failed: {detail}",
            "check the network or the profile's base_url, then retry",
            True,
        )
    if isinstance(exc, openai.InternalServerError):
        return Explained(
            f"Provider error ({exc.status_code}): {detail}",
            "retry in a moment",
            True,
            exc.status_code,
        )
    if isinstance(exc, openai.APIStatusError):
        return Explained(
            f"Provider answered {exc.status_code}: {detail}",
            "see the message",
            exc.status_code >= 500,
            exc.status_code,
        )
    return Explained(
        f"The stream was interrupted: {type(exc).__name__}: {detail}",
        "what arrived is kept; retry to run again",
        True,
    )


def _message(exc: BaseException) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
    return str(exc) or type(exc).__name__


def is_provider_error(exc: BaseException) -> bool:
    """An error the OpenAI SDK raised (what `explain` knows how to explain)."""
    try:
        import openai
    except ImportError:  # pragma: no cover - the SDK is a dependency
        return False
    return isinstance(exc, openai.APIError)


def describe_failure(exc: BaseException, *, key_env: str = "OPENAI_API_KEY", model: str = "",
                     settings: Any = None, profile: str | None = None) -> str:
    """One line for any failure a user is shown: a provider error explained (what
    happened, what to do), anything else as `Type: message`; keys redacted either way."""
    if is_provider_error(exc):
        return str(explain(exc, key_env=key_env, model=model, settings=settings,
                           profile=profile))
    return redact(f"{type(exc).__name__}: {exc}", settings)
