"""The run graph keeps its runs' counts per phase as phases change, so progress never counts every job."""

from __future__ import annotations

from runner.execute.runs import JobRun, RunGraph
from runner.plan.job import Job
from runner.plan.requests import from_canonical
from runner.vocabulary.kinds import JobKind
from runner.vocabulary.providers import TIKTOK
from runner.vocabulary.states import Phase


def job(n: int) -> Job:
    request = from_canonical(JobKind.AVATAR_VIDEO, {"avatar_id": "1", "script": f"Say {n}.", "video_name": f"v{n}"})
    return Job(f"av-{n:016x}", JobKind.AVATAR_VIDEO, TIKTOK, request, (f"videos.g[{n}]",))


def test_counts_follow_every_phase_change() -> None:
    graph = RunGraph()
    runs = [graph.add(JobRun(job(n), Phase.WAITING)) for n in range(5)]
    runs[0].phase = Phase.POLLING
    runs[1].phase = Phase.DONE
    runs[2].phase = Phase.DONE
    runs[2].phase = Phase.FAILED
    assert graph.count(Phase.WAITING) == 2
    assert graph.count(Phase.DONE) == 1
    assert graph.count(Phase.FAILED, Phase.BLOCKED) == 1
    assert graph.count(Phase.CREATING, Phase.POLLING, Phase.ADOPTING) == 1
    again = graph.add(JobRun(job(0), Phase.READY))  # a run made again for a key replaces the old one's count
    assert graph.count(Phase.POLLING) == 0 and graph.count(Phase.READY) == 1
    runs[0].phase = Phase.DONE  # the replaced run no longer counts
    assert graph.count(Phase.DONE) == 1 and again.phase == Phase.READY
    assert sum(graph.tally.values()) == len(graph.runs) == 5
