"""Signing every downloaded video of a campaign for its job; the lockfile records the signed files' digests."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from runner.campaignfile.model import Spec
from runner.lock.records import Artifact, JobRecord, Lockfile
from runner.plan.model import JobGraph
from runner.policy.findings import PolicyReport
from runner.provenance.keys import SigningKeys
from runner.provenance.manifest import JobFacts, manifest
from runner.provenance.sign import read_credentials, sign_video


def signed_for(path: Path, key: str) -> bool:
    """Whether the file carries an intact manifest made for job `key`."""
    found = read_credentials(path)
    return found is not None and found.intact and (found.assertion or {}).get("job_key") == key


def sign_artifacts(
    spec: Spec,
    graph: JobGraph,
    policy: PolicyReport,
    lock: Lockfile,
    lock_dir: Path,
    keys: SigningKeys,
    spec_digest: str,
    write: Callable[[Lockfile], Lockfile],
) -> tuple[Lockfile, int]:
    """Sign each downloaded video not yet signed for its job; each job's new digests are written before the next."""
    signed = 0
    for key in sorted(lock.jobs):
        record = lock.jobs[key]
        artifacts = []
        for artifact in record.artifacts:
            path = lock_dir / artifact.path
            if not path.is_file() or path.stat().st_size != artifact.size or signed_for(path, key):
                artifacts.append(artifact)
                continue
            facts = _facts(spec, graph, policy, lock, key, record, artifact, spec_digest)
            sha256, size = sign_video(path, manifest(facts, path.name), keys)
            artifacts.append(replace(artifact, sha256=sha256, size=size))
            signed += 1
        if tuple(artifacts) != record.artifacts:
            lock = write(lock.with_job(key, replace(record, artifacts=tuple(artifacts))))
    return lock, signed


def _facts(
    spec: Spec,
    graph: JobGraph,
    policy: PolicyReport,
    lock: Lockfile,
    key: str,
    record: JobRecord,
    artifact: Artifact,
    spec_digest: str,
) -> JobFacts:
    job = graph.jobs.get(key)
    request: Mapping[str, Any] = job.request if job is not None else (record.request or {})
    addresses = set(record.addresses)
    flagged = sorted({f.rule for f in policy.findings if addresses & set(f.cells)})
    return JobFacts(
        campaign=spec.campaign,
        job_key=key,
        addresses=record.addresses,
        provider=record.provider,
        video_id=artifact.video_id,
        spec_digest=spec_digest,
        script=str(request.get("script", "")),
        disclosure_label=spec.disclosure.label if spec.disclosure else None,
        policy={"packs": list(policy.packs), "passed": not policy.blocking, "findings": flagged},
        consent=_consent(request, lock),
    )


def _consent(request: Mapping[str, Any], lock: Lockfile) -> dict[str, Any] | None:
    """A digital twin's consent status and group id (None for a catalog avatar)."""
    avatar = request.get("avatar_id")
    if not isinstance(avatar, Mapping) or "job" not in avatar:
        return None
    twin = lock.jobs.get(str(avatar["job"]))
    facts = (twin.twin if twin is not None else None) or {}
    return {"status": facts.get("consent_status"), "group_id": facts.get("group_id")}
