"""The teacher through the sandbox's Batch API: half price, and a resume that pays once."""

from __future__ import annotations

import pytest

from store import Store
from tests.distill.helpers import TEACHER, distill
from tests.flywheel.helpers import capitals_eval
from tests.jobs.helpers import sandbox_profile
from tui.core.distill.distill_batch import BatchSampler
from tui.core.distill.distiller import Distiller, start
from tui.core.distill.teacher import Teacher
from tui.core.evals.service import client_for, options_for


def _start(store, evaluation, into):
    return start(store, into=into, teacher=TEACHER, teacher_profile="sandbox",
                 from_eval_id=evaluation.id, filter_eval_id=evaluation.id,
                 params={"batch": True})


async def test_a_batch_distillation_keeps_the_same_answers_at_half_the_price(
        tmp_path, sandbox, monkeypatch):
    profile = sandbox_profile(sandbox, monkeypatch)
    with Store(tmp_path / "b.db") as store:
        evaluation = capitals_eval(store, tmp_path, n=10)
        live, _ = await distill(store, profile, _start(store, evaluation, "live").id)
        run = _start(store, evaluation, "batched")
        async with client_for(profile) as client:
            distiller = Distiller(store, run.id, Teacher(client, TEACHER, options_for(profile)))
            sampler = BatchSampler(distiller, poll_s=0.02)
            done = await distiller.run_all(sampler)
            assert distiller.teacher.calls == 0  # not one live request
        assert sampler.calls[:3] == ["files.create", "batches.list", "batches.create"]
        assert (done.sampled, done.kept) == (10, 8)
        assert done.cost_usd == pytest.approx(live.cost_usd / 2)
        assert [r["answer"] for r in store.distills.samples(run.id)] == [
            r["answer"] for r in store.distills.samples(live.id)]
        assert store.distills.get(run.id).batch["done"] and not done.batch["id"]


async def test_a_resume_after_the_batch_was_created_polls_it_instead_of_paying_again(
        tmp_path, sandbox, monkeypatch):
    profile = sandbox_profile(sandbox, monkeypatch)
    with Store(tmp_path / "b.db") as store:
        evaluation = capitals_eval(store, tmp_path, n=6)
        run = _start(store, evaluation, "resumed")
        async with client_for(profile) as client:
            first = BatchSampler(Distiller(store, run.id, Teacher(client, TEACHER,
                                                                 options_for(profile))))
            assert await first._submit()  # then the process dies: the batch is in flight
            batch_id = store.distills.get(run.id).batch["id"]
            # The state saved before the create is enough to find the batch again.
            store.distills.update(run.id, batch={**store.distills.get(run.id).batch,
                                                 "id": None})
            again = BatchSampler(Distiller(store, run.id, Teacher(client, TEACHER,
                                                                 options_for(profile))),
                                 poll_s=0.02)
            done = await again.distiller.run_all(again)
        assert "files.create" not in again.calls and "batches.create" not in again.calls
        assert store.distills.get(run.id).batch["done"] == [batch_id]
        assert (done.sampled, done.kept) == (6, 5)
