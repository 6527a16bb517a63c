from __future__ import annotations

import pytest

from runner.errors import ConfigError
from runner.observe import notify
from runner.observe.notify import Event, notify_urls, send


def test_file_urls_come_first_then_the_environments_once_each() -> None:
    env = {"CAMPAIGN_NOTIFY_URLS": "json://b/x, json://a/y  json://b/x"}
    assert notify_urls(["json://a/y"], env) == ("json://a/y", "json://b/x")


def test_an_unreachable_url_is_one_warning_with_its_scheme_only() -> None:
    event = Event("drift.found", "c", "3 findings", {"findings": 3})
    warnings = send(event, ("json://user:top-secret@127.0.0.1:1/hook",))
    assert warnings == ["warning: the drift.found notification to json:// could not be sent"]


def test_the_body_is_key_value_lines_without_empty_fields() -> None:
    body = Event("apply.finished", "c", "done", {"succeeded": 2}, world="tiktok x").body()
    assert body.splitlines() == ["event: apply.finished", "campaign: c", "done", "succeeded: 2", "world: tiktok x"]


def test_missing_apprise_names_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(module: str, extra: str, asked_by: str) -> None:
        raise ConfigError(f"install it with: pip install 'campaign[{extra}]'")

    monkeypatch.setattr(notify, "optional_module", missing)
    with pytest.raises(ConfigError, match=r"pip install 'campaign\[notify\]'"):
        notify.require_apprise(("json://x/y",))
    notify.require_apprise(())  # nothing configured: nothing imported


def test_twin_consent_carries_the_twin_and_its_url_in_the_body_but_not_in_its_repr() -> None:
    event = Event("twin.consent", "c", "avatars.founder waits", twin="Dana", consent_url="https://h/consent/tok")
    assert event.body().splitlines()[-2:] == ["twin: Dana", "consent_url: https://h/consent/tok"]
    assert "tok" not in repr(event) and "twin.consent" in notify.EVENTS


def test_deliver_names_the_targets_it_reached() -> None:
    event = Event("twin.consent", "c", "waits", consent_url="https://h/consent/tok")
    reached, warnings = notify.deliver(event, ("json://user:top-secret@127.0.0.1:1/hook",))
    assert reached == () and warnings == ["warning: the twin.consent notification to json:// could not be sent"]
