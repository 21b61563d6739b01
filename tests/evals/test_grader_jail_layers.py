"""Each layer of the grader jail on its own: Landlock alone, then seccomp alone.

The escape tests run graders behind both layers, so one layer could quietly stop
working while the other still catches everything. Here a bare interpreter applies
one layer and tries the same things; each layer must stop what it is meant to.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tui.core.evals.graders import jail
from tui.core.evals.graders.jail import landlock

JAIL_DIR = str(Path(jail.__file__).parent)
EACCES, EPERM = 13, 1

PROBE = r"""
import _socket, json, os, sys, threading
config = json.loads(sys.argv[1])
sys.path.insert(0, config["jail_dir"])
import ctypes, landlock, seccomp
libc = ctypes.CDLL(None, use_errno=True)
assert libc.prctl(38, 1, 0, 0, 0) == 0
if config["layer"] == "landlock":
    landlock.restrict(config["read"], [config["tmp"]], abi=landlock.abi_version())
else:
    seccomp.install(os.getpid())
out = {}
def attempt(name, fn):
    try:
        fn()
        out[name] = "ok"
    except OSError as exc:
        out[name] = exc.errno
def connect():
    s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    s.connect(("127.0.0.1", config["port"]))
def fork():
    if os.fork() == 0:
        os._exit(0)
def thread():
    t = threading.Thread(target=lambda: None)
    t.start()
    t.join()
attempt("read outside", lambda: open(config["secret"]).read())
attempt("write own dir", lambda: open(os.path.join(config["tmp"], "f"), "w").write("x"))
attempt("socket", lambda: _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM).close())
attempt("tcp connect", connect)
attempt("signal another process", lambda: os.kill(config["pid"], 0))
attempt("thread", thread)
if config["layer"] == "seccomp":
    attempt("fork", fork)
attempt("exec", lambda: os.execv("/bin/true", ["true"]))
print(json.dumps(out))
"""


@pytest.fixture
def probe(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    own = tmp_path / "own"
    own.mkdir()

    def run(layer: str) -> dict[str, object]:
        config = {"jail_dir": JAIL_DIR, "layer": layer, "read": jail.read_roots(),
                  "tmp": str(own), "secret": str(secret), "pid": helper.pid,
                  "port": listener.getsockname()[1]}
        done = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", PROBE,
                               json.dumps(config)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    yield run
    helper.kill()
    helper.wait()
    listener.close()


def test_landlock_alone_guards_files_tcp_signals_and_exec(probe):
    abi = landlock.abi_version()
    if abi < 1:
        pytest.skip("this kernel has no Landlock")
    out = probe("landlock")
    assert out["read outside"] == EACCES
    assert out["write own dir"] == "ok" and out["thread"] == "ok"
    assert out["socket"] == "ok"  # creating one is not Landlock's to refuse: seccomp's
    assert out["exec"] == EACCES  # no EXECUTE right anywhere
    if abi >= 4:
        assert out["tcp connect"] == EACCES
    if abi >= 6:
        assert out["signal another process"] == EPERM


def test_seccomp_alone_stops_processes_sockets_and_signals(probe):
    if not jail.status().available:
        pytest.skip("no jail here")
    out = probe("seccomp")
    assert out["read outside"] == "ok"  # files are Landlock's part
    assert out["write own dir"] == "ok" and out["thread"] == "ok"
    assert out["socket"] == EPERM and out["tcp connect"] == EPERM
    assert out["signal another process"] == EPERM
    assert out["fork"] == EPERM and out["exec"] == EPERM


def test_the_filter_assembles_and_lists_no_syscall_twice():
    from tui.core.evals.graders.jail import seccomp

    program = seccomp.build(4242)
    assert len(program) % 8 == 0 and len(program) // 8 < 4096
    numbers = [nr for group in seccomp.DENIED.values() for nr in group.values()]
    numbers += list(seccomp.NR.values())
    assert len(numbers) == len(set(numbers))
