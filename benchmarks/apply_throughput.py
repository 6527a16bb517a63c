"""Apply throughput on the real clock against the sandbox, at several speeds, with spread.

Run: python benchmarks/apply_throughput.py [--quick]

For each speed (1 %, 10 %, 30 % of the documented processing times; tasks finish anywhere from
SPREAD[0] to SPREAD[1] of that), a fresh sandbox and a campaign of avatar videos. Printed, measured
in this one run:
  makespan / ready     ready = the moment the sandbox had every task finished (its `ready_at_latest`),
                       both from the start of apply; target makespan <= 1.3 x ready + 1 s
  requests / minimum   minimum = one create per 5 videos + one poll per 5 tasks (downloads off)
  poll share           poll requests / (the app's QPS x makespan): the share of the rate budget polls used;
                       and the same share counted only while creates still waited (from the start to the
                       last create sent); target <= 50 %
  refusals             rate-limit refusals the sandbox answered; target 0
  naive                create one, poll every second until done, next; measured on a sample, scaled (it is
                       strictly sequential, so linear); target >= 5x slower than apply
Then a refresh-chain campaign (sources, uploads, refreshes): makespan vs its ideal = slowest source render
+ its upload + refresh creates paced at 1 QPS / 5 QPM + slowest refresh render, from the sandbox's
actual times; target <= 2x. Then the engine's own CPU (its thread: scheduler and journal) at 1,000 and
10,000 jobs with downloads off at the fastest speed, on a high rate tier so the limits are not the
bottleneck: it must grow linearly.
"""

from __future__ import annotations

import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from runner import api_facts as facts
from runner.clock import RealClock
from runner.execute.engine import ExecuteOptions, Providers, execute
from runner.lock.lockfile import Lockfile
from runner.plan.make import make_plan
from runner.providers.config import settings_from_env
from runner.providers.tiktok import TikTokClient
from runner.sandbox.config import SandboxConfig
from runner.sandbox.server import SandboxServer

SPREAD = (0.1, 1.2)  # a small share of the bound up to past it
AVATARS = ["7295705233773068290", "7301881390801354754", "7301881390801371138", "7295759871838797825"]


def campaign(folder: Path, videos: int, refresh: int = 0, name: str = "bench") -> Path:
    """`videos` avatar videos (4 avatars x scripts); `refresh` refresh jobs over the first sources."""
    scripts = max(1, math.ceil(videos / 4))
    lines = ["version: 1", f"campaign: {name}", "avatars:"]
    lines += [f'  a{i}: {{id: "{a}"}}' for i, a in enumerate(AVATARS)]
    lines.append("scripts:")
    lines += [f'  s{i}: {{text: "Script {i}: warm, dry and light. Order today."}}' for i in range(scripts)]
    lines += [
        "videos:",
        "  - id: promo",
        "    avatars: [a0, a1, a2, a3]",
        f"    scripts: [{', '.join(f's{i}' for i in range(scripts))}]",
        '    name: "{{ avatar }}-{{ script }}"',
    ]
    if refresh:
        lines.append("refresh:")
        for n in range(refresh):
            lines += [
                f"  - id: music{n}",
                f"    source: {{from: promo, where: {{avatar: a{n % 4}, script: s{n // 4}}}}}",
                "    strategies: [SWAP_MUSIC]",
            ]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


class TimedClient(TikTokClient):
    """The TikTok client, noting when each avatar create and poll was sent."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.creates: list[float] = []
        self.polls: list[float] = []

    def create_avatar_videos(self, packages: Any) -> Any:
        self.creates.append(time.time())
        return super().create_avatar_videos(packages)

    def get_avatar_tasks(self, task_ids: Any) -> Any:
        self.polls.append(time.time())
        return super().get_avatar_tasks(task_ids)


def poll_share_while_creating(client: TimedClient, start: float) -> tuple[float, float]:
    """Polls sent while creates were still waiting (from the start to the last create), as a share of the budget."""
    last_create = max(client.creates, default=start)
    window = max(last_create - start, 1e-9)
    polls = sum(1 for sent in client.polls if sent <= last_create)
    return polls / (facts.TIKTOK_APP_QPS * window), window


def ours(
    folder: Path, speed: float, videos: int, refresh: int = 0, qps: float = facts.TIKTOK_APP_QPS
) -> dict[str, Any]:
    """Apply with the engine on the real clock; return makespan, ready, requests, polls, refusals, CPU."""
    spec = campaign(folder, videos, refresh)
    planned = make_plan(spec)
    with SandboxServer(SandboxConfig(speed=speed, spread=SPREAD, seed=42, qps=qps)) as sandbox:
        client = TimedClient(settings_from_env(sandbox.env()), clock=RealClock(), qps=qps)
        start = time.time()
        cpu = time.thread_time()
        result = execute(
            planned.plan,
            Lockfile(campaign="bench"),
            planned.lock_path,
            Providers({"tiktok": client}),
            ExecuteOptions(parallelism=8, artifacts_dir=None, downloads=False),
            clock=RealClock(),
        )
        cpu = time.thread_time() - cpu
        makespan = time.time() - start
        share_while_creating, creating_window = poll_share_while_creating(client, start)
        stats = sandbox.stats()
        state = sandbox.world.state["tiktok"]
        client.close()
    assert not result.failed, result.failed
    ready = (stats["ready_at_latest"] or start) - start
    per_endpoint = stats.get("requests", {})
    polls = (
        sum(n for path, n in per_endpoint.items() if "task/get" in path or "task/list" in path or "video/list" in path)
        if isinstance(per_endpoint, dict)
        else 0
    )
    return {
        "makespan": makespan,
        "ready": ready,
        "requests": result.requests,
        "polls": polls,
        "share_while_creating": share_while_creating,
        "creating_window": creating_window,
        "refused": stats["rate_limited_total"],
        "cpu": cpu,
        "state": state,
        "start": start,
        "result": result,
    }


def naive(folder: Path, speed: float, sample: int = 3) -> float:
    """Create one, poll every second until done, next: seconds for `sample` videos."""
    spec = campaign(folder, sample, name="naive")
    jobs = [j for j in make_plan(spec).graph.jobs.values() if j.kind == "avatar_video"][:sample]
    with SandboxServer(SandboxConfig(speed=speed, spread=SPREAD, seed=43)) as sandbox:
        client = TikTokClient(settings_from_env(sandbox.env()), clock=RealClock())
        start = time.time()
        for job in jobs:
            task_id = client.create_avatar_videos(
                [{"avatar_id": str(job.request["avatar_id"]), "script": str(job.request["script"])}]
            )[0].task_id
            while client.get_avatar_tasks([str(task_id)])[0].status != "SUCCESS":
                time.sleep(1.0)
        elapsed = time.time() - start
        client.close()
    return elapsed / len(jobs)


def refresh_ideal(run: dict[str, Any]) -> float:
    """Slowest source render + its upload + refresh creates at 1 QPS / 5 QPM + slowest refresh render (sandbox times)."""
    state, start = run["state"], run["start"]
    lock = run["result"].lockfile
    sources = {r.depends_on[0] for r in lock.jobs.values() if r.kind == "upload" and r.depends_on}
    source_tasks = {lock.jobs[k].task_ids[0] for k in sources if lock.jobs[k].task_ids}
    avatar = [t for t in state["avatar_tasks"].values() if t["task_id"] in source_tasks]
    refreshes = list(state["refresh_tasks"].values())
    first_ready = max(t["created"] + t["duration"] for t in avatar) - start
    uploads = [u["created"] for u in state["uploads"].values()]
    upload_time = max(0.0, min(uploads) - min(t["created"] + t["duration"] for t in avatar)) if uploads else 0.0
    n = len(refreshes)
    pacing = (n - 1) * 1.0 + ((n - 1) // facts.REFRESH_CREATE_QPM) * 60.0
    return first_ready + upload_time + pacing + max(t["duration"] for t in refreshes)


def main() -> None:
    """Measure and print every figure in one run."""
    quick = "--quick" in sys.argv
    speeds = (0.01, 0.1) if quick else (0.01, 0.1, 0.3)
    videos = 20 if quick else 50
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print(
            f"avatar videos: {videos} per run, spread {SPREAD[0]:g}-{SPREAD[1]:g} of the sped-up bound, real clock, downloads off"
        )
        for speed in speeds:
            run = ours(root / f"s{speed}", speed, videos)
            minimum = 2 * math.ceil(videos / facts.MAX_PACKAGES_PER_CREATE)
            per_video = naive(root / f"n{speed}", speed)
            naive_total = per_video * videos
            target = 1.3 * run["ready"] + 1.0
            print(
                f"speed {speed:>4.0%}: makespan {run['makespan']:6.2f} s  ready {run['ready']:6.2f} s  "
                f"ratio {run['makespan'] / max(run['ready'], 1e-9):.2f} (target <= 1.3 x ready + 1 s = {target:.2f} s: "
                f"{'ok' if run['makespan'] <= target else 'MISSED'})"
            )
            print(
                f"            requests {run['requests']} / minimum {minimum} = {run['requests'] / minimum:.2f}; "
                f"poll share of the rate budget {run['polls'] / (facts.TIKTOK_APP_QPS * run['makespan']):.0%} over the run, "
                f"{run['share_while_creating']:.0%} while creates waited ({run['creating_window']:.1f} s; target <= 50%); "
                f"refusals {run['refused']}"
            )
            print(
                f"            naive {naive_total:7.1f} s (sampled: {per_video:.2f} s per video x {videos}); "
                f"apply is {naive_total / run['makespan']:.1f}x faster (target >= 5x)"
            )
        chain = ours(root / "chain", 0.1, 8, refresh=5)
        ideal = refresh_ideal(chain)
        print(
            f"refresh chain (8 videos, 5 refreshes, speed 10%): makespan {chain['makespan']:.2f} s, ideal {ideal:.2f} s, "
            f"ratio {chain['makespan'] / ideal:.2f} (target <= 2); refusals {chain['refused']}"
        )
        sizes = (200, 2000) if quick else (1000, 10000)
        cpus = []
        for size in sizes:
            run = ours(root / f"cpu{size}", 0.001, size, qps=1000)
            cpus.append(run["cpu"])
            print(
                f"engine CPU at {size:>5} jobs: {run['cpu']:6.2f} s (its thread; {run['cpu'] / size * 1000:.2f} ms per job), "
                f"makespan {run['makespan']:.1f} s, requests {run['requests']}"
            )
        print(f"CPU ratio {sizes[1]}/{sizes[0]} jobs: {cpus[1] / cpus[0]:.1f} (linear: {sizes[1] / sizes[0]:.0f})")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
