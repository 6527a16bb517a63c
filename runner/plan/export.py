"""One row per video for the people who place the ads: address, axes, name, ids, state, file."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from runner.campaignfile.model import Spec
from runner.lock.records import Lockfile
from runner.plan.model import JobGraph
from runner.plan.select import LAST, places, shown
from runner.vocabulary import kinds

COLUMNS = (
    "address",
    "group",
    "kind",
    "axes",
    "name",
    "video_name",
    "job_key",
    "task_ids",
    "video_id",
    "state",
    "artifact",
    "disclosure_label",
)


def video_rows(spec: Spec, graph: JobGraph, lock: Lockfile) -> list[dict[str, Any]]:
    """Every video the campaign wants, in file order, with what the lockfile knows of it (uploads and twins are not)."""
    known = places(spec, (a for job in graph.jobs.values() for a in job.addresses), graph.cells)
    rows: list[dict[str, Any]] = []
    for job in graph.jobs.values():
        if not kinds.kind(job.kind).makes_videos:  # uploads and digital twins are not videos to place
            continue
        record = lock.jobs.get(job.key)
        video_ids = list(record.video_ids) if record and record.video_ids else [""]
        files = {a.video_id: a.path for a in record.artifacts} if record else {}
        for address in job.addresses:
            place = known.get(address)
            for video_id in video_ids:
                rows.append(
                    {
                        "address": address,
                        "group": place.group if place else address.split("[")[0].split(".")[1],
                        "kind": job.kind,
                        "axes": dict(place.cell) if place else {},
                        "name": job.name or "",
                        "video_name": (record.video_name if record else None) or "",
                        "job_key": job.key,
                        "task_ids": list(record.task_ids) if record else [],
                        "video_id": video_id,
                        "state": record.state if record else "planned",
                        "artifact": files.get(video_id, ""),
                        "disclosure_label": (spec.disclosure.label or "") if spec.disclosure else "",
                        "_order": (place.position if place else LAST, video_id),
                    }
                )
    rows.sort(key=lambda r: r.pop("_order"))
    return rows


def to_json(rows: list[dict[str, Any]]) -> str:
    """Rows as a JSON array (axes keep their YAML types)."""
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


def to_csv(rows: list[dict[str, Any]]) -> str:
    """Rows as CSV: axes as `key=value;...`, id lists joined by spaces; cells that a spreadsheet would run are quoted."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        flat = {
            **row,
            "axes": ";".join(f"{k}={shown(v)}" for k, v in row["axes"].items()),
            "task_ids": " ".join(row["task_ids"]),
        }
        writer.writerow({k: _inert(str(v)) for k, v in flat.items()})
    return out.getvalue()


def _inert(cell: str) -> str:
    """Keep a spreadsheet from reading a user-written cell as a formula (CSV injection)."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
