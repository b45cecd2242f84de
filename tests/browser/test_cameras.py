"""The camera wall in chromium: live views of a real running analysis, the global stop.

The ``campus`` site runs for the whole module: two cameras on PETS 2009 footage analysed by
NanoDet (skipped without the shared footage and models) and one whose file is missing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.helpers import make_context, write_running_site
from tests.browser.conftest import VIEWPORT, sign_in_page
from vigie.api import ConsoleContext, ConsoleServer
from vigie.config import load_config
from vigie.runtime.site import SiteRunner
from vigie.store import AuditRepository, CameraRepository
from vigie.store.users import Role

pytestmark = pytest.mark.timeout(240)

Screenshot = Callable[[Any, str], object]
REASON = "major incident: police operation in progress"


class Campus:
    """The running site, its console and a way to open signed-in pages on it."""

    def __init__(self, browser: Any, ctx: ConsoleContext, runner: SiteRunner, url: str) -> None:
        self.browser, self.ctx, self.runner, self.url = browser, ctx, runner, url
        self._contexts: list[Any] = []

    def page_as(self, role: Role) -> Any:
        context = self.browser.new_context(viewport=VIEWPORT, base_url=self.url)
        context.set_default_timeout(15_000)
        self._contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.errors = errors
        sign_in_page(page, role)
        return page

    def close_pages(self) -> None:
        for context in self._contexts:
            context.close()
        self._contexts.clear()

    def analysed(self, camera_id: str) -> int:
        return self.runner.workers[camera_id].pipeline.frames

    def grows(self, camera_id: str, seconds: float = 1.0) -> bool:
        before = self.analysed(camera_id)
        time.sleep(seconds)
        return self.analysed(camera_id) > before


@pytest.fixture(scope="module")
def campus(browser: Any, vtest_avi: Path, nanodet_models_dir: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Campus]:
    """Cameras cam-a and cam-b on vtest.avi (looping), cam-c missing; console with control."""
    site_path = write_running_site(tmp_path_factory.mktemp("campus"), vtest_avi,
                                   nanodet_models_dir, missing_camera=True)
    runner = SiteRunner(load_config(site_path))
    ctx = make_context(site_path)
    server = ConsoleServer(ctx, "127.0.0.1", 0)
    runner.start()
    try:
        ctx.control = runner
        server.start()
        site = Campus(browser, ctx, runner, server.url)
        yield site
        site.close_pages()
    finally:
        server.stop()
        runner.stop()
        ctx.db.close()


def wait_tracked(runner: SiteRunner, camera_id: str, tracks: int = 2,
                 timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        live = runner.live_frame(camera_id)
        if live is not None and live.result is not None and len(live.result.tracks) >= tracks:
            return
        assert time.monotonic() < deadline, f"no tracked persons on {camera_id}"
        time.sleep(0.2)


def pill(page: Any, camera_id: str) -> Any:
    return page.locator(f'.cam-tile[data-camera="{camera_id}"] [data-field="status"]')


def wait_pills(page: Any, text: str, cameras: list[str] | None = None) -> None:
    """Wait until the pill of each camera (default: all) reads ``text``."""
    page.wait_for_function(
        """([text, ids]) => [...document.querySelectorAll('.cam-tile')]
            .filter((t) => !ids || ids.includes(t.dataset.camera))
            .every((t) => t.querySelector('[data-field="status"]').textContent === text)""",
        arg=[text, cameras])


#: Mean brightness (0..255) of the top band of a tile's picture as shown: a card (no picture)
#: is plain dark there, the campus footage is not. -1 while nothing is shown.
BRIGHTNESS = """(id) => {
    const img = document.querySelector(`.cam-tile[data-camera="${id}"] img`);
    if (!img.complete || !img.naturalWidth) return -1;
    const canvas = document.createElement('canvas');
    canvas.width = 64; canvas.height = 48;
    const g = canvas.getContext('2d');
    g.drawImage(img, 0, 0, 64, 48);
    const d = g.getImageData(4, 2, 56, 10).data;
    let sum = 0;
    for (let i = 0; i < d.length; i += 4) sum += d[i] + d[i + 1] + d[i + 2];
    return sum / (d.length / 4) / 3; }"""


def wait_pictures(page: Any, cameras: list[str], *, live: bool, timeout_ms: float) -> None:
    """Wait until each camera's tile shows its live picture (or, ``live`` false, a card)."""
    check = "b > 60" if live else "b >= 0 && b < 40"
    page.wait_for_function(
        f"""(ids) => ids.every((id) => {{ const b = ({BRIGHTNESS})(id); return {check}; }})""",
        arg=cameras, timeout=timeout_ms)


def test_wall_shows_live_views_with_boxes_and_health(campus: Campus,
                                                     screenshot: Screenshot) -> None:
    wait_tracked(campus.runner, "cam-a", tracks=4)
    page = campus.page_as(Role.OPERATOR)
    page.goto("/cameras")
    wait_pills(page, "up", ["cam-a", "cam-b"])
    wait_pills(page, "down", ["cam-c"])
    reason = page.locator('.cam-tile[data-camera="cam-c"] [data-field="reason"]').inner_text()
    assert "missing.mp4" in reason or "No such file" in reason, reason
    # the live views play: MJPEG pictures of the footage's size (a card would be 16:9)
    page.wait_for_function(
        """() => ['cam-a', 'cam-b'].every((id) => {
            const img = document.querySelector(`.cam-tile[data-camera="${id}"] img`);
            return img.naturalWidth === 768 && img.naturalHeight === 576; })""")
    page.wait_for_function(
        """() => document.querySelector('.cam-tile[data-camera="cam-a"] [data-field="fps"]')
            .textContent !== '–'""")
    assert float(page.locator('.cam-tile[data-camera="cam-a"] [data-field="fps"]')
                 .inner_text()) > 0
    wait_pictures(page, ["cam-a", "cam-b"], live=True, timeout_ms=5000)
    wait_pictures(page, ["cam-c"], live=False, timeout_ms=5000)
    assert page.locator("#no-control").count() == 0
    assert page.locator("#stop-all").is_enabled()
    assert "3 cameras" in page.locator("#cams-summary").inner_text()
    time.sleep(1.0)  # a few more pictures, so the screenshot shows boxes on moving people
    screenshot(page, "cameras")
    assert page.errors == []


def test_global_stop_with_a_reason_then_resume(campus: Campus, screenshot: Screenshot) -> None:
    page = campus.page_as(Role.OPERATOR)
    page.goto("/cameras")
    wait_pills(page, "up", ["cam-a", "cam-b"])

    page.click("#stop-all")
    dialog = page.locator("#switch-dialog")
    dialog.wait_for(state="visible")
    assert page.locator("#switch-title").inner_text() == "Stop all analysis"
    confirm = page.locator("#switch-confirm")
    assert confirm.is_disabled()
    page.fill("#switch-reason", "ok")
    assert confirm.is_disabled()  # 3 characters at least
    page.fill("#switch-reason", REASON)
    assert confirm.is_enabled()
    screenshot(page, "cameras-stop")
    confirm.click()
    dialog.wait_for(state="hidden")

    wait_pills(page, "stopped")
    # no picture of a stopped camera: each tile shows the card within a second and a half
    wait_pictures(page, ["cam-a", "cam-b", "cam-c"], live=False, timeout_ms=1500)
    assert page.locator("#all-stopped").is_visible()
    screenshot(page, "cameras-stopped")
    assert page.locator("#stop-all").is_disabled()
    time.sleep(1.0)  # effective within a second
    assert not campus.grows("cam-a")
    assert not campus.grows("cam-b", 0.3)
    assert all(c.analysis_stopped for c in CameraRepository(campus.ctx.db).list())
    [entry] = AuditRepository(campus.ctx.db).list(action="camera.stop_all")
    assert (entry.actor, entry.details["reason"]) == ("operator", REASON)
    for camera_id in ("cam-a", "cam-b", "cam-c"):
        button = page.locator(f'.cam-tile[data-camera="{camera_id}"] .cam-switch')
        assert button.inner_text() == "Resume analysis"

    page.click("#resume-all")
    dialog.wait_for(state="visible")
    assert page.locator("#switch-list li").count() == 3  # the cameras that will resume
    page.fill("#switch-reason", "police operation over")
    page.keyboard.press("Control+Enter")
    dialog.wait_for(state="hidden")
    wait_pills(page, "up", ["cam-a", "cam-b"])
    wait_pictures(page, ["cam-a", "cam-b"], live=True, timeout_ms=5000)
    assert page.locator("#all-stopped").is_hidden()
    assert campus.grows("cam-a", 2.0)
    [resumed] = AuditRepository(campus.ctx.db).list(action="camera.resume_all")
    assert (resumed.actor, resumed.details["reason"]) == ("operator", "police operation over")
    assert page.errors == []


def test_one_camera_stopped_from_its_tile(campus: Campus) -> None:
    page = campus.page_as(Role.SUPERVISOR)
    page.goto("/cameras")
    wait_pills(page, "up", ["cam-a", "cam-b"])
    page.click('.cam-tile[data-camera="cam-b"] .cam-switch')
    assert page.locator("#switch-title").inner_text() == "Stop analysis of Campus junction"
    page.fill("#switch-reason", "privacy request")
    page.click("#switch-confirm")
    wait_pills(page, "stopped", ["cam-b"])
    wait_pills(page, "up", ["cam-a"])
    time.sleep(1.0)
    assert not campus.grows("cam-b")
    assert campus.grows("cam-a")
    tile = page.locator('.cam-tile[data-camera="cam-b"]')
    assert "privacy request" in tile.locator('[data-field="reason"]').inner_text()
    page.click('.cam-tile[data-camera="cam-b"] .cam-switch')
    page.fill("#switch-reason", "request withdrawn")
    page.click("#switch-confirm")
    wait_pills(page, "up", ["cam-b"])
    assert page.errors == []


def test_console_without_analysis_records_the_switch(
        page_as: Callable[[Role], Any], console: tuple[ConsoleContext, str]) -> None:
    ctx, _ = console
    page = page_as(Role.OPERATOR)
    page.goto("/cameras")
    assert page.locator("#no-control").is_visible()
    wait_pills(page, "unknown")
    page.click('.cam-tile[data-camera="cam-a"] .cam-switch')
    page.fill("#switch-reason", "maintenance of the mast")
    page.click("#switch-confirm")
    wait_pills(page, "stopped", ["cam-a"])
    assert "recorded and applies when it starts" in page.locator("#toasts").inner_text()
    assert {c.id: c.analysis_stopped for c in CameraRepository(ctx.db).list()} == \
        {"cam-a": True, "cam-b": False}
    # the live view says why there is no picture instead of a broken image
    assert page.locator('.cam-tile[data-camera="cam-a"] img').evaluate(
        "(img) => img.complete && img.naturalWidth") == 768


def test_integrator_watches_without_switches_and_pictures_can_be_polled(
        page_as: Callable[[Role], Any]) -> None:
    page = page_as(Role.INTEGRATOR)
    page.goto("/cameras?live=poll")  # as a wall of more than 4 cameras does
    assert page.locator(".cam-tile").count() == 2
    assert page.locator("#stop-all").count() == 0
    assert page.locator(".cam-switch").count() == 0
    page.wait_for_function(
        """() => [...document.querySelectorAll('.cam-view img')].every((img) =>
            img.src.includes('/snapshot.jpg?placeholder=true') && img.naturalWidth === 768)""")
