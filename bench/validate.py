"""Validate a ~250 MB fine-tuning file: cookbook-style checker vs `tunedeck validate`.

    .venv/bin/python bench/validate.py                 # 100,000 examples (~250 MB)
    .venv/bin/python bench/validate.py --examples 5000 # a quick run

Generates a synthetic SFT file (1% malformed lines) in a temporary folder and
times, in the same run and each in a fresh process:

  (a) a faithful single-process copy of the OpenAI cookbook's checker: the
      whole file read and `json.loads`-ed into a list, its format checks, then
      `tiktoken` `encode` per message value (and again per assistant message,
      as the cookbook does). Malformed JSON lines are counted instead of
      crashing it (the cookbook itself would stop at the first one).
  (b) `tunedeck validate FILE --json --workers N`.

Prints both times, their ratio (target: (b) at least 5x faster at 100k
examples, 4x below that) and the peak memory of (b): the largest sum of
resident set sizes over (b)'s process tree, sampled every 20 ms from /proc, and
each process's own peak (ru_maxrss), whose sum is an upper bound (target: under
250 MB). Then (c), `import_file` into a fresh store (target: at least 2x faster
than (a), the cookbook's validation alone), with the database's size.

Each line also shows the CPU seconds of the process tree and the load average:
on a shared machine a wall-clock ratio moves with whatever else runs, and the
CPU figures show what it would be with two idle cores. bench/NOTES.md has the
profiles behind the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAST_CPU = 0.0  # CPU seconds of the last run_child's process tree
WORDS = (
    "the of and to a in is it you that he was for on are with as his they be at one have this "
    "from or had by hot word but what some we can out other were all there when up use your how "
    "said an each she which do their time if will way about many then them write would like so "
    "these her long make thing see him two has look more day could go come did number sound no "
    "most people my over know water than call first who may down side been now find any new work "
    "part take get place made live where after back little only round man year came show every "
    "good me give our under name very through just form sentence great think say help low line "
    "differ turn cause much mean before move right boy old too same tell does set three want air "
    "well also play small end put home read hand port large spell add even land here must big "
    "high such follow act why ask men change went light kind off need house picture try us again "
    "animal point mother world near build self earth father invoice refund shipping account "
    "password order delivery customer policy warranty schedule meeting report summary"
).split()
SYSTEM_PROMPTS = [
    "You are a helpful customer-support assistant for Acme Corp. Answer briefly and politely, "
    "cite the relevant policy section, and never promise refunds you cannot verify.",
    "You are a careful technical writer. Rewrite the user's notes as a clear, structured "
    "summary with short paragraphs. Keep every number exactly as given.",
    "You are Marv, a factual chatbot that is also sarcastic.",
]


def _sentences(rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        words = rng.choices(WORDS, k=rng.randint(6, 18))
        words[0] = words[0].capitalize()
        out.append(" ".join(words) + rng.choice([".", ".", ".", "?", "!"]))
    return out


def generate(path: Path, n: int, seed: int = 7) -> int:
    """Write n examples (~2.5 kB each, 1% malformed); return the number of malformed ones."""
    rng = random.Random(seed)
    pool = _sentences(rng, 5000)
    bad = 0
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            messages = [{"role": "system", "content": rng.choice(SYSTEM_PROMPTS)}]
            for _turn in range(rng.choice((1, 1, 1, 2))):
                user = " ".join(rng.choices(pool, k=rng.randint(4, 10))) + f" (ticket {i})"
                answer = "\n\n".join(" ".join(rng.choices(pool, k=rng.randint(5, 9)))
                                     for _ in range(rng.randint(2, 4)))
                messages += [{"role": "user", "content": user},
                             {"role": "assistant", "content": answer}]
            line = json.dumps({"messages": messages})
            if i % 100 == 37:  # 1% malformed, of four kinds
                bad += 1
                kind = (i // 100) % 4
                if kind == 0:
                    line = line[: len(line) // 2]
                elif kind == 1:
                    line = line.replace('"role": "user"', '"role": "human"', 1)
                elif kind == 2:
                    line = json.dumps({"messages": messages[:2]})
                else:
                    line = json.dumps({"messages": messages, "metadata": {"id": i}})
            f.write(line + "\n")
    return bad


def cookbook(path: str) -> dict:
    """The cookbook's checker (Chat_finetuning_data_prep), made to survive malformed JSON."""
    import statistics
    from collections import defaultdict

    from tui.core.datasets.tokens import get_encoding

    encoding = get_encoding("o200k_base")  # tiktoken.get_encoding, offline
    format_errors: dict[str, int] = defaultdict(int)
    dataset = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                dataset.append(json.loads(line))
            except json.JSONDecodeError:
                format_errors["invalid_json"] += 1
    ok_examples = []
    for ex in dataset:
        if not isinstance(ex, dict):
            format_errors["data_type"] += 1
            continue
        messages = ex.get("messages", None)
        if not messages:
            format_errors["missing_messages_list"] += 1
            continue
        bad = False
        for message in messages:
            if "role" not in message or "content" not in message:
                format_errors["message_missing_key"] += 1
                bad = True
            if any(k not in ("role", "content", "name", "function_call", "weight") for k in message):
                format_errors["message_unrecognized_key"] += 1
                bad = True
            if message.get("role", None) not in ("system", "user", "assistant", "function"):
                format_errors["unrecognized_role"] += 1
                bad = True
            content = message.get("content", None)
            function_call = message.get("function_call", None)
            if (not content and not function_call) or not isinstance(content, str):
                format_errors["missing_content"] += 1
                bad = True
        if not any(message.get("role", None) == "assistant" for message in messages):
            format_errors["example_missing_assistant_message"] += 1
            bad = True
        if not bad:
            ok_examples.append(ex)

    def num_tokens_from_messages(messages, tokens_per_message=3, tokens_per_name=1):
        num_tokens = 0
        for message in messages:
            num_tokens += tokens_per_message
            for key, value in message.items():
                num_tokens += len(encoding.encode(value))
                if key == "name":
                    num_tokens += tokens_per_name
        num_tokens += 3
        return num_tokens

    def num_assistant_tokens_from_messages(messages):
        num_tokens = 0
        for message in messages:
            if message["role"] == "assistant":
                num_tokens += len(encoding.encode(message["content"]))
        return num_tokens

    n_messages, convo_lens, assistant_message_lens = [], [], []
    for ex in ok_examples:
        messages = ex["messages"]
        n_messages.append(len(messages))
        convo_lens.append(num_tokens_from_messages(messages))
        assistant_message_lens.append(num_assistant_tokens_from_messages(messages))
    for values in (n_messages, convo_lens, assistant_message_lens):
        statistics.median(values), statistics.quantiles(values, n=10), min(values), max(values)
    n = len(ok_examples)
    n_epochs = 3
    if n * 3 < 100:
        n_epochs = min(25, 100 // n)
    elif n * 3 > 25000:
        n_epochs = max(1, 25000 // n)
    billed = n_epochs * sum(min(65536, length) for length in convo_lens)
    return {"errors": dict(format_errors), "valid": n, "tokens": sum(convo_lens),
            "billed_tokens": billed}


def _tree_rss_kb(root: int) -> int:
    """Sum of VmRSS over a process and its descendants (Linux /proc)."""
    total = 0
    stack = [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total


def run_child(args: list[str]) -> tuple[float, int, str]:
    """Run a command; (wall seconds, peak summed RSS of its tree in kB, stdout).

    The tree's CPU seconds (user + system, its waited-for workers included) are left in
    LAST_CPU.
    """
    global LAST_CPU
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kb(proc.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_CPU = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{args} failed ({proc.returncode}):\n{err}")
    return wall, peak, out


def tunedeck_child(path: str, workers: int) -> None:
    """(b) in this process: validate, then print the report and every process's peak RSS."""
    import resource

    from tui.core.datasets.parallel import scan_file
    from tui.core.datasets.scan import LineScanner
    from tui.core.datasets.validate import validate_file

    def cpu(who: int) -> float:
        usage = resource.getrusage(who)
        return usage.ru_utime + usage.ru_stime

    start = time.perf_counter()
    self_cpu, workers_cpu = cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
    report = validate_file(path, workers=workers)
    seconds = time.perf_counter() - start
    self_cpu = cpu(resource.RUSAGE_SELF) - self_cpu
    workers_cpu = cpu(resource.RUSAGE_CHILDREN) - workers_cpu
    # The engine's own accounting of its workers (a second, identical scan).
    _, info = scan_file(path, LineScanner("gpt-4o-mini", report.method), workers=workers)
    print(json.dumps({"seconds": seconds, "report": report.model_dump(mode="json"),
                      "parent_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                      "worker_rss_kb": list(info.worker_peak_rss_kb.values()),
                      "self_cpu": self_cpu, "workers_cpu": workers_cpu}))


def import_child(path: str) -> None:
    """(c) in this process: import the file into a fresh store (lines, results, report)."""
    from store import Store
    from tui.core.dataset_versions import import_file

    with tempfile.TemporaryDirectory() as home:
        start = time.perf_counter()
        with Store(Path(home) / "bench.db") as store:
            result = import_file(store, path, name="bench")
        seconds = time.perf_counter() - start
        db_mb = (Path(home) / "bench.db").stat().st_size / 1e6
    print(json.dumps({"seconds": seconds, "examples": result.version.n_examples,
                      "invalid": result.version.n_invalid, "db_mb": db_mb}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", metavar="DIR", help="write the file here and keep it")
    parser.add_argument("--_child", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._child:
        kind, path = args._child
        if kind == "import":
            import_child(path)
        elif kind == "cookbook":
            start = time.perf_counter()
            result = cookbook(path)
            print(json.dumps({**result, "seconds": time.perf_counter() - start}))
        else:
            tunedeck_child(path, args.workers)
        return 0
    folder = Path(args.keep or tempfile.mkdtemp(prefix="tunedeck-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "train.jsonl"
    t0 = time.perf_counter()
    bad = generate(path, args.examples)
    size = path.stat().st_size
    print(f"generated {args.examples:,} examples ({bad:,} malformed), {size / 1e6:.1f} MB "
          f"in {time.perf_counter() - t0:.1f} s: {path}")
    me = [sys.executable, str(Path(__file__).resolve())]
    try:
        a_wall, a_peak, a_out = run_child([*me, "--_child", "cookbook", str(path)])
        a_cpu = LAST_CPU
        a = json.loads(a_out)
        print(f"(a) cookbook-style, 1 process : {a_wall:6.2f} s wall {a_cpu:6.2f} s CPU  "
              f"peak RSS {a_peak / 1024:7.1f} MB  valid {a['valid']:,}  tokens {a['tokens']:,}"
              f"  [load {os.getloadavg()[0]:.2f}]")
        cli = [sys.executable, "-m", "tui.cli.main", "validate", str(path), "--json",
               "--workers", str(args.workers)]
        b_wall, b_peak, b_out = run_child(cli)
        b_cpu = LAST_CPU
        b = json.loads(b_out)
        print(f"(b) tunedeck validate, {args.workers} processes: {b_wall:6.2f} s wall "
              f"{b_cpu:6.2f} s CPU  peak RSS {b_peak / 1024:7.1f} MB (whole process tree, "
              f"sampled)  valid {b['valid']:,}  invalid {b['invalid']:,}  errors {b['errors']}"
              f"  [load {os.getloadavg()[0]:.2f}]")
        c_wall, _, c_out = run_child([*me, "--workers", str(args.workers), "--_child", "tunedeck",
                                      str(path)])
        c = json.loads(c_out)
        upper = c["parent_rss_kb"] + sum(c["worker_rss_kb"])
        print(f"    per-process peaks: parent {c['parent_rss_kb'] / 1024:.1f} MB, workers "
              + ", ".join(f"{kb / 1024:.1f} MB" for kb in c["worker_rss_kb"])
              + f" (sum {upper / 1024:.1f} MB, an upper bound)")
        # With autogroup scheduling (Linux's default) a session gets one share of a busy
        # machine however many processes it runs, so under load two processes are no faster
        # than one. The CPU each process spent says what two idle cores would make of it.
        # Chunks go to whichever process is free, so on idle cores the two share the work.
        scan = (c["self_cpu"] + c["workers_cpu"]) / 2
        startup = max(0.0, b_cpu - c["self_cpu"] - c["workers_cpu"])  # (b)'s CPU outside it
        print(f"    CPU in validate_file: this process {c['self_cpu']:.2f} s, workers "
              f"{c['workers_cpu']:.2f} s; with (b)'s {startup:.2f} s outside it, two idle cores "
              f"would take ~{startup + scan:.2f} s: ratio ~{a_cpu / (startup + scan):.2f}x "
              "against (a)'s CPU")
        target = 5 if args.examples >= 100_000 else 4
        print(f"ratio (a)/(b): {a_wall / b_wall:.2f}x  (target >= {target}x)   "
              f"peak memory of (b): {b_peak / 1024:.1f} MB (target < 250 MB)   "
              f"CPU (a)/(b) {a_cpu / b_cpu:.2f}x")
        d_wall, d_peak, d_out = run_child([*me, "--_child", "import", str(path)])
        d_cpu = LAST_CPU
        d = json.loads(d_out)
        print(f"(c) tunedeck import into the store: {d_wall:6.2f} s wall {d_cpu:6.2f} s CPU  "
              f"peak RSS {d_peak / 1024:7.1f} MB  examples {d['examples']:,}  "
              f"invalid {d['invalid']:,}  database {d['db_mb']:.0f} MB "
              f"({d['db_mb'] * 1e6 / size:.2f}x the file)  [load {os.getloadavg()[0]:.2f}]")
        print(f"ratio (a)/(c): {a_wall / d_wall:.2f}x  (target >= 2x: importing costs half "
              f"the cookbook's validation alone)")
        billed_a, billed_b = a["billed_tokens"], b["billed_tokens"]
        print(f"billed tokens: cookbook {billed_a:,} / tunedeck {billed_b:,} "
              f"(same rule; tunedeck also rejects the lines the cookbook misses)")
    finally:
        if not args.keep:
            path.unlink(missing_ok=True)
            folder.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
