"""Where the providers are: a damaged saved sandbox account is a clear error, not a bug."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SPEC = """\
version: 1
campaign: demo
avatars:
  isabelle: {id: "7295705233773068290"}
scripts:
  teaser: {text: "Hello there."}
videos:
  - id: promo
    avatars: [isabelle]
    scripts: [teaser]
"""


@pytest.mark.parametrize("saved", [b"garbage", b"[]", b"null", b'{"tiktok": 5}', b"\xff\xfe"])
def test_a_damaged_saved_sandbox_account_exits_1_naming_the_file(tmp_path: Path, saved: bytes) -> None:
    spec = tmp_path / "demo.yaml"
    spec.write_text(SPEC)
    account = tmp_path / ".campaign" / "sandbox" / "demo.json"
    account.parent.mkdir(parents=True)
    account.write_bytes(saved)
    run = subprocess.run(
        [sys.executable, "-m", "runner", "apply", str(spec), "--yes", "--sandbox", "--accept-notices"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stderr
    assert "demo.json" in run.stderr and "delete it" in run.stderr and "Traceback" not in run.stderr
    assert not spec.with_name("demo.sandbox.lock.yaml").exists()
