"""No import cycle among the project's modules.

A cycle means no module in it can be read, tested or moved alone; the ones in tui/ today
come from typing against the concrete App and from registries that import their
plug-ins. TYPE_CHECKING and function-local imports count: they are how a cycle hides.
Known members are in ratchets.CYCLE_MEMBERS and may only shrink.
"""

from __future__ import annotations

from tests.architecture.imports import cycles, graph
from tests.architecture.ratchets import CYCLE_MEMBERS


def describe(component: list[str]) -> str:
    edges = graph()
    lines = [f"{a} -> {b} ({', '.join(i.where for i in imps)})"
             for a in component for b, imps in sorted(edges[a].items()) if b in component]
    return "\n  ".join([f"cycle of {len(component)}:", *lines])


def test_no_new_import_cycle() -> None:
    new = [c for c in cycles(graph()) if not set(c) <= CYCLE_MEMBERS]
    assert new == [], "\n".join(describe(c) for c in new)


def test_no_stale_cycle_member() -> None:
    on_a_cycle = {m for c in cycles(graph()) for m in c}
    assert sorted(CYCLE_MEMBERS - on_a_cycle) == []


def test_the_cycle_finder_sees_a_cycle_through_a_chain_and_nothing_in_a_tree() -> None:
    def edges(pairs: str) -> dict[str, dict[str, list]]:
        found: dict[str, dict[str, list]] = {}
        for pair in pairs.split():
            a, b = pair.split(">")
            found.setdefault(a, {})[b] = []
            found.setdefault(b, {})
        return found

    assert cycles(edges("a>b b>c c>a c>d d>e")) == [["a", "b", "c"]]
    assert cycles(edges("a>b a>c b>d c>d")) == []
    assert cycles(edges("a>b b>a c>d d>c d>e")) == [["a", "b"], ["c", "d"]]
