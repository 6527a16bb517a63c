from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from runner.campaignfile.load import load_spec
from runner.lock.records import JobError, JobRecord, Lockfile
from runner.plan.diff import diff
from runner.plan.expand import build_graph
from runner.plan.model import Action, JobGraph

SPEC = """version: 1
campaign: t
avatars:
  a: {id: "1"}
scripts:
  s: {text: "SCRIPT"}
  k: {text: "Kept words."}
videos:
  - id: g
    avatars: [a]
    scripts: [s, k]
    name: "NAME-{{ script }}"
"""


def _graph(
    write_spec: Callable[[str, str], Path], script: str = "Hello.", name: str = "v", file: str = "c.yaml"
) -> JobGraph:
    return build_graph(load_spec(write_spec(SPEC.replace("SCRIPT", script).replace("NAME", name), file)))


def _locked(graph: JobGraph, state: str = "succeeded", **extra: object) -> Lockfile:
    lock = Lockfile(campaign="t")
    for key, job in graph.jobs.items():
        lock = lock.with_job(
            key,
            JobRecord(
                kind=job.kind,
                provider=job.provider,
                state=state,
                addresses=job.addresses,  # type: ignore[arg-type]
                name=job.name,
                video_ids=("v" + key,),
                **extra,
            ),
        )  # type: ignore[arg-type]
    return lock


def _actions(plan: object) -> dict[str, str]:
    return {c.key: c.action.value for c in plan.changes}  # type: ignore[attr-defined]


def test_all_succeeded_is_all_noop(write_spec: Callable[[str, str], Path]) -> None:
    graph = _graph(write_spec)
    plan = diff(graph, _locked(graph))
    assert set(_actions(plan).values()) == {"no-op"} and not plan.has_changes
    assert plan.estimate.videos == 0 and plan.estimate.api_calls == 0


def test_new_name_is_a_rename(write_spec: Callable[[str, str], Path]) -> None:
    old = _graph(write_spec)
    new = _graph(write_spec, name="w", file="d.yaml")
    plan = diff(new, _locked(old))
    assert sorted(_actions(plan).values()) == ["rename", "rename"]
    assert plan.estimate.videos == 0


def test_new_script_is_a_replace_and_the_rest_is_kept(write_spec: Callable[[str, str], Path]) -> None:
    old = _graph(write_spec)
    new = _graph(write_spec, script="Different words.", file="d.yaml")
    plan = diff(new, _locked(old))
    replaced = [c for c in plan.changes if c.action is Action.REPLACE]
    assert len(replaced) == 1 and replaced[0].replaces in old.jobs and replaced[0].key not in old.jobs
    assert plan.counts["no-op"] == 1 and plan.counts["forget"] == 0
    assert plan.estimate.videos == 1


def test_removed_job_is_forgotten(write_spec: Callable[[str, str], Path]) -> None:
    old = _graph(write_spec)
    spec = write_spec(
        SPEC.replace("scripts: [s, k]", "scripts: [k]").replace("SCRIPT", "Hello.").replace("NAME", "v"), "d.yaml"
    )
    plan = diff(build_graph(load_spec(spec)), _locked(old))
    assert plan.counts == {"create": 0, "rename": 0, "replace": 0, "forget": 1, "no-op": 1, "blocked": 0}


def test_submitted_resumes_and_failed_retries_until_max(write_spec: Callable[[str, str], Path]) -> None:
    graph = _graph(write_spec)
    submitted = diff(graph, _locked(graph, state="submitted", task_ids=("t",)))
    assert {c.resume for c in submitted.changes} == {"submitted"} and submitted.estimate.videos == 0
    failed_once = _locked(graph, state="failed", attempts=1, error=JobError("TASK_FAILED", "render error"))
    retry = diff(graph, failed_once)
    assert {c.resume for c in retry.changes} == {"retry"} and retry.estimate.videos == 2
    failed_twice = _locked(graph, state="failed", attempts=2, error=JobError("TASK_FAILED", "render error"))
    stop = diff(graph, failed_twice)
    assert set(_actions(stop).values()) == {"no-op"}
    assert any("max_retries" in w for w in stop.warnings)
    assert diff(graph, failed_twice, max_retries=2).counts["create"] == 2


def test_a_refusal_recorded_on_its_whole_batch_is_sent_again(write_spec: Callable[[str, str], Path]) -> None:
    graph = _graph(write_spec)
    words = "material_packages[3].avatar_id: no available digital avatar with id 729"
    batch = diff(graph, _locked(graph, state="failed", error=JobError("40002", words)))
    assert {c.action.value for c in batch.changes} == {"create"} and {c.resume for c in batch.changes} == {"retry"}
    assert all("refused with every package of its batch" in (c.reason or "") for c in batch.changes)
    own = diff(graph, _locked(graph, state="failed", error=JobError("40002", "avatar_id: no available avatar")))
    assert set(_actions(own).values()) == {"no-op"}  # its own refusal: failed for good until the spec changes


def test_a_source_the_provider_could_not_fetch_is_retried_within_max_retries(
    write_spec: Callable[[str, str], Path],
) -> None:
    graph = _graph(write_spec)
    unreachable = JobError("40011", "video_url: the URL could not be fetched")
    once = diff(graph, _locked(graph, state="failed", attempts=1, error=unreachable))
    assert {c.resume for c in once.changes} == {"retry"}
    twice = diff(graph, _locked(graph, state="failed", attempts=2, error=unreachable))
    assert set(_actions(twice).values()) == {"no-op"}
    assert any("raise apply.max_retries" in w for w in twice.warnings)
