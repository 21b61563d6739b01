"""What the example list shows of one line, straight from the line (no screen)."""

import json

from tui.core.example_preview import preview


def test_a_failed_line_shows_the_validators_message():
    assert preview('{"messages": []}', "no assistant message") == "no assistant message"


def test_a_chat_line_shows_its_first_user_message_on_one_line():
    line = json.dumps({"messages": [{"role": "system", "content": "be brief"},
                                    {"role": "user", "content": "hello\nthere"}]})
    assert preview(line, None) == "hello there"


def test_a_preference_pair_shows_its_inputs_user_message():
    line = json.dumps({"input": {"messages": [{"role": "user", "content": "pick"}]},
                       "preferred_output": [], "non_preferred_output": []})
    assert preview(line, None) == "pick"


def test_an_eval_item_shows_the_item():
    assert preview(json.dumps({"item": {"q": "2+2"}}), None) == '{"q": "2+2"}'


def test_not_json_shows_the_lines_start():
    assert preview("x" * 300, None) == "x" * 120
