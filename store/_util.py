"""Small helpers shared by the repositories."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def maybe_dumps(value: Any) -> str | None:
    return None if value is None else dumps(value)
