"""End to end: distill sandbox-teacher into sandbox-small, fine-tune it, compare three ways."""

from __future__ import annotations

from store import Store
from tests.distill.helpers import TEACHER, reference_eval
from tests.flywheel.helpers import capitals_eval
from tests.jobs.helpers import MODEL, fast_settings, sandbox_profile, stored_version
from tui.core.distill.distill_batch import BatchSampler
from tui.core.distill.distiller import Distiller, start
from tui.core.distill.student import student_loop
from tui.core.distill.teacher import Teacher
from tui.core.evals.chooser import build_chooser
from tui.core.evals.service import client_for, options_for
from tui.core.lineage import model_lineage
from tui.core.lineage_text import card_lines


async def test_the_distilled_student_beats_its_base_and_matches_the_teacher_for_less(
        tmp_path, sandbox, monkeypatch):
    profile = sandbox_profile(sandbox, monkeypatch)
    settings = fast_settings(profile)
    with Store(tmp_path / "e2e.db") as store:
        prompts = stored_version(store, name="capitals", n=12)
        evaluation = capitals_eval(store, tmp_path, n=6)
        run = start(store, into="capitals-distilled", teacher=TEACHER,
                    teacher_profile=profile.name, from_version_id=prompts,
                    filter_eval_id=reference_eval(store, tmp_path).id, params={"batch": True})
        # Prompts → teacher through the Batch API → graded filter → a new version.
        async with client_for(profile) as client:
            distiller = Distiller(store, run.id, Teacher(client, TEACHER, options_for(profile)))
            distilled = await distiller.run_all(BatchSampler(distiller, poll_s=0.02))
        assert (distilled.sampled, distilled.kept) == (12, 10)  # countries 4 and 9 dropped

        result = await student_loop(store, settings, run.id, eval_id=evaluation.id,
                                    student=MODEL, profile=profile.name,
                                    hyperparameters={"n_epochs": 2}, poll_s=0.05)
        assert result.stage == "done", result.error
        # The teacher misses country 4; the student learned only what the filter kept.
        assert result.teacher_pass_rate == 5 / 6
        assert result.base_pass_rate == 0.0  # sandbox-small echoes the question
        assert result.tuned_pass_rate == 5 / 6
        assert result.tuned_pass_rate > result.base_pass_rate

        # The chooser: the tuned student is as good as the teacher and costs nothing, so it
        # is on the front and the teacher (same pass rate, a price) is not.
        chooser = build_chooser(store, evaluation.id, target=0.8)
        front = {c.model for c in chooser.candidates if c.on_front}
        assert result.student_tuned in front and TEACHER not in front
        assert chooser.pick.run_id == result.tuned_run_id

        card = model_lineage(store, result.student_tuned)
        assert card.distilled["teacher"] == TEACHER and card.distilled["kept_fraction"] == 10 / 12
        assert card.distill_usd == distilled.cost_usd > 0
        lines = card_lines(card)
        cost = f"${distilled.cost_usd:.4f}"  # a sandbox-sized cost, shown below a cent
        assert (f"  distilled    from {TEACHER} on sandbox (distillation #{run.id}, kept where "
                f"same-as-reference: pass): kept 83% of 12 answers, teacher cost {cost}") in lines
        assert f"  distillation {cost} (teacher answers)" in lines
