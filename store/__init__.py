"""tunedeck's local state: one SQLite file, migrations, typed records, queries.

Imports neither textual nor tui, and never touches the network.
"""

from store.store import Store

__all__ = ["Store"]
