"""Avatar names resolved through the catalog once, recorded in the lockfile; unknown names refused early."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from runner.lock import lockfile

NAMED = """version: 1
campaign: named
avatars:
  isabelle: {name: "NAME"}
scripts:
  hello: {text: "Hello from the sandbox."}
videos:
  - id: promo
    avatars: [isabelle]
    scripts: [hello]
"""


def test_a_name_is_resolved_once_and_recorded(sandbox_factory: Any, write_campaign: Any, kit: Any) -> None:
    sb = sandbox_factory()
    spec = write_campaign(NAMED.replace("NAME", "Isabelle in light green top"))
    first = kit.run(kit.apply_command(spec), sb.env())
    assert first.returncode == 0, first.stderr
    lock = lockfile.read(spec.with_name("c.lock.yaml"), "named")
    assert lock.resolved_avatars == {"tiktok": {"Isabelle in light green top": "7295705233773068290"}}
    assert [r.state for r in lock.jobs.values()] == ["succeeded"]
    assert sb.stats()["requests"]["tiktok /creative/digital_avatar/get/"] >= 1
    before = sb.stats()["requests_total"]
    second = kit.run(kit.apply_command(spec), sb.env())
    assert second.returncode == 0 and "No changes. 1 job up to date." in second.stdout
    for output in (first.stdout, first.stderr, spec.with_name("c.lock.yaml").read_text()):
        assert sb.env()["TIKTOK_ACCESS_TOKEN"] not in output  # the credentials are never shown or stored
    assert sb.stats()["requests_total"] == before  # the name comes from the lockfile, not the catalog


def test_an_unknown_name_is_refused_with_a_suggestion_and_nothing_created(
    sandbox_factory: Any, write_campaign: Any, kit: Any
) -> None:
    sb = sandbox_factory()
    spec = write_campaign(NAMED.replace("NAME", "Isabelle in light green tops"))
    result = kit.run(kit.apply_command(spec), sb.env())
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "at avatars.isabelle.name: no tiktok avatar is named 'Isabelle in light green tops'" in result.stderr
    assert "did you mean 'Isabelle in light green top'?" in result.stderr
    assert sb.stats()["avatar_videos_created"] == 0
    assert not spec.with_name("c.lock.yaml").exists()


def test_without_acknowledged_notices_not_even_the_catalog_is_asked(
    sandbox_factory: Any, write_campaign: Any, kit: Any
) -> None:
    sb = sandbox_factory()
    spec: Path = write_campaign(NAMED.replace("NAME", "Isabelle in light green top"))
    result = kit.run([*kit.apply_command(spec)[:3], "apply", str(spec), "--yes"], sb.env())
    assert (
        result.returncode == 1 and "--accept-notices" in result.stderr and "If you choose to download" in result.stderr
    )
    assert sb.stats()["requests_total"] == 0
