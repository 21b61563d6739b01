"""/v1/files and /v1/uploads: bytes in, FileObjects out."""

from __future__ import annotations

import hashlib
from typing import Any

from openai.types import FileDeleted, FileObject, Upload
from openai.types.uploads import UploadPart
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tui.sandbox.dialects import OPENAI, dialect, mine, owns
from tui.sandbox.errors import bad_request, conflict, not_found
from tui.sandbox.multipart import read_form
from tui.sandbox.service import Sandbox
from tui.sandbox.shapes import dump, int_param, new_id, now, page
from tui.sandbox.web import body, ok, path, require, sandbox

UPLOAD_PURPOSES = ("fine-tune", "evals", "batch", "user_data", "vision", "assistants")
_FILE_OPEN = {"purpose": "user_data", "status": "processed"}


def _size(n: int) -> str:
    """512 MB, 64 MB, 8 GB as OpenAI's docs write them (or bytes, for a test's small limit)."""
    for unit, scale in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if n >= scale and n % scale == 0:
            return f"{n // scale} {unit}"
    return f"{n} bytes"


def file_json(record: dict[str, Any]) -> dict[str, Any]:
    return dump(FileObject, record, open_fields=_FILE_OPEN)


def store_file(sb: Sandbox, data: bytes, *, filename: str, purpose: str,
               dialect: str = OPENAI, file_id: str | None = None) -> dict[str, Any]:
    """Create a file record and its bytes; used by uploads, jobs (results) and batches,
    and by the other dialects (their files are the same records, seen only by them)."""
    record = {
        "id": file_id or new_id("file"), "object": "file", "bytes": len(data),
        "created_at": now(), "filename": filename, "purpose": purpose, "status": "processed",
        "expires_at": None, "status_details": None, "_dialect": dialect,
    }
    sb.state.put_blob(record["id"], data)
    return sb.state.put("files", record)


def get_file(sb: Sandbox, file_id: str, param: str = "file_id",
             where: str | None = None) -> dict[str, Any]:
    """The file record; with `where`, only a file that dialect's account owns."""
    record = sb.state.get("files", file_id)
    if record is None or (where is not None and not owns(record, where)):
        raise not_found("file", file_id, param)
    return record


def file_bytes(sb: Sandbox, file_id: str, param: str = "file_id") -> bytes:
    get_file(sb, file_id, param)
    return sb.state.blob(file_id) or b""


def _purpose(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise bad_request("Missing required parameter: 'purpose'.", "purpose", "missing_required_parameter")
    if value not in UPLOAD_PURPOSES:
        raise bad_request(f"'{value}' is not one of {list(UPLOAD_PURPOSES)} - 'purpose'", "purpose")
    return value


async def create_file(request: Request) -> Response:
    sb = sandbox(request)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise bad_request("Files are uploaded as multipart/form-data with 'file' and 'purpose'.", "file")
    limit = sb.limits.file_bytes
    form = await read_form(request, file_limit=limit, param="file",
                           too_large=f"File is larger than {_size(limit)}; use the Uploads API.")
    try:
        purpose = _purpose(form.get("purpose"))
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise bad_request("Missing required parameter: 'file'.", "file", "missing_required_parameter")
        data = await upload.read()
        filename = upload.filename or "upload"
    finally:
        await form.close()
    if not data:
        raise bad_request("File is empty.", "file")
    return ok(file_json(store_file(sb, data, filename=filename, purpose=purpose,
                                   dialect=dialect(request))))


async def list_files(request: Request) -> Response:
    sb, q = sandbox(request), request.query_params
    order = q.get("order", "desc")
    if order not in ("asc", "desc"):
        raise bad_request("order must be 'asc' or 'desc'", "order")
    items = mine(sb.state.all("files"), dialect(request))
    if q.get("purpose"):
        items = [f for f in items if f["purpose"] == q["purpose"]]
    if order == "desc":
        items.reverse()
    return ok(page(items, after=q.get("after"), limit=int_param(q.get("limit"), "limit"),
                   serialize=file_json, default_limit=10_000))


async def retrieve_file(request: Request) -> Response:
    return ok(file_json(get_file(sandbox(request), path(request, "file_id"),
                                 where=dialect(request))))


async def file_content(request: Request) -> Response:
    sb = sandbox(request)
    record = get_file(sb, path(request, "file_id"), where=dialect(request))
    media = "text/csv" if record["filename"].endswith(".csv") else "application/octet-stream"
    return Response(sb.state.blob(record["id"]) or b"", media_type=media)


async def delete_file(request: Request) -> Response:
    sb, file_id = sandbox(request), path(request, "file_id")
    get_file(sb, file_id, where=dialect(request))
    sb.state.delete("files", file_id)
    sb.state.delete_blob(file_id)
    return ok(dump(FileDeleted, {"id": file_id, "object": "file", "deleted": True}))


# Uploads -------------------------------------------------------------------------

def _upload_json(record: dict[str, Any]) -> dict[str, Any]:
    out = dump(Upload, {k: v for k, v in record.items() if k != "file"})
    out["file"] = file_json(record["file"]) if record.get("file") else None
    return out


def _get_upload(sb: Sandbox, upload_id: str) -> dict[str, Any]:
    record = sb.state.get("uploads", upload_id)
    if record is None:
        raise not_found("upload", upload_id, "upload_id")
    if record["status"] == "pending" and record["expires_at"] < now():
        record["status"] = "expired"
        sb.state.save("uploads", record)
    return record


async def create_upload(request: Request) -> Response:
    sb, data = sandbox(request), await body(request)
    purpose = _purpose(data.get("purpose"))
    filename = require(data, "filename")
    size = require(data, "bytes", int)
    require(data, "mime_type")
    if not 0 < size <= sb.limits.upload_bytes:
        raise bad_request(f"bytes must be between 1 and {_size(sb.limits.upload_bytes)}", "bytes")
    created = now()
    record = {"id": new_id("upload", "_"), "object": "upload", "bytes": size, "created_at": created,
              "expires_at": created + _expiry(data.get("expires_after")), "filename": filename,
              "purpose": purpose, "status": "pending", "file": None, "_parts": [],
              "_received": 0}
    return ok(_upload_json(sb.state.put("uploads", record)))


def _part_too_large(sb: Sandbox, upload: dict[str, Any], limit: int) -> str:
    if limit == sb.limits.part_bytes:
        return f"A part may be at most {_size(sb.limits.part_bytes)}."
    return (f"Upload {upload['id']} has reached the {_size(sb.limits.upload_bytes)} that "
            "its parts may hold together.")


def _expiry(value: Any) -> int:
    """Seconds until an upload expires: expires_after.seconds, an hour by default."""
    if value is None:
        return 3600
    if not isinstance(value, dict):
        raise bad_request("Invalid type for 'expires_after': expected an object.",
                          "expires_after", "invalid_type")
    seconds = value.get("seconds", 3600)
    # OpenAI's range for expires_after.seconds: an hour to thirty days.
    if not isinstance(seconds, int) or isinstance(seconds, bool) \
            or not 3600 <= seconds <= 2_592_000:
        raise bad_request("Invalid 'expires_after.seconds': expected an integer between 3600 "
                          "and 2592000.", "expires_after.seconds", "invalid_value")
    return seconds


async def add_part(request: Request) -> Response:
    sb = sandbox(request)
    upload = _get_upload(sb, path(request, "upload_id"))
    if upload["status"] != "pending":
        raise conflict(f"Upload {upload['id']} is {upload['status']}; parts can only be added "
                       "while it is pending.")
    # Parts may be added until they hold the Upload maximum (8 GB) together, as OpenAI
    # documents; a retried part may exceed the declared bytes (completion checks those).
    room = max(sb.limits.upload_bytes - upload.get("_received", 0), 0)
    limit = min(sb.limits.part_bytes, room)
    form = await read_form(request, file_limit=limit, param="data",
                           too_large=_part_too_large(sb, upload, limit))
    try:
        part = form.get("data")
        if not isinstance(part, UploadFile):
            raise bad_request("Missing required parameter: 'data'.", "data", "missing_required_parameter")
        chunk = await part.read()
    finally:
        await form.close()
    upload = _get_upload(sb, upload["id"])  # parts may arrive in parallel: count afresh
    if upload.get("_received", 0) + len(chunk) > sb.limits.upload_bytes:
        raise bad_request(_part_too_large(sb, upload, 0), "data")
    record = {"id": new_id("part", "_"), "object": "upload.part", "created_at": now(),
              "upload_id": upload["id"]}
    sb.state.put_blob(record["id"], chunk)
    sb.state.put("parts", record)
    upload["_parts"].append(record["id"])
    upload["_received"] = upload.get("_received", 0) + len(chunk)
    sb.state.save("uploads", upload)
    return ok(dump(UploadPart, record))


async def complete_upload(request: Request) -> Response:
    sb, data = sandbox(request), await body(request)
    upload = _get_upload(sb, path(request, "upload_id"))
    if upload["status"] != "pending":
        raise conflict(f"Upload {upload['id']} is {upload['status']} and cannot be completed.")
    part_ids = require(data, "part_ids", list)
    if not all(isinstance(p, str) for p in part_ids):
        raise bad_request("Invalid type for 'part_ids': expected an array of strings.",
                          "part_ids", "invalid_type")
    mine = set(upload["_parts"])
    unknown = [p for p in part_ids if p not in mine]
    if unknown:
        raise bad_request(f"Part {unknown[0]} does not belong to upload {upload['id']}.", "part_ids")
    seen: set[str] = set()
    repeated = next((p for p in part_ids if p in seen or seen.add(p)), None)
    if repeated is not None:
        # Each part is its bytes once: listing it twice would store more than was sent.
        raise bad_request(f"Part {repeated} is listed more than once in part_ids; each part "
                          "may be used once.", "part_ids", "duplicate_part")
    content = b"".join(sb.state.blob(p) or b"" for p in part_ids)
    if len(content) != upload["bytes"]:
        raise bad_request(f"The upload declared {upload['bytes']} bytes but its parts hold "
                          f"{len(content)}.", "part_ids")
    md5 = data.get("md5")
    if md5 is not None and hashlib.md5(content).hexdigest() != str(md5).lower():
        raise bad_request("The md5 checksum does not match the uploaded parts.", "md5", "md5_mismatch")
    file = store_file(sb, content, filename=upload["filename"], purpose=upload["purpose"],
                      dialect=dialect(request))
    for part_id in upload["_parts"]:
        sb.state.delete_blob(part_id)
    upload.update(status="completed", file=file)
    sb.state.save("uploads", upload)
    return ok(_upload_json(upload))


async def cancel_upload(request: Request) -> Response:
    sb = sandbox(request)
    upload = _get_upload(sb, path(request, "upload_id"))
    if upload["status"] != "pending":
        raise conflict(f"Upload {upload['id']} is {upload['status']} and cannot be cancelled.")
    upload["status"] = "cancelled"
    for part_id in upload["_parts"]:
        sb.state.delete_blob(part_id)
    sb.state.save("uploads", upload)
    return ok(_upload_json(upload))


ROUTES = [
    Route("/files", create_file, methods=["POST"]),
    Route("/files", list_files, methods=["GET"]),
    Route("/files/{file_id}", retrieve_file, methods=["GET"]),
    Route("/files/{file_id}", delete_file, methods=["DELETE"]),
    Route("/files/{file_id}/content", file_content, methods=["GET"]),
    Route("/uploads", create_upload, methods=["POST"]),
    Route("/uploads/{upload_id}/parts", add_part, methods=["POST"]),
    Route("/uploads/{upload_id}/complete", complete_upload, methods=["POST"]),
    Route("/uploads/{upload_id}/cancel", cancel_upload, methods=["POST"]),
]
