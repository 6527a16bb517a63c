from __future__ import annotations

import pytest

from runner.errors import ConfigError
from runner.observe.optional import optional_module


def test_a_missing_optional_module_is_exit_1_naming_the_setting_and_pip() -> None:
    with pytest.raises(ConfigError) as caught:
        optional_module("no_such_module_here", "metrics", "CAMPAIGN_METRICS_FILE")
    assert caught.value.exit_code == 1
    assert str(caught.value) == (
        "CAMPAIGN_METRICS_FILE needs the optional dependency 'no_such_module_here'; "
        "install it with: pip install 'campaign[metrics]'"
    )
