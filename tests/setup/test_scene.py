"""Scene editor logic: validation messages, change summaries, writing back into the site file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from vigie.config import load_config
from vigie.config.site import CameraConfig, ZoneConfig
from vigie.errors import ConfigError
from vigie.setup.scene import build_camera, diff_summary, scene_of, write_camera

SITE = """\
version: 1
# Test site: keep this comment
site: {name: Test site, timezone: Europe/Paris}
cameras:
  - id: garden   # the garden camera
    name: Garden
    source: {url: media/garden.mp4}
    zones:
      # the lawn: nobody at night
      - name: lawn
        points: [[0.1, 0.5], [0.5, 0.4], [0.9, 0.5], [0.9, 0.95], [0.1, 0.95]]
    analytics:
      - {kind: zone_intrusion, name: lawn-intrusion, zone: lawn, exit_grace_s: 2.0}  # explicit
  - id: street
    name: Street
    source: {url: media/street.mp4}
    lines:
      - {name: kerb, start: [0.2, 0.6], end: [0.8, 0.6]}  # the kerb line
"""

LAWN6 = [[0.1, 0.5], [0.5, 0.4], [0.9, 0.5], [0.9, 0.95], [0.5, 0.99], [0.1, 0.95]]


@pytest.fixture
def site_file(tmp_path: Path) -> Path:
    path = tmp_path / "site.yaml"
    path.write_text(SITE, encoding="utf-8")
    return path


@pytest.fixture
def garden(site_file: Path) -> CameraConfig:
    return load_config(site_file).camera("garden")


def edited(camera: CameraConfig, **changes: Any) -> dict[str, Any]:
    scene = scene_of(camera)
    scene.update(changes)
    return scene


def test_scene_of_spells_out_every_setting_and_builds_back_the_same_camera(
        garden: CameraConfig) -> None:
    scene = scene_of(garden)
    assert list(scene) == ["zones", "lines", "calibration", "analytics"]
    assert scene["analytics"][0]["min_dwell_s"] == 1.0  # a default, spelt out for the form
    assert build_camera(garden, scene) == garden


def test_a_self_intersecting_zone_is_named_by_its_path(garden: CameraConfig) -> None:
    bowtie = [[0.1, 0.1], [0.9, 0.9], [0.9, 0.1], [0.1, 0.9]]
    with pytest.raises(ConfigError) as caught:
        build_camera(garden, edited(garden, zones=[{"name": "lawn", "points": bowtie}]))
    assert caught.value.problems == ["zones[0].points: polygon self-intersects"]


def test_rule_parameters_and_references_are_checked_by_the_config_models(
        garden: CameraConfig) -> None:
    scene = scene_of(garden)
    scene["analytics"][0]["min_dwell_s"] = -1
    scene["analytics"].append({"kind": "tripwire", "line": "nowhere"})
    scene["zones"][0]["points"][0] = [1.5, 0.5]
    with pytest.raises(ConfigError) as caught:
        build_camera(garden, scene)
    problems = caught.value.problems
    assert "analytics[0].min_dwell_s: Input should be greater than or equal to 0" in problems
    assert any(p.startswith("zones[0].points[0][0]: coordinate 1.5 is outside 0..1")
               for p in problems)
    scene = scene_of(garden)
    scene["analytics"].append({"kind": "tripwire", "line": "nowhere"})
    with pytest.raises(ConfigError, match="names line 'nowhere'"):
        build_camera(garden, scene)
    with pytest.raises(ConfigError) as caught:
        build_camera(garden, {**scene_of(garden), "source": {"url": "x"}})
    assert caught.value.problems[0].startswith("source: not part of a scene")


def test_the_summary_lists_each_change_in_words(garden: CameraConfig) -> None:
    scene = scene_of(garden)
    scene["zones"][0]["points"] = LAWN6
    scene["analytics"][0]["min_dwell_s"] = 2.0
    scene["lines"] = [{"name": "gate", "start": [0.5, 0.1], "end": [0.5, 0.9]}]
    new = build_camera(garden, scene)
    assert diff_summary(garden, new) == ("zone lawn: 5 -> 6 points; added line gate; "
                                         "rule lawn-intrusion min_dwell_s 1.0 -> 2.0")
    assert diff_summary(garden, garden) == "no change"


def test_the_summary_tells_renames_moves_reversals_rules_and_calibration(
        garden: CameraConfig) -> None:
    with_gate = build_camera(garden, edited(garden, lines=[
        {"name": "gate", "start": [0.5, 0.1], "end": [0.5, 0.9]}]))
    scene = scene_of(with_gate)
    scene["zones"][0]["name"] = "grass"
    scene["analytics"] = [{"kind": "loitering", "zone": "grass", "dwell_s": 30,
                           "classes": ["person", "vehicle"]}]
    scene["lines"][0]["start"], scene["lines"][0]["end"] = [0.5, 0.9], [0.5, 0.1]
    scene["calibration"] = {"image_points": [[0.1, 0.9], [0.9, 0.9], [0.7, 0.4], [0.3, 0.4]],
                            "ground_points": [[0, 0], [10, 0], [10, 20], [0, 20]]}
    new = build_camera(with_gate, scene)
    assert diff_summary(with_gate, new) == (
        "zone lawn renamed grass; line gate: direction reversed; added calibration (4 points); "
        "removed rule lawn-intrusion; added rule loitering-grass (loitering)")
    moved = scene_of(new)
    moved["zones"][0]["points"][0] = [0.12, 0.5]
    moved["analytics"][0]["enabled"] = False
    moved["analytics"][0]["classes"] = ["person"]
    moved["calibration"] = None
    assert diff_summary(new, build_camera(new, moved)) == (
        "zone grass: points moved; removed calibration; rule loitering-grass enabled on -> off; "
        "rule loitering-grass classes [\"person\", \"vehicle\"] -> [\"person\"]")


def test_writing_back_keeps_comments_other_cameras_and_untouched_entries(
        site_file: Path, garden: CameraConfig) -> None:
    scene = scene_of(garden)
    scene["zones"][0]["points"] = LAWN6
    scene["lines"] = [{"name": "gate", "start": [0.5, 0.1], "end": [0.5, 0.9]}]
    scene["analytics"].append({"kind": "loitering", "zone": "lawn", "dwell_s": 30})
    new = build_camera(garden, scene)
    street = load_config(site_file).camera("street")
    site = write_camera(site_file, new)
    text = site_file.read_text(encoding="utf-8")
    for kept in ("# Test site: keep this comment", "- id: garden   # the garden camera",
                 "# the lawn: nobody at night",
                 "- {kind: zone_intrusion, name: lawn-intrusion, zone: lawn, exit_grace_s: 2.0}"
                 "  # explicit",
                 "- {name: kerb, start: [0.2, 0.6], end: [0.8, 0.6]}  # the kerb line",
                 "source: {url: media/garden.mp4}"):
        assert kept in text
    assert "points: [[0.1, 0.5], [0.5, 0.4], [0.9, 0.5], [0.9, 0.95], [0.5, 0.99], [0.1, 0.95]]" \
        in text
    assert "      - kind: loitering\n        zone: lawn\n        dwell_s: 30.0\n" in text
    assert "min_dwell_s" not in text  # defaults are not spelt out
    assert site.camera("garden") == new
    assert load_config(site_file).camera("street") == street
    assert sorted(p.name for p in site_file.parent.iterdir()) == ["site.yaml"]  # no temp file


def test_emptied_parts_are_removed_and_a_changed_default_is_written(
        site_file: Path, garden: CameraConfig) -> None:
    scene = edited(garden, zones=[], analytics=[])
    write_camera(site_file, build_camera(garden, scene))
    text = site_file.read_text(encoding="utf-8")
    assert "lawn" not in text
    assert "analytics" not in text
    assert "kerb" in text
    back = load_config(site_file).camera("garden")
    scene = edited(back, zones=[{"name": "lawn", "points": LAWN6}],
                   analytics=[{"kind": "zone_intrusion", "zone": "lawn", "min_dwell_s": 3}])
    write_camera(site_file, build_camera(back, scene))
    rule = load_config(site_file).camera("garden").analytics[0]
    assert rule.rule_id == "zone_intrusion-lawn"
    assert rule.min_dwell_s == 3.0  # type: ignore[union-attr]


def test_a_bad_scene_leaves_the_file_untouched(site_file: Path, garden: CameraConfig) -> None:
    bowtie = ZoneConfig.model_construct(name="lawn", points=[(0.1, 0.1), (0.9, 0.9), (0.9, 0.1),
                                                             (0.1, 0.9)])
    bad = garden.model_copy(update={"zones": [bowtie]})  # bypasses validation, as a bug would
    before = site_file.read_bytes()
    with pytest.raises(ConfigError) as caught:
        write_camera(site_file, bad)
    assert any("cameras[0].zones[0].points: polygon self-intersects" in p
               for p in caught.value.problems)
    assert site_file.read_bytes() == before
    assert sorted(p.name for p in site_file.parent.iterdir()) == ["site.yaml"]


def test_a_file_broken_elsewhere_is_not_replaced(site_file: Path, garden: CameraConfig) -> None:
    site_file.write_text(SITE.replace("media/street.mp4}", "media/street.mp4, fps: 3}"),
                         encoding="utf-8")
    before = site_file.read_bytes()
    new = build_camera(garden, edited(garden, zones=[{"name": "lawn", "points": LAWN6}]))
    with pytest.raises(ConfigError) as caught:
        write_camera(site_file, new)
    assert any("cameras[1].source.fps" in p for p in caught.value.problems)
    assert site_file.read_bytes() == before


def test_a_camera_missing_from_the_file_is_refused(site_file: Path, garden: CameraConfig) -> None:
    before = site_file.read_bytes()
    with pytest.raises(ConfigError, match="no camera 'hall'"):
        write_camera(site_file, garden.model_copy(update={"id": "hall"}))
    assert site_file.read_bytes() == before
