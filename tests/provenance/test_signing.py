"""Signing a campaign's downloads: each file once, for its job, with the facts of its job; digests recorded."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

from runner.lock.records import Artifact, JobRecord, Lockfile
from runner.media.probe import ffmpeg_exe
from runner.plan.expand import checked_graph
from runner.plan.job import Job
from runner.plan.requests import RenderRequest
from runner.policy.evaluate import policy_report
from runner.provenance.sandbox_ca import sandbox_keys
from runner.provenance.sign import file_digest, read_credentials
from runner.provenance.signing import sign_artifacts
from runner.vocabulary.states import JobState

CAMPAIGN = """\
version: 1
campaign: signed
avatars:
  isabelle: {id: "7295705233773068290"}
policy: {packs: [claims]}
disclosure: {label: "AI-generated presenter", spoken: "This presenter is AI-generated.", jurisdictions: [US]}
scripts:
  hi: {text: "Warm boots, risk-free returns."}
videos:
  - id: promo
    avatars: [isabelle]
    scripts: [hi]
"""


def test_each_download_is_signed_once_with_its_jobs_facts(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(CAMPAIGN)
    spec, graph = checked_graph(tmp_path / "c.yaml")
    ((key, job),) = graph.jobs.items()
    video = tmp_path / "artifacts" / f"{key}-v1.mp4"
    video.parent.mkdir()
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "color=s=160x90:d=1",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            str(video),
        ],
        check=True,
    )
    sha256, size = file_digest(video)
    record = JobRecord(
        job.kind,
        job.provider,
        JobState.SUCCEEDED,
        job.addresses,
        video_ids=("v1",),
        artifacts=(Artifact("v1", f"artifacts/{video.name}", sha256, size),),
    )
    writes: list[Lockfile] = []

    def write(lock: Lockfile) -> Lockfile:
        writes.append(lock)
        return lock

    policy = policy_report(spec, graph)
    lock, signed = sign_artifacts(
        spec, graph, policy, Lockfile("signed", {key: record}), tmp_path, sandbox_keys(), "s" * 64, write
    )
    assert signed == 1 and len(writes) == 1
    (artifact,) = lock.jobs[key].artifacts
    assert (artifact.sha256, artifact.size) == file_digest(video) != (sha256, size)
    found = read_credentials(video)
    assert found is not None and found.assertion is not None
    facts = found.assertion
    assert facts["job_key"] == key and facts["addresses"] == list(job.addresses) and facts["video_id"] == "v1"
    assert facts["disclosure_label"] == "AI-generated presenter" and facts["spec_digest"] == "s" * 64
    assert facts["policy"] == {"packs": ["claims"], "passed": False, "findings": ["claims/risk-free"]}
    assert "consent" not in facts  # a catalog avatar, not a digital twin
    again, signed_again = sign_artifacts(spec, graph, policy, lock, tmp_path, sandbox_keys(), "s" * 64, write)
    assert signed_again == 0 and again == lock and len(writes) == 1


def test_a_twins_video_carries_its_consent_status_and_group(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(CAMPAIGN)
    spec, graph = checked_graph(tmp_path / "c.yaml")
    twin_key, video_key = "ht-0000000000000001", "hg-0000000000000002"
    job = Job(
        video_key,
        "heygen_video",
        "heygen",
        RenderRequest("", "Hi.", (), twin_key),
        ("videos.promo[avatar=dana,script=hi]",),
    )
    graph = replace(graph, jobs={video_key: job})
    video = tmp_path / "v.mp4"
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "color=s=160x90:d=1",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            str(video),
        ],
        check=True,
    )
    sha256, size = file_digest(video)
    twin = JobRecord(
        "heygen_avatar",
        "heygen",
        JobState.SUCCEEDED,
        ("avatars.dana",),
        twin={"group_id": "g-1", "look_id": "l-1", "consent_status": "approved"},
    )
    made = JobRecord(
        "heygen_video",
        "heygen",
        JobState.SUCCEEDED,
        job.addresses,
        video_ids=("v1",),
        artifacts=(Artifact("v1", "v.mp4", sha256, size),),
    )
    lock = Lockfile("signed", {twin_key: twin, video_key: made})
    sign_artifacts(spec, graph, policy_report(spec, graph), lock, tmp_path, sandbox_keys(), "", lambda lock: lock)
    found = read_credentials(video)
    assert found is not None and found.assertion is not None
    assert found.assertion["consent"] == {"status": "approved", "group_id": "g-1"}
