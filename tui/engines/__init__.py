"""What trains and serves models behind the sandbox's OpenAI-shaped HTTP layer.

* `protocol` — the Engine protocol the server calls (train, generate, count tokens)
  and its value types; the server maps `ModelNotAvailable` to a 404.
* `honest` — the sandbox's deterministic engine (with `directives`, `text`,
  `structured`, `grading`): the test substrate, every answer labelled SANDBOX.
* `local` — the real one: TRL + PEFT training in its own process, transformers or vLLM
  serving (`tunedeck serve --engine local`, the `[local]` extra).

Engines never import the server (`tui/sandbox` imports them), the UI or the CLI.
"""
