"""Few-shot examples as a part GEPA may change: a seed whose examples teach the wrong
format fails; the optimized version, its examples rewritten, passes the held-out items."""

from __future__ import annotations

import json

from store import Store
from tests.optimize.helpers import MODEL, SEED_SYSTEM, capitals_eval, configure
from tui.cli.main import main

WRONG = [{"role": "user", "content": "which city is the capital here: lima"},
         {"role": "assistant", "content": "lima"},  # the last word, but in lower case
         {"role": "user", "content": "which city is the capital here: quito"},
         {"role": "assistant", "content": "quito"}]


def test_optimizing_the_few_shot_examples_repairs_a_seed_whose_examples_teach_the_wrong_format(
        isolated_home, sandbox, monkeypatch, capsys, tmp_path):
    configure(isolated_home, sandbox, monkeypatch)
    db = tmp_path / "fs.db"
    with Store(db) as store:
        store.prompts.save("capitals", [{"role": "system", "content": SEED_SYSTEM}, *WRONG,
                                        {"role": "user", "content": "{{item.question}}"}])
        capitals_eval(store)
    assert main(["--db", str(db), "prompt", "optimize", "--prompt", "capitals", "--eval",
                 "capitals-upper", "--model", MODEL, "--reflection-model", MODEL, "--seed", "1",
                 "--parts", "few_shot", "--max-metric-calls", "30", "--yes", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "done" and data["parts"] == ["few_shot"]
    assert data["seed"]["test_pass_rate"] == 0.0 and data["best"]["test_pass_rate"] == 1.0
    assert len(data["held_out"]["fail_to_pass"]) == 6

    with Store(db) as store:
        best = store.prompts.version(data["best"]["id"])
        # Only the examples changed: their answers now take the references' form; the
        # system prompt and the template are the seed's, and the lineage names the seed.
        assert best.messages == [
            {"role": "system", "content": SEED_SYSTEM},
            {"role": "user", "content": "which city is the capital here: lima"},
            {"role": "assistant", "content": "LIMA"},
            {"role": "user", "content": "which city is the capital here: quito"},
            {"role": "assistant", "content": "QUITO"},
            {"role": "user", "content": "{{item.question}}"}]
        assert best.note.startswith("optimized from v1 by eval 'capitals-upper'")
        assert store.prompts.version(data["seed"]["id"]).messages[2]["content"] == "lima"
