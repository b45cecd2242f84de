"""The scene editor in chromium: draw a zone on the picture, save it, put it live."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SHARED
from tests.setup.media import write_clip
from vigie.api import ConsoleContext
from vigie.config import load_config
from vigie.store.scenes import SceneRepository

PageAs = Callable[[str], Any]

#: A lawn-like area of the PETS 2009 campus view (fractions of the picture).
LAWN = [(0.55, 0.18), (0.93, 0.2), (0.95, 0.5), (0.62, 0.46)]


@pytest.fixture
def picture(console: tuple[ConsoleContext, str]) -> Path:
    """A real camera file behind cam-a: PETS 2009 when the shared footage is here."""
    ctx, _ = console
    assert ctx.site_path is not None
    target = ctx.site_path.parent / "media" / "a.mp4"
    target.parent.mkdir(parents=True, exist_ok=True)
    vtest = SHARED / "data" / "pets09_s2l1" / "vtest.avi"
    if vtest.is_file():
        target.symlink_to(vtest)  # FFmpeg reads the content, whatever the name says
    else:
        write_clip(target, seconds=3.0, size=(768, 576))
    return target


def open_editor(page: Any, camera: str = "cam-a") -> Any:
    page.goto(f"/scene/{camera}")
    page.wait_for_function("document.getElementById('scene-picture').naturalWidth > 0")
    page.wait_for_selector("#scene-status:has-text('in service')")
    page.wait_for_selector("#rule-form .rule-fields")
    return page.locator("#scene-overlay").bounding_box()


def click_at(page: Any, box: dict[str, float], point: tuple[float, float]) -> None:
    page.mouse.click(box["x"] + point[0] * box["width"], box["y"] + point[1] * box["height"])


def test_drawing_a_zone_and_saving_it(console: tuple[ConsoleContext, str], picture: Path,
                                      page_as: PageAs,
                                      screenshot: Callable[[Any, str], object]) -> None:
    ctx, _ = console
    assert ctx.site_path is not None
    page = page_as("integrator")
    box = open_editor(page)
    assert page.locator("#zone-list li").count() == 1  # the site's zone "tracks"
    page.click("[data-tool=zone]")
    for point in LAWN:
        click_at(page, box, point)
    page.keyboard.press("Enter")
    assert page.locator("#zone-list li").count() == 2
    name = page.locator("#zone-list li:nth-child(2) input.name")
    assert name.evaluate("e => e === document.activeElement")  # named at once
    name.fill("lawn")
    name.press("Enter")
    page.wait_for_selector("#scene-validity.ok:has-text('added zone lawn (4 points)')")
    assert page.locator("#scene-overlay polygon[data-type=zone]").count() == 2

    # a loitering rule on the lawn, set in its form
    page.locator("#zone-list li:nth-child(2) .swatch").click()
    page.select_option("#rule-kind", "loitering")
    page.click("#rule-add")
    page.wait_for_selector("#rule-form:has-text('loitering-lawn')")
    assert page.locator("#rule-zone").input_value() == "lawn"
    page.fill("#rule-dwell_s", "45")
    page.locator("#rule-dwell_s").press("Tab")
    page.wait_for_selector("#scene-validity.ok:has-text('added rule loitering-lawn')")
    page.fill("#scene-note-input", "lawn watch")
    screenshot(page, "scene-editor")

    page.click("#scene-save")
    row = page.locator("#scene-history tr[data-version]").first
    row.wait_for()
    assert "draft" in row.inner_text()
    assert "integrator" in row.inner_text()
    assert "lawn watch — added zone lawn (4 points)" in row.inner_text()
    version = SceneRepository(ctx.db).history("cam-a")[0]
    assert [z["name"] for z in version.scene["zones"]] == ["tracks", "lawn"]
    assert version.scene["analytics"][-1]["dwell_s"] == 45.0

    page.click("#scene-publish")
    page.wait_for_selector("#publish-dialog[open]")
    assert "added zone lawn" in page.locator("#publish-summary").inner_text()
    page.fill("#publish-comment", "agreed with the caretaker")
    page.click("#publish-confirm")
    page.wait_for_selector("#scene-history tr[data-version] .pill.up:has-text('live')")
    page.wait_for_selector("#scene-status:has-text('in service')")
    text = ctx.site_path.read_text(encoding="utf-8")
    assert "name: lawn" in text
    assert "kind: loitering" in text
    lawn = load_config(ctx.site_path).camera("cam-a").zones[1]
    assert lawn.name == "lawn"
    assert [tuple(round(c, 2) for c in p) for p in lawn.points] == \
        [tuple(round(c, 2) for c in p) for p in LAWN]


def test_lines_directions_calibration_and_problems(console: tuple[ConsoleContext, str],
                                                   picture: Path, page_as: PageAs) -> None:
    page = page_as("integrator")
    box = open_editor(page)
    # a tripwire, then reversed
    page.keyboard.press("l")
    click_at(page, box, (0.2, 0.7))
    click_at(page, box, (0.8, 0.7))
    assert page.locator("#line-list li").count() == 2
    page.locator("#line-list li:nth-child(2) input.name").fill("kerb")
    page.locator("#line-list li:nth-child(2) input.name").press("Enter")
    page.locator("#line-list li:nth-child(2) button:has-text('reverse')").click()
    # an allowed direction in the zone "tracks" (left to right: 0 degrees)
    page.keyboard.press("d")
    click_at(page, box, (0.3, 0.7))
    click_at(page, box, (0.6, 0.7))
    page.wait_for_selector("#scene-overlay .scene-direction")
    assert page.locator("#rule-list li:has-text('wrong_way-tracks')").count() == 1
    # four calibration points
    page.keyboard.press("c")
    for point, ground in zip([(0.1, 0.9), (0.9, 0.9), (0.7, 0.4), (0.3, 0.4)],
                             [(0, 0), (10, 0), (10, 20), (0, 20)], strict=True):
        click_at(page, box, point)
        page.wait_for_selector("#calibration-dialog[open]")
        page.fill("#calibration-x", str(ground[0]))
        page.fill("#calibration-y", str(ground[1]))
        page.keyboard.press("Enter")
    assert page.locator("#calibration-list tr").count() == 4
    page.wait_for_selector("#scene-validity.ok:has-text('added calibration (4 points)')")
    summary = page.locator("#scene-validity").inner_text()
    assert "added line kerb" in summary
    assert "added rule wrong_way-tracks (wrong_way)" in summary

    # a zone drawn as a bow tie is named as the problem, and cannot be saved
    page.keyboard.press("z")
    for point in [(0.1, 0.1), (0.4, 0.4), (0.4, 0.1), (0.1, 0.4)]:
        click_at(page, box, point)
    page.keyboard.press("Enter")
    page.locator("#zone-list li:nth-child(2) input.name").press("Enter")  # keep its name
    page.wait_for_selector("#scene-validity.bad:has-text('polygon self-intersects')")
    assert "zones[1].points" in page.locator("#scene-validity").inner_text()
    assert page.locator("#scene-save").is_disabled()
    page.keyboard.press("Escape")  # back to the select tool
    page.keyboard.press("Control+z")  # undo the bow tie
    page.wait_for_selector("#scene-validity.ok")
    assert page.locator("#zone-list li").count() == 1
    # drag a corner of the zone "tracks" with the select tool
    page.locator("#scene-overlay polygon[data-type=zone]").first.click(position={"x": 30,
                                                                              "y": 30})
    handle = page.locator("#scene-overlay circle[data-type=zone][data-vertex='0']")
    handle.wait_for()
    hb = handle.bounding_box()
    page.mouse.move(hb["x"] + hb["width"] / 2, hb["y"] + hb["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 0.05 * box["width"], box["y"] + 0.45 * box["height"], steps=5)
    page.mouse.up()
    page.wait_for_selector("#scene-validity.ok:has-text('zone tracks: points moved')")
    page.click("#scene-save")
    page.wait_for_selector("#scene-history tr[data-version]")
    ctx, _ = console
    scene = SceneRepository(ctx.db).history("cam-a")[0].scene
    assert scene["lines"][1]["name"] == "kerb"
    assert scene["lines"][1]["start"][0] > scene["lines"][1]["end"][0]  # reversed
    wrong_way = next(r for r in scene["analytics"] if r["kind"] == "wrong_way")
    assert wrong_way["zone"] == "tracks"
    assert wrong_way["direction_deg"] in (0.0, 359.0, 1.0)
    assert scene["calibration"]["ground_points"][2] == [10.0, 20.0]
    assert scene["zones"][0]["points"][0] == pytest.approx([0.05, 0.45], abs=0.01)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_zone_is_tested_on_footage_then_put_live(
        console: tuple[ConsoleContext, str], page_as: PageAs, vtest_head: Path,
        nanodet_models_dir: Path, monkeypatch: pytest.MonkeyPatch,
        screenshot: Callable[[Any, str], object]) -> None:
    ctx, _ = console
    assert ctx.site_path is not None
    monkeypatch.setenv("VIGIE_MODELS_DIR", str(nanodet_models_dir))
    media = ctx.site_path.parent / "media"
    media.mkdir(parents=True, exist_ok=True)
    (media / "a.mp4").symlink_to(vtest_head)  # 20 s of PETS 2009
    page = page_as("integrator")
    box = open_editor(page)
    page.keyboard.press("z")
    for point in [(0.3, 0.3), (0.6, 0.3), (0.6, 0.7), (0.3, 0.7)]:  # the path band
        click_at(page, box, point)
    page.keyboard.press("Enter")
    page.locator("#zone-list li:nth-child(2) input.name").fill("path")
    page.locator("#zone-list li:nth-child(2) input.name").press("Enter")
    page.locator("#zone-list li:nth-child(2) .swatch").click()
    page.select_option("#rule-kind", "zone_intrusion")
    page.click("#rule-add")
    page.wait_for_selector("#scene-validity.ok:has-text('added rule zone_intrusion-path')")
    page.click("#scene-test")  # saves the draft first
    summary = page.locator("#scene-test-result .scene-test-summary")
    summary.wait_for(timeout=240_000)
    assert page.locator("#scene-history tr[data-version]").count() == 1
    rows = page.locator("#scene-test-result table.scene-alerts tbody tr")
    assert rows.count() >= 1, summary.inner_text()
    intrusion = page.locator("#scene-test-result tr:has-text('zone_intrusion-path')").first
    assert "path" in intrusion.inner_text()
    assert "alert(s) would have been raised" in summary.inner_text()
    assert page.locator("#scene-test-result .scene-counts").inner_text().startswith("gate-count")
    page.locator("#scene-test-card").scroll_into_view_if_needed()
    screenshot(page, "scene-editor-test")
    page.click("#scene-publish")
    page.click("#publish-confirm")
    page.wait_for_selector("#scene-history tr[data-version] .pill.up:has-text('live')")
    assert "name: path" in ctx.site_path.read_text(encoding="utf-8")
