"""How the headless commands report a provider's failure: a clear line, an exit code.

Shared by the commands that call a provider, so each says the same thing the
same way (and none prints a key: `explain` redacts).
"""

from __future__ import annotations

import sys
from typing import Any

EXIT_USAGE, EXIT_PROVIDER = 2, 3


def provider_error(exc: Exception, profile: Any, prog: str) -> int:
    """Exit code for `exc` after printing why; re-raises what is not a provider's failure."""
    import openai

    from tui.core.jobs.actions import ActionError
    from tui.core.providers import MissingCapabilityError, MissingKeyError

    if isinstance(exc, MissingKeyError | MissingCapabilityError | ActionError):
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if isinstance(exc, openai.APIError):
        from tui.core.errors import explain

        print(f"{prog}: {explain(exc, key_env=profile.api_key_env)}", file=sys.stderr)
        return EXIT_PROVIDER
    raise exc
