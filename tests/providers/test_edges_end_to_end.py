"""Edges at the provider boundary, through `campaign apply` over real HTTP: gateway 5xx after processing, an
unreachable provider with a job left pending."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from runner.lock import lockfile
from runner.sandbox.config import SandboxConfig
from runner.sandbox.server import SandboxServer
from tests.providers.conftest import Scripted, holding, serving

SPEC = """\
version: 1
campaign: edges
provider: tiktok
avatars:
  isabelle: {id: "7295705233773068290"}
  aiduo: {id: "7301881390801354754"}
scripts:
  hello: {text: "Hello there, {{ n }}."}
videos:
  - id: promo
    avatars: [isabelle, aiduo]
    scripts: [hello]
    matrix:
      n: [one, two, three, four, five]
apply:
  download: false
"""


def apply(spec: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CAMPAIGN_", "TIKTOK_", "HEYGEN_", "ZEGO_"))}
    return subprocess.run(
        [sys.executable, "-m", "runner", "apply", "--yes", "--accept-notices", str(spec)],
        cwd=spec.parent,
        capture_output=True,
        text=True,
        timeout=180,
        env={**clean, **env},
    )


def test_gateway_504_after_processing_is_adopted_never_paid_twice(tmp_path: Path) -> None:
    spec = tmp_path / "edges.yaml"
    spec.write_text(SPEC)
    with SandboxServer(SandboxConfig(speed=0.01, gateway_timeout_rate=0.5, seed=4)) as sandbox:
        result = apply(spec, sandbox.env())
        stats = sandbox.stats()
    assert stats["gateway_timeouts"] >= 1, stats
    assert stats["avatar_videos_created"] == 10, (stats, result.stderr)
    assert result.returncode == 0, result.stderr


def test_a_pending_job_and_an_unreachable_provider_end_with_one_message(tmp_path: Path) -> None:
    spec = tmp_path / "edges.yaml"
    spec.write_text(SPEC.replace("n: [one, two, three, four, five]", "n: [one]"))
    env = {
        "CAMPAIGN_TRANSIENT_SECONDS": "5",
        "CAMPAIGN_TRANSIENT_ATTEMPTS": "3",
        "TIKTOK_ACCESS_TOKEN": "tok",
    }
    # The account's video list (looked at once before paying) is empty; then every create and look-up: a gateway error.
    empty = {"code": 0, "message": "OK", "data": {"list": [], "page_info": {"page": 1, "total_page": 1}}}
    with serving(Scripted(replies=[(200, empty), (504, "<html>gateway timeout</html>")])) as gateway:
        env["TIKTOK_API_BASE_URL"] = gateway.base_url
        first = apply(spec, env)
    # The same URL, now refusing connections: the port stays bound (not listening) so that no server of a test
    # running in parallel is given it meanwhile.
    with holding(int(urlsplit(gateway.base_url).port or 0)):
        assert first.returncode == 1 and "Traceback" not in first.stderr, first.stderr
        assert sum(s.startswith("POST") for s in gateway.seen) == 1  # the create was not sent again
        pending = [
            r for r in lockfile.read(spec.with_name("edges.lock.yaml"), "edges").jobs.values() if r.state == "pending"
        ]
        assert pending, "the create whose outcome is unknown stays pending"
        second = apply(spec, env)
    assert second.returncode == 1, second.stderr
    assert "gave up after" in second.stderr and "Traceback" not in second.stderr
