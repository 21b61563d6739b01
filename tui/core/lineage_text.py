"""A model's card as styled lines: the TUI shows their styles, the CLI their text.

Model ids, dataset and eval names are other people's text, so the card is
built as (text, style) runs (tui/core/styled.py), never as markup: a name
holding `[b]` or `[/draft]` is shown as it is.
"""

from __future__ import annotations

from tui.core.lineage import ModelLineage
from tui.core.styled import Runs, plain_text
from tui.core.wording import count_of


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{100 * rate:.1f}%"


def _usd(value: float | None) -> str:
    return "—" if value is None else f"${value:,.2f}"


def _usd_fine(value: float | None) -> str:
    """Cents hide a sandbox's or a small distillation's cost; show four decimals below $1."""
    return _usd(value) if value is None or value >= 1 else f"${value:.4f}"


def _heading(title: str, rest: str = "") -> Runs:
    return [(title, "b"), (rest, "")]


def _link_line(link: dict) -> str:
    where = f"{link['model']} on {link['profile']} (loop #{link['loop_id']}"
    if link.get("new_pass_rate") is None:
        return where + f", {link['stage']})"
    old, new = _pct(link.get("old_pass_rate")), _pct(link.get("new_pass_rate"))
    p = link.get("mcnemar_p")
    return (where + f"): old {old} → new {new} on the same eval, fail→pass "
            f"{link['fail_to_pass']}, pass→fail {link['pass_to_fail']}"
            + (f", McNemar p = {p:.3g}" if p is not None else ""))


def _distilled_line(info: dict) -> str:
    fraction = info.get("kept_fraction")
    kept = "—" if fraction is None else f"{100 * fraction:.0f}%"
    rule = info.get("filter")
    graded = f", kept where {rule['eval']}: {rule['keep']}" if rule else ""
    return (f"from {info['teacher']} on {info['teacher_profile']} (distillation "
            f"#{info['distillation']}{graded}): kept {kept} of {info['sampled']} answers, "
            f"teacher cost {_usd_fine(info.get('cost_usd'))}")


def card_runs(card: ModelLineage) -> list[Runs]:
    """The card, one list of runs per line."""
    lines: list[Runs] = [[(str(card.model), "b"), (f"  ({card.kind})", "")]]
    if card.job_id is None:
        lines.append([("No fine-tuning job in the store produced this model: "
                       "it is a base model or came from elsewhere.", "")])
    else:
        where = f" · checkpoint at step {card.checkpoint_step}" if card.checkpoint_step else ""
        hyper = ", ".join(f"{k}={v}" for k, v in card.hyperparameters.items()) or "auto"
        lines += [
            [],
            _heading("Trained"),
            [(f"  base model   {card.base_model}", "")],
            [(f"  job          {card.job_remote_id} ({card.job_status}) on profile "
              f"{card.profile}{where}", "")],
            [(f"  method       {card.method or 'supervised'} · {hyper}", "")],
            [(f"  tokens       {card.trained_tokens:,}" if card.trained_tokens else
              "  tokens       —", "")],
        ]
        for ref in card.datasets:
            name = f"{ref.dataset} v{ref.version}" if ref.dataset else "(not in the store)"
            digest = (ref.content_hash or "")[:16] or "—"
            examples = f", {count_of(ref.examples, 'example')}" if ref.examples is not None else ""
            file_id = f", file {ref.file_id}" if ref.file_id else ""
            lines.append([(f"  {ref.role:<12} {name}{examples} · sha256 {digest}{file_id}", "")])
        if card.loop_id is not None:
            lines.append([(f"  loop         #{card.loop_id} (guided flywheel loop)", "")])
        if card.distilled:
            lines.append([("  distilled    " + _distilled_line(card.distilled), "")])
    if card.deployments:
        lines.append([(f"  answers as   {', '.join(card.deployments)} (deployment)", "")])
    if card.shutdown_date:
        via = f", with its base model {card.shutdown_via}" if card.shutdown_via else ""
        lines.append([("  ", ""), ("retires", "b"),
                      (f"      {card.shutdown_date}{via} (the provider stops serving it)", "")])
    if card.replaces or card.retrained_as:
        lines += [[], _heading("Retrained elsewhere")]
    if card.replaces:
        lines.append([("  replaces     " + _link_line(card.replaces), "")])
    for link in card.retrained_as:
        lines.append([("  retrained as " + _link_line(link), "")])
    lines += [[], _heading("Evaluations", f" (against base {card.base_model})"
                           if card.base_model else "")]
    if not card.runs:
        lines.append([("  no eval run on this model yet", "")])
    for run in card.runs:
        rate = f"{_pct(run.pass_rate)} ({run.passed}/{run.total})"
        prompt = f" · prompt {run.prompt}" if run.prompt else ""
        line: Runs = [(f"  {run.eval_name} run {run.run_id} ({run.status}{prompt}): {rate}", "")]
        if run.base_pass_rate is not None and run.delta is not None:
            colour = "green" if run.delta > 0 else "red" if run.delta < 0 else "dim"
            line += [(f"  base {_pct(run.base_pass_rate)}  ", ""),
                     (f"Δ {100 * run.delta:+.1f} pp", colour),
                     (f"  fail→pass {run.fail_to_pass}, pass→fail {run.pass_to_fail}, "
                      f"McNemar p = {run.mcnemar_p:.3g}", "")]
        lines.append(line)
    lines += [
        [],
        _heading("Cost"),
        [(f"  training     {_usd(card.training_actual_usd)} billed · "
          f"{_usd(card.training_estimated_usd)} estimated", "")],
        [(f"  evals        {_usd(card.evals_usd)}", "")],
        [(f"  playground   {_usd(card.playground_usd)}", "")],
        *([[(f"  distillation {_usd_fine(card.distill_usd)} (teacher answers)", "")]]
          if card.distilled else []),
        [("  total        ", ""), (_usd(card.total_usd), "b")],
    ]
    return lines


def card_lines(card: ModelLineage) -> list[str]:
    """The card as plain lines (the CLI's text; the TUI uses `card_runs`)."""
    return [plain_text(runs) for runs in card_runs(card)]
