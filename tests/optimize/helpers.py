"""A sandbox task a prompt can fail and be repaired on: name the capital, in capitals.

sandbox-small echoes the question; the eval wants the last word in upper case,
which the sandbox's directives (tui/engines/directives.py) can produce when the
system prompt asks for it. The seed prompt does not ask, so it fails every item.
"""

from __future__ import annotations

from tests.jobs.helpers import SANDBOX_KEY_ENV
from tui.core.evals.definition import parse, save_to_store

CITIES = ["paris", "rome", "madrid", "berlin", "lisbon", "vienna", "prague", "dublin",
          "oslo", "athens", "warsaw", "budapest", "helsinki", "riga", "sofia", "zagreb",
          "tallinn", "vilnius", "bern", "brussels"]
SEED_SYSTEM = "Answer the question."
EXACT = {"type": "string_check", "name": "exact", "input": "{{sample.output_text}}",
         "reference": "{{item.reference}}", "operation": "eq"}
MODEL = "sandbox-small"


def capitals_items(n: int = len(CITIES)) -> list[dict]:
    return [{"item": {"question": f"which city is the capital here: {city}",
                      "reference": city.upper()}} for city in CITIES[:n]]


def seed_prompt(store, name: str = "capitals"):
    return store.prompts.save(name, [{"role": "system", "content": SEED_SYSTEM},
                                     {"role": "user", "content": "{{item.question}}"}])


def capitals_eval(store, n: int = len(CITIES)):
    definition = parse({"name": "capitals-upper", "items": capitals_items(n),
                        "testing_criteria": [EXACT]})
    return save_to_store(store, definition)


def configure(home, sandbox, monkeypatch, *, price: float | None = None) -> None:
    """config.toml with the sandbox as the default profile (optionally priced per 1M)."""
    monkeypatch.setenv(SANDBOX_KEY_ENV, sandbox.api_key)
    prices = (f'[prices.input]\n"sandbox-" = {price}\n[prices.output]\n"sandbox-" = {price}\n'
              if price is not None else "")
    (home / "config.toml").write_text(
        f'default_profile = "sandbox"\n{prices}[profiles.sandbox]\nkind = "sandbox"\n'
        f'base_url = "{sandbox.base_url}"\napi_key_env = "{SANDBOX_KEY_ENV}"\n')
