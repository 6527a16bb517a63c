"""`campaign policy test [PACK...]`: run policy packs' own tests, like unit tests."""

from __future__ import annotations

from pathlib import Path

import click

from runner.errors import SpecError
from runner.policy.pack import BUILTIN_PACKS, PackError, load_pack
from runner.policy.selftest import run_pack
from runner.wording import plural


@click.group()
def command() -> None:
    """Policy packs: the rules every rendered script is checked against."""


@command.command("test")
@click.argument("packs", nargs=-1)
def test(packs: tuple[str, ...]) -> None:
    """Run the tests of each PACK (a built-in name or a path; default: the built-in packs).

    Each test text must pass every rule, or be flagged by the rule it names.
    Exit 0 when every test holds, 1 otherwise.
    """
    failed = 0
    for name in packs or BUILTIN_PACKS:
        try:
            pack = load_pack(name, Path.cwd())
        except PackError as exc:
            raise SpecError(exc.problems) from None
        results = run_pack(pack)
        bad = [r for r in results if not r.passed]
        for result in bad:
            click.echo(f"FAIL {result.describe()}", err=True)
        failed += len(bad)
        rules = ", ".join(f"{r.id} ({r.level})" for r in pack.rules)
        click.echo(f"{pack.name}: {len(results) - len(bad)}/{plural(len(results), 'test')} passed; rules: {rules}")
    if failed:
        raise SystemExit(1)
