"""Today's known exceptions to the architecture rules: ratchets that only ever shrink.

One entry per line, so a commit that fixes one deletes its line and parallel branches
merge without conflicts. Each rule fails on a new offender and on a stale entry (one
that no longer offends), so a fix cannot forget to shrink its list.
"""

from __future__ import annotations


def entries(text: str) -> frozenset[str]:
    """The non-blank lines of `text`, minus `#` comments."""
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return frozenset(line for line in lines if line)


# Imports across a layer boundary, as "path:function -> imported.module"
# ("<module>" for module level, type-checking imports included).
LAYER_EXCEPTIONS = entries("""
tui/cli/main.py:_start_tui -> tui.app
tui/app.py:<module> -> tui.sandbox.server
""")

# Modules on an import cycle (TYPE_CHECKING and function-local imports count).
CYCLE_MEMBERS = entries("""
""")

# Workers (`@work`, `run_worker`) without a literal exit_on_error=False, as "path:function".
WORKERS_THAT_MAY_EXIT = entries("""
""")

# Modules sharing a basename with another module under tui/ (all members of each group).
DUPLICATE_BASENAMES = entries("""
tui/core/finetune/azure.py
tui/sandbox/dialects/azure.py
tui/core/evals/graders/base.py
tui/panes/base.py
tui/core/errors.py
tui/core/finetune/errors.py
tui/sandbox/errors.py
tui/panes/evals.py
tui/sandbox/routes/evals.py
tui/core/finetune/fireworks.py
tui/sandbox/dialects/fireworks.py
tui/cli/jobs.py
tui/panes/jobs.py
tui/cli/loop.py
tui/core/loop.py
tui/engines/local/models.py
tui/sandbox/routes/models.py
tui/core/evals/graders/jail/process.py
tui/engines/local/process.py
tui/core/evals/runner.py
tui/core/playground/runner.py
tui/core/evals/service.py
tui/sandbox/service.py
tui/core/finetune/shapes.py
tui/sandbox/shapes.py
tui/cli/spend.py
tui/core/spend.py
tui/screens/spend.py
tui/cli/sync.py
tui/core/sync.py
tui/core/finetune/together.py
tui/sandbox/dialects/together.py
tui/cli/validate.py
tui/core/datasets/validate.py
""")

# Modules over their size cap (600 lines anywhere under tui/, 450 for a pane module), as
# "path ceiling": each may shrink, never grow past its ceiling, and leaves the list once
# it is under its cap.
OVERSIZED = entries("""
""")
