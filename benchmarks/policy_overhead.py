"""What the policy checks add to planning a 10,000-job campaign (10 avatars x 10 scripts x 100 products).

Run: python benchmarks/policy_overhead.py
Target: the checks (every built-in pack, each distinct rendered script once) add at most 10 % to plan time.
Plan time is `make_plan` (load, expand, diff) without packs; the checks are `policy_report` over its graph.
Both are CPU time of this process (other work on a shared machine does not count).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from runner.plan.make import make_plan
from runner.policy.evaluate import policy_report

SCRIPT = (
    "{{ brand }} presents the {{ product }}: waterproof leather, a cushioned sole and a warm lining for the "
    "longest winter walks. Script {i}. Order today for free shipping and free returns on every pair."
)
# Every sentence names the product: no sentence is shared between cells (the checks' worst case).
EVERY_SENTENCE = (
    "{{ brand }} presents the {{ product }}: waterproof leather and a cushioned sole. The {{ product }} has a warm "
    "lining for the longest winter walks, script {i}. Order the {{ product }} today for free shipping and returns."
)
RUNS = 5


def write_campaign(folder: Path, packs: bool, script: str = SCRIPT) -> Path:
    """10 avatars x 10 scripts x 100 products = 10,000 avatar videos, with or without every built-in pack."""
    lines = ["version: 1", "campaign: policy-scale", "vars: {brand: Northwind}", "avatars:"]
    lines += [f'  a{i}: {{id: "{7295705233773068290 + i}"}}' for i in range(10)]
    if packs:
        lines += [
            "policy: {packs: [claims, testimonials, ai-disclosure]}",
            'disclosure: {label: AI-generated, spoken: "This presenter is AI-generated.", jurisdictions: [US-NY, EU]}',
        ]
    lines.append("scripts:")
    lines += [f'  s{i}: {{text: "{script.replace("{i}", str(i))}"}}' for i in range(10)]
    lines += [
        "videos:",
        "  - id: g",
        f"    avatars: [{', '.join(f'a{i}' for i in range(10))}]",
        f"    scripts: [{', '.join(f's{i}' for i in range(10))}]",
        f"    matrix: {{product: [{', '.join(f'Boot {i}' for i in range(100))}]}}",
    ]
    path = folder / f"scale-{'packs' if packs else 'plain'}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def main() -> None:
    for label, script in (("templates sharing sentences", SCRIPT), ("product in every sentence", EVERY_SENTENCE)):
        print(f"{label}:")
        measure(script)


def measure(script: str) -> None:
    """Print the plan's and the checks' CPU time for one script shape."""
    with tempfile.TemporaryDirectory() as tmp:
        plain, checked = write_campaign(Path(tmp), False, script), write_campaign(Path(tmp), True, script)
        make_plan(plain)  # warm caches (schema, templates) as a second plan in one process would find them
        plan_times, check_times = [], []
        for _ in range(RUNS):
            start = time.process_time()
            make_plan(plain)
            plan_times.append(time.process_time() - start)
            planned = make_plan(checked)
            start = time.process_time()
            report = policy_report(planned.spec, planned.graph)
            check_times.append(time.process_time() - start)
        jobs = len(planned.graph.jobs)
        plan_s, check_s = statistics.median(plan_times), statistics.median(check_times)
        print(f"{jobs:,} jobs, {report.checked_scripts:,} distinct scripts, {len(report.findings)} findings")
        print(
            f"plan (median of {RUNS}): {plan_s:.3f} s; policy checks: {check_s:.3f} s; overhead {check_s / plan_s:.1%}"
        )


if __name__ == "__main__":
    main()
