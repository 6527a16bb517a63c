"""One top-level handler: user errors exit 1 with one message, bugs exit 3, no traceback."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

import click

from runner.errors import CampaignError
from runner.providers.errors import ProviderError

BUG_EXIT = 3


@contextlib.contextmanager
def error_handler() -> Iterator[None]:
    """Map exceptions to a message on stderr and an exit code."""
    try:
        yield
    except CampaignError as exc:
        click.echo(f"error: {exc}" if "\n" not in str(exc) else str(exc), err=True)
        sys.exit(exc.exit_code)
    except ProviderError as exc:  # a provider kept failing after retries: not a bug, not the input
        click.echo(f"error: {exc.describe()}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("interrupted; state so far is saved in the lockfile", err=True)
        sys.exit(130)
    except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
        raise
    except Exception as exc:  # a bug: say so, without a traceback or any secret-bearing repr
        click.echo(
            f"internal error ({type(exc).__name__}); this is a bug in campaign, please report it. "
            "Set CAMPAIGN_DEBUG=1 to see the traceback.",
            err=True,
        )
        import os

        if os.environ.get("CAMPAIGN_DEBUG") == "1":
            import traceback

            traceback.print_exc()
        sys.exit(BUG_EXIT)
