"""The three-way comparison at the end of a student loop: the teacher, the student's
base model and the tuned student on one eval, with the paired tests between them.

Built from the store alone (tui.core.distill.student.ThreeWay names the three runs).
Model and eval names are data: parts, not markup.
"""

from __future__ import annotations

from typing import Any

from textual.content import Content

from tui.screens.eval_compare import _bar
from tui.screens.text_view import TextViewScreen
from tui.ui_text import lines, styled


def _pct(rate: float | None) -> str:
    return "    —" if rate is None else f"{100 * rate:5.1f}%"


def _cost(run: Any) -> str:
    return "unpriced" if run is None or run.cost_usd is None else f"${run.cost_usd:.4f}"


def _versus(store: Any, label: str, run_a: int | None, run_b: int | None) -> Content | str:
    from tui.core.evals.compare import compare_runs

    if run_a is None or run_b is None:
        return f"{label}: not measured"
    c = compare_runs(store, run_a, run_b, samples=500)
    return styled((label, "b"), f": {c.paired} paired items · ",
                  (f"fail → pass {len(c.fail_to_pass)}", "green"), " · ",
                  (f"pass → fail {len(c.pass_to_fail)}", "red"),
                  f" · McNemar exact p = {c.mcnemar_p:.3g}")


def describe(store: Any, three: Any, distill: Any) -> Content:
    loop_name = store.loops.get(three.loop_id).name
    evaluation = None
    runs = {rid: store.evals.run(rid) for rid in
            (three.teacher_run_id, three.base_run_id, three.tuned_run_id) if rid is not None}
    if runs:
        evaluation = store.evals.get(next(iter(runs.values())).eval_id).name
    rows: list[Content | str] = [
        styled(("Teacher vs student", "b"), " on eval ", evaluation or "—",
               f" (loop #{three.loop_id}, {three.stage})"),
        styled(("loop: ", "dim"), loop_name),
        "",
    ]
    for label, model, run_id, rate in (
            ("teacher      ", three.teacher, three.teacher_run_id, three.teacher_pass_rate),
            ("student base ", three.student_base, three.base_run_id, three.base_pass_rate),
            ("student tuned", three.student_tuned or "—", three.tuned_run_id,
             three.tuned_pass_rate)):
        run = runs.get(run_id) if run_id is not None else None
        rows.append(styled((label, "b"), "  ", f"{str(model)[:38]:<38} ",
                           (_bar(rate or 0.0), "green" if label.startswith("student t")
                            else ""), f" {_pct(rate)}   eval cost {_cost(run)}"))
    rows += ["", _versus(store, "base → tuned", three.base_run_id, three.tuned_run_id),
             _versus(store, "teacher vs tuned", three.teacher_run_id, three.tuned_run_id)]
    if distill is not None:
        sampled = distill.sampled or 0
        kept = f"{(distill.kept or 0) / sampled:.0%}" if sampled else "—"
        cost = "unpriced" if distill.cost_usd is None else f"${distill.cost_usd:.4f}"
        rows += ["", styled(("Distillation", "b"), f" #{distill.id}: {distill.kept or 0} of "
                            f"{sampled} teacher answers kept ({kept}), teacher cost {cost}")]
    if three.error:
        rows.append(styled(("error: ", "red"), three.error))
    rows += ["", styled(("C", "b"), " in Evals puts every run of this eval on pass rate "
                        "against cost (the model chooser); esc closes.")]
    return lines(rows)


class DistillCompareScreen(TextViewScreen):
    """Teacher, student base and student tuned on one eval (text from `describe`)."""

    text_id = "distill-compare-detail"
