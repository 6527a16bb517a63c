"""Polls yield to waiting creates per rate-limited app, at the client's tier when it tells one."""

from __future__ import annotations

from runner.execute.poll_share import PollShare, poll_shares
from runner.execute.ports import Providers


class Tier:
    """A client on a 1,000 QPS tier (the AppRate capability)."""

    qps = 1000.0


def test_only_apps_whose_creates_and_polls_share_a_rate_get_a_share() -> None:
    shares = poll_shares(Providers({"tiktok": object(), "heygen": object()}), ["tiktok", "heygen"])
    assert set(shares) == {"tiktok"} and shares["tiktok"].budget == 5  # half the documented 10 QPS


def test_a_client_that_tells_its_tier_sets_the_share() -> None:
    assert poll_shares(Providers({"tiktok": Tier()}), ["tiktok"])["tiktok"].budget == 500


def test_a_share_counts_polls_in_a_sliding_second() -> None:
    share = PollShare(4)
    assert [share.take(10.0), share.take(10.2), share.take(10.4)] == [True, True, False]
    assert share.take(11.05) and not share.take(11.1)  # the first slot freed a second after it was taken
