"""Files written by release 0.1.0 read the same today: job keys, plan output and lockfile bytes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from runner.cli import cli
from runner.lock.records import Lockfile, dumps, loads
from runner.plan.expand import build_graph, load_checked
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


def stripped(campaign: str, fmt: str, text: str, *, lock: Lockfile | None = None) -> str:
    """Scripts are sent without the blank line a template's opening `{# comment #}` leaves: those jobs' new keys.

    Exactly the jobs whose rendering had surrounding blank lines change (winter-boots' story.j2); every other
    key stays byte for byte. Their records in `lock` (avatar names resolved by it) are matched at no cost
    (plan/rekey.py) and keep the names their videos have in the account.
    """
    spec = load_checked(FIXTURES / "campaigns" / f"{campaign}.yaml")
    graph = build_graph(spec, lock.resolved_avatars if lock is not None else None)
    moved = {old: key for key, job in graph.jobs.items() for old in job.former_keys}
    for old, new in moved.items():
        text = text.replace(old, new)
        for mark in ("~", "&#126;") if lock is None else ():  # the name's tag in 0.1.0's form, then `retagged`
            text = text.replace(mark + name_tag(old), mark + name_tag(new))
    if fmt == "json":
        text = text.replace('"script": "\\n', '"script": "')
    elif fmt == "text":
        text = text.replace("script:     \n" + " " * 18, "script:     ")
    elif fmt == "markdown":  # the script's length, on the line after its key
        lines = text.split("\n")
        for at, line in enumerate(lines[:-1]):
            if any(key in line for key in moved.values()):
                lines[at + 1] = re.sub(
                    r"script \((\d+) chars", lambda m: f"script ({int(m[1]) - 1} chars", lines[at + 1]
                )
        text = "\n".join(lines)
    return text


def by_key(text: str) -> dict[str, Any]:
    """A JSON plan with its changes in key order, without its spec's digest."""
    data: dict[str, Any] = json.loads(text)
    data.pop("spec_digest")
    data["changes"] = sorted(data["changes"], key=lambda change: str(change["key"]))
    return data


def intended(campaign: str, fmt: str, old: str) -> str:
    """What release 0.1.0 printed, with the changes made on purpose since (each must be found exactly once)."""
    for before, after in INTENDED.get((campaign, fmt), []):
        assert old.count(before) == 1, before
        old = old.replace(before, after)
    return retagged(campaign, stripped(campaign, fmt, old))


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
    lock = loads(lock_path.read_text(encoding="utf-8"), str(lock_path))
    for record in lock.jobs.values():
        for (
            artifact
        ) in record.artifacts:  # the videos it downloaded (not kept here): else the plan says they are missing
            (lock_path.parent / artifact.path).parent.mkdir(parents=True, exist_ok=True)
            (lock_path.parent / artifact.path).write_bytes(b"\0" * artifact.size)
    text = plan(checkout, monkeypatch, f"campaigns/{campaign}.yaml", "--sandbox")
    assert text == expected(f"{campaign}.sandbox.plan.text")
    assert "No changes." in text
    data = plan(checkout, monkeypatch, f"campaigns/{campaign}.yaml", "--sandbox", "--format", "json")
    old = stripped(campaign, "json", expected(f"{campaign}.sandbox.plan.json"), lock=lock)
    if old == expected(f"{campaign}.sandbox.plan.json"):
        assert DIGEST.sub("", data) == DIGEST.sub("", old)
    else:  # a job with a new key takes its key's place in the list
        assert by_key(data) == by_key(old)
    assert json.loads(data)["changes"] and all(c["action"] == "no-op" for c in json.loads(data)["changes"])


@pytest.mark.parametrize("campaign", APPLIED)
def test_the_old_lockfile_round_trips_byte_for_byte(campaign: str) -> None:
    """Reading and writing the old release's lockfile changes no byte."""
    path = FIXTURES / "campaigns" / f"{campaign}.sandbox.lock.yaml"
    text = path.read_text(encoding="utf-8")
    assert dumps(loads(text, str(path))) == text
