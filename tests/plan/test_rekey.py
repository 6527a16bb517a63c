"""Scripts are sent without the blank lines tags leave around them; records keyed by that older text still match."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from runner.campaignfile.load import load_spec
from runner.lock.records import JobRecord, Lockfile
from runner.plan.diff import diff
from runner.plan.expand import build_graph
from runner.plan.job import job_key
from runner.plan.model import Action, JobGraph
from runner.plan.rekey import former_records, rekeyed
from runner.vocabulary.states import JobState

SpecWriter = Callable[[str], Path]

SPEC = """version: 1
campaign: t
avatars:
  a: {id: "1"}
scripts:
  hook:
    text: |
      {# hook for the spring campaign #}
      Meet the boot.
  plain: {text: "Plain words."}
videos:
  - id: g
    avatars: [a]
    scripts: [hook, plain]
refresh:
  - id: music
    source: {from: g}
    strategies: [SWAP_MUSIC]
"""


def _graph(write_spec: SpecWriter, text: str = SPEC) -> JobGraph:
    return build_graph(load_spec(write_spec(text)))


def _by_script(graph: JobGraph) -> dict[str, str]:
    return {str(job.request["script"]): key for key, job in graph.jobs.items() if "script" in job.request}


def _old_lock(graph: JobGraph) -> Lockfile:
    """What an older release recorded: each job, succeeded, under its former key when it has one."""
    lock = Lockfile(campaign="t")
    moves = {key: (job.former_keys or (key,))[0] for key, job in graph.jobs.items()}
    for key, job in graph.jobs.items():
        record = JobRecord(
            kind=job.kind,
            provider=job.provider,
            state=JobState.SUCCEEDED,
            addresses=job.addresses,
            name=job.name,
            depends_on=tuple(moves[d] for d in job.depends_on),
            video_ids=(f"v-{key}",),
            request={"old": True},
        )
        lock = lock.with_job(moves[key], record)
    return lock


def test_a_comment_line_leaves_no_blank_line_in_the_script(write_spec: SpecWriter) -> None:
    scripts = _by_script(_graph(write_spec))
    assert set(scripts) == {"Meet the boot.", "Plain words."}


def test_block_tags_around_a_script_leave_nothing_either(write_spec: SpecWriter) -> None:
    text = SPEC.replace("      {# hook for the spring campaign #}\n", "      {% if true %}\n").replace(
        "      Meet the boot.\n", "      Meet the boot.\n\n      {% endif %}  \n"
    )
    assert "Meet the boot." in _by_script(_graph(write_spec, text))


def test_the_former_key_is_the_key_of_the_old_rendering(write_spec: SpecWriter) -> None:
    graph = _graph(write_spec)
    hook = graph.jobs[_by_script(graph)["Meet the boot."]]
    old = job_key(hook.kind, hook.provider, {"avatar_id": "1", "script": "\nMeet the boot."})
    assert hook.former_keys == (old,)
    assert graph.jobs[_by_script(graph)["Plain words."]].former_keys == ()


def test_jobs_downstream_of_a_former_key_have_former_keys_too(write_spec: SpecWriter) -> None:
    graph = _graph(write_spec)
    hook = _by_script(graph)["Meet the boot."]
    upload = next(j for j in graph.jobs.values() if j.depends_on == (hook,))
    refresh = next(j for j in graph.jobs.values() if j.depends_on == (upload.key,))
    assert len(upload.former_keys) == 1 and len(refresh.former_keys) == 1
    plain_upload = next(j for j in graph.jobs.values() if j.depends_on == (_by_script(graph)["Plain words."],))
    assert plain_upload.former_keys == ()


def test_an_old_lockfile_plans_no_changes(write_spec: SpecWriter) -> None:
    graph = _graph(write_spec)
    old = _old_lock(graph)
    assert {c.action for c in diff(graph, old).changes} >= {Action.REPLACE}  # what main planned: paying again
    plan = diff(graph, rekeyed(graph, old))
    assert {c.action for c in plan.changes} == {Action.NOOP}
    assert not plan.has_changes


def test_rekeyed_records_keep_their_videos_and_point_at_new_keys(write_spec: SpecWriter) -> None:
    graph = _graph(write_spec)
    old = _old_lock(graph)
    new = rekeyed(graph, old)
    assert set(new.jobs) == set(graph.jobs)
    assert sorted(v for r in new.jobs.values() for v in r.video_ids) == sorted(
        v for r in old.jobs.values() for v in r.video_ids
    )
    for key, record in new.jobs.items():
        assert set(record.depends_on) <= set(graph.jobs)
        if key not in old.jobs:
            assert record.request == graph.jobs[key].request


def test_nothing_moves_without_a_former_record(write_spec: SpecWriter) -> None:
    graph = _graph(write_spec)
    lock = Lockfile(campaign="t")
    assert rekeyed(graph, lock) is lock
    hook = graph.jobs[_by_script(graph)["Meet the boot."]]
    other_kind = JobRecord(kind="upload", provider=hook.provider, state=JobState.SUCCEEDED, addresses=())
    assert former_records(graph, lock.with_job(hook.former_keys[0], other_kind)) == {}


def test_a_record_under_the_new_key_wins_and_the_former_one_is_forgotten(write_spec: SpecWriter) -> None:
    graph = _graph(write_spec)
    old = _old_lock(graph)
    hook = _by_script(graph)["Meet the boot."]
    both = old.with_job(hook, replace(old.jobs[graph.jobs[hook].former_keys[0]], video_ids=("v-new",)))
    moves = former_records(graph, both)
    assert graph.jobs[hook].former_keys[0] not in moves
    forgotten = [c.key for c in diff(graph, rekeyed(graph, both)).changes if c.action is Action.FORGET]
    assert forgotten == [graph.jobs[hook].former_keys[0]]


def test_unaffected_campaigns_keep_their_keys(write_spec: SpecWriter) -> None:
    plain = SPEC.replace("      {# hook for the spring campaign #}\n", "")
    graph = _graph(write_spec, plain)
    assert all(job.former_keys == () for job in graph.jobs.values())
    assert _by_script(graph)["Meet the boot."] == _by_script(_graph(write_spec))["Meet the boot."]
