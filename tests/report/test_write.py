"""The gallery and `status` say when downloaded videos carry no content credentials."""

from __future__ import annotations

from typing import Any


def test_unsigned_downloads_are_named_in_the_gallery_and_by_status(gallery_campaign: Any, cli: Any) -> None:
    done = cli("report", str(gallery_campaign.spec))
    assert done.returncode == 0, done.stderr
    page = (gallery_campaign.folder / "artifacts" / "gallery" / "index.html").read_text()
    assert '<p class="note">Videos are not signed: set CAMPAIGN_C2PA_CERT and CAMPAIGN_C2PA_KEY' in page
    status = cli("status", str(gallery_campaign.spec))
    assert "note: videos are not signed: set CAMPAIGN_C2PA_CERT and CAMPAIGN_C2PA_KEY" in status.stderr
