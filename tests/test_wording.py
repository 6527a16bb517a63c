from __future__ import annotations

from runner.wording import plural


def test_one_is_singular_and_every_other_count_plural() -> None:
    assert [plural(n, "job") for n in (0, 1, 2)] == ["0 jobs", "1 job", "2 jobs"]
    assert plural(1, "time") == "1 time" and plural(3, "refresh", "refreshes") == "3 refreshes"
