"""Every `campaign …` command shown in a code block of README.md or docs/*.md runs without a bug.

Each document's commands run in order, in a temporary copy of campaigns/ and templates/, with stdin
closed and the providers pointed at one local sandbox (no command can reach the network). A command
must not exit 3; where the line's comment claims an exit code (`# exit 2`, `# exits 1`), it must be
that one. Synopses (`campaign plan SPEC [--out PLAN]`) and the long-running `campaign sandbox` are
not runnable and are skipped; a test checks that the skips stay the exception.
"""

from __future__ import annotations

import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from runner.sandbox.config import SandboxConfig
from runner.sandbox.server import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```[\w-]*\n(.*?)^```", re.S | re.M)
COMMAND = re.compile(r"^(?:\$ )?(?:.*&& )?(?:\.venv/bin/)?(campaign (?:.*))$")
CLAIM = re.compile(r"#.*?\bexits? (?:code )?(\d+)")
PLACEHOLDER = re.compile(r"\[|\||\.\.\.|…|<\w+>|(?<![\w/.-])[A-Z][A-Z_]+(?![\w/.-])")
LONG_RUNNING = ("sandbox",)
SECRETS = ("TIKTOK_ACCESS_TOKEN", "TIKTOK_ADVERTISER_ID", "HEYGEN_API_KEY", "ZEGO_APP_ID", "ZEGO_SERVER_SECRET")
BUG_EXIT = 3


@dataclass(frozen=True)
class DocCommand:
    """One command line shown in a document."""

    document: str
    line: int
    text: str  # as shown, without its comment
    claimed_exit: int | None

    @property
    def runnable(self) -> bool:
        """False for synopses with placeholders and for servers that run until stopped."""
        words = self.text.split()
        return not PLACEHOLDER.search(self.text) and (len(words) < 2 or words[1] not in LONG_RUNNING)


def doc_commands(path: Path) -> list[DocCommand]:
    """The `campaign …` lines of every fenced code block of a document, continuation lines joined."""
    text = path.read_text(encoding="utf-8")
    found = []
    for block in FENCE.finditer(text):
        first_line = text.count("\n", 0, block.start(1)) + 1
        lines = block.group(1).splitlines()
        index = 0
        while index < len(lines):
            number, line = first_line + index, lines[index]
            while line.rstrip().endswith("\\") and index + 1 < len(lines):
                index += 1
                line = line.rstrip()[:-1].rstrip() + " " + lines[index].strip()
            index += 1
            command, _, comment = line.partition(" #")
            match = COMMAND.match(command.strip())
            if match is None:
                continue
            claim = CLAIM.search("#" + comment) if comment else None
            found.append(DocCommand(path.name, number, match.group(1).strip(), int(claim.group(1)) if claim else None))
    return found


@pytest.fixture(scope="module")
def sandbox_env() -> Iterator[dict[str, str]]:
    """The environment of one sandbox for the commands that do not start their own."""
    with SandboxServer(SandboxConfig(speed=0.01, seed=1)) as server:  # the demo's speed: minutes take seconds
        yield {k: v for k, v in os.environ.items() if k not in SECRETS and not k.startswith("CAMPAIGN_")} | server.env()


def _argv(command: DocCommand, cwd: Path) -> list[str]:
    words = []
    for word in shlex.split(command.text)[1:]:
        matches = sorted(glob.glob(word, root_dir=cwd)) if any(c in word for c in "*?") else []
        words += [str(m) for m in matches] or [word]
    return [sys.executable, "-m", "runner", *words]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_every_command_in_the_document_runs(document: Path, tmp_path: Path, sandbox_env: dict[str, str]) -> None:
    commands = [c for c in doc_commands(document) if c.runnable]
    if not commands:
        pytest.skip(f"{document.name} shows no runnable campaign command")
    for folder in ("campaigns", "templates"):
        shutil.copytree(
            ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("*.lock.yaml", "artifacts", ".campaign")
        )
    for command in commands:
        result = subprocess.run(
            _argv(command, tmp_path),
            cwd=tmp_path,
            env=sandbox_env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,
        )
        where = (
            f"{command.document}:{command.line}: `{command.text}` exited {result.returncode}\n{result.stderr[-2000:]}"
        )
        assert result.returncode != BUG_EXIT, where
        assert "Traceback" not in result.stderr, where
        if command.claimed_exit is not None:
            assert result.returncode == command.claimed_exit, where


def test_the_harness_finds_the_readme_commands_and_skips_only_synopses() -> None:
    readme = doc_commands(ROOT / "README.md")
    texts = [c.text for c in readme]
    assert "campaign apply campaigns/demo.yaml --sandbox --yes --accept-notices" in texts  # after `&&`, venv path cut
    everything = [c for doc in DOCUMENTS for c in doc_commands(doc)]
    runnable = [c for c in everything if c.runnable]
    assert len(runnable) >= 5
    for skipped in (c for c in everything if not c.runnable):
        assert PLACEHOLDER.search(skipped.text) or skipped.text.split()[1] in LONG_RUNNING, skipped


def test_claims_and_continuations_are_read(tmp_path: Path) -> None:
    doc = tmp_path / "x.md"
    doc.write_text(
        "text\n```sh\n$ campaign plan a.yaml \\\n    --detailed-exitcode   # exits 2 when there are changes\n"
        "campaign validate SPEC...\ngit push\n```\n"
    )
    first, second = doc_commands(doc)
    assert (first.line, first.text, first.claimed_exit) == (3, "campaign plan a.yaml --detailed-exitcode", 2)
    assert first.runnable and not second.runnable
