"""What the docs name exists in the code: every `CAMPAIGN_*` setting, every `campaign` flag, every module path."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from runner.cli import cli
from runner.settings import RETIRED_VARIABLES, check_campaign_variables, known_settings

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
SETTING = re.compile(r"\bCAMPAIGN_[A-Z][A-Z_]*[A-Z]\b")
TEST_ONLY = {"CAMPAIGN_FUZZ_EXAMPLES"}  # read by the test suite, not by the tool


def documented(pattern: re.Pattern[str]) -> dict[str, str]:
    """Each match in the docs, with the first file that names it."""
    found: dict[str, str] = {}
    for doc in DOCS:
        for name in pattern.findall(doc.read_text(encoding="utf-8")):
            found.setdefault(name, doc.name)
    return found


def test_every_documented_setting_is_known_to_the_settings_check() -> None:
    unknown = {n: doc for n, doc in documented(SETTING).items() if n not in known_settings() | TEST_ONLY}
    assert not unknown, f"documented but unknown to runner/settings.py: {unknown}"


@pytest.mark.parametrize("name", sorted(known_settings() - set(RETIRED_VARIABLES)))
def test_a_known_setting_draws_no_warning(name: str) -> None:
    value = {"CAMPAIGN_DEBUG": "1", "CAMPAIGN_LOCK_LEASE": "90s"}.get(name, "5")
    assert check_campaign_variables({name: value}) == []


def test_a_retired_setting_is_documented_as_retired_wherever_it_is_named() -> None:
    for name in RETIRED_VARIABLES:
        for doc in DOCS:
            for line in doc.read_text(encoding="utf-8").splitlines():
                if name in line:
                    assert "retired" in line, f"{doc.name} documents {name} as if it worked: {line.strip()}"


def _command_flags() -> dict[str, set[str]]:
    """Every command's long flags, by command name (subgroups' commands as `group sub`)."""
    flags: dict[str, set[str]] = {}
    ctx = click.Context(cli)

    def walk(group: click.Group, prefix: str) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None
            if isinstance(command, click.Group):
                walk(command, f"{prefix}{name} ")
                continue
            flags[prefix + name] = {o for p in command.params for o in p.opts + p.secondary_opts if o.startswith("--")}

    walk(cli, "")
    return flags


def _command_lines(text: str) -> list[str]:
    """Command lines the docs show: inline code spans and code-block lines that start with `campaign `."""
    spans = re.findall(r"`([^`\n]+)`", text)
    blocks = [line.strip() for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S) for line in block.splitlines()]
    return [line for line in spans + blocks if line.startswith("campaign ")]


def test_every_flag_shown_on_a_documented_command_line_exists() -> None:
    commands = _command_flags()
    missing = []
    for doc in DOCS:
        for line in _command_lines(doc.read_text(encoding="utf-8")):
            words = line.split()
            name = " ".join(words[1:3]) if " ".join(words[1:3]) in commands else words[1]
            if name not in commands:
                continue
            for flag in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", line.split("#")[0]):
                if flag not in commands[name] | {"--help"}:
                    missing.append(f"{doc.name}: campaign {name} {flag}")
    assert not missing, f"documented flags the commands do not have: {sorted(set(missing))}"


# Lines of other tools the docs show (their flags are theirs), and flags the docs name to say they do not exist.
OTHER_TOOLS = ("gh ", "git ", "docker ", "options: ", "pip ", "python ", "pytest ", "pre-commit ", "ruff ", "mypy ")
NOT_OURS = {"--force": "state-lock.md: 'There is no `--force`'"}


def test_every_flag_the_docs_name_anywhere_belongs_to_some_command() -> None:
    known = set().union(*_command_flags().values()) | {"--help", *NOT_OURS}
    unknown = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        spans = re.findall(r"`([^`\n]+)`", text)
        blocks = [
            line.strip() for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S) for line in block.splitlines()
        ]
        for line in spans + blocks:
            if line.startswith(OTHER_TOOLS):
                continue
            unknown += [
                f"{doc.name}: {flag}"
                for flag in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", line.split(" #")[0])
                if flag not in known
            ]
    assert not unknown, f"flags the docs name that no command has: {sorted(set(unknown))}"


def test_every_module_path_the_docs_name_exists() -> None:
    paths = {m for doc in DOCS for m in re.findall(r"\brunner/[\w/]+\.py\b", doc.read_text(encoding="utf-8"))}
    assert not [p for p in sorted(paths) if not (ROOT / p).is_file()]


def test_the_cli_lists_what_the_check_walks() -> None:
    assert CliRunner().invoke(cli, ["--help"]).exit_code == 0 and "apply" in _command_flags()
