"""`campaign status SPEC`: what the lockfile holds; `--refresh` asks the API about unfinished tasks."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import click

from runner.execute.artifacts import artifact_ok
from runner.lock import lockfile
from runner.lock.lockfile import JobError, Lockfile
from runner.lock.statelock import StateLock
from runner.options import format_option, lock_option, sandbox_option, spec_argument
from runner.paths import lock_path_for
from runner.spec.load import load_spec
from runner.spec.model import Spec


def refresh_unfinished(spec: Spec, lock: Lockfile, lock_path: Path, sandbox: bool) -> Lockfile:
    """Ask the provider once about each submitted task and record the finished ones."""
    from runner.apply.orchestrate import sandbox_state_file
    from runner.environment import provider_environment
    from runner.providers.config import clock_from_env, settings_from_env
    from runner.providers.heygen import HeyGenClient
    from runner.providers.tiktok import TikTokClient

    submitted = {k: r for k, r in lock.jobs.items() if r.state == "submitted" and r.task_ids}
    if not submitted:
        return lock
    with provider_environment(sandbox, sandbox_state_file(spec)) as env:
        settings, clock = settings_from_env(env), clock_from_env(env)
        needs = {r.provider for r in submitted.values()}
        client = TikTokClient(settings, clock=clock) if "tiktok" in needs else None
        heygen = HeyGenClient(settings, clock=clock) if "heygen" in needs else None
        try:
            for key, record in sorted(submitted.items()):
                tasks: list[tuple[str, str | None, str | None]]  # (status, video id, error)
                if record.provider == "heygen" and heygen is not None:
                    video = heygen.get_video(record.task_ids[0])
                    status = {"completed": "SUCCESS", "failed": "FAILED"}.get(video.status, video.status)
                    tasks = [(status, video.video_id, video.error)]
                elif client is None:
                    continue
                elif record.kind == "avatar_video":
                    tasks = [(t.status, t.video_id, t.error) for t in client.get_avatar_tasks(list(record.task_ids))]
                else:
                    tasks = [(t.status, t.video_id, t.error) for t in client.get_refresh_tasks(list(record.task_ids)[:5])]
                if not tasks or any(s not in ("SUCCESS", "FAILED") for s, _, _ in tasks):
                    continue
                videos = tuple(v for s, v, _ in tasks if s == "SUCCESS" and v)
                if len(videos) == len(tasks):
                    record = replace(record, state="succeeded", video_ids=videos)
                else:
                    error = "; ".join(e or "task failed" for s, _, e in tasks if s == "FAILED")
                    record = replace(record, state="failed", video_ids=videos, error=JobError("RENDER_FAILED" if record.provider == "heygen" else "TASK_FAILED", error))
                lock = lock.with_job(key, record)
                lockfile.write(lock_path, lock)
        finally:
            for api in (client, heygen):
                if api is not None:
                    api.close()
    return lock


@click.command()
@spec_argument
@lock_option
@click.option("--refresh", is_flag=True, help="Ask the provider about submitted tasks and record the finished ones.")
@sandbox_option
@format_option("text", "json")
def command(spec: Path, lock_path: Path | None, refresh: bool, sandbox: bool, fmt: str) -> None:
    """Show every job the lockfile holds: state, video ids, artifacts, errors."""
    loaded = load_spec(spec)
    path = lock_path or lock_path_for(spec)
    if refresh:
        with StateLock(path, operation="status --refresh"):
            lock = refresh_unfinished(loaded, lockfile.read(path, loaded.campaign), path, sandbox)
    else:
        lock = lockfile.read(path, loaded.campaign)
    rows = []
    for key, record in sorted(lock.jobs.items()):
        present = sum(artifact_ok(a, path.parent) for a in record.artifacts)
        rows.append({
            "key": key, "kind": record.kind, "state": record.state, "addresses": list(record.addresses),
            "video_ids": list(record.video_ids) or ([record.stock_video_id] if record.stock_video_id else []),
            "artifacts": f"{present}/{len(record.video_ids)}" if record.kind != "upload" else "-",
            "error": f"{record.error.code}: {record.error.message}" if record.error else None,
        })
    counts = {state: sum(r["state"] == state for r in rows) for state in ("succeeded", "submitted", "pending", "failed")}
    if fmt == "json":
        click.echo(json.dumps({"lockfile": str(path), "counts": counts, "jobs": rows}, indent=2, sort_keys=True))
    else:
        for row in rows:
            ids = ", ".join(row["video_ids"]) or "-"  # type: ignore[arg-type]
            click.echo(f"{row['state']:<10} {row['key']}  {row['kind']:<13} videos: {ids}  artifacts: {row['artifacts']}")
            if row["error"]:
                click.echo(f"           error: {row['error']}")
        click.echo(f"{len(rows)} jobs: " + ", ".join(f"{n} {s}" for s, n in counts.items()) + f" ({path})")
    if counts["failed"]:
        raise SystemExit(1)
