"""tui.core.refs: one NAME@N parser for datasets and prompts, with messages saying what exists."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store import Store
from tests.jobs.helpers import stored_version
from tui.core.refs import Ref, RefError, dataset_version, format_ref, parse_ref, prompt_version


@pytest.mark.parametrize(("text", "ref"), [
    ("capitals", Ref("capitals")),
    ("capitals@3", Ref("capitals", 3)),
    ("capitals@v3", Ref("capitals", 3)),
    (" capitals @ V12 ", Ref("capitals", 12)),
    ("team@corp", Ref("team@corp")),          # an @ that is not a version is part of the name
    ("team@corp@2", Ref("team@corp", 2)),     # the last @ only
    ("a@b@v", None), ("x@0", None), ("@3", None), ("", None), ("x@", None),
])
def test_parse(text, ref):
    if ref is None:
        with pytest.raises(RefError):
            parse_ref(text)
    else:
        assert parse_ref(text) == ref


names = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
                min_size=1, max_size=20).filter(
    lambda n: n.strip() == n and not re.search(r"@\s*[vV]?\d*\s*$", n))


@given(names, st.one_of(st.none(), st.integers(1, 10_000)))
def test_round_trip(name, version):
    assert parse_ref(format_ref(name, version)) == Ref(name, version)


def test_dataset_versions_and_what_exists(tmp_path):
    store = Store(tmp_path / "s.db")
    first = stored_version(store, n=3)
    second = stored_version(store, n=4)
    assert dataset_version(store, "capitals").id == second
    assert dataset_version(store, "capitals@1").id == first
    assert dataset_version(store, "capitals@v2").id == second
    with pytest.raises(RefError, match=r"has no ready version 9; its versions: v2, v1"):
        dataset_version(store, "capitals@9")
    with pytest.raises(RefError, match=r"no dataset named 'capitols'; stored datasets: capitals"):
        dataset_version(store, "capitols")


def test_prompt_versions_and_what_exists(tmp_path):
    store = Store(tmp_path / "s.db")
    with pytest.raises(RefError, match="none"):
        prompt_version(store, "greeter")
    v1 = store.prompts.save("greeter", [{"role": "system", "content": "Be brief."}])
    v2 = store.prompts.save("greeter", [{"role": "system", "content": "Be kind."}])
    assert prompt_version(store, "greeter").id == v2.id
    assert prompt_version(store, "greeter@v1").id == v1.id
    with pytest.raises(RefError, match=r"prompt 'greeter' has no version 5; its versions: v2, v1"):
        prompt_version(store, "greeter@5")
    with pytest.raises(RefError, match=r"saved prompts: greeter"):
        prompt_version(store, "greter")


def test_every_ref_taker_reads_a_name_holding_an_at_whole(tmp_path):
    # append_target split at the first '@' and the optimizer's resolve_version at the
    # last one whatever followed; both now read NAME@N through parse_ref.
    from tui.core.dataset_versions import append_target
    from tui.core.optimize.optimize_driver import OptimizeError, resolve_version

    store = Store(tmp_path / "s.db")
    version = stored_version(store, name="team@corp", n=3)
    assert append_target(store, "team@corp") == ("team@corp", store.datasets.version(version))
    assert append_target(store, "team@corp@1")[1].id == version
    assert append_target(store, "new@list") == ("new@list", None)
    with pytest.raises(ValueError, match="a version after '@' is a number"):
        append_target(store, "team@corp@")
    prompt = store.prompts.save("ask@desk", [{"role": "system", "content": "Hi."}])
    assert resolve_version(store, "ask@desk").id == prompt.id
    assert resolve_version(store, "ask@desk@v1").id == prompt.id
    with pytest.raises(OptimizeError, match="versions are numbered from 1"):
        resolve_version(store, "ask@desk@0")
