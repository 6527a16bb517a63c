"""Files written by release 0.1.0 read the same today: job keys, plan output and lockfile bytes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from runner.cli import cli
from runner.lock.records import dumps, loads
from runner.vocabulary.kinds import kinds
from runner.vocabulary.names import name_tag

FIXTURES = Path(__file__).parent.parent / "fixtures" / "release_0_1_0"
CAMPAIGNS = ("demo", "winter-boots", "holiday-refresh", "founder-twin")
APPLIED = ("demo", "winter-boots", "holiday-refresh")
# The spec digest hashes template files by their absolute path, which differs between checkouts.
DIGEST = re.compile(r'"spec_digest": "[0-9a-f]{64}"')
# Output changed on purpose since 0.1.0, each exact: (campaign, format) -> (what 0.1.0 printed, what is printed now).
# HeyGen renders: the plan's ETA takes HeyGen's documented 5-15 minutes (15), no longer an assumed 2.
# Changes made on purpose since that release, each old -> new exactly once: HeyGen renders take the documented
# 5-15 minutes (the ETA), and a render's title carries its job's `~tag` so a lost create is found by it.
# Then every new name's tag became its campaign's (`retagged`): a copy under another name never finds the videos.
# Markdown script bodies: 0.1.0 hard-wrapped them at 72 columns in <pre>; now they are whole, in <blockquote>, with
# only their own line breaks. The scripts themselves are compared byte for byte in the json and text formats.
SCRIPT_BODY = re.compile(r"</summary><(pre|blockquote)>.*?</\1></details>")
WELCOME, PROMISE = "founder-says-founder-welcome", "founder-says-founder-promise"
TAGS = {WELCOME: "~771a4c75c8", PROMISE: "~1d1cdc1a8d"}
INTENDED: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("founder-twin", "json"): [
        ('"eta_seconds": 121.0,', '"eta_seconds": 901.0,'),
        *((f'"video_name": "{name}"', f'"video_name": "{name}{tag}"') for name, tag in TAGS.items()),
    ],
    ("founder-twin", "text"): [
        ("ETA ~2m 01s.", "ETA ~15m 01s."),
        *((f"name:       {name}\n", f"name:       {name}{tag}\n") for name, tag in TAGS.items()),
    ],
    ("founder-twin", "markdown"): [
        ("ETA ~2m 01s.", "ETA ~15m 01s."),
        *((f"name <code>{name}</code>", f"name <code>{name}&#126;{tag[1:]}</code>") for name, tag in TAGS.items()),
    ],
}


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The fixture campaigns and templates copied into a folder of their own."""
    for part in ("campaigns", "templates"):
        shutil.copytree(FIXTURES / part, tmp_path / part)
    return tmp_path


def plan(checkout: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    """`campaign plan ARGS` run in the checkout; its standard output."""
    monkeypatch.chdir(checkout)
    result = CliRunner().invoke(cli, ["plan", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def expected(name: str) -> str:
    """What release 0.1.0 printed."""
    return (FIXTURES / "expected" / name).read_text(encoding="utf-8")


KEY = re.compile(r"\b([a-z]+)-[0-9a-f]{16}\b")


def retagged(campaign: str, text: str) -> str:
    """A name's `~tag` now says which campaign owns the video (a twin's keeps the older form): every key's, exactly."""
    owned = {k.prefix for k in kinds() if k.tagged_name and not k.twin}
    name = yaml.safe_load((FIXTURES / "campaigns" / f"{campaign}.yaml").read_text(encoding="utf-8"))["campaign"]
    for key in sorted({m.group(0) for m in KEY.finditer(text)}):
        if key.split("-", 1)[0] in owned:
            for mark in ("~", "&#126;"):
                text = text.replace(mark + name_tag(key), mark + name_tag(key, name))
    return text


def intended(campaign: str, fmt: str, old: str) -> str:
    """What release 0.1.0 printed, with the changes made on purpose since (each must be found exactly once)."""
    for before, after in INTENDED.get((campaign, fmt), []):
        assert old.count(before) == 1, before
        old = old.replace(before, after)
    return retagged(campaign, old)


@pytest.mark.parametrize("fmt", ["json", "text", "markdown"])
@pytest.mark.parametrize("campaign", CAMPAIGNS)
def test_a_fresh_plan_prints_the_same_bytes(
    campaign: str, fmt: str, checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same keys, same requests, same rendering as the old release, with no lockfile."""
    out = plan(checkout, monkeypatch, f"campaigns/{campaign}.yaml", "--format", fmt, "--lock", "none.lock.yaml")
    old = intended(campaign, fmt, expected(f"{campaign}.fresh.plan.{fmt}"))
    if fmt == "markdown":
        assert len(SCRIPT_BODY.findall(out)) == len(SCRIPT_BODY.findall(old))
        out, old = SCRIPT_BODY.sub("</summary>…</details>", out), SCRIPT_BODY.sub("</summary>…</details>", old)
    assert DIGEST.sub("", out) == DIGEST.sub("", old)


@pytest.mark.parametrize("campaign", APPLIED)
def test_a_lockfile_written_by_the_old_release_plans_no_changes(
    campaign: str, checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The old release's sandbox lockfile: "No changes", and the same JSON plan."""
    lock_path = checkout / "campaigns" / f"{campaign}.sandbox.lock.yaml"
    for record in loads(lock_path.read_text(encoding="utf-8"), str(lock_path)).jobs.values():
        for (
            artifact
        ) in record.artifacts:  # the videos it downloaded (not kept here): else the plan says they are missing
            (lock_path.parent / artifact.path).parent.mkdir(parents=True, exist_ok=True)
            (lock_path.parent / artifact.path).write_bytes(b"\0" * artifact.size)
    text = plan(checkout, monkeypatch, f"campaigns/{campaign}.yaml", "--sandbox")
    assert text == expected(f"{campaign}.sandbox.plan.text")
    assert "No changes." in text
    data = plan(checkout, monkeypatch, f"campaigns/{campaign}.yaml", "--sandbox", "--format", "json")
    assert DIGEST.sub("", data) == DIGEST.sub("", expected(f"{campaign}.sandbox.plan.json"))
    assert json.loads(data)["changes"] and all(c["action"] == "no-op" for c in json.loads(data)["changes"])


@pytest.mark.parametrize("campaign", APPLIED)
def test_the_old_lockfile_round_trips_byte_for_byte(campaign: str) -> None:
    """Reading and writing the old release's lockfile changes no byte."""
    path = FIXTURES / "campaigns" / f"{campaign}.sandbox.lock.yaml"
    text = path.read_text(encoding="utf-8")
    assert dumps(loads(text, str(path))) == text
