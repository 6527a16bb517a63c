"""One top-level handler: user errors exit 1 with one message, bugs exit 3, interrupts 130, no traceback."""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Iterator

import click

from runner.errors import CampaignError, SpecError
from runner.providers.errors import ProviderError
from runner.redact import redact
from runner.terminal import github_annotation, in_github_actions

USER_ERROR_EXIT = 1
BUG_EXIT = 3
INTERRUPTED_EXIT = 130


def say(text: str) -> None:
    """Print one message on stderr, with any secret value masked."""
    click.echo(redact(text), err=True)


@contextlib.contextmanager
def error_handler() -> Iterator[None]:
    """Map exceptions to a message on stderr and an exit code."""
    try:
        yield
    except CampaignError as exc:
        if isinstance(exc, SpecError):
            annotate(exc)
        say(f"error: {exc}" if "\n" not in str(exc) else str(exc))
        sys.exit(exc.exit_code)
    except ProviderError as exc:  # a provider kept failing after retries: not a bug, not the input
        say(f"error: {exc.describe()}")
        sys.exit(USER_ERROR_EXIT)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__context__, EOFError):  # a prompt met the end of stdin: nobody is there to answer
            say("error: no answer to the question above (stdin is closed); nothing more was done")
            sys.exit(USER_ERROR_EXIT)
        say("interrupted")
        sys.exit(INTERRUPTED_EXIT)
    except KeyboardInterrupt:
        say("interrupted")
        sys.exit(INTERRUPTED_EXIT)
    except (click.exceptions.Exit, click.ClickException, SystemExit):
        raise
    except Exception as exc:  # a bug: say so, without a traceback or any secret-bearing repr
        say(
            f"internal error ({type(exc).__name__}); this is a bug in campaign, please report it. "
            "Set CAMPAIGN_DEBUG=1 to see the traceback."
        )
        if os.environ.get("CAMPAIGN_DEBUG") == "1":
            say("".join(traceback.format_exception(exc)).rstrip("\n"))
        sys.exit(BUG_EXIT)


def annotate(exc: SpecError) -> None:
    """Inside GitHub Actions, also print each problem as an annotation on its file and line."""
    if not in_github_actions():
        return
    for p in exc.problems:
        text = f"at {p.path}: {p.message}" if p.path else p.message
        click.echo(redact(github_annotation("error", text, file=p.file, line=p.line, col=p.column)))
