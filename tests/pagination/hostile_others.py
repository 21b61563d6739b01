"""Together's and Fireworks' lists on the hostile server (tests/pagination/hostile.py).

Together sends its lists whole (jobs, files, events, checkpoints, metrics: no cursor,
its SDK follows none): a misbehaving one answers TOGETHER_ITEMS items, each twice.
Fireworks pages Google's way (`pageToken` -> `nextPageToken`): a misbehaving list
answers, in mode "same", the same page and the same token whatever token is sent; in
mode "endless", new items and a new token every time. The lists are named tg_jobs,
tg_files, fw_jobs, fw_datasets and fw_loaded; the others answer one honest page.
Profiles: kind together on `{root}/together`, kind fireworks (account ACCOUNT) on
`{root}/fireworks`.
"""

from __future__ import annotations

import re
from typing import Any

TOGETHER_ITEMS = 5
ACCOUNT = "acme"
CREATED = "2026-01-01T00:00:00Z"


def _tg_job(item_id: str) -> dict[str, Any]:
    return {"id": item_id, "status": "running", "model": "meta-llama/Llama-3-8b",
            "training_file": "file-x", "created_at": CREATED, "updated_at": CREATED,
            "training_method": {"method": "sft", "train_on_inputs": "auto"}}


def _tg_file(item_id: str) -> dict[str, Any]:
    return {"id": item_id, "object": "file", "bytes": 10, "created_at": 1_700_000_000,
            "filename": f"{item_id}.jsonl", "purpose": "fine-tune",
            "processing_status": "COMPLETED", "FileType": "jsonl", "Processed": True,
            "LineCount": 1}


def together(server: Any, path: str) -> dict[str, Any]:
    """The answer to GET /together/v1/… (`path` without that prefix)."""
    lists = {"/fine-tunes": ("tg_jobs", _tg_job, "ft"), "/files": ("tg_files", _tg_file, "file")}
    if path in lists:
        name, make, prefix = lists[path]
        server.hit(name)
        if name not in server.lists:
            return {"data": [make(f"{prefix}-honest")]}
        ids = [f"{prefix}-tg-{k}" for k in range(TOGETHER_ITEMS)]
        return {"data": [make(i) for i in ids for _ in range(2)]}
    server.hit(f"together {path}")
    if re.fullmatch(r"/fine-tunes/[^/]+/(events|checkpoints)", path):
        return {"data": []}
    if re.fullmatch(r"/fine-tunes/[^/]+/metrics", path):
        return {"metrics": []}
    if (found := re.fullmatch(r"/fine-tunes/([^/]+)", path)):
        return _tg_job(found[1])
    raise LookupError(f"GET /together/v1{path}")


def _fw_job(name: str) -> dict[str, Any]:
    return {"name": name, "state": "JOB_STATE_RUNNING", "dataset": f"accounts/{ACCOUNT}/"
            "datasets/d", "baseModel": "accounts/fireworks/models/x", "createTime": CREATED}


def _fw_dataset(name: str) -> dict[str, Any]:
    return {"name": name, "state": "READY", "displayName": name.rsplit("/", 1)[-1] + ".jsonl",
            "createTime": CREATED, "exampleCount": "1"}


def _fw_loaded(name: str) -> dict[str, Any]:
    return {"name": name, "model": "accounts/acme/models/other", "state": "DEPLOYED",
            "deployment": f"accounts/{ACCOUNT}/deployments/serve"}


# resource in the path -> (list name, field of the page, item maker)
_FIREWORKS = {
    "supervisedFineTuningJobs": ("fw_jobs", "supervisedFineTuningJobs", _fw_job),
    "dpoJobs": ("fw_dpo", "dpoJobs", _fw_job),
    "datasets": ("fw_datasets", "datasets", _fw_dataset),
    "deployedModels": ("fw_loaded", "deployedModels", _fw_loaded),
}


def fireworks(server: Any, path: str, query: dict[str, list[str]]) -> dict[str, Any]:
    """The answer to GET /fireworks/v1/… (`path` without that prefix)."""
    found = re.fullmatch(r"/accounts/([^/]+)/([A-Za-z]+)(?:/([^/]+))?", path)
    if found is None or found[2] not in _FIREWORKS:
        raise LookupError(f"GET /fireworks/v1{path}")
    account, resource, short = found.groups()
    name, field, make = _FIREWORKS[resource]
    if short is not None:
        server.hit(f"fireworks {resource}/{short}")
        return make(f"accounts/{account}/{resource}/{short}")
    server.hit(name)
    if name not in server.lists:
        items = [] if resource == "dpoJobs" else [make(f"accounts/{account}/{resource}/honest")]
        return {field: items, "nextPageToken": "", "totalSize": len(items)}
    token = (query.get("pageToken") or [""])[0]
    number = 0
    if server.mode == "endless" and (sent := re.fullmatch(r"tok-p(\d+)", token)):
        number = int(sent[1]) + 1
    items = [make(f"accounts/{account}/{resource}/p{number}-{k}") for k in range(2)]
    return {field: items, "nextPageToken": f"tok-p{number}", "totalSize": 10**6}
