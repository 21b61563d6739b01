"""The pieces without HTTP: engine, grading, structured output, runner guards, the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request

import pytest

from tests.sandbox.sandbox_data import jsonl, sft_rows
from tui.engines import grading, structured
from tui.engines.honest import SandboxEngine
from tui.engines.protocol import GenerationParams, TrainingSpec
from tui.sandbox.server import SandboxServer


def _train(**hp):
    engine = SandboxEngine()
    spec = TrainingSpec(method="supervised", base_model="sandbox-small", training=jsonl(sft_rows(20)),
                        validation=jsonl(sft_rows(20)[:3]), hyperparameters=hp, seed=1)
    plan = engine.plan(spec)
    return engine, plan, list(engine.train(plan))


def test_training_is_deterministic_and_loss_falls_with_more_epochs() -> None:
    _, plan, steps = _train(n_epochs=4, batch_size=4)
    assert plan.total_steps == 20 and plan.steps_per_epoch == 5
    losses = [s.metrics["train_loss"] for s in steps]
    per_epoch = [sum(losses[i:i + 5]) / 5 for i in range(0, 20, 5)]
    assert per_epoch == sorted(per_epoch, reverse=True) and per_epoch[-1] < per_epoch[0] / 2
    assert [s.step for s in steps if s.epoch_end] == [5, 10, 15, 20]
    assert losses == [s.metrics["train_loss"] for s in _train(n_epochs=4, batch_size=4)[2]]
    # A job resumed mid-way reports the very same numbers.
    engine, plan, _ = _train(n_epochs=4, batch_size=4)
    assert [s.metrics for s in engine.train(plan, start_step=11)] == [s.metrics for s in steps[10:]]


def test_a_higher_learning_rate_fits_faster_and_auto_epochs_follow_the_cookbook() -> None:
    slow = [s.metrics["train_loss"] for s in _train(n_epochs=2, learning_rate_multiplier=0.2)[2]]
    fast = [s.metrics["train_loss"] for s in _train(n_epochs=2, learning_rate_multiplier=1.8)[2]]
    assert sum(fast[20:]) < sum(slow[20:])
    _, plan, _ = _train()
    assert (plan.n_epochs, plan.batch_size) == (5, 1)  # 100 // 20 examples


def test_trained_model_answers_from_nearest_example_and_falls_back_to_echo() -> None:
    engine, _, steps = _train(n_epochs=1)
    artifact = steps[-1].artifact
    ask = lambda text: engine.generate("ft:x", artifact, [{"role": "user", "content": text}],  # noqa: E731
                                       GenerationParams()).text
    assert ask("capital of Portugal please") == "Lisbon"
    assert ask("zzz qqq") == "zzz qqq"
    assert engine.generate("sandbox-small", None, [{"role": "user", "content": "one two three"}],
                           GenerationParams(max_tokens=2)).finish_reason == "length"


def test_templates_and_string_check() -> None:
    item = {"city": "Paris", "tags": ["a", "b"], "nested": {"x": 1}}
    assert grading.render("{{ item.city }}/{{item.tags[1]}}/{{item.nested}}/{{item.none}}", item) == 'Paris/b/{"x": 1}/'
    assert grading.render("{{sample.output_text}}", {}, {"output_text": "hi"}) == "hi"
    assert [grading.string_check(op, "Paris, France", "paris") for op in ("eq", "ne", "like", "ilike")] == [
        False, True, False, True]
    with pytest.raises(grading.GraderError) as info:
        grading.check({"type": "string_check", "name": "n", "input": "a", "reference": "b", "operation": "neq"},
                      "testing_criteria[0]")
    assert info.value.param == "testing_criteria[0].operation"


def test_structured_fill_handles_refs_and_nullable_types() -> None:
    schema = {"type": "object", "properties": {"a": {"type": ["string", "null"]}, "b": {"$ref": "#/$defs/n"},
                                               "c": {"const": 3}, "d": {"type": "boolean"}},
              "$defs": {"n": {"type": "number", "minimum": 2.5}}}
    assert structured.fill(schema, "t") == {"a": "t", "b": 2.5, "c": 3, "d": False}


def test_non_loopback_hosts_need_allow_public() -> None:
    with pytest.raises(ValueError, match="non-loopback"):
        SandboxServer(host="0.0.0.0")
    assert SandboxServer(host="0.0.0.0", allow_public=True).host == "0.0.0.0"
    assert SandboxServer(host="::1").base_url.startswith("http://[::1]:")
    assert SandboxServer().api_key.startswith("sk-sandbox-")


def test_cli_parses_its_flags() -> None:
    import argparse

    from tui.cli import sandbox as command

    parser = argparse.ArgumentParser()
    command.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["sandbox", "--port", "0", "--api-key", "k", "--speed", "5", "--faults",
                              "429=0.1", "--state", "s.db", "--allow-public", "--host", "0.0.0.0"])
    assert (args.port, args.api_key, args.speed, args.faults, args.state, args.allow_public) == (
        0, "k", 5.0, "429=0.1", "s.db", True)
    assert args.func is command.run
    bad = parser.parse_args(["sandbox", "--host", "10.1.2.3"])
    assert command.run(bad) == 2


def test_tunedeck_sandbox_serves_until_interrupted(tmp_path) -> None:
    code = "import sys; from tui.cli.sandbox import register; import argparse; " \
           "p = argparse.ArgumentParser(); register(p.add_subparsers()); a = p.parse_args(sys.argv[1:]); " \
           "sys.exit(a.func(a))"
    proc = subprocess.Popen([sys.executable, "-c", code, "sandbox", "--port", "0", "--api-key", "sk-cli"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            # Ctrl-C must reach it even when the tests run in a background
                            # job (which starts children with SIGINT ignored).
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        lines = [proc.stdout.readline() for _ in range(3)]
        assert "SANDBOX" in lines[0] and "sk-cli" in lines[2]
        base = lines[1].split()[-1]
        request = urllib.request.Request(f"{base}/models", headers={"Authorization": "Bearer sk-cli"})
        with urllib.request.urlopen(request, timeout=10) as r:
            assert [m["id"] for m in json.load(r)["data"]] == ["sandbox-small", "sandbox-large",
                                                         "sandbox-teacher"]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_the_sandbox_answers_without_waiting_on_delayed_acks() -> None:
    # A listening socket made with proto 0 kept asyncio from setting TCP_NODELAY on the
    # connections it accepted: each answer (head, then body) waited ~40 ms for an ACK.
    import socket

    with SandboxServer(api_key="sk-sandbox-test") as server, \
            socket.create_connection(("127.0.0.1", server.port)) as client:
        client.sendall(b"GET /v1/models HTTP/1.1\r\nHost: x\r\n"
                       b"Authorization: Bearer sk-sandbox-test\r\n\r\n")
        assert client.recv(65536).startswith(b"HTTP/1.1 200")
        accepted = [c.transport.get_extra_info("socket")
                    for c in server._server.server_state.connections]
        assert accepted and all(
            s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for s in accepted)
