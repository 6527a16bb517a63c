"""`campaign import` and stale-lockfile adoption against one live sandbox: found by tag, never paid twice."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from runner.lock import lockfile
from runner.vocabulary.names import attempt_key


def _forget_everything(spec: Path) -> None:
    spec.with_name(spec.stem + ".lock.yaml").unlink()
    shutil.rmtree(spec.parent / ".campaign", ignore_errors=True)


def test_import_rebuilds_a_lost_lockfile_dry_run_first(cli: Any, sandbox: Any, tmp_path: Path) -> None:
    spec = tmp_path / "imp.yaml"
    spec.write_text(cli.spec("imp"))
    env = sandbox.env()
    assert cli.apply(env, spec).returncode == 0
    made = lockfile.read(tmp_path / "imp.lock.yaml", "imp")
    _forget_everything(spec)

    dry = cli.campaign(env, "import", str(spec))
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.count("+ import videos.promo[") == 4 and "--yes" in dry.stdout
    assert not (tmp_path / "imp.lock.yaml").exists()

    done = cli.campaign(env, "import", str(spec), "--yes")
    assert done.returncode == 0, done.stderr
    rebuilt = lockfile.read(tmp_path / "imp.lock.yaml", "imp")
    assert {k: r.video_ids for k, r in rebuilt.jobs.items()} == {k: r.video_ids for k, r in made.jobs.items()}
    assert rebuilt.world is not None

    again = cli.campaign(env, "import", str(spec), "--yes")
    assert again.returncode == 0 and "Nothing to import." in again.stdout
    created = sandbox.stats()["avatar_videos_created"]
    plan = cli.campaign(env, "plan", str(spec), "--detailed-exitcode")
    assert plan.returncode == 0, plan.stdout
    assert cli.apply(env, spec).returncode == 0
    assert sandbox.stats()["avatar_videos_created"] == created


def test_apply_with_a_stale_lockfile_adopts_instead_of_paying_again(cli: Any, sandbox: Any, tmp_path: Path) -> None:
    spec = tmp_path / "imp.yaml"
    spec.write_text(cli.spec("imp").replace("scripts: [s0, s1]", "scripts: [s0]"))
    env = sandbox.env()
    assert cli.apply(env, spec).returncode == 0
    stale = (tmp_path / "imp.lock.yaml").read_text()  # the lockfile a CI checkout still has
    spec.write_text(cli.spec("imp"))
    assert cli.apply(env, spec).returncode == 0
    created = sandbox.stats()["avatar_videos_created"]

    (tmp_path / "imp.lock.yaml").write_text(stale)
    shutil.rmtree(tmp_path / ".campaign", ignore_errors=True)
    late = cli.apply(env, spec)
    assert late.returncode == 0, late.stderr
    assert late.stderr.count("carries its tag") == 2
    assert sandbox.stats()["avatar_videos_created"] == created  # 0 paid twice
    lock = lockfile.read(tmp_path / "imp.lock.yaml", "imp")
    assert len(lock.jobs) == 4 and all(r.video_ids for r in lock.jobs.values())
    assert cli.campaign(env, "plan", str(spec), "--detailed-exitcode").returncode == 0


def test_a_second_apply_with_nothing_to_create_lists_nothing(cli: Any, sandbox: Any, tmp_path: Path) -> None:
    spec = tmp_path / "imp.yaml"
    spec.write_text(cli.spec("imp"))
    env = sandbox.env()
    assert cli.apply(env, spec).returncode == 0
    before = sandbox.stats()["requests_total"]
    assert cli.apply(env, spec).returncode == 0
    assert sandbox.stats()["requests_total"] == before


def test_import_with_the_bundled_sandbox_and_bad_input(cli: Any, tmp_path: Path) -> None:
    spec = tmp_path / "imp.yaml"
    spec.write_text(cli.spec("imp").replace("scripts: [s0, s1]", "scripts: [s0]"))
    assert cli.apply({}, spec, "--sandbox").returncode == 0
    (tmp_path / "imp.sandbox.lock.yaml").unlink()
    done = cli.campaign({}, "import", str(spec), "--sandbox", "--yes")
    assert done.returncode == 0 and "Imported 2 videos" in done.stdout, done.stdout + done.stderr
    assert cli.campaign({}, "plan", str(spec), "--sandbox", "--detailed-exitcode").returncode == 0

    missing = cli.campaign({}, "import", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    spec.write_text("version: 1\ncampaign: imp\nvideos: 3\n")
    invalid = cli.campaign({}, "import", str(spec), "--sandbox")
    assert invalid.returncode == 1 and "imp.yaml" in invalid.stderr and "Traceback" not in invalid.stderr


HEYGEN = """\
version: 1
campaign: {name}
provider: heygen
avatars:
  m: {{id: "look_0001_1"}}
scripts:
  s0: {{text: "First line for {{{{ avatar }}}}."}}
  s1: {{text: "Second line for {{{{ avatar }}}}."}}
  s2: {{text: "Third line for {{{{ avatar }}}}."}}
videos:
  - id: hg
    avatars: [m]
    scripts: [s0, s1, s2]
    voice: en-US-1
"""


def test_import_rebuilds_the_heygen_renders_of_a_lost_lockfile_by_title(cli: Any, sandbox: Any, tmp_path: Path) -> None:
    spec = tmp_path / "hgi.yaml"
    spec.write_text(HEYGEN.format(name="hgi"))
    env = sandbox.env()
    assert cli.apply(env, spec).returncode == 0
    made = lockfile.read(tmp_path / "hgi.lock.yaml", "hgi")
    created = sandbox.stats()["heygen_videos_created"]
    _forget_everything(spec)

    dry = cli.campaign(env, "import", str(spec))
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.count("+ import videos.hg[") == 3 and "HeyGen" not in dry.stdout
    done = cli.campaign(env, "import", str(spec), "--yes")
    assert done.returncode == 0 and "Imported 3 videos" in done.stdout, done.stdout + done.stderr
    rebuilt = lockfile.read(tmp_path / "hgi.lock.yaml", "hgi")
    assert {k: r.video_ids for k, r in rebuilt.jobs.items()} == {k: r.video_ids for k, r in made.jobs.items()}
    assert all(
        r.state == "succeeded" and r.idempotency_key == attempt_key(k, 1, "hgi") for k, r in rebuilt.jobs.items()
    )
    assert cli.campaign(env, "plan", str(spec), "--detailed-exitcode").returncode == 0
    assert cli.apply(env, spec).returncode == 0
    assert sandbox.stats()["heygen_videos_created"] == created  # nothing rendered twice


def test_apply_with_a_stale_lockfile_adopts_heygen_renders_by_title(cli: Any, sandbox: Any, tmp_path: Path) -> None:
    spec = tmp_path / "hgs.yaml"
    spec.write_text(HEYGEN.format(name="hgs").replace("scripts: [s0, s1, s2]", "scripts: [s0]"))
    env = sandbox.env()
    assert cli.apply(env, spec).returncode == 0
    stale = (tmp_path / "hgs.lock.yaml").read_text()
    spec.write_text(HEYGEN.format(name="hgs"))
    assert cli.apply(env, spec).returncode == 0
    created = sandbox.stats()["heygen_videos_created"]

    (tmp_path / "hgs.lock.yaml").write_text(stale)
    shutil.rmtree(tmp_path / ".campaign", ignore_errors=True)
    late = cli.apply(env, spec)
    assert late.returncode == 0, late.stderr
    assert late.stderr.count("carries its tag") == 2
    assert sandbox.stats()["heygen_videos_created"] == created  # 0 rendered twice
    assert cli.campaign(env, "plan", str(spec), "--detailed-exitcode").returncode == 0


def _names_at_provider(sandbox: Any, video_ids: set[str]) -> dict[str, str]:
    tasks = sandbox.world.state_for("tiktok")["avatar_tasks"].values()
    return {t["video_id"]: t.get("renamed") or t["video_name"] for t in tasks if t.get("video_id") in video_ids}


def _ids(path: Path, campaign: str) -> set[str]:
    return {v for r in lockfile.read(path, campaign).jobs.values() for v in r.video_ids}


def test_a_copied_campaign_never_adopts_imports_or_renames_the_original_s_videos(
    cli: Any, sandbox: Any, tmp_path: Path
) -> None:
    env = sandbox.env()
    text = cli.spec("skin").replace('name: "{{ avatar }}', 'name: "{{ campaign }}-{{ avatar }}')
    original = tmp_path / "skin.yaml"
    original.write_text(text)
    assert cli.apply(env, original).returncode == 0
    theirs = _ids(tmp_path / "skin.lock.yaml", "skin")
    names = _names_at_provider(sandbox, theirs)
    created = sandbox.stats()["avatar_videos_created"]

    copy = tmp_path / "skin-copy.yaml"  # a copy of the file under another campaign name, without the lockfile
    copy.write_text(text.replace("campaign: skin", "campaign: skin-copy"))
    first = cli.apply(env, copy)
    assert first.returncode == 0, first.stderr
    assert "adopted" not in first.stderr and sandbox.stats()["avatar_videos_created"] == created + 4
    mine = _ids(tmp_path / "skin-copy.lock.yaml", "skin-copy")
    assert len(mine) == 4 and not mine & theirs
    copy.write_text(copy.read_text().replace("{{ script }}", "{{ script }}-v2"))
    renamed = cli.apply(env, copy)
    assert renamed.returncode == 0 and _names_at_provider(sandbox, theirs) == names  # only its own renamed
    assert all(n.startswith("skin-copy-") and "-v2~" in n for n in _names_at_provider(sandbox, mine).values())

    _forget_everything(copy)
    imported = cli.campaign(env, "import", str(copy), "--yes")
    assert imported.returncode == 0 and "Imported 4 videos" in imported.stdout, imported.stdout
    assert _ids(tmp_path / "skin-copy.lock.yaml", "skin-copy") == mine
    assert cli.campaign(env, "plan", str(original), "--detailed-exitcode").returncode == 0


def test_a_second_file_with_the_same_campaign_name_leaves_the_first_file_s_videos_alone(
    cli: Any, sandbox: Any, tmp_path: Path
) -> None:
    env = sandbox.env()
    first = tmp_path / "same.yaml"
    first.write_text(cli.spec("same"))
    assert cli.apply(env, first).returncode == 0
    theirs = _ids(tmp_path / "same.lock.yaml", "same")
    second = tmp_path / "same-too.yaml"
    second.write_text(cli.spec("same"))  # the same `campaign:` name, so the same tags
    made = cli.apply(env, second)
    assert made.returncode == 0, made.stderr
    assert made.stderr.count("not adopted for videos.promo[") == 4 and "same.lock.yaml records it" in made.stderr
    mine = _ids(tmp_path / "same-too.lock.yaml", "same")
    assert len(mine) == 4 and not mine & theirs
    (tmp_path / "same-too.lock.yaml").unlink()
    shutil.rmtree(tmp_path / ".campaign", ignore_errors=True)
    found = cli.campaign(env, "import", str(second), "--yes")  # its own videos, not the first file's
    assert found.returncode == 0 and "Imported 4 videos" in found.stdout, found.stdout
    assert _ids(tmp_path / "same-too.lock.yaml", "same") == mine
