"""The gallery in headless Chromium (Debian's chromium + chromium-driver): cards, players, filters, keys."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs Debian's chromium and chromium-driver (.ci/run installs them: apt-get install -y chromium chromium-driver)",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
        "--mute-audio",
        "--no-first-run",
        "--disable-extensions",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def page(gallery_campaign: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The gallery written into its own folder by the real CLI."""
    from .conftest import run_cli

    out = tmp_path_factory.mktemp("report")
    done = run_cli("report", str(gallery_campaign.spec), "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out / "index.html"


def wait_for(driver: Any, script: str, timeout: float = 30.0) -> Any:
    """Poll a JS expression until it is truthy (media metadata loads asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(script)
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def visible_keys(driver: Any) -> list[str]:
    return list(
        driver.execute_script(
            "return Array.from(document.querySelectorAll('.card')).filter(c => !c.hidden).map(c => c.dataset.key)"
        )
    )


def choose(driver: Any, name: str, value: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element(By.CSS_SELECTOR, f'select[data-filter="{name}"]')).select_by_value(value)


def test_every_card_renders_and_every_video_plays(
    browser: Any, page: Path, gallery_campaign: Any, tmp_path: Path
) -> None:
    browser.get(page.as_uri())
    assert sorted(
        browser.execute_script("return Array.from(document.querySelectorAll('.card')).map(c => c.dataset.key)")
    ) == sorted(gallery_campaign.shown)
    heights = browser.execute_script(
        "return Array.from(document.querySelectorAll('.card')).map(c => c.getBoundingClientRect().height)"
    )
    assert all(h > 100 for h in heights)
    ready = wait_for(
        browser, "return Array.from(document.querySelectorAll('video')).every(v => v.readyState >= 1 && v.duration > 0)"
    )
    states = browser.execute_script(
        "return Array.from(document.querySelectorAll('video')).map(v => [v.getAttribute('src'), v.readyState, v.duration, v.error && v.error.code])"
    )
    assert ready, states
    assert len(states) == len(gallery_campaign.playable)
    assert all(2 <= duration <= 5 for _, _, duration, _ in states)
    failed = browser.find_element("css selector", f'.card[data-key="{gallery_campaign.failed}"] .badge').text
    assert failed == 'failed: post_render_check: no video track <in the file> & "nothing" to play'
    shot = tmp_path / "gallery.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000


def test_filters_narrow_and_combine(browser: Any, page: Path, gallery_campaign: Any) -> None:
    browser.get(page.as_uri())
    everything = visible_keys(browser)
    choose(browser, "state", "failed")
    assert visible_keys(browser) == [gallery_campaign.failed]
    choose(browser, "state", "")
    choose(browser, "group", "music")
    music = visible_keys(browser)
    assert len(music) == 2 and all(k.startswith("rf-") for k in music)
    choose(browser, "product", "City Boot")
    assert len(visible_keys(browser)) == 1
    assert browser.find_element("id", "shown").text == f"1 of {len(everything)} shown"
    browser.find_element("id", "clear").click()
    assert visible_keys(browser) == everything
    choose(browser, "avatar", "aiduo")
    choose(browser, "script", "story")
    assert len(visible_keys(browser)) == 2  # aiduo x story x two products


def test_keyboard_moves_between_visible_cards_and_plays(browser: Any, page: Path, gallery_campaign: Any) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    browser.get(page.as_uri())
    wait_for(browser, "return Array.from(document.querySelectorAll('video')).every(v => v.readyState >= 1)")
    keys = visible_keys(browser)
    ActionChains(browser).send_keys("j").perform()
    assert browser.execute_script("return document.activeElement.dataset.key") == keys[0]
    ActionChains(browser).send_keys(Keys.ARROW_RIGHT).send_keys(Keys.ARROW_RIGHT).send_keys("k").perform()
    assert browser.execute_script("return document.activeElement.dataset.key") == keys[1]
    choose(browser, "state", "succeeded")
    ActionChains(browser).send_keys(Keys.ESCAPE).perform()  # back from the filter to the first visible card
    first = browser.execute_script("return document.activeElement.dataset.key")
    assert first == visible_keys(browser)[0] and first in gallery_campaign.playable
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    assert wait_for(browser, "const v = document.activeElement.querySelector('video'); return v && !v.paused", 10)
    ActionChains(browser).send_keys("/").perform()
    assert browser.execute_script("return document.activeElement.getAttribute('data-filter')") == "group"


def test_the_demo_applied_against_the_sandbox_plays_in_the_gallery(browser: Any, tmp_path: Path) -> None:
    from .conftest import run_cli

    root = Path(__file__).resolve().parents[2]
    spec = tmp_path / "campaigns" / "demo.yaml"
    spec.parent.mkdir()
    shutil.copy(root / "campaigns" / "demo.yaml", spec)
    done = run_cli("apply", str(spec), "--sandbox", "--yes", "--accept-notices")
    assert done.returncode == 0, done.stderr
    page = spec.parent / "artifacts" / "demo" / "index.html"
    assert f"Review gallery: {page}" in done.stdout
    browser.get(page.as_uri())
    assert browser.execute_script("return document.querySelectorAll('.card').length") == 7
    ready = wait_for(
        browser, "return Array.from(document.querySelectorAll('video')).every(v => v.readyState >= 1 && v.duration > 0)"
    )
    sizes = browser.execute_script(
        "return Array.from(document.querySelectorAll('video')).map(v => [v.videoWidth, v.videoHeight, v.duration])"
    )
    assert ready and len(sizes) == 7, sizes
    assert all(height * 9 == width * 16 for width, height, _ in sizes)  # 9:16, as the sandbox renders
    choose(browser, "holiday_theme", "BLACK_FRIDAY")
    assert len(visible_keys(browser)) == 1
    assert browser.save_screenshot(str(tmp_path / "demo-gallery.png"))
