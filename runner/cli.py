"""The thin click layer: each command lives in runner/commands/<name>.py as `command`."""

from __future__ import annotations

import importlib
import signal
import threading

import click

from runner import __version__
from runner.error_handler import USER_ERROR_EXIT, error_handler
from runner.settings import check_at_start
from runner.terminal import color_refused

COMMANDS = {
    "validate": "runner.commands.validate",
    "plan": "runner.commands.plan",
    "graph": "runner.commands.graph",
    "apply": "runner.commands.apply",
    "status": "runner.commands.status",
    "avatars": "runner.commands.avatars",
    "sandbox": "runner.commands.sandbox",
    "force-unlock": "runner.commands.force_unlock",
    "report": "runner.commands.report",
    "clean": "runner.commands.clean",
    "show": "runner.commands.show",
    "export": "runner.commands.export",
    "import": "runner.commands.import_",
    "lock": "runner.commands.lock",
    "state": "runner.commands.state",
    "policy": "runner.commands.policy",
    "verify": "runner.commands.verify",
    "approve": "runner.commands.approve",
    "spend": "runner.commands.spend",
    "drift": "runner.commands.drift",
}


def _no_color(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    # click.echo strips ANSI codes whenever the current context's `color` is False.
    if value or color_refused():
        ctx.color = False
        if ctx.parent is not None:
            ctx.parent.color = False


NO_COLOR_HELP = "Print no colors (also when NO_COLOR is set or TERM=dumb)."


def no_color_option() -> click.Option:
    """`--no-color`, accepted before or after the command name."""
    return click.Option(
        ["--no-color"], is_flag=True, expose_value=False, is_eager=True, callback=_no_color, help=NO_COLOR_HELP
    )


class LazyGroup(click.Group):
    """Import a command's module only when it is run (keeps `campaign plan` start-up fast)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMANDS.get(cmd_name)
        if module_name is None:
            return None
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                return None
            raise
        command: click.Command = module.command
        if not any(param.name == "no_color" for param in command.params):
            command.params.append(no_color_option())
        return command


@click.group(cls=LazyGroup, params=[no_color_option()])
@click.version_option(__version__, prog_name="campaign")
def cli() -> None:
    """AI avatar ad videos as code: validate, plan and apply campaign files."""
    check_at_start()


def main() -> None:
    """Console entry point."""
    with error_handler():
        terminate_as_interrupt()
        _run()


def terminate_as_interrupt() -> None:
    """SIGTERM (a CI job cancelled, `kill`) is an interrupt from the first instant: exit 130, locks released.

    Apply's engine installs its own handler for the run (drain and record); before and after it, this one.
    """

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupt)


def _run() -> None:
    try:
        code = cli.main(prog_name="campaign", standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        # Usage errors exit 1, not click's 2: 2 means "changes" for `plan --detailed-exitcode`.
        raise SystemExit(USER_ERROR_EXIT) from None
    raise SystemExit(code if isinstance(code, int) else 0)
