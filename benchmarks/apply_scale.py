"""Apply at scale, with downloads and post-render checks on, as users run it, against the sandbox on the real clock.

Run: python benchmarks/apply_scale.py [--sizes 2000,10000] [--no-faults] [--no-cpu]

The sandbox renders at SPEED of the documented times (tasks finish anywhere in SPREAD of that) and signs
preview URLs for the same share of their documented six hours; the engine is told neither. Every video of an
avatar is served from one encoded file (the sandbox's own encoder would otherwise be what is measured). For
each size:
  no faults        makespan against its floor: the larger of the minimum requests at the documented rate
                   (one create per 5 videos + one poll per 5 tasks; downloads are not API calls) and the
                   moment the sandbox had every task finished; target <= 1.15 x floor, 0 refused
  30 % faults      the same campaign with 30 % transient faults on every request; target <= 2 x the
                   no-fault run, 0 duplicate videos, every video on disk
  50 added         50 videos added to the finished campaign (same folder, same account) against the same
                   50 in a fresh folder and account; target <= 2 x
Then the engine's own CPU (its thread: scheduler, journal, progress) per job at 1,000 and 10,000 jobs on a
high rate tier with downloads off; target: 10,000 within 1.3 x of 1,000. Each line names the load average.
"""

from __future__ import annotations

import collections
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from runner import api_facts as facts
from runner.clock import RealClock
from runner.execute.engine import ApplyResult, ExecuteOptions, Providers, execute
from runner.execute.ports import SilentReporter
from runner.lock import lockfile
from runner.plan.make import make_plan
from runner.providers.config import settings_from_env
from runner.providers.tiktok import TikTokClient
from runner.sandbox import media
from runner.sandbox.config import SandboxConfig
from runner.sandbox.server import SandboxServer
from runner.sandbox.video import VideoSpec, render

SPEED = 0.01
SPREAD = (0.5, 1.0)
FAULTS = 0.3
ADDED = 50
AVATARS = ["7295705233773068290", "7301881390801354754", "7301881390801371138", "7295759871838797825"]


def one_file_per_avatar(spec: VideoSpec, cache: Path | None) -> Path:
    """The sandbox encodes each video it serves once, one at a time (~0.2 s each on a loaded 2-core machine), which
    here would measure its encoder, not apply: a CDN serves files without encoding them, so every video of an
    avatar is served from one encoded file."""
    return render(VideoSpec(title=spec.title, script="A benchmark video.", seed=spec.seed), cache)


media.render = one_file_per_avatar


def campaign(folder: Path, videos: int, added: int = 0) -> Path:
    """`videos` avatar videos (4 avatars x scripts), and `added` more in a second group (2 avatars x scripts)."""
    scripts = max(1, math.ceil(videos / 4)) if videos else 0
    extra = math.ceil(added / 2)
    lines = ["version: 1", "campaign: scale", "avatars:"]
    lines += [f'  a{i}: {{id: "{a}"}}' for i, a in enumerate(AVATARS)]
    lines.append("scripts:")
    lines += [f'  s{i}: {{text: "Script {i}: warm, dry and light. Order today."}}' for i in range(scripts)]
    lines += [f'  x{i}: {{text: "Extra {i}: new season, same warmth."}}' for i in range(extra)]
    lines.append("videos:")
    if scripts:
        lines += [
            "  - id: promo",
            "    avatars: [a0, a1, a2, a3]",
            f"    scripts: [{', '.join(f's{i}' for i in range(scripts))}]",
        ]
        lines.append('    name: "{{ avatar }}-{{ script }}"')
    if extra:
        lines += ["  - id: more", "    avatars: [a0, a1]", f"    scripts: [{', '.join(f'x{i}' for i in range(extra))}]"]
        lines.append('    name: "{{ avatar }}-{{ script }}"')
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "scale.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def sandbox_config(faults: float, qps: float = facts.TIKTOK_APP_QPS, speed: float = SPEED) -> SandboxConfig:
    """The sandbox: sped-up renders and URL lifetimes, optional transient faults."""
    return SandboxConfig(
        speed=speed, spread=SPREAD, seed=7, qps=qps, fault_rate=faults, url_ttl=facts.PREVIEW_URL_TTL_SECONDS * speed
    )


def apply(
    spec: Path, sandbox: SandboxServer, *, downloads: bool = True, qps: float = facts.TIKTOK_APP_QPS
) -> dict[str, Any]:
    """Plan and execute the campaign once; makespan, requests, engine CPU and what reached the disk."""
    planned = make_plan(spec)
    sandbox.reset_stats()
    client = TikTokClient(settings_from_env(sandbox.env()), clock=RealClock(), qps=qps)
    folder = spec.parent / "videos" if downloads else None
    start, cpu = time.time(), time.thread_time()
    result: ApplyResult = execute(
        planned.plan,
        planned.lock,
        planned.lock_path,
        Providers({"tiktok": client}),
        ExecuteOptions(parallelism=8, artifacts_dir=folder, downloads=downloads),
        clock=RealClock(),
        reporter=SilentReporter(),  # the engine still counts progress, as in a real apply
    )
    cpu, makespan = time.thread_time() - cpu, time.time() - start
    client.close()
    stats = sandbox.stats()
    lock = lockfile.read(planned.lock_path, "scale")
    on_disk = sum(1 for r in lock.jobs.values() for a in r.artifacts if (spec.parent / a.path).is_file())
    jobs = len([c for c in planned.plan.changes if c.job is not None and c.action.value in ("create", "replace")])
    return {
        "makespan": makespan,
        "ready": (stats["ready_at_latest"] or start) - start,
        "requests": stats["requests_total"],
        "refused": stats["rate_limited_total"],
        "per_endpoint": stats["requests"],
        "cpu": cpu,
        "jobs": jobs,
        "failed": result.failed,
        "on_disk": on_disk,
        "videos": sum(len(r.video_ids) for r in lock.jobs.values()),
    }


def duplicates(sandbox: SandboxServer) -> int:
    """Videos the account holds more than once (by name: each carries its job's tag)."""
    tasks = sandbox.world.state["tiktok"]["avatar_tasks"].values()
    names = collections.Counter(t["video_name"] for t in tasks)
    return sum(n - 1 for n in names.values() if n > 1)


def load() -> str:
    """The load average now."""
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def line(label: str, run: dict[str, Any], floor: float, minimum: int) -> None:
    """One figure line."""
    print(
        f"{label:<28} makespan {run['makespan']:7.1f} s  floor {floor:6.1f} s  ratio {run['makespan'] / floor:5.2f}  "
        f"requests {run['requests']} / minimum {minimum}  refused {run['refused']}  on disk {run['on_disk']}/{run['videos']}  "
        f"failed {len(run['failed'])}  engine CPU {run['cpu'] / max(run['jobs'], 1) * 1000:.2f} ms/job  ({load()})",
        flush=True,
    )


def floor_of(run: dict[str, Any], videos: int) -> tuple[float, int]:
    """The floor (minimum requests at the documented rate, or the provider's last-ready moment) and the minimum."""
    minimum = 2 * math.ceil(videos / facts.MAX_PACKAGES_PER_CREATE)
    return max(minimum / facts.TIKTOK_APP_QPS, run["ready"]), minimum


def scale(root: Path, size: int, faults: bool) -> None:
    """A size without faults, then 50 added, a fresh 50; then the same size with faults."""
    with SandboxServer(sandbox_config(0.0)) as sandbox:
        base = apply(campaign(root / f"n{size}", size), sandbox)
        line(f"{size} videos", base, *floor_of(base, size))
        added = apply(campaign(root / f"n{size}", size, ADDED), sandbox)
        line(f"{ADDED} added after {size}", added, *floor_of(added, ADDED))
    with SandboxServer(sandbox_config(0.0)) as sandbox:
        fresh = apply(campaign(root / f"fresh{size}", 0, ADDED), sandbox)
        line(f"{ADDED} in a fresh folder", fresh, *floor_of(fresh, ADDED))
    print(f"{'':<28} added / fresh = {added['makespan'] / fresh['makespan']:.2f} (target <= 2)")
    if not faults:
        return
    with SandboxServer(sandbox_config(FAULTS)) as sandbox:
        faulty = apply(campaign(root / f"f{size}", size), sandbox)
        line(f"{size} videos, {FAULTS:.0%} faults", faulty, *floor_of(faulty, size))
        print(
            f"{'':<28} faults / no faults = {faulty['makespan'] / base['makespan']:.2f} (target <= 2); "
            f"duplicates {duplicates(sandbox)}; account listings "
            f"{faulty['per_endpoint'].get('tiktok /creative/digital_avatar/video/list/', 0)}"
        )


def cpu(root: Path, sizes: tuple[int, int]) -> None:
    """Engine CPU per job at two sizes, downloads off, on a high tier so the rate is not what waits."""
    per_job = []
    for size in sizes:
        with SandboxServer(sandbox_config(0.0, qps=1000, speed=0.001)) as sandbox:
            run = apply(campaign(root / f"cpu{size}", size), sandbox, downloads=False, qps=1000)
        per_job.append(run["cpu"] / run["jobs"])
        print(
            f"engine CPU at {size:>6} jobs: {run['cpu']:6.2f} s, {per_job[-1] * 1000:.2f} ms per job ({load()})",
            flush=True,
        )
    print(f"CPU per job {sizes[1]} / {sizes[0]}: {per_job[1] / per_job[0]:.2f} (target <= 1.3)")


def main() -> None:
    """Measure and print every figure."""
    args = sys.argv[1:]
    sizes = [int(s) for s in args[args.index("--sizes") + 1].split(",")] if "--sizes" in args else [2000, 10000]
    print(f"speed {SPEED:.0%} of the documented render times, spread {SPREAD}, downloads and checks on ({load()})")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for size in sizes:
            scale(root, size, faults="--no-faults" not in args)
        if "--no-cpu" not in args:
            cpu(root, (1000, 10000))


if __name__ == "__main__":
    main()
