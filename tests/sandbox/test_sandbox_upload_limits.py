"""Upload limits are enforced while the bytes stream in, and a part counts once.

The sandbox checked the 512 MB limit only after spooling the whole part to disk
and reading it into memory, and completing an upload accepted the same part id
many times (1 MiB sent became 40 MiB stored). Small limits (a parameter of the
sandbox) stand in for OpenAI's 512 MB / 64 MB here.
"""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Iterator

import openai
import pytest

from tests.sandbox.sandbox_data import client
from tui.sandbox.server import SandboxServer

KB = 1024
BOUNDARY = "tunedeckboundary"


@pytest.fixture
def small():
    from tui.sandbox.multipart import UploadLimits

    server = SandboxServer(api_key="sk-sandbox-test", speed=50.0,
                           limits=UploadLimits(file_bytes=64 * KB, part_bytes=32 * KB,
                                               upload_bytes=1024 * KB))
    server.start()
    yield server
    server.stop()


def _form_head() -> bytes:
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n"
            f"fine-tune\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"big.jsonl\"\r\nContent-Type: application/jsonl\r\n\r\n").encode()


def _answer(sock: socket.socket) -> tuple[int, dict]:
    sock.setblocking(True)
    sock.settimeout(10)
    raw = b""
    while b"\r\n\r\n" not in raw:
        raw += sock.recv(65536)
    head, body = raw.split(b"\r\n\r\n", 1)
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length")))
    while len(body) < length:
        body += sock.recv(65536)
    return int(head.split()[1]), json.loads(body[:length])


def send_until_answered(server: SandboxServer, headers: str, body: Iterator[bytes],
                        cap: int) -> tuple[int, dict, int]:
    """Send `body` until the server answers (or `cap` bytes went out); (status, json, sent)."""
    sock = socket.create_connection(("127.0.0.1", server.port))
    request = (f"POST /v1/files HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               f"Authorization: Bearer {server.api_key}\r\n"
               f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n{headers}\r\n").encode()
    sock.sendall(request)
    sock.setblocking(False)
    pending, sent, deadline = b"", 0, time.monotonic() + 30
    try:
        while sent < cap and time.monotonic() < deadline:
            readable, writable, _ = select.select([sock], [sock], [], 1.0)
            if readable:
                break  # an answer before the body ended
            if writable:
                pending = pending or next(body)
                n = sock.send(pending)
                pending, sent = pending[n:], sent + n
        status, answer = _answer(sock)
    finally:
        sock.close()
    return status, answer, sent


def endless_chunked() -> Iterator[bytes]:
    yield b"%x\r\n%s\r\n" % (len(_form_head()), _form_head())
    line = b'{"messages": []}\n' * 1000
    while True:
        yield b"%x\r\n%s\r\n" % (len(line), line)


def test_an_endless_file_part_is_refused_while_it_streams(small):
    status, answer, sent = send_until_answered(
        small, "Transfer-Encoding: chunked\r\n", endless_chunked(), cap=64 * 1024 * KB)
    assert status == 400
    assert answer == {"error": {"message": "File is larger than 64 KB; use the Uploads API.",
                                "type": "invalid_request_error", "param": "file", "code": None}}
    assert sent < 16 * 1024 * KB  # refused near 64 KB, not after the 64 MB the test would send


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read(sandbox):
    # The default limit (512 MB): the body announced is 600 MB, a few KB of it are sent.
    head = _form_head()
    status, answer, sent = send_until_answered(
        sandbox, f"Content-Length: {600 * 1024 * KB * KB}\r\n",
        iter([head] + [b"x" * KB] * 8), cap=len(head) + 8 * KB)
    assert status == 400 and answer["error"]["param"] == "file"
    assert answer["error"]["message"] == "File is larger than 512 MB; use the Uploads API."


async def test_the_file_limit_is_exact_and_answered_in_openais_shape(small):
    async with client(small) as api:
        ok = await api.files.create(file=("ok.jsonl", b"x" * (64 * KB), "application/jsonl"),
                                    purpose="fine-tune")
        assert ok.bytes == 64 * KB
        with pytest.raises(openai.BadRequestError) as caught:
            await api.files.create(file=("big.jsonl", b"x" * (64 * KB + 1), "application/jsonl"),
                                   purpose="fine-tune")
        assert caught.value.body == {"message": "File is larger than 64 KB; use the Uploads API.",
                                     "type": "invalid_request_error", "param": "file",
                                     "code": None}
        assert [f.id for f in (await api.files.list()).data] == [ok.id]


async def test_a_part_over_the_part_limit_is_refused(small):
    async with client(small) as api:
        upload = await api.uploads.create(bytes=40 * KB, filename="a.jsonl",
                                          mime_type="application/jsonl", purpose="fine-tune")
        with pytest.raises(openai.BadRequestError) as caught:
            await api.uploads.parts.create(upload.id, data=b"x" * (32 * KB + 1))
        assert caught.value.body["message"] == "A part may be at most 32 KB."
        assert caught.value.body["param"] == "data"


async def test_completing_with_a_part_listed_twice_is_refused(sandbox):
    async with client(sandbox) as api:
        size = 64 * KB
        upload = await api.uploads.create(bytes=40 * size, filename="a.jsonl",
                                          mime_type="application/jsonl", purpose="fine-tune")
        part = await api.uploads.parts.create(upload.id, data=b"x" * size)
        with pytest.raises(openai.BadRequestError) as caught:
            await api.uploads.complete(upload.id, part_ids=[part.id] * 40)
        assert caught.value.body == {
            "message": f"Part {part.id} is listed more than once in part_ids; each part may be "
                       "used once.",
            "type": "invalid_request_error", "param": "part_ids", "code": "duplicate_part"}
        assert (await api.files.list()).data == []  # nothing stored: 64 KB never became 2.5 MB
        with pytest.raises(openai.BadRequestError) as caught:
            await api.uploads.complete(upload.id, part_ids=[part.id, 7])
        assert caught.value.body["code"] == "invalid_type"
