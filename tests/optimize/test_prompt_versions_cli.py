"""`tunedeck prompt save|list|show`: the headless twins of the Playground's saved prompts."""

from __future__ import annotations

import json

from tui.cli.main import main


def test_save_list_and_show_versions(tmp_path, capsys):
    db = ["--db", str(tmp_path / "t.db")]
    assert main([*db, "prompt", "list"]) == 0
    assert "No prompts yet" in capsys.readouterr().out
    assert main([*db, "prompt", "save", "qa", "--system", "Be brief.", "--user",
                 "{{item.question}}"]) == 0
    assert capsys.readouterr().out == "saved qa@1\n"
    # An unchanged save keeps the version; a change makes the next one.
    assert main([*db, "prompt", "save", "qa", "--system", "Be brief.", "--user",
                 "{{item.question}}"]) == 0
    assert capsys.readouterr().out == "saved qa@1\n"
    assert main([*db, "prompt", "save", "qa", "--system", "Be exact.", "--note", "exact",
                 "--json"]) == 0
    saved = json.loads(capsys.readouterr().out)
    assert saved["ref"] == "qa@2" and saved["messages"] == [{"role": "system",
                                                            "content": "Be exact."}]
    assert main([*db, "prompt", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["versions"] == 2 and listed[0]["latest"]["note"] == "exact"
    assert main([*db, "prompt", "show", "qa@1"]) == 0
    assert capsys.readouterr().out == "qa@1\n  [system] Be brief.\n  [user] {{item.question}}\n"
    assert main([*db, "prompt", "show", "qa@9"]) == 2
    assert "has no version 9 (versions 1..2)" in capsys.readouterr().err
    assert main([*db, "prompt", "show", "nope"]) == 2
    assert "no prompt named 'nope' (prompts: qa)" in capsys.readouterr().err
