"""Every error and warning category a dataset check can report, with what it means.

Errors make the provider reject the file (or the job); warnings are things the
provider tolerates (it truncates, skips or ignores them) that a user should see.
The first seven error categories are the OpenAI cookbook checker's.
"""

from __future__ import annotations

ERRORS: dict[str, str] = {
    "data_type": "a line, message or field is not the JSON type it must be",
    "missing_messages_list": "no 'messages' list (or an empty one)",
    "message_missing_key": "a message without 'role' (or a non-assistant one without 'content')",
    "message_unrecognized_key": "a message key that its role does not take",
    "unrecognized_role": "a role outside system, developer, user, assistant, tool, function",
    "missing_content": "empty content, or an assistant message with neither content nor tool calls",
    "example_missing_assistant_message": "a supervised example with no assistant message",
    "invalid_json": "a line that is not JSON",
    "invalid_utf8": "a line that is not UTF-8 text",
    "line_too_long": "a line too long to parse (over 64 MiB)",
    "extra_top_level_key": "a top-level key the format does not take",
    "invalid_content": "content that is neither a string nor a list of text/image parts",
    "invalid_weight": "an assistant weight other than 0 or 1",
    "invalid_tool_message": "a tool message without a string content or a matching tool_call_id",
    "invalid_tool_calls": "malformed assistant tool_calls / function_call",
    "invalid_tools": "malformed tools / functions / parallel_tool_calls",
    "invalid_image": "a malformed image_url part, or an image outside a user message",
    "too_many_images": "more than 10 images in one example",
    "image_in_assistant": "an image in an assistant message",
    "dpo_missing_key": "a DPO example without input, preferred_output or non_preferred_output",
    "dpo_invalid_input": "a DPO input that is not {messages, tools?, parallel_tool_calls?}",
    "dpo_invalid_output": "a DPO output that is not exactly one assistant message",
    "rft_system_role": "a system message in a reinforcement example (use developer)",
    "rft_missing_user_message": "a reinforcement example with no user message",
    "special_token": "text containing a special token such as <|endoftext|>",
    "method_mismatch": "a line (or the model) that does not fit the fine-tuning method",
    "empty_file": "a file with no examples at all",
    "too_few_examples": "fewer than 10 valid examples",
    "train_validation_overlap": "training examples that also appear in the validation file",
}

WARNINGS: dict[str, str] = {
    "over_token_limit": "an example over the model's per-example limit (truncated from the end)",
    "blank_line": "an empty line (skipped)",
    "utf8_bom": "a UTF-8 byte-order mark before the first line (skipped)",
    "no_trainable_assistant_message": "every assistant message has weight 0",
    "tool_arguments_not_json": "tool call arguments that are not a JSON string",
    "unknown_tool": "a tool call naming a function the example's tools do not declare",
    "image_format": "an image that is not JPEG, PNG or WEBP (the service skips it)",
    "image_too_large": "an image over 10 MB (the service skips it)",
    "dpo_identical_outputs": "preferred and non-preferred outputs are the same",
    "model_method": "the model cannot be trained with the detected method",
}

FILE_ERRORS = ("empty_file", "too_few_examples", "train_validation_overlap")
