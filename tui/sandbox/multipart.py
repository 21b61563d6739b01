"""Multipart bodies read with their size limit enforced while they stream in.

Starlette's form parser caps plain fields (`max_part_size`) but spools a file
part of any size to a temporary file, so the sandbox checked the 512 MB limit
only after the whole part sat on disk, and then read it all into memory. Here
a request whose Content-Length already says it is too big is refused before a
byte of its body is read, and a file part is counted as it arrives: the
request is refused as soon as one byte passes the limit (at most one network
chunk, ~64 KB, beyond it is read).
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from tui.sandbox.errors import bad_request

MiB = 1024 * 1024
# Room in a body for the boundaries, part headers and small fields (purpose) next to
# the file; the fields themselves are capped at FIELD_BYTES each.
FORM_OVERHEAD = 1 * MiB
FIELD_BYTES = 64 * 1024


@dataclass(frozen=True)
class UploadLimits:
    """What the sandbox accepts, as OpenAI documents it; tests pass smaller ones."""

    file_bytes: int = 512 * MiB  # POST /v1/files
    part_bytes: int = 64 * MiB  # POST /v1/uploads/{id}/parts
    upload_bytes: int = 8 * 1024 * MiB  # POST /v1/uploads, all parts together


class _TooLarge(Exception):
    pass


class _LimitedParser(MultiPartParser):
    """Starlette's parser, counting each file part's bytes as the parser hands them over."""

    def __init__(self, request: Request, file_limit: int) -> None:
        super().__init__(request.headers, request.stream(), max_files=1, max_fields=16,
                         max_part_size=FIELD_BYTES)
        self.file_limit = file_limit
        self._file_bytes = 0

    def on_part_begin(self) -> None:
        super().on_part_begin()
        self._file_bytes = 0

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._current_part.file is not None:
            self._file_bytes += end - start
            if self._file_bytes > self.file_limit:
                raise _TooLarge  # stops the parse loop: the rest of the body is never read
        super().on_part_data(data, start, end)


async def read_form(request: Request, *, file_limit: int, too_large: str,
                    param: str) -> FormData:
    """The form of a multipart request whose file part holds at most `file_limit` bytes.

    Anything bigger answers 400 with `too_large` (OpenAI's error shape, `param`);
    a malformed body answers 400 too. The caller closes the form (`await form.close()`).
    """
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise bad_request("This endpoint takes multipart/form-data.", param)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > file_limit + FORM_OVERHEAD:
        raise bad_request(too_large, param)
    try:
        return await _LimitedParser(request, file_limit).parse()
    except _TooLarge:
        raise bad_request(too_large, param) from None
    except MultiPartException as exc:
        raise bad_request(f"Could not read the multipart body: {exc.message}", param) from None
