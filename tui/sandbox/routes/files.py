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
from tui.sandbox.service import Sandbox
from tui.sandbox.shapes import dump, int_param, new_id, now, page
from tui.sandbox.web import body, ok, path, require, sandbox

UPLOAD_PURPOSES = ("fine-tune", "evals", "batch", "user_data", "vision", "assistants")
MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_UPLOAD_BYTES = 8 * 1024 * 1024 * 1024
MAX_PART_BYTES = 64 * 1024 * 1024
_FILE_OPEN = {"purpose": "user_data", "status": "processed"}


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
    async with request.form(max_part_size=MAX_FILE_BYTES) as form:
        purpose = _purpose(form.get("purpose"))
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise bad_request("Missing required parameter: 'file'.", "file", "missing_required_parameter")
        data = await upload.read()
        filename = upload.filename or "upload"
    if len(data) > MAX_FILE_BYTES:
        raise bad_request("File is larger than 512 MB; use the Uploads API.", "file")
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
    if not 0 < size <= MAX_UPLOAD_BYTES:
        raise bad_request("bytes must be between 1 and 8 GB", "bytes")
    seconds = (data.get("expires_after") or {}).get("seconds", 3600)
    created = now()
    record = {"id": new_id("upload", "_"), "object": "upload", "bytes": size, "created_at": created,
              "expires_at": created + int(seconds), "filename": filename, "purpose": purpose,
              "status": "pending", "file": None, "_parts": []}
    return ok(_upload_json(sb.state.put("uploads", record)))


async def add_part(request: Request) -> Response:
    sb = sandbox(request)
    upload = _get_upload(sb, path(request, "upload_id"))
    if upload["status"] != "pending":
        raise conflict(f"Upload {upload['id']} is {upload['status']}; parts can only be added "
                       "while it is pending.")
    async with request.form(max_part_size=MAX_PART_BYTES) as form:
        part = form.get("data")
        if not isinstance(part, UploadFile):
            raise bad_request("Missing required parameter: 'data'.", "data", "missing_required_parameter")
        chunk = await part.read()
    if len(chunk) > MAX_PART_BYTES:
        raise bad_request("A part may be at most 64 MB.", "data")
    record = {"id": new_id("part", "_"), "object": "upload.part", "created_at": now(),
              "upload_id": upload["id"]}
    sb.state.put_blob(record["id"], chunk)
    sb.state.put("parts", record)
    upload["_parts"].append(record["id"])
    sb.state.save("uploads", upload)
    return ok(dump(UploadPart, record))


async def complete_upload(request: Request) -> Response:
    sb, data = sandbox(request), await body(request)
    upload = _get_upload(sb, path(request, "upload_id"))
    if upload["status"] != "pending":
        raise conflict(f"Upload {upload['id']} is {upload['status']} and cannot be completed.")
    part_ids = require(data, "part_ids", list)
    unknown = [p for p in part_ids if p not in upload["_parts"]]
    if unknown:
        raise bad_request(f"Part {unknown[0]} does not belong to upload {upload['id']}.", "part_ids")
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
