"""The optimizations view with hostile data: a prompt's name and text, candidates' text and
an error from elsewhere are shown as characters, never obeyed as markup or terminal codes."""

from __future__ import annotations

from store import Store
from tests.apphelpers import make_app, ready, settle, until
from tests.hostile import corpus
from tests.hostile.conftest import seeded, shots  # noqa: F401 - the hostile tests' fixtures
from tests.hostile.terminal import (
    assert_shown,
    assert_terminal_clean,
    click_everything_hostile,
    recording,
)
from tui.screens.optimizations import OptimizationsScreen, open_optimizations

SIZE = (160, 45)
CANDIDATE = corpus.hostile("cand")
OPT_ERROR = corpus.hostile("opterr")


async def test_the_optimizations_view_shows_hostile_prompts_and_errors_as_data(
        seeded, shots):  # noqa: F811 - pytest passes the fixtures imported above
    with Store(seeded.db) as store:
        version = store.prompts.versions(corpus.PROMPT_NAME)[0]
        opt = store.optimizations.create(
            eval_id=seeded.eval_id, seed_version_id=version.id, profile="sandbox",
            model="sandbox-small", reflection_profile="sandbox",
            reflection_model="sandbox-small", parts=["system"],
            split={"seed": 0, "train": [0], "val": [1], "test": [2]}, seed=0,
            max_metric_calls=10, max_usd=1.0, estimate={}, run_dir_root=str(shots / "runs"))
        store.optimizations.record_candidate(opt.id, 0, {"system": ""}, parents=[],
                                             val_score=0.0, val_scores={"0": 0.0})
        store.optimizations.record_candidate(opt.id, 1, {"system": CANDIDATE}, parents=[0],
                                             val_score=1.0, val_scores={"0": 1.0})
        store.optimizations.update(opt.id, status="failed", error=OPT_ERROR)
    app = recording(make_app())
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        open_optimizations(app)
        await until(pilot, lambda: isinstance(app.screen, OptimizationsScreen))
        await settle(pilot)
        assert_shown(app, corpus.PROMPT_NAME, within=app.screen.query_one("#opt-list"),
                     prefix=12)
        detail = app.screen.query_one("#opt-detail")
        assert_shown(app, corpus.PROMPT_NAME, CANDIDATE, OPT_ERROR, within=detail)
        await click_everything_hostile(pilot, [corpus.PROMPT_NAME, CANDIDATE, OPT_ERROR], shots)
        assert app.return_code is None
    assert_terminal_clean(app)
