"""What the grader-jail tests share: run a grader, and the attacker's usual first move."""

from __future__ import annotations

import asyncio
from typing import Any

from tui.core.evals.graders.python_grader import run_grade

# Before the jail, graders ran under an audit hook whose rules lived in the child's
# __main__, where the grader could rewrite them. Every escape below starts by doing
# so: against the old guard it then succeeds; in the jail these names mean nothing.
DISARM = (
    "import sys as _sys\n"
    "_main = _sys.modules.get('__main__')\n"
    "for _name, _value in (('_inside', lambda path: True), ('_BLOCKED_PREFIXES', ()),\n"
    "                      ('_PATH_EVENTS', set())):\n"
    "    setattr(_main, _name, _value)\n"
)


def grade(source: str, item: Any = None, **kw: Any) -> tuple[float | None, str | None]:
    """Run one grader on `item` the way the runner does, and give (score, why)."""
    return asyncio.run(run_grade(source, {"output_text": "x"}, item or {}, **kw))


def grader(body: str, *, imports: str = "import os\n", disarm: bool = True) -> str:
    """A grader whose grade(sample, item) is `body` (indented four spaces already)."""
    return (DISARM if disarm else "") + imports + "def grade(sample, item):\n" + body
