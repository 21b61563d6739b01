"""Fault injection, per server (`--faults SPEC`) and per request (`X-Sandbox-Fault`).

Server spec grammar (comma-separated, each key at most once):

    latency=SECONDS      add this delay before every request is answered
    429=P                answer a share P (0..1) of requests 429 with retry-after
    500=P                answer a share P of requests 500
    drop=P               drop the connection mid-response for a share P of requests
                         (a stream sends its first three events, then the connection dies)
    fail_jobs=P          a share P of fine-tuning jobs fail halfway with server_error
    training_not_available=P  a share P of job creations on the OpenAI dialect answer
                         403 training_not_available (an organization OpenAI cut off)
    retry_after=SECONDS  the retry-after a 429 carries (default 1; also sent in ms)
    seed=N               seed of the draws, so a fault sequence is reproducible

e.g. `latency=0.1,429=0.2,500=0.1,drop=0.1,fail_jobs=1`.

Request header `X-Sandbox-Fault: TOKEN[,TOKEN...]` forces faults for that one
request: `429`, `500`, `drop`, `latency=SECONDS`, `fail_job` (on a job create:
that job fails halfway), `training_not_available` (a job create is refused 403).
Server-level shares are drawn independently per request.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

HEADER = "x-sandbox-fault"
_SHARES = ("429", "500", "drop", "fail_jobs", "training_not_available")


class FaultSpecError(ValueError):
    pass


@dataclass
class FaultConfig:
    latency: float = 0.0
    shares: dict[str, float] = field(default_factory=dict)
    retry_after: float = 1.0
    seed: int | None = None

    @classmethod
    def parse(cls, spec: str | None) -> FaultConfig:
        config = cls()
        if not spec:
            return config
        seen: set[str] = set()
        for raw in spec.split(","):
            item = raw.strip()
            if not item:
                continue
            key, sep, value = item.partition("=")
            key = key.strip()
            if not sep:
                raise FaultSpecError(f"fault {item!r} needs a value: KEY=VALUE")
            if key in seen:
                raise FaultSpecError(f"fault {key!r} given twice")
            seen.add(key)
            try:
                number = float(value)
            except ValueError:
                raise FaultSpecError(f"fault {key!r}: {value!r} is not a number") from None
            if key in _SHARES:
                if not 0 <= number <= 1:
                    raise FaultSpecError(f"fault {key!r}: share must be between 0 and 1")
                config.shares[key] = number
            elif key in ("latency", "retry_after"):
                if number < 0:
                    raise FaultSpecError(f"fault {key!r}: seconds must be >= 0")
                setattr(config, key, number)
            elif key == "seed":
                config.seed = int(number)
            else:
                raise FaultSpecError(
                    f"unknown fault {key!r}; known: latency, 429, 500, drop, fail_jobs, "
                    "training_not_available, retry_after, seed"
                )
        return config


@dataclass(frozen=True)
class Faults:
    """What happens to one request."""

    latency: float = 0.0
    status: int | None = None  # 429 or 500
    drop: bool = False
    fail_job: bool = False
    training_not_available: bool = False


class FaultInjector:
    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self._random = random.Random(config.seed)

    def _draw(self, key: str) -> bool:
        share = self.config.shares.get(key, 0.0)
        return share > 0 and self._random.random() < share

    def decide(self, header: str | None) -> Faults:
        latency = self.config.latency
        status = 429 if self._draw("429") else 500 if self._draw("500") else None
        drop = self._draw("drop")
        fail_job = self._draw("fail_jobs")
        blocked = self._draw("training_not_available")
        for raw in (header or "").split(","):
            token = raw.strip().lower()
            if token in ("429", "500"):
                status = int(token)
            elif token == "drop":
                drop = True
            elif token in ("fail_job", "fail_jobs"):
                fail_job = True
            elif token == "training_not_available":
                blocked = True
            elif token.startswith("latency="):
                try:
                    latency += max(0.0, float(token.split("=", 1)[1]))
                except ValueError:
                    pass
        return Faults(latency, status, drop, fail_job, blocked)
