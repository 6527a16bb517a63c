from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from runner.commands.graph import command as graph_command
from runner.commands.plan import command as plan_command
from runner.lock import lockfile
from runner.lock.records import JobRecord, Lockfile
from runner.plan.formats import MARKDOWN_LIMIT, render_plan
from runner.plan.make import make_plan
from runner.plan.markdown import render_markdown_data
from runner.plan.planfile import read_plan_file
from runner.plan.render import plan_data, render_text_data
from runner.plan.review import reviewed

PROJECT_DIR = Path(__file__).resolve().parents[2]

DEMO = PROJECT_DIR / "campaigns" / "demo.yaml"


def _complete_lock(spec: Path, lock_path: Path) -> None:
    planned = make_plan(spec, lock_path)
    lock = Lockfile(
        campaign=planned.spec.campaign,
        resolved_avatars={"tiktok": {"Tom in blue shirt": "7295759871838797825"}},
        lineage="lineage-fixed-for-the-byte-comparison",
    )
    for key, job in planned.graph.jobs.items():
        lock = lock.with_job(
            key,
            JobRecord(
                kind=job.kind,
                provider=job.provider,
                state="succeeded",
                addresses=job.addresses,
                name=job.name,
                video_ids=("1",),
            ),
        )
    lockfile.write(lock_path, lock)


def test_plan_json_and_lockfile_are_byte_identical_across_runs(tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(plan_command, [str(DEMO), "--format", "json", "--lock", str(tmp_path / "x.lock.yaml")])
    second = runner.invoke(plan_command, [str(DEMO), "--format", "json", "--lock", str(tmp_path / "x.lock.yaml")])
    assert first.exit_code == 0 and first.stdout == second.stdout
    data = json.loads(first.stdout)
    assert data["format_version"] == "1.0" and data["counts"]["create"] == 10
    _complete_lock(DEMO, tmp_path / "a.lock.yaml")
    _complete_lock(DEMO, tmp_path / "b.lock.yaml")
    assert (tmp_path / "a.lock.yaml").read_bytes() == (tmp_path / "b.lock.yaml").read_bytes()


def test_detailed_exitcode_and_saved_plan(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "p.json"
    lock = tmp_path / "demo.lock.yaml"
    result = runner.invoke(plan_command, [str(DEMO), "--lock", str(lock), "--out", str(out), "--detailed-exitcode"])
    assert result.exit_code == 2
    saved = read_plan_file(out)
    assert len(saved.changes) == 10 and saved.spec_digest and saved.lock_digest
    _complete_lock(DEMO, lock)
    result = runner.invoke(plan_command, [str(DEMO), "--lock", str(lock), "--detailed-exitcode"])
    # nothing to pay for (exit 0); the completed lockfile's videos were never downloaded here, and the plan says so
    assert result.exit_code == 0 and "Nothing to generate." in result.stdout and "are not on disk" in result.stdout


def test_plan_opens_no_network_connection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("plan opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    runner = CliRunner()
    by_id = runner.invoke(plan_command, [str(DEMO), "--lock", str(tmp_path / "none.lock.yaml")])
    assert by_id.exit_code == 0, by_id.output
    boots = PROJECT_DIR / "campaigns" / "winter-boots.yaml"
    lock = tmp_path / "boots.lock.yaml"
    _complete_lock(boots, lock)  # names resolved in the lockfile
    resolved = runner.invoke(plan_command, [str(boots), "--lock", str(lock), "--format", "markdown"])
    assert resolved.exit_code == 0 and "(id known after apply)" not in resolved.stdout


def test_markdown_is_capped_with_a_notice(tmp_path: Path, write_spec: Callable[..., Path]) -> None:
    values = ", ".join(f"p{i}" for i in range(2000))
    spec = write_spec(f"""version: 1
campaign: big
avatars: {{a: {{id: "1"}}, b: {{id: "2"}}}}
scripts: {{s: {{text: "Buy {{{{ product }}}} now."}}, t: {{text: "Try {{{{ product }}}}."}}}}
videos:
  - id: g
    avatars: [a, b]
    scripts: [s, t]
    matrix: {{product: [{values}]}}
""")
    plan = make_plan(spec).plan
    assert plan.counts["create"] == 8000
    text = render_plan(plan, "markdown")
    assert len(text) < MARKDOWN_LIMIT
    assert text.startswith("### campaign `big`") and "Plan: 8000 to create" in text.splitlines()[2]
    assert "Plan truncated" in text


def test_graph_formats() -> None:
    runner = CliRunner()
    mermaid = runner.invoke(graph_command, [str(DEMO)])
    assert mermaid.exit_code == 0 and mermaid.stdout.startswith("flowchart LR") and mermaid.stdout.count("-->") == 6
    dot = runner.invoke(graph_command, [str(DEMO), "--format", "dot"])
    assert dot.exit_code == 0 and dot.stdout.startswith('digraph "demo"') and dot.stdout.count("->") == 6


REVIEW_SPEC = """\
version: 1
campaign: review
avatars:
  isabelle: {id: "7295705233773068290"}
  tom: {id: "7301881390801354754"}
scripts:
  care: {text: "Dry feet or your money back. {{ product }} keeps the snow out on the longest walk home, all winter long."}
videos:
  - id: zeta
    avatars: [tom, isabelle]
    scripts: [care]
    matrix: {product: [Trail Boot, City Boot]}
    name: "{{ avatar }}-{{ product | slug }}"
  - id: alpha
    avatars: [isabelle]
    scripts: [care]
    matrix: {product: [Snow Boot]}
"""


def _lock_with_requests(spec: Path, lock_path: Path) -> None:
    planned = make_plan(spec, lock_path)
    lock = Lockfile(campaign=planned.spec.campaign)
    for key, job in planned.graph.jobs.items():
        lock = lock.with_job(
            key,
            JobRecord(
                kind=job.kind,
                provider=job.provider,
                state="succeeded",
                addresses=job.addresses,
                name=job.name,
                video_ids=(f"v-{key}",),
                request=dict(job.request),
            ),
        )
    lockfile.write(lock_path, lock)


def test_text_plan_shows_what_is_said_in_file_order(write_spec: Callable[..., Path]) -> None:
    spec = write_spec(REVIEW_SPEC)
    result = CliRunner().invoke(plan_command, [str(spec)])
    assert result.exit_code == 0, result.output
    heads = [line.split()[2] for line in result.stdout.splitlines() if line.startswith("    + ")]
    assert heads == [
        "videos.zeta[avatar=tom,script=care,product=Trail",
        "videos.zeta[avatar=tom,script=care,product=City",
        "videos.zeta[avatar=isabelle,script=care,product=Trail",
        "videos.zeta[avatar=isabelle,script=care,product=City",
        "videos.alpha[avatar=isabelle,script=care,product=Snow",
    ]
    text = result.stdout
    assert "avatar:     tom (7301881390801354754)" in text
    assert "name:       tom-trail-boot~" in text
    assert "script:     Dry feet or your money back. Trail Boot keeps the snow out on the\n" in text
    assert "\n                  longest walk home, all winter long.\n" in text  # wrapped under the label
    assert "Quota: +5 videos" in text


def test_replace_and_rename_show_field_diffs_with_word_highlight(
    tmp_path: Path, write_spec: Callable[..., Path]
) -> None:
    spec = write_spec(REVIEW_SPEC)
    lock = tmp_path / "c.lock.yaml"
    _lock_with_requests(spec, lock)
    assert all(r.request for r in lockfile.read(lock, "review").jobs.values())
    spec.write_text(
        REVIEW_SPEC.replace("Dry feet", "Warm feet").replace(
            "{{ avatar }}-{{ product | slug }}", "{{ product | slug }}-{{ avatar }}"
        )
    )
    text = CliRunner().invoke(plan_command, [str(spec), "--lock", str(lock)]).stdout
    assert (
        text.count('~ script: "Dry feet or your money back. Trail Boot…" → "Warm feet or your money back. Trail…"') == 2
    )
    assert '~ name: "tom-trail-boot" → "trail-boot-tom"' in text
    assert "[-Dry-] {+Warm+} feet or your money back." in text
    assert "replaces av-" in text and "the request changed" not in text
    markdown = CliRunner().invoke(plan_command, [str(spec), "--lock", str(lock), "--format", "markdown"]).stdout
    assert "<del>Dry </del><ins>Warm </ins>feet or your money back." in markdown
    script_diff = markdown.split("<blockquote>~ script: ")[1].split("</blockquote>")[0]
    assert "&#10;" not in script_diff and "<br>" not in script_diff  # one line in the script: no break added
    # a name-only change is a rename with its own diff
    spec.write_text(REVIEW_SPEC.replace("{{ avatar }}-{{ product | slug }}", "{{ avatar }}-boot-{{ product | slug }}"))
    text = CliRunner().invoke(plan_command, [str(spec), "--lock", str(lock)]).stdout
    assert '~ name: "tom-trail-boot" → "tom-boot-trail-boot"' in text and "4 to rename" in text


def test_markdown_escapes_everything_user_written(write_spec: Callable[..., Path]) -> None:
    # names refuse backticks and HTML at validation; scripts may carry them, and are escaped
    spec = write_spec(
        REVIEW_SPEC.replace('"{{ avatar }}-{{ product | slug }}"', '"@octocat {{ avatar }}"').replace(
            "Dry feet", "`</b><img src=x onerror=y> [link](javascript:x) **bold** @octocat"
        )
    )
    result = CliRunner().invoke(plan_command, [str(spec), "--format", "markdown"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "<img" not in text and "`</b>" not in text and "@octocat" not in text
    assert "](javascript" not in text and "**bold**" not in text
    assert "&lt;img src=x onerror=y&gt;" in text and "&lt;/b&gt;" in text
    assert text.count("<details>") == text.count("</details>") and text.count("<blockquote>") == text.count(
        "</blockquote>"
    )


def _big_spec(write_spec: Callable[..., Path], jobs: int) -> Path:
    products = ", ".join(f"Product {i}" for i in range(jobs // 2))
    return write_spec(
        f"""version: 1
campaign: big
avatars: {{a: {{id: "7295705233773068290"}}, b: {{id: "7301881390801354754"}}}}
scripts:
  s: {{text: "{{{{ product }}}} keeps your feet dry and warm through the longest winter walks. Order the {{{{ product }}}} today and get free shipping, free returns and a two year warranty on every pair we make."}}
videos:
  - id: g
    avatars: [a, b]
    scripts: [s]
    matrix: {{product: [{products}]}}
    name: "{{{{ avatar }}}}-{{{{ product | slug }}}}"
""",
        name="big.yaml",
    )


def test_200_job_markdown_plan_fits_and_shrinks_scripts_first(write_spec: Callable[..., Path]) -> None:
    spec = _big_spec(write_spec, 200)
    plan = reviewed(make_plan(spec))
    text = render_plan(plan, "markdown")
    assert len(text) < MARKDOWN_LIMIT and text.count("<p><code>+</code>") == 200
    assert "script bodies left out" in text and "more changes not listed" not in text
    small = render_plan(make_plan(_big_spec(write_spec, 20)).plan, "markdown")
    assert small.count("<details>") == 20 and "truncated" not in small
    # under a tighter limit the script bodies go first, from the end; every entry stays listed and closed
    tight = render_markdown_data(plan_data(plan), 60_000, full_plan="campaign show p.plan")
    assert len(tight) <= 60_000 and tight.count("<p><code>+</code>") == 200
    dropped = 200 - tight.count("<details>")
    assert dropped > 0 and f"{dropped} script bodies left out" in tight and "<code>campaign show p.plan</code>" in tight
    assert tight.count("<blockquote>") == tight.count("</blockquote>") == 200 - dropped
    blocks = tight.split("\n\n")
    first = next(b for b in blocks if "product=Product 0&#93;" in b and "avatar=a" in b)
    last = next(b for b in blocks if "product=Product 99&#93;" in b and "avatar=b" in b)
    assert "<details>" in first and "<details>" not in last  # bodies go from the end
    # under a very tight limit whole entries go too, at entry boundaries
    tiny = render_markdown_data(plan_data(plan), 5_000)
    assert len(tiny) <= 5_000 and "more changes not listed" in tiny and tiny.count("<p>") == tiny.count("</p>")


def test_fields_name_voice_aspect_hook_and_strategies() -> None:
    from runner.plan.fielddiff import request_fields

    heygen = request_fields(
        "heygen_video",
        {"avatar_id": "look-1", "script": "Hi.", "voice_id": "v-9", "aspect_ratio": "9:16"},
        ["videos.g[avatar=dana,script=s]"],
    )
    assert heygen == {"avatar": "dana (look-1)", "voice": "v-9", "aspect": "9:16", "script": "Hi."}
    refresh = request_fields(
        "refresh_video",
        {
            "video": {"job": "up-1"},
            "video_refresh_strategy_list": ["ADD_HOOK", "SWAP_MUSIC"],
            "add_hook": {"hook_type": "HOLIDAY", "holiday_theme": "CHRISTMAS"},
        },
        ["refresh.r"],
    )
    assert refresh == {
        "strategies": "ADD_HOOK, SWAP_MUSIC",
        "hook": "HOLIDAY",
        "holiday_theme": "CHRISTMAS",
        "source": "output of up-1",
    }
    named = request_fields(
        "avatar_video", {"avatar_id": "name:Tom in blue", "script": "x"}, ["videos.g[avatar=tom,script=s]"]
    )
    assert named["avatar"] == "tom (name 'Tom in blue', id known after apply)"


def test_markdown_scripts_keep_their_own_lines_and_are_never_hard_wrapped(write_spec: Callable[..., Path]) -> None:
    long_line = " ".join(["Waterproof boots for every winter morning."] * 6)
    spec = write_spec(REVIEW_SPEC.replace("Dry feet", long_line + "\\nSecond line."))
    result = CliRunner().invoke(plan_command, [str(spec), "--format", "markdown"])
    assert result.exit_code == 0, result.output
    body = result.stdout.split("</summary><blockquote>")[1].split("</blockquote>")[0]
    assert body.startswith(long_line + "<br>Second line.")
    assert "&#10;" not in body


def test_a_plan_with_videos_missing_on_disk_says_apply_fetches_them(write_spec: Callable[..., Path]) -> None:
    spec = write_spec(REVIEW_SPEC)
    lock = spec.with_name("review.lock.yaml")
    _lock_with_requests(spec, lock)  # every job succeeded, none of its videos downloaded
    result = CliRunner().invoke(plan_command, [str(spec), "--lock", str(lock), "--detailed-exitcode"])
    assert result.exit_code == 0, result.output  # nothing to pay for: CI does not apply for downloads alone
    assert "No changes" not in result.stdout
    assert "The videos of 5 jobs are not on disk: apply downloads them again (nothing is paid for)." in result.stdout
    data = json.loads(CliRunner().invoke(plan_command, [str(spec), "--lock", str(lock), "--format", "json"]).stdout)
    assert len(data["missing_downloads"]) == 5
    off = write_spec(REVIEW_SPEC + "apply: {download: false}\n", name="off.yaml")
    quiet = CliRunner().invoke(plan_command, [str(off), "--lock", str(lock)])
    assert "No changes." in quiet.stdout and "not on disk" not in quiet.stdout


def test_text_and_markdown_read_no_unchanged_row_so_leaving_them_out_changes_no_byte(tmp_path: Path) -> None:
    lock_path = tmp_path / "demo.lock.yaml"
    _complete_lock(DEMO, lock_path)
    lock = lockfile.read(lock_path, "demo")
    keys = sorted(lock.jobs)
    lock = lock.without_jobs(set(keys[:3]))  # three to create again
    named = next(key for key in keys[3:] if lock.jobs[key].name is not None)
    lock = lock.with_job(named, JobRecord(**{**_record_fields(lock.jobs[named]), "name": "an-older-name"}))
    lockfile.write(lock_path, lock)
    plan = reviewed(make_plan(DEMO, lock_path))
    assert {c.action.value for c in plan.changes} >= {"create", "no-op", "rename"}
    whole, shown = plan_data(plan), plan_data(plan, unchanged=False)
    assert [c["key"] for c in shown["changes"]] == [c["key"] for c in whole["changes"] if c["action"] != "no-op"]
    assert {k: v for k, v in whole.items() if k != "changes"} == {k: v for k, v in shown.items() if k != "changes"}
    assert render_text_data(whole) == render_text_data(shown)
    assert render_markdown_data(whole, MARKDOWN_LIMIT) == render_markdown_data(shown, MARKDOWN_LIMIT)
    assert json.loads(render_plan(plan, "json")) == whole  # JSON keeps every row


def _record_fields(record: JobRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__slots__}  # type: ignore[attr-defined]
