"""Environment problems are refused before any request, by variable name, exit 1, never showing a secret."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from runner.errors import ConfigError
from runner.lock import lockfile
from runner.providers.config import settings_from_env, transient_limits
from runner.settings import check_campaign_variables
from tests.providers.conftest import Scripted

REPO = Path(__file__).resolve().parents[2]
SPEC = """\
version: 1
campaign: startup-checks
provider: tiktok
avatars:
  isabelle: {id: "7295705233773068290"}
scripts:
  hello: {text: "Hello there."}
videos:
  - id: promo
    avatars: [isabelle]
    scripts: [hello]
apply:
  download: false
"""


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("startup") / "c.yaml"
    path.write_text(SPEC)
    return path


def run(spec: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CAMPAIGN_", "TIKTOK_", "HEYGEN_", "ZEGO_"))}
    return subprocess.run(
        [sys.executable, "-m", "runner", *args, str(spec)],
        cwd=spec.parent,
        capture_output=True,
        text=True,
        timeout=60,
        env={**clean, "CAMPAIGN_DEBUG": "1", **env},
    )


@pytest.mark.parametrize("url", ["htp:/x", "http://", "https://exa mple.com/v1.3", "ftp://host/x", "http://[::1/x"])
def test_a_malformed_base_url_is_refused_by_name_before_any_request(spec: Path, url: str) -> None:
    result = run(spec, "apply", "--yes", "--accept-notices", TIKTOK_API_BASE_URL=url, TIKTOK_ACCESS_TOKEN="tok-1")
    assert result.returncode == 1, result.stderr
    assert "TIKTOK_API_BASE_URL is not a usable base URL" in result.stderr and "Traceback" not in result.stderr
    assert not spec.with_name("c.lock.yaml").exists() or "pending" not in spec.with_name("c.lock.yaml").read_text()


@pytest.mark.parametrize("token", ["tok-SECRET-9\n", "tok-SECRET-9\r", " tok-SECRET-9", "tok-SECRET-9\r\n"])
def test_a_token_with_surrounding_whitespace_is_refused_by_name(spec: Path, scripted: Scripted, token: str) -> None:
    scripted.reply((200, {"code": 0, "message": "OK", "data": {}}))
    result = run(
        spec, "apply", "--yes", "--accept-notices", TIKTOK_API_BASE_URL=scripted.base_url, TIKTOK_ACCESS_TOKEN=token
    )
    assert result.returncode == 1, result.stderr
    assert "TIKTOK_ACCESS_TOKEN starts or ends with whitespace" in result.stderr
    assert "SECRET" not in result.stdout + result.stderr and scripted.seen == []


def test_a_non_ascii_token_is_refused_without_showing_any_of_its_characters(spec: Path, scripted: Scripted) -> None:
    scripted.reply((200, {"code": 0, "message": "OK", "data": {}}))
    token = "tøkén✓ßecret"
    result = run(
        spec, "apply", "--yes", "--accept-notices", TIKTOK_API_BASE_URL=scripted.base_url, TIKTOK_ACCESS_TOKEN=token
    )
    assert result.returncode == 1, result.stderr
    assert "TIKTOK_ACCESS_TOKEN contains control or non-ASCII characters" in result.stderr
    output = result.stdout + result.stderr
    assert not any(c in output for c in "øé✓ß") and "Traceback" not in output and scripted.seen == []


def test_the_avatars_command_checks_the_environment_too(spec: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "runner", "avatars", "--provider", "heygen"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HEYGEN_API_KEY": "key\n", "HEYGEN_API_BASE_URL": "http://127.0.0.1:9"},
    )
    assert result.returncode == 1 and "HEYGEN_API_KEY starts or ends with whitespace" in result.stderr


@pytest.mark.parametrize(
    "name, value, accepted",
    [
        ("CAMPAIGN_TRANSIENT_ATTEMPTS", "0", "a whole number >= 1"),
        ("CAMPAIGN_TRANSIENT_ATTEMPTS", "-3", "a whole number >= 1"),
        ("CAMPAIGN_TRANSIENT_ATTEMPTS", "2.5", "a whole number >= 1"),
        ("CAMPAIGN_TRANSIENT_SECONDS", "0", "a number > 0"),
        ("CAMPAIGN_TRANSIENT_SECONDS", "-1", "a number > 0"),
        ("CAMPAIGN_TRANSIENT_SECONDS", "soon", "a number > 0"),
        ("CAMPAIGN_TRANSIENT_SECONDS", "nan", "a number > 0"),
        ("CAMPAIGN_DEBUG", "yes", "one of 0, 1"),
    ],
)
def test_every_campaign_variable_is_checked_with_its_range(spec: Path, name: str, value: str, accepted: str) -> None:
    with pytest.raises(ConfigError) as info:
        check_campaign_variables({name: value})
    assert name in str(info.value) and accepted in str(info.value)
    result = run(spec, "validate", **{name: value})
    assert result.returncode == 1 and name in result.stderr and accepted in result.stderr, result.stderr


def test_an_unknown_campaign_variable_is_a_warning() -> None:
    warnings = check_campaign_variables({"CAMPAIGN_TRANSIENT_ATTEMPT": "5", "CAMPAIGN_TRANSIENT_ATTEMPTS": "5"})
    assert len(warnings) == 1 and "CAMPAIGN_TRANSIENT_ATTEMPT is not a campaign setting" in warnings[0]


def test_the_retired_time_scale_variable_is_a_warning_pointing_at_speed() -> None:
    warnings = check_campaign_variables({"CAMPAIGN_TIME_SCALE": "0.01"})
    assert len(warnings) == 1 and "CAMPAIGN_TIME_SCALE is retired and ignored" in warnings[0]
    assert "campaign sandbox --speed" in warnings[0]


def test_transient_limits_variables_override_the_campaign_block() -> None:
    assert transient_limits(7, 9.0, {}).attempts == 7 and transient_limits(7, 9.0, {}).seconds == 9.0
    limits = transient_limits(7, 9.0, {"CAMPAIGN_TRANSIENT_ATTEMPTS": "3", "CAMPAIGN_TRANSIENT_SECONDS": "1.5"})
    assert (limits.attempts, limits.seconds) == (3, 1.5)
    assert transient_limits(None, None, {}).attempts == 50


def test_settings_refuse_bad_values_of_every_url_and_credential_variable() -> None:
    for name in ("TIKTOK_API_BASE_URL", "HEYGEN_API_BASE_URL", "ZEGO_API_BASE_URL"):
        with pytest.raises(ConfigError, match=name):
            settings_from_env({name: "localhost:8080"})
    for name in ("TIKTOK_ACCESS_TOKEN", "TIKTOK_ADVERTISER_ID", "HEYGEN_API_KEY", "ZEGO_APP_ID", "ZEGO_SERVER_SECRET"):
        with pytest.raises(ConfigError, match=name):
            settings_from_env({name: "value\n"})
    assert (
        settings_from_env({"TIKTOK_API_BASE_URL": "http://127.0.0.1:8/open_api/v1.3"})
        .base_url("tiktok")
        .endswith("v1.3")
    )


def test_an_unreachable_provider_ends_apply_with_one_message_within_the_budget(
    spec: Path, unused_port: int, tmp_path: Path
) -> None:
    work = tmp_path / "c.yaml"
    shutil.copy(spec, work)
    result = run(
        work,
        "apply",
        "--yes",
        "--accept-notices",
        TIKTOK_API_BASE_URL=f"http://127.0.0.1:{unused_port}/v1.3",
        TIKTOK_ACCESS_TOKEN="tok-1",
        CAMPAIGN_TRANSIENT_SECONDS="3",
        CAMPAIGN_TRANSIENT_ATTEMPTS="4",
    )
    assert result.returncode == 1, result.stderr
    assert "gave up after 4 transient failures" in result.stderr and "Traceback" not in result.stderr
    # Nothing reached the server: no attempt is counted and no create is left "pending" (plan would call it a lost reply).
    lock = lockfile.read(work.with_name("c.lock.yaml"), "startup-checks")
    assert [(r.state, r.attempts) for r in lock.jobs.values()] == []


def test_the_apply_block_carries_the_transient_budget(tmp_path: Path) -> None:
    from runner.campaignfile.load import load_spec

    path = tmp_path / "c.yaml"
    path.write_text(SPEC + "  transient_attempts: 7\n  transient_seconds: 12.5\n")
    settings = load_spec(path).apply
    assert (settings.transient_attempts, settings.transient_seconds) == (7, 12.5)
    path.write_text(SPEC + "  transient_attempts: 0\n  transient_seconds: -1\n")
    result = run(path, "validate")
    assert result.returncode == 1 and "transient_attempts" in result.stderr and "transient_seconds" in result.stderr, (
        result.stderr
    )
