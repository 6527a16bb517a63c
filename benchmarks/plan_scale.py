"""Wall time and peak memory of `campaign plan` at 10k and 100k jobs, with a complete lockfile.

Run: python benchmarks/plan_scale.py   (3 runs per size; prints the best and median against each goal, the load
average before each size, and the 100k/10k ratios)
Goals on a quiet 2-core machine: 10k avatar jobs (12,000 jobs in all) in <= 1 s, 100k (120,000) in <= 10 s,
<= 300 MiB peak at 10k; linear growth. "Complete" is what a finished apply leaves: every job succeeded and every
video downloaded (a small file of the recorded size), so the plan says "No changes.".
"""

from __future__ import annotations

import compileall
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import runner
from runner.execute.artifacts import artifact_path
from runner.lock import lockfile
from runner.lock.lockfile import JobRecord, Lockfile
from runner.lock.records import Artifact
from runner.plan.make import make_plan
from runner.vocabulary.kinds import JobKind
from runner.workspace import artifacts_dir_for

GOALS = {10_000: 1.0, 100_000: 10.0}  # avatar jobs -> seconds of wall time
MEMORY_GOAL_MIB = 300


def write_campaign(folder: Path, avatar_jobs: int, refresh_jobs: int) -> Path:
    """10 avatars x 10 scripts x N products, and refresh jobs over the first products' videos."""
    products = avatar_jobs // 100
    refresh_products = refresh_jobs // 10  # where: avatar a0 -> 10 scripts per product
    lines = ["version: 1", f"campaign: scale-{avatar_jobs}", "vars: {brand: Northwind}", "avatars:"]
    lines += [f'  a{i}: {{id: "{7295705233773068290 + i}"}}' for i in range(10)]
    lines.append("scripts:")
    lines += [f'  s{i}: {{text: "{{{{ brand }}}} script {i} for the {{{{ product }}}}."}}' for i in range(10)]
    lines += [
        "videos:",
        "  - id: g",
        f"    avatars: [{', '.join(f'a{i}' for i in range(10))}]",
        f"    scripts: [{', '.join(f's{i}' for i in range(10))}]",
        f"    matrix: {{product: [{', '.join(f'p{i}' for i in range(products))}], batch: [b{refresh_products}]}}",
        "    include: []",
        '    name: "{{ avatar }}-{{ script }}-{{ product }}"',
        "refresh:",
    ]
    for p in range(refresh_products):
        lines += [
            f"  - id: r{p}",
            f"    source: {{from: g, where: {{avatar: a0, product: p{p}}}}}",
            "    strategies: [SWAP_MUSIC]",
        ]
    path = folder / "scale.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def complete_lockfile(spec: Path) -> Path:
    """A lockfile in which every job succeeded and every video is on disk (what a finished apply leaves)."""
    planned = make_plan(spec)
    lock = Lockfile(campaign=planned.spec.campaign)
    folder = artifacts_dir_for(spec)
    folder.mkdir(parents=True, exist_ok=True)
    jobs = {}
    for i, (key, job) in enumerate(planned.graph.jobs.items()):
        video_id = str(10**15 + i)
        downloaded: tuple[Artifact, ...] = ()
        if job.kind != JobKind.UPLOAD:  # an upload's video is its source's
            target = artifact_path(folder, key, video_id)
            target.write_bytes(b"\0" * 64)
            path = os.path.relpath(target, planned.lock_path.parent)
            downloaded = (Artifact(video_id=video_id, path=path, sha256="0" * 64, size=64),)
        jobs[key] = JobRecord(
            kind=job.kind,
            provider=job.provider,
            state="succeeded",
            addresses=job.addresses,
            name=job.name,
            video_name=getattr(job.payload, "video_name", None),  # what the create sent (avatar videos)
            depends_on=job.depends_on,
            task_ids=(str(10**12 + i),),
            video_ids=(video_id,),
            attempts=1,
            submitted_at=1_767_225_600.0 + i,
            finished_at=1_767_225_900.0 + i,
            artifacts=downloaded,
            request=dict(job.request),
        )
    lockfile.write(planned.lock_path, Lockfile(campaign=lock.campaign, jobs=jobs))
    return planned.lock_path


def measure(avatar_jobs: int, refresh_jobs: int, runs: int = 3) -> tuple[int, list[float], float]:
    """Return (jobs, seconds of each of `runs` `campaign plan` subprocesses, the highest peak MiB of them)."""
    with tempfile.TemporaryDirectory() as tmp:
        # Written by a child, so that this process stays small: a child reports its parent's resident size
        # as its own peak when the parent is the larger (Linux counts the pages a child had before its exec).
        prepare = [sys.executable, __file__, "--prepare", tmp, str(avatar_jobs), str(refresh_jobs)]
        spec = Path(subprocess.run(prepare, check=True, capture_output=True, text=True).stdout.strip())
        times, peaks = [], []
        for _ in range(runs):
            seconds, peak, output = run_plan(spec, Path(tmp) / "output.txt")
            times.append(seconds)
            peaks.append(peak)
            assert "No changes." in output, output[-500:]
        jobs = avatar_jobs + 2 * refresh_jobs  # each refresh brings its upload
        return jobs, times, max(peaks)


def run_plan(spec: Path, output: Path) -> tuple[float, float, str]:
    """(wall seconds, peak MiB of this process alone, what it printed) of `campaign plan SPEC --detailed-exitcode`."""
    with output.open("w") as out:
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "runner", "plan", str(spec), "--detailed-exitcode"], stdout=out, stderr=out
        )
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    text = output.read_text()
    if child.returncode != 0:
        raise SystemExit(f"plan failed ({child.returncode}): {text[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, text


def load() -> str:
    """The 1, 5 and 15 minute load averages (figures mean little on a busy machine)."""
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def report(label: str, figures: tuple[int, list[float], float], goal: float) -> str:
    """One line: jobs, the best and the median of the runs against the goal, peak memory."""
    jobs, times, peak = figures
    best, median = min(times), sorted(times)[len(times) // 2]
    verdict = "ok" if best <= goal else "OVER"
    return (
        f"{label}: {jobs:>7} jobs  best {best:6.2f} s, median {median:6.2f} s of {len(times)} "
        f"(goal <= {goal:g} s: {verdict})  {peak:7.1f} MiB peak"
    )


def main() -> None:
    """Measure at 10k and 100k avatar-video jobs and print each figure against its goal, and the ratios."""
    # As installed: pip compiles the bytecode at install time; an editable checkout run with
    # PYTHONDONTWRITEBYTECODE=1 would otherwise compile every module of the tool on every run.
    compileall.compile_dir(Path(runner.__file__).parent, quiet=1)
    before = load()
    small = measure(10_000, 1_000)
    memory = "ok" if small[2] <= MEMORY_GOAL_MIB else "OVER"
    print(f"{report('10k ', small, GOALS[10_000])} (goal <= {MEMORY_GOAL_MIB} MiB: {memory})  [{before}]")
    before = load()
    large = measure(100_000, 10_000)
    print(f"{report('100k', large, GOALS[100_000])}  [{before}]")
    print(
        f"ratio 100k/10k: jobs x{large[0] / small[0]:.1f}, time x{min(large[1]) / min(small[1]):.1f}, "
        f"memory x{large[2] / small[2]:.1f}"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--prepare"]:  # python plan_scale.py --prepare FOLDER AVATAR_JOBS REFRESH_JOBS
        written = write_campaign(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
        complete_lockfile(written)
        print(written)
    else:
        main()
