"""Reading the Playground's fields and its status line, headless (no screen)."""

import pytest

from tui.core.playground.compose_fields import (
    parse_models,
    parse_params,
    parse_variables,
    prompt_messages,
)
from tui.core.playground.status_line import status_parts


def test_models_are_comma_separated_and_capped_at_four():
    assert parse_models(" a, ,b,c,d,e ") == ["a", "b", "c", "d"]


def test_variables_skip_pairs_without_a_name_or_an_equals_sign():
    assert parse_variables("name = Ada; junk; =x; lang=French") == {"name": "Ada",
                                                                   "lang": "French"}


def test_blank_system_and_user_are_left_out_turns_kept():
    turn = {"role": "assistant", "content": "hi"}
    assert prompt_messages("  ", [turn], " hello ") == [turn, {"role": "user",
                                                               "content": "hello"}]


def test_params_blank_is_unset_and_a_bad_number_names_its_field():
    params = parse_params(temperature="0.5", top_p="", max_tokens="64", seed="",
                          effort=None, schema='{"type": "object"}')
    assert (params.temperature, params.top_p, params.max_output_tokens) == (0.5, None, 64)
    assert params.json_schema == {"type": "object"}
    with pytest.raises(ValueError, match="top-p must be a number"):
        parse_params(temperature="", top_p="x", max_tokens="", seed="", effort=None,
                     schema="")
    with pytest.raises(ValueError, match="not valid JSON"):
        parse_params(temperature="", top_p="", max_tokens="", seed="", effort=None,
                     schema="{")


def test_status_parts_mark_missing_variables_red():
    assert status_parts("p", 1200, ["a", "b"], ["b"]) == [
        "prompt ", ("p", "b"), " · 1,200 tokens", " · variables: ", "a", ", ", ("b", "red")]
