"""Wall time and peak memory of `campaign plan` at 10k and 100k jobs, with a complete lockfile.

Run: python benchmarks/plan_scale.py            (prints figures and the 100k/10k ratios)
Target on a 2-core machine: <= 2 s and <= 300 MB at 10k jobs, linear growth.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from runner.lock import lockfile
from runner.lock.lockfile import JobRecord, Lockfile
from runner.plan.make import make_plan


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
    """A lockfile in which every job succeeded (what a finished apply leaves)."""
    planned = make_plan(spec)
    lock = Lockfile(campaign=planned.spec.campaign)
    jobs = {}
    for i, (key, job) in enumerate(planned.graph.jobs.items()):
        jobs[key] = JobRecord(
            kind=job.kind,
            provider=job.provider,
            state="succeeded",
            addresses=job.addresses,
            name=job.name,
            task_ids=(str(10**12 + i),),
            video_ids=(str(10**15 + i),),
        )
    lockfile.write(planned.lock_path, Lockfile(campaign=lock.campaign, jobs=jobs))
    return planned.lock_path


def measure(avatar_jobs: int, refresh_jobs: int) -> tuple[int, float, float]:
    """Return (jobs, seconds, peak MiB) of one `campaign plan` subprocess."""
    with tempfile.TemporaryDirectory() as tmp:
        spec = write_campaign(Path(tmp), avatar_jobs, refresh_jobs)
        complete_lockfile(spec)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "runner", "plan", str(spec), "--detailed-exitcode"], capture_output=True, text=True
        )
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if result.returncode != 0:
            raise SystemExit(f"plan failed ({result.returncode}): {result.stderr[-2000:]}")
        jobs = avatar_jobs + 2 * refresh_jobs  # each refresh brings its upload
        assert "No changes." in result.stdout, result.stdout[-500:]
        return jobs, seconds, max(peak, before) / 1024


def main() -> None:
    """Measure at 10k and 100k avatar-video jobs and print the ratios."""
    small = measure(10_000, 1_000)
    print(f"10k:  {small[0]:>7} jobs  {small[1]:6.2f} s  {small[2]:7.1f} MiB peak   (target <= 2 s, <= 300 MB)")
    large = measure(100_000, 10_000)
    print(f"100k: {large[0]:>7} jobs  {large[1]:6.2f} s  {large[2]:7.1f} MiB peak")
    print(
        f"ratio 100k/10k: jobs x{large[0] / small[0]:.1f}, time x{large[1] / small[1]:.1f}, memory x{large[2] / small[2]:.1f}"
    )


if __name__ == "__main__":
    main()
