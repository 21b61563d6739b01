"""Python graders that try to get out: each escape is tried for real and must be stopped.

Every test here asserts on the world outside the grader (a file left unchanged, a
listener that received nothing, a process still alive, a secret that never shows
up), not on the grader's own word. Each one fails against the audit-hook guard
this jail replaced (docs/security.md, "Python graders: the jail").
"""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.evals.jailhelpers import grade, grader

ROOT = Path(__file__).resolve().parents[2]


def test_the_old_audit_hook_bypass_writes_nothing_outside(tmp_path):
    target = tmp_path / "outside.txt"
    source = ("import sys\n"
              "sys.modules['__main__']._inside = lambda p: True\n"
              "def grade(sample, item):\n"
              "    open(item['path'], 'w').write('pwned')\n"
              "    return 1.0\n")
    score, why = grade(source, {"path": str(target)})
    assert score is None and "PermissionError" in why
    assert not target.exists()


@pytest.mark.parametrize("attempt", ["fork", "system", "socket"])
def test_ctypes_reaches_no_process_and_no_socket(attempt):
    # Each returns 1.0 only if the libc call really did what it was asked.
    bodies = {
        "fork": ("    pid = libc.fork()\n"
                 "    if pid == 0:\n"
                 "        libc._exit(0)\n"
                 "    return 1.0 if pid > 0 else 0.0\n"),
        "system": ("    libc.system(b'echo escaped > marker')\n"
                   "    return 1.0 if os.path.exists('marker') else 0.0\n"),
        "socket": "    return 1.0 if libc.socket(2, 1, 0) >= 0 else 0.0\n",
    }
    source = grader("    libc = ctypes.CDLL(None, use_errno=True)\n" + bodies[attempt],
                    imports="import ctypes, os\n")
    assert grade(source) == (0.0, None)


# Each attempt would leave `marker` in the grader's own directory (or print ESCAPED-42);
# the grader answers 1.0 when the program really ran.
WAIT_FOR_MARKER = ("    for _ in range(40):\n"
                   "        if os.path.exists('marker'):\n"
                   "            return 1.0\n"
                   "        time.sleep(0.05)\n"
                   "    return 0.0\n")
SH = "['/bin/sh', '-c', 'echo escaped > marker']"
PROCESS_ATTEMPTS = {
    "os.fork": ("    pid = os.fork()\n"
                "    if pid == 0:\n"
                "        open('marker', 'w').close()\n"
                "        os._exit(0)\n"),
    "subprocess.run": f"    subprocess.run({SH})\n",
    "os.system": "    os.system('echo escaped > marker')\n",
    "os.posix_spawn": f"    os.posix_spawn('/bin/sh', {SH}, {{}})\n",
    "_posixsubprocess.fork_exec": (
        # CPython 3.11's positional signature, as subprocess.Popen calls it.
        "    import _posixsubprocess\n"
        "    r, w = os.pipe()\n"
        "    _posixsubprocess.fork_exec([b'/bin/sh', b'-c', b'echo escaped > marker'],\n"
        "        [b'/bin/sh'], True, (w,), None, None, -1, -1, -1, -1, -1, -1, r, w,\n"
        "        False, False, -1, None, None, None, -1, None, False)\n"),
    # The grader is replaced: the program it became leaves its marker beside the test.
    "os.execv": "    os.execv('/bin/sh', ['sh', '-c', 'echo escaped > ' + item['outside']])\n",
}


@pytest.mark.parametrize("attempt", sorted(PROCESS_ATTEMPTS))
def test_no_program_starts(attempt, tmp_path):
    if attempt == "_posixsubprocess.fork_exec" and sys.version_info[:2] != (3, 11):
        pytest.skip("the positional signature written here is CPython 3.11's")
    source = grader(PROCESS_ATTEMPTS[attempt] + WAIT_FOR_MARKER,
                    imports="import os, subprocess, time\n")
    outside = tmp_path / "marker"
    score, why = grade(source, {"outside": str(outside)})
    assert score != 1.0 and not outside.exists()
    if attempt != "os.system":  # system() reports a failed start as a status, not an error
        assert score is None and "PermissionError" in why


@pytest.fixture
def tcp_listener():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


def assert_nobody_connected(server: socket.socket) -> None:
    time.sleep(0.1)
    with pytest.raises(BlockingIOError):
        conn, _ = server.accept()
        conn.close()


@pytest.mark.parametrize("how", ["connect", "sendmsg MSG_FASTOPEN", "sendto"])
def test_no_tcp_through_the_raw_socket_module(tcp_listener, how):
    calls = {
        "connect": "    s.connect(('127.0.0.1', item['port']))\n    s.send(b'hi')\n",
        "sendmsg MSG_FASTOPEN": ("    s.sendmsg([b'hi'], [], _socket.MSG_FASTOPEN,"
                                 " ('127.0.0.1', item['port']))\n"),
        "sendto": "    s.sendto(b'hi', _socket.MSG_FASTOPEN, ('127.0.0.1', item['port']))\n",
    }
    source = grader("    s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)\n"
                    + calls[how] + "    return 1.0\n", imports="import _socket\n")
    score, why = grade(source, {"port": tcp_listener.getsockname()[1]})
    assert score is None and "PermissionError" in why
    assert_nobody_connected(tcp_listener)


def test_no_udp_datagram_leaves():
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.setblocking(False)
    try:
        source = grader("    s = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM)\n"
                        "    for _ in range(3):\n"
                        "        s.sendto(b'leak', ('127.0.0.1', item['port']))\n"
                        "    return 1.0\n", imports="import _socket\n")
        score, why = grade(source, {"port": receiver.getsockname()[1]})
        time.sleep(0.1)
        with pytest.raises(BlockingIOError):
            receiver.recv(100)
        assert score is None
    finally:
        receiver.close()


@pytest.mark.parametrize("kind", ["path", "abstract"])
def test_no_unix_socket_to_a_process_outside(tmp_path, kind):
    address = str(tmp_path / "sock") if kind == "path" else f"\0tunedeck-test-{uuid.uuid4()}"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(address)
    server.listen(4)
    server.setblocking(False)
    try:
        source = grader("    s = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)\n"
                        "    s.connect(item['address'])\n"
                        "    s.send(b'hi')\n"
                        "    return 1.0\n", imports="import _socket\n")
        score, _ = grade(source, {"address": address})
        assert score is None
        assert_nobody_connected(server)
    finally:
        server.close()


def test_dir_fd_tricks_change_nothing_outside(tmp_path):
    target = tmp_path / "target"
    target.mkdir()
    (target / "keep.txt").write_text("keep")
    source = grader(
        "    fd = os.open(item['target'], os.O_PATH | os.O_DIRECTORY)\n"
        "    done = []\n"
        "    attempts = {\n"
        "        'create': lambda: os.close(os.open('pwned', os.O_CREAT | os.O_WRONLY,"
        " dir_fd=fd)),\n"
        "        'append': lambda: os.close(os.open('keep.txt', os.O_WRONLY | os.O_APPEND,"
        " dir_fd=fd)),\n"
        "        'mkdir': lambda: os.mkdir('newdir', dir_fd=fd),\n"
        "        'unlink': lambda: os.unlink('keep.txt', dir_fd=fd),\n"
        "        'rename': lambda: os.rename('keep.txt', 'moved', src_dir_fd=fd,"
        " dst_dir_fd=fd),\n"
        "        'symlink': lambda: os.symlink('/etc/passwd', 'link', dir_fd=fd),\n"
        "        'link': lambda: os.link('keep.txt', 'hard', src_dir_fd=fd, dst_dir_fd=fd),\n"
        "        'mkfifo': lambda: os.mkfifo('fifo', dir_fd=fd),\n"
        "        'chmod': lambda: os.chmod('keep.txt', 0o777, dir_fd=fd),\n"
        "        'utime': lambda: os.utime('keep.txt', (0, 0), dir_fd=fd),\n"
        "    }\n"
        "    for name, attempt in attempts.items():\n"
        "        try:\n"
        "            attempt()\n"
        "            done.append(name)\n"
        "        except OSError:\n"
        "            pass\n"
        "    return float(len(done))\n")
    before = (target / "keep.txt").stat()
    assert grade(source, {"target": str(target)}) == (0.0, None)
    assert sorted(p.name for p in target.iterdir()) == ["keep.txt"]
    after = (target / "keep.txt").stat()
    assert (target / "keep.txt").read_text() == "keep"
    assert (after.st_mode, after.st_mtime_ns) == (before.st_mode, before.st_mtime_ns)


def test_a_secret_file_outside_is_never_read(tmp_path):
    secret = f"secret-{uuid.uuid4()}"
    path = tmp_path / "secret.txt"
    path.write_text(secret)
    source = grader(
        "    seen = []\n"
        "    tries = [lambda: open(item['path']).read(),\n"
        "             lambda: os.read(os.open(item['path'], os.O_RDONLY), 100).decode(),\n"
        "             lambda: os.read(os.open('secret.txt', os.O_RDONLY,"
        " dir_fd=os.open(item['dir'], os.O_PATH)), 100).decode(),\n"
        "             lambda: (os.symlink(item['path'], 'link'), open('link').read())[1],\n"
        "             lambda: str(os.listdir(item['dir']))]\n"
        "    for attempt in tries:\n"
        "        try:\n"
        "            seen.append(attempt())\n"
        "        except OSError as exc:\n"
        "            seen.append(type(exc).__name__)\n"
        "    raise ValueError(' | '.join(seen))\n")
    score, why = grade(source, {"path": str(path), "dir": str(tmp_path)})
    assert score is None and "PermissionError" in why
    assert secret not in why and "secret.txt" not in why


def test_the_parents_environ_with_the_api_key_stays_unread(monkeypatch):
    # /proc/<pid>/environ shows the environment a process was started with, so the
    # grade runs in a process started with the key, as the TUI is.
    key = f"sk-fake-{uuid.uuid4().hex}"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    source = grader(
        "    found = []\n"
        "    for path in (f'/proc/{os.getppid()}/environ', '/proc/self/environ',\n"
        "                 f'/proc/{os.getppid()}/cmdline', '/proc/1/environ'):\n"
        "        try:\n"
        "            found.append(open(path, 'rb').read().decode(errors='replace'))\n"
        "        except OSError as exc:\n"
        "            found.append(type(exc).__name__)\n"
        "    found.append(repr(dict(os.environ)))\n"
        "    raise ValueError(' | '.join(found))\n")
    script = ("import asyncio, json, sys\n"
              "from tui.core.evals.graders.python_grader import run_grade\n"
              "print(json.dumps(asyncio.run(run_grade(sys.stdin.read(), {}, {}))))\n")
    done = subprocess.run([sys.executable, "-c", script], input=source, capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    score, why = json.loads(done.stdout.strip().splitlines()[-1])
    assert score is None and why.count("PermissionError") == 4
    assert key not in why and "sk-fake" not in why


def test_sqlite_databases_outside_stay_closed(tmp_path):
    db = tmp_path / "tunedeck.db"
    secret = f"row-{uuid.uuid4()}"
    with sqlite3.connect(db) as con:
        con.execute("create table secrets (v text)")
        con.execute("insert into secrets values (?)", (secret,))
    source = grader("    con = sqlite3.connect(item['db'])\n"
                    "    rows = con.execute('select v from secrets').fetchall()\n"
                    "    con.execute(\"insert into secrets values ('pwned')\")\n"
                    "    con.commit()\n"
                    "    raise ValueError(repr(rows))\n", imports="import sqlite3\n")
    score, why = grade(source, {"db": str(db)})
    assert score is None and "unable to open database file" in why
    assert secret not in why
    with sqlite3.connect(db) as con:
        assert con.execute("select v from secrets").fetchall() == [(secret,)]


def test_no_signal_or_ptrace_reaches_another_process():
    helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    received: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: received.append(signum))
    try:
        source = grader(
            "    import ctypes\n"
            "    libc = ctypes.CDLL(None, use_errno=True)\n"
            "    pid = item['pid']\n"
            "    sent = 0\n"
            "    for attempt in (lambda: os.kill(pid, signal.SIGTERM),\n"
            "                    lambda: os.kill(os.getppid(), signal.SIGTERM),\n"
            "                    lambda: signal.pidfd_send_signal(os.pidfd_open(pid),"
            " signal.SIGTERM),\n"
            "                    lambda: signal.pidfd_send_signal(os.pidfd_open("
            "os.getppid()), signal.SIGTERM)):\n"
            "        try:\n"
            "            attempt()\n"
            "            sent += 1\n"
            "        except OSError:\n"
            "            pass\n"
            "    for call in ((234, pid, pid, signal.SIGTERM), (200, pid, signal.SIGTERM),\n"
            "                 (101, 16, pid, 0, 0)):\n"
            "        sent += libc.syscall(*call) == 0  # tgkill, tkill, ptrace(PTRACE_ATTACH)\n"
            "    return float(sent)\n", imports="import os, signal\n")
        score, why = grade(source, {"pid": helper.pid})
        time.sleep(0.2)
        assert helper.poll() is None, "the helper was killed from inside the grader"
        assert received == []
        assert (score, why) == (0.0, None)
    finally:
        signal.signal(signal.SIGTERM, previous)
        helper.kill()
        helper.wait()


def test_the_jail_is_really_on():
    # prctl(PR_GET_SECCOMP) == 2 (filter), PR_GET_NO_NEW_PRIVS == 1, no capabilities left.
    source = ("import ctypes\n"
              "def grade(sample, item):\n"
              "    libc = ctypes.CDLL(None, use_errno=True)\n"
              "    header = (ctypes.c_uint32 * 2)(0x20080522, 0)\n"
              "    data = (ctypes.c_uint32 * 6)()\n"
              "    assert libc.capget(header, data) == 0\n"
              "    return libc.prctl(21, 0, 0, 0, 0) * 100 + libc.prctl(39, 0, 0, 0, 0) * 10"
              " + (1 if any(data) else 0)\n")
    assert grade(source) == (210.0, None)
