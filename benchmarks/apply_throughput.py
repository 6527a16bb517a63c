"""Apply throughput against the sandbox: makespan and requests vs. their floors, and vs. a naive client.

Run: python benchmarks/apply_throughput.py
200 avatar videos + 20 refresh jobs (with their 20 uploads) on a scaled clock (a virtual second lasts
10 ms), the sandbox enforcing the documented limits. Prints, measured in this one run:
  makespan / floor     floor = max(longest avatar render + create calls at 10 QPS,
                                   refresh chain: first source video done, then refresh creates at
                                   1 QPS / 5 QPM, each followed by its render; renders assigned to slots
                                   in the most favourable order)  -- from the sandbox's actual render times
  requests / minimum   minimum = creates/5 + polls/5 (one poll per batch, exactly at completion)
                                 + uploads + refresh creates + refresh polls/5 + one download per video
  naive / ours         a sequential client (create one, poll every 5 s until done, download, next),
                       run on 1/20 of the campaign (10 avatar videos + 1 refresh) and scaled x20 (it is strictly sequential: linear)
Targets: makespan <= 1.2 x floor, requests <= 1.5 x minimum, >= 5x faster than naive.
"""

from __future__ import annotations

import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from runner import api_facts as facts
from runner.clock import ScaledClock
from runner.execute.engine import ExecuteOptions, Providers, execute
from runner.lock.lockfile import Lockfile
from runner.plan.make import make_plan
from runner.providers.config import settings_from_env
from runner.providers.tiktok import TikTokClient
from runner.sandbox.config import SandboxConfig
from runner.sandbox.server import SandboxServer

SCALE = 0.05  # large enough that the CPU time of this one process barely shows in virtual time
AVATARS = ["7295705233773068290", "7301881390801354754", "7301881390801371138", "7295759871838797825"]


def campaign(folder: Path, products: int = 5, scripts: int = 10) -> Path:
    """4 avatars x `scripts` x `products` avatar videos; two refresh groups over the p0 videos of a0 and a1."""
    lines = ["version: 1", "campaign: throughput", "avatars:"]
    lines += [f'  a{i}: {{id: "{a}"}}' for i, a in enumerate(AVATARS)]
    lines.append("scripts:")
    lines += [f'  s{i}: {{text: "Script {i}: the {{{{ product }}}} is warm, dry and light. Order today."}}' for i in range(scripts)]
    lines += ["videos:", "  - id: promo", "    avatars: [a0, a1, a2, a3]", f"    scripts: [{', '.join(f's{i}' for i in range(scripts))}]",
              f"    matrix: {{product: [{', '.join(f'p{i}' for i in range(products))}]}}", '    name: "{{ avatar }}-{{ script }}-{{ product }}"',
              "refresh:"]
    for n, avatar in enumerate(("a0", "a1")):
        lines += [f"  - id: music{n}", f"    source: {{from: promo, where: {{avatar: {avatar}, product: p0}}}}", "    strategies: [SWAP_MUSIC]"]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "throughput.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def ours(folder: Path) -> dict[str, Any]:
    """Apply with the engine against a fresh sandbox; return makespan, requests and the floor inputs."""
    spec = campaign(folder)
    planned = make_plan(spec)
    with SandboxServer(SandboxConfig(time_scale=SCALE, seed=42)) as sandbox:
        clock = ScaledClock(SCALE)
        client = TikTokClient(settings_from_env(sandbox.env()), clock=clock)
        start = clock.time()
        result = execute(planned.plan, Lockfile(campaign="throughput"), planned.lock_path, Providers(tiktok=client),
                         ExecuteOptions(parallelism=8, artifacts_dir=folder / "artifacts"), clock=clock)
        makespan = clock.time() - start
        state = sandbox.world.state["tiktok"]
        avatar_durations = [t["duration"] for t in state["avatar_tasks"].values()]
        sources = {u["job"] for j in planned.graph.jobs.values() if j.kind == "upload" for u in [j.request["source"]]}
        source_tasks = {r.task_ids[0] for k, r in result.lockfile.jobs.items() if k in sources}
        # the sources could at best all be created at the start (4 calls at 10 QPS): their render times alone
        source_done = sorted(0.4 + t["duration"] for t in state["avatar_tasks"].values() if t["task_id"] in source_tasks)
        refresh_durations = [t["duration"] for t in state["refresh_tasks"].values()]
        stats = sandbox.stats()
    assert not result.failed, result.failed
    avatar_jobs = sum(j.kind == "avatar_video" for j in planned.graph.jobs.values())
    refresh_jobs = sum(j.kind == "refresh_video" for j in planned.graph.jobs.values())
    floor = max(max(avatar_durations) + math.ceil(avatar_jobs / 5) / facts.TIKTOK_APP_QPS,
                refresh_floor(source_done, refresh_durations))
    minimum = (2 * math.ceil(avatar_jobs / 5) + refresh_jobs + refresh_jobs + math.ceil(refresh_jobs / 5)
               + avatar_jobs + refresh_jobs)
    return {"makespan": makespan, "floor": floor, "requests": result.requests, "minimum": minimum,
            "refused": stats["rate_limited_total"], "videos": result.videos_created}


def refresh_floor(sources_done: list[float], durations: list[float]) -> float:
    """Each refresh create needs a finished source, 1 s after the previous and 60 s after the 5th previous; renders
    then take their actual times, the longest assigned to the earliest create (the most favourable order)."""
    creates: list[float] = []
    for k, ready in enumerate(sources_done):
        at = ready
        if creates:
            at = max(at, creates[-1] + 1.0)
        if k >= facts.REFRESH_CREATE_QPM:
            at = max(at, creates[k - facts.REFRESH_CREATE_QPM] + 60.0)
        creates.append(at)
    return max(c + d for c, d in zip(creates, sorted(durations, reverse=True)))


def naive(folder: Path) -> dict[str, Any]:
    """Create one, poll every 5 s until done, download, next; on 1/20 of the campaign."""
    spec = campaign(folder, products=1, scripts=5)
    planned = make_plan(spec)
    jobs = planned.graph.jobs
    wanted_refresh = [k for k, j in jobs.items() if j.kind == "refresh_video"][:1]
    with SandboxServer(SandboxConfig(time_scale=SCALE, seed=42)) as sandbox:
        clock = ScaledClock(SCALE)
        client = TikTokClient(settings_from_env(sandbox.env()), clock=clock)
        http = httpx.Client()
        start = clock.time()
        urls: dict[str, str] = {}
        downloads = 0
        for key in [k for k, j in jobs.items() if j.kind == "avatar_video"][:10]:
            job = jobs[key]
            task_id = client.create_avatar_videos([{"avatar_id": job.request["avatar_id"], "script": job.request["script"]}])[0].task_id
            while True:
                clock.sleep(5.0)
                task = client.get_avatar_tasks([str(task_id)])[0]
                if task.status == "SUCCESS" and task.preview_url:
                    urls[key] = task.preview_url
                    http.get(task.preview_url)
                    downloads += 1
                    break
        for key in wanted_refresh:
            upload_key = jobs[key].request["video"]["job"]
            stock = client.upload_video_by_url(urls[jobs[upload_key].request["source"]["job"]])
            task_ids = client.create_refresh_task(stock, ["SWAP_MUSIC"], None)
            while True:
                clock.sleep(5.0)
                tasks = client.get_refresh_tasks(task_ids)
                if all(t.status == "SUCCESS" for t in tasks):
                    for t in tasks:
                        http.get(str(t.preview_url))
                        downloads += 1
                    break
        makespan = clock.time() - start
        http.close()
    return {"makespan": makespan, "requests": client.request_count + downloads, "jobs": 10 + 1}


def main() -> None:
    """Measure ours and naive in one run and print the ratios."""
    with tempfile.TemporaryDirectory() as tmp:
        real = time.perf_counter()
        mine = ours(Path(tmp) / "ours")
        real_ours = time.perf_counter() - real
        slow = naive(Path(tmp) / "naive")
    naive_makespan = slow["makespan"] * 20
    naive_requests = slow["requests"] * 20
    print(f"campaign: 200 avatar videos + 20 refresh jobs (+20 uploads); virtual second = {SCALE * 1000:.0f} ms real")
    print(f"ours:   makespan {mine['makespan']:7.1f} s (virtual; {real_ours:.1f} s real)  floor {mine['floor']:7.1f} s  "
          f"ratio {mine['makespan'] / mine['floor']:.2f}   (target <= 1.2)")
    print(f"        requests {mine['requests']:5d}  minimum {mine['minimum']:5d}  ratio {mine['requests'] / mine['minimum']:.2f}   "
          f"(target <= 1.5); rate-limit refusals {mine['refused']}; videos generated {mine['videos']}")
    print(f"naive:  makespan {naive_makespan:7.1f} s (11 jobs x20: {slow['makespan']:.1f} s)  requests {naive_requests} "
          f"({slow['requests']} x20)")
    print(f"speed-up vs naive: {naive_makespan / mine['makespan']:.1f}x   (target >= 5x)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
