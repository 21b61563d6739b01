"""The playground's parameters, named as each API wants them."""

from tui.core.playground.runner import RunParams, chat_kwargs, responses_kwargs

PARAMS = RunParams(temperature=0.2, top_p=0.9, max_output_tokens=5, seed=1,
                   reasoning_effort="low", json_schema={"type": "object"})


def test_chat_completions_names():
    assert chat_kwargs(PARAMS) == {
        "temperature": 0.2, "top_p": 0.9, "max_completion_tokens": 5, "seed": 1,
        "reasoning_effort": "low",
        "response_format": {"type": "json_schema", "json_schema": {
            "name": "output", "schema": {"type": "object"}, "strict": True}},
    }


def test_responses_names_and_no_seed():
    assert responses_kwargs(PARAMS) == {
        "temperature": 0.2, "top_p": 0.9, "max_output_tokens": 5,
        "reasoning": {"effort": "low"},
        "text": {"format": {"type": "json_schema", "name": "output",
                            "schema": {"type": "object"}, "strict": True}},
    }


def test_unset_parameters_are_not_sent():
    assert chat_kwargs(RunParams()) == {} and responses_kwargs(RunParams()) == {}
