from __future__ import annotations

import importlib.util
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest

from runner import __version__
from runner.cli import COMMANDS
from runner.error_handler import error_handler


def _campaign(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runner", *args], capture_output=True, text=True, timeout=60)


def test_version_and_help() -> None:
    assert __version__ in _campaign("--version").stdout
    out = _campaign("--help").stdout
    listed = {line.split()[0] for line in out.partition("Commands:")[2].splitlines() if line.strip()}
    assert listed == set(COMMANDS)
    assert {
        "validate",
        "plan",
        "graph",
        "apply",
        "status",
        "avatars",
        "sandbox",
        "force-unlock",
        "report",
        "clean",
        "show",
        "export",
    } <= listed
    assert all(importlib.util.find_spec(module) is not None for module in COMMANDS.values())


def test_usage_errors_exit_1_not_2() -> None:
    result = _campaign("no-such-command")
    assert result.returncode == 1
    assert "No such command" in result.stderr
    assert "Traceback" not in result.stderr


def test_every_option_and_command_has_help() -> None:
    from runner.cli import cli

    context = click.Context(cli)
    missing = []
    for name in COMMANDS:
        command = cli.get_command(context, name)
        assert command is not None and command.help, name
        missing += [f"{name} {p.opts[0]}" for p in command.params if isinstance(p, click.Option) and not p.help]
    missing += [f"campaign {p.opts[0]}" for p in cli.params if isinstance(p, click.Option) and not p.help]
    assert missing == []


def _on_a_terminal(
    args: list[str], env: dict[str, str], cwd: Path, answer: bytes | None = None, interrupt_at: bytes | None = None
) -> tuple[int, str]:
    """Run the CLI with stdin, stdout and stderr on a pseudo-terminal; return the exit code and what it printed."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "runner", *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        cwd=cwd,
        close_fds=True,
        preexec_fn=_default_sigint,  # a parent that ignores SIGINT (a background job) would pass that on
    )
    os.close(follower)
    output = b""
    deadline = time.monotonic() + 120
    act_at = None  # when to answer or interrupt, once the question is on screen
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
            if act_at is None and interrupt_at is not None and interrupt_at in output:
                act_at = time.monotonic() + 0.3  # as a person would: after the prompt is read, not within a microsecond
        elif process.poll() is not None:
            break
        if act_at is not None and time.monotonic() >= act_at and process.poll() is None:
            if answer is not None:
                os.write(leader, answer)
                act_at = float("inf")
            elif b"interrupted" not in output:
                # A SIGINT that lands before input() blocks is only seen at the next one (CPython): press again.
                process.send_signal(signal.SIGINT)
                act_at = time.monotonic() + 3
    code = process.wait(timeout=60)
    code = process.wait(timeout=30)
    os.close(leader)
    return code, output.decode(errors="replace")


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "CI", "GITHUB_ACTIONS")}
    return {**env, "TERM": "xterm-256color", **extra}


def test_color_on_a_terminal_unless_refused(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text(ONE_VIDEO)
    code, colored = _on_a_terminal(["plan", "one.yaml"], _cli_env(), tmp_path)
    assert code == 0 and "\033[32m" in colored
    for args, env in (
        (["--no-color", "plan", "one.yaml"], _cli_env()),
        (["plan", "one.yaml", "--no-color"], _cli_env()),
        (["plan", "one.yaml"], _cli_env(NO_COLOR="1")),
        (["plan", "one.yaml"], _cli_env(TERM="dumb")),
    ):
        code, plain = _on_a_terminal(args, env, tmp_path)
        assert code == 0 and "+ av-" in plain and "\033[" not in plain, (args, env.get("TERM"))


def test_ctrl_c_at_a_question_exits_130_and_end_of_input_exits_1(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text(ONE_VIDEO)
    args = ["apply", "one.yaml", "--sandbox"]
    code, out = _on_a_terminal(args, _cli_env(), tmp_path, interrupt_at=b"Apply these changes?")
    assert code == 130 and out.strip().endswith("interrupted") and "Traceback" not in out
    code, out = _on_a_terminal(args, _cli_env(), tmp_path, answer=b"\x04", interrupt_at=b"Apply these changes?")
    assert code == 1 and "stdin is closed" in out and "Traceback" not in out
    assert not (tmp_path / "one.lock.yaml").exists() or "av-" not in (tmp_path / "one.lock.yaml").read_text()


def test_an_interrupt_anywhere_exits_130_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    @click.command()
    def stops() -> None:
        raise KeyboardInterrupt  # click turns it into Abort

    for body in (lambda: stops.main([], standalone_mode=False), _raise_keyboard_interrupt):
        with pytest.raises(SystemExit) as exit_info, error_handler():
            body()
        assert exit_info.value.code == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "Traceback" not in err


def _raise_keyboard_interrupt() -> None:
    raise KeyboardInterrupt


def test_debug_tracebacks_never_show_a_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token = "s3cr\u00e9t-token-value"
    monkeypatch.setenv("TIKTOK_ACCESS_TOKEN", token)
    monkeypatch.setenv("HEYGEN_API_KEY", "hg-key-123456\r")
    monkeypatch.setenv("CAMPAIGN_DEBUG", "1")

    def bug() -> None:
        try:
            token.encode("ascii")  # the non-ASCII character is quoted by the error
        except UnicodeEncodeError as exc:
            raise RuntimeError(f"while sending {token!r} and {os.environ['HEYGEN_API_KEY']!r}") from exc

    with pytest.raises(SystemExit) as exit_info, error_handler():
        bug()
    err = capsys.readouterr().err
    assert exit_info.value.code == 3 and "Traceback" in err and "UnicodeEncodeError" in err
    assert "s3cr" not in err and "\\xe9" not in err and "\u00e9" not in err and "hg-key" not in err
    assert "***" in err


def test_without_debug_a_bug_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("CAMPAIGN_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exit_info, error_handler():
        raise ValueError("detail")
    err = capsys.readouterr().err
    assert exit_info.value.code == 3 and err.count("\n") == 1 and "detail" not in err and "ValueError" in err


ONE_VIDEO = """\
version: 1
campaign: one
avatars:
  isabelle: {id: "7295705233773068290"}
scripts:
  hi: {text: "Hello there."}
videos:
  - id: promo
    avatars: [isabelle]
    scripts: [hi]
"""


def test_sigterm_during_start_up_exits_130_like_an_interrupt(tmp_path: Path) -> None:
    from runner.sandbox.config import SandboxConfig
    from runner.sandbox.server import SandboxServer

    spec = tmp_path / "c.yaml"
    spec.write_text(
        'version: 1\ncampaign: c\navatars:\n  isabelle: {name: "Isabelle in light green top"}\n'
        'scripts:\n  teaser: {text: "Hello there."}\nvideos:\n  - id: promo\n    avatars: [isabelle]\n'
        "    scripts: [teaser]\n"
    )
    with SandboxServer(SandboxConfig(speed=1.0, slow_rate=1.0, seed=3)) as sandbox:  # replies take 2-5 s
        run = subprocess.Popen(
            [sys.executable, "-m", "runner", "apply", str(spec), "--yes", "--accept-notices"],
            env={**os.environ, **sandbox.env()},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while sandbox.stats()["requests_total"] == 0:  # resolving the avatar's name: before any create
            assert time.monotonic() < deadline and run.poll() is None
            time.sleep(0.02)
        run.send_signal(signal.SIGTERM)
        out, err = run.communicate(timeout=60)
        assert run.returncode == 130, (run.returncode, err[-800:])
        assert "Traceback" not in err and sandbox.stats()["avatar_videos_created"] == 0
    assert not (tmp_path / ".c.lock.yaml.state-lock.json").exists()  # the state lock was released
