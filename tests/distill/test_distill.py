"""Each stage of a distillation against the sandbox over HTTP, in a real SQLite file."""

from __future__ import annotations

import json

import pytest

from store import Store
from tests.distill.helpers import PRICE_IN, PRICE_OUT, TEACHER, distill, reference_eval, unsure
from tests.flywheel.helpers import capitals_eval
from tests.jobs.helpers import sandbox_profile, stored_version
from tui.core.dataset_versions import version_lines
from tui.core.distill.distill_lineage import lineage
from tui.core.distill.distill_prompts import from_eval, from_version
from tui.core.distill.distill_report import preflight
from tui.core.distill.distiller import Distiller, DistillError, start
from tui.core.distill.teacher import Teacher
from tui.core.evals.service import client_for, options_for


def _answers(store: Store, version_id: int) -> list[str]:
    return [json.loads(line)["messages"][-1]["content"]
            for line in version_lines(store, version_id)]


def test_prompts_are_conversations_up_to_the_last_user_turn_or_eval_items(tmp_path):
    with Store(tmp_path / "d.db") as store:
        version_id = stored_version(store, n=3)
        prompts = list(from_version(store, version_id))
        assert [p.index for p in prompts] == [0, 1, 2]
        assert prompts[1].messages == [
            {"role": "user", "content": "What is the capital of country number 1?"}]
        # What the line answered there is the graders' {{item.reference}}.
        assert prompts[1].item["reference"] == "The capital of country 1 is City1."
        evaluation = capitals_eval(store, tmp_path, n=2)
        items = list(from_eval(store, evaluation.id))
        assert items[1].messages == [
            {"role": "user", "content": "What is the capital of country number 1?"}]
        assert items[1].item["answer"] == "The capital of country 1 is City1."


async def test_from_an_eval_the_graders_keep_only_the_answers_that_pass(tmp_path, sandbox,
                                                                          monkeypatch):
    profile = sandbox_profile(sandbox, monkeypatch)
    with Store(tmp_path / "d.db") as store:
        evaluation = capitals_eval(store, tmp_path, n=10)
        run = start(store, into="capitals-distilled", teacher=TEACHER, teacher_profile="sandbox",
                    from_eval_id=evaluation.id, filter_eval_id=evaluation.id)
        done, calls = await distill(store, profile, run.id)
        assert calls == 10 and done.status == "done"
        assert (done.sampled, done.kept) == (10, 8)  # countries 4 and 9 are dropped
        answers = _answers(store, done.output_version_id)
        assert answers == [f"The capital of country {i} is City{i}." for i in range(10)
                           if not unsure(i)]
        rows = store.distills.samples(run.id)
        assert {r["prompt_index"] for r in rows if r["status"] == "dropped"} == {4, 9}
        # The cost is what the teacher's usage costs at its price, every answer paid once.
        expected = sum(r["input_tokens"] * PRICE_IN + r["output_tokens"] * PRICE_OUT
                       for r in rows) / 1e6
        assert done.cost_usd == pytest.approx(expected) and expected > 0
        info = lineage(store, done)
        assert info | {"cost_usd": None} == {
            "distillation": run.id, "status": "done", "teacher": TEACHER,
            "teacher_profile": "sandbox", "source": "eval capitals", "prompt_version": None,
            "samples_per_prompt": 1, "batch": False, "filter": {"eval": "capitals", "keep": "pass"},
            "sampled": 10, "kept": 8, "kept_fraction": 0.8, "cost_usd": None,
            "into": "capitals-distilled@1"}
        assert store.distills.producing(done.output_version_id).id == run.id


async def test_k_samples_of_a_dataset_are_deduplicated_and_a_min_score_filters(
        tmp_path, sandbox, monkeypatch):
    profile = sandbox_profile(sandbox, monkeypatch)
    with Store(tmp_path / "d.db") as store:
        version_id = stored_version(store, n=6)
        run = start(store, into="k3", teacher=TEACHER, teacher_profile="sandbox",
                    from_version_id=version_id, samples=3)
        done, calls = await distill(store, profile, run.id)
        # 18 answers, the teacher deterministic: one line per prompt, the unsure one too.
        assert calls == 18 and (done.sampled, done.kept) == (18, 18)
        assert len(_answers(store, done.output_version_id)) == 6
        version = store.datasets.version(done.output_version_id)
        assert version.parent_version_id == version_id and version.n_invalid == 0

        graded = start(store, into="k1", teacher=TEACHER, teacher_profile="sandbox",
                       from_version_id=version_id, filter_eval_id=reference_eval(store,
                                                                                 tmp_path).id,
                       min_score=1.0)
        done, _ = await distill(store, profile, graded.id)
        assert done.kept == 5 and lineage(store, done)["filter"] == {
            "eval": "same-as-reference", "keep": "score >= 1"}


async def test_the_preflight_probes_a_few_prompts_and_the_run_does_not_ask_them_again(
        tmp_path, sandbox, monkeypatch):
    profile = sandbox_profile(sandbox, monkeypatch)
    with Store(tmp_path / "d.db") as store:
        evaluation = capitals_eval(store, tmp_path, n=10)
        run = start(store, into="probe", teacher=TEACHER, teacher_profile="sandbox",
                    from_eval_id=evaluation.id, filter_eval_id=evaluation.id)
        async with client_for(profile) as client:
            teacher = Teacher(client, TEACHER, options_for(profile))
            pre = await preflight(Distiller(store, run.id, teacher), probe_prompts=5)
            assert teacher.calls == 5
        assert (pre.n_prompts, pre.probed, pre.expected_kept_fraction) == (10, 5, 0.8)
        assert pre.estimated_cost_usd == pytest.approx(pre.probe_cost_usd * 2)
        async with client_for(profile) as client:  # the probe is stored: nothing asked again
            teacher = Teacher(client, TEACHER, options_for(profile))
            batched = await preflight(Distiller(store, run.id, teacher), 5, discount=0.5)
            assert teacher.calls == 0
        # Through the Batch API the other half is priced at half: 1 + 0.5 probes' worth.
        assert batched.estimated_cost_usd == pytest.approx(pre.probe_cost_usd * 1.5)
        done, calls = await distill(store, profile, run.id)
        assert calls == 5 and done.sampled == 10


async def test_bad_starts_are_refused_with_a_reason_and_nothing_kept_writes_nothing(
        tmp_path, sandbox, monkeypatch):
    profile = sandbox_profile(sandbox, monkeypatch)
    with Store(tmp_path / "d.db") as store:
        version_id = stored_version(store, n=4)
        with pytest.raises(DistillError, match="exactly one source"):
            start(store, into="x", teacher=TEACHER, teacher_profile="sandbox")
        with pytest.raises(DistillError, match="minimum score needs"):
            start(store, into="x", teacher=TEACHER, teacher_profile="sandbox",
                  from_version_id=version_id, min_score=0.5)
        # The capitals eval grades against {{item.answer}}, which dataset lines lack.
        evaluation = capitals_eval(store, tmp_path, n=2)
        run = start(store, into="none-kept", teacher=TEACHER, teacher_profile="sandbox",
                    from_version_id=version_id, filter_eval_id=evaluation.id)
        with pytest.raises(DistillError, match="no teacher answer was kept"):
            await distill(store, profile, run.id)
        assert store.distills.get(run.id).status == "failed"
        with pytest.raises(KeyError):
            store.datasets.get_by_name("none-kept")


async def test_an_unknown_teacher_stops_the_run_resumably_with_the_reason(tmp_path, sandbox,
                                                                          monkeypatch):
    profile = sandbox_profile(sandbox, monkeypatch)
    with Store(tmp_path / "d.db") as store:
        version_id = stored_version(store, n=3)
        run = start(store, into="x", teacher="no-such-model", teacher_profile="sandbox",
                    from_version_id=version_id)
        async with client_for(profile) as client:
            teacher = Teacher(client, "no-such-model", options_for(profile))
            with pytest.raises(DistillError, match="the teacher cannot be asked.*resume"):
                await Distiller(store, run.id, teacher).run_all()
        stopped = store.distills.get(run.id)
        assert stopped.status == "sampling" and "no-such-model" in stopped.error
        assert store.distills.samples(run.id) == []
