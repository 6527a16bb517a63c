"""Characters of the markdown plan (the PR comment) of a 200-job campaign, fresh and as a replace of every script.

Run: python benchmarks/markdown_plan_size.py
GitHub refuses comments over 65,536 characters; the plan keeps under 65,000 by dropping script bodies first.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

SCRIPT = (
    "{{ product }} keeps your feet dry and warm through the longest winter walks. Order the {{ product }} today "
    "and get free shipping, free returns and a two year warranty on every pair we make."
)


def write_campaign(folder: Path, jobs: int, script: str) -> Path:
    """Two avatars x one script x jobs/2 products: `jobs` avatar videos with ~180-character scripts."""
    products = ", ".join(f"Boot {i}" for i in range(jobs // 2))
    spec = folder / "two-hundred.yaml"
    spec.write_text(
        "version: 1\ncampaign: two-hundred\n"
        'avatars: {isabelle: {id: "7295705233773068290"}, tom: {id: "7301881390801354754"}}\n'
        f'scripts: {{pitch: {{text: "{script}"}}}}\n'
        "videos:\n  - id: promo\n    avatars: [isabelle, tom]\n    scripts: [pitch]\n"
        f"    matrix: {{product: [{products}]}}\n"
        '    name: "{{ avatar }}-{{ product | slug }}"\n'
    )
    return spec


def markdown_size(spec: Path) -> tuple[int, str]:
    """Run `campaign plan SPEC --format markdown` and return its length and its last line."""
    out = subprocess.run(
        [sys.executable, "-m", "runner", "plan", str(spec), "--format", "markdown"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return len(out), out.rstrip().splitlines()[-1]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        spec = write_campaign(Path(tmp), 200, SCRIPT)
        size, last = markdown_size(spec)
        print(f"200 creates: {size:,} characters; last line: {last[:120]}")
        short = write_campaign(Path(tmp), 200, "{{ product }}: 30% off this week.")
        size, last = markdown_size(short)
        print(f"200 creates, short scripts: {size:,} characters; last line: {last[:120]}")


if __name__ == "__main__":
    main()
