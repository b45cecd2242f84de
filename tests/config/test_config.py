"""Site configuration: valid files load; every kind of mistake names file, line and path."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from vigie.config import load_config, parse_config
from vigie.errors import ConfigError

VALID = """\
site: {name: Test site, timezone: Europe/Paris}
cameras:
  - id: cam-1
    source: {url: clips/a.mp4, realtime: false}
    calibration:
      image_points: [[0.1, 0.6], [0.9, 0.6], [0.95, 0.95], [0.05, 0.95]]
      ground_points: [[0, 20], [10, 20], [10, 0], [0, 0]]
    zones:
      - {name: lawn, points: [[0.1, 0.6], [0.5, 0.6], [0.5, 0.9], [0.1, 0.9]]}
    lines:
      - {name: gate, start: [0.5, 0.2], end: [0.5, 0.8]}
    analytics:
      - {kind: zone_intrusion, zone: lawn, min_dwell_s: 2}
      - {kind: tripwire, line: gate, alert_direction: in}
      - {kind: loitering, zone: lawn, dwell_s: 30, name: lawn-loiter}
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(textwrap.dedent(text), source="site.yaml")
    return info.value.problems


def test_valid_file_loads_with_paths_relative_to_it(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(VALID)
    site = load_config(path)
    cam = site.camera("cam-1")
    assert cam.source.url == str(tmp_path / "clips" / "a.mp4")
    assert site.storage.data_dir == tmp_path / "vigie-data"
    assert [a.rule_id for a in cam.analytics] == ["zone_intrusion-lawn", "tripwire-gate",
                                                 "lawn-loiter"]
    assert cam.calibration is not None
    assert cam.calibration.homography().to_ground([(0.1, 0.6)])[0] == pytest.approx([0, 20],
                                                                                 abs=1e-4)


def test_live_urls_are_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(VALID.replace("clips/a.mp4", "rtsp://10.0.0.5/stream1"))
    assert load_config(path).cameras[0].source.url == "rtsp://10.0.0.5/stream1"


@pytest.mark.parametrize(("change", "expected"), [
    (("[0.5, 0.9], [0.1, 0.9]]", "[0.1, 0.9], [0.5, 0.9]]"),
     "site.yaml:9: cameras[0].zones[0].points: polygon self-intersects"),
    (("min_dwell_s: 2", "min_dwell_s: -2"),
     "site.yaml:13: cameras[0].analytics[0].min_dwell_s: Input should be greater than or "
     "equal to 0"),
    (("dwell_s: 30,", "dwell_s: 30, colour: red,"),
     "site.yaml:15: cameras[0].analytics[2].colour: Extra inputs are not permitted"),
    (("kind: tripwire", "kind: tripwir"), "site.yaml:14: cameras[0].analytics[1]: Input tag "
     "'tripwir'"),
    (("[0.5, 0.2]", "[1.5, 0.2]"), "site.yaml:11: cameras[0].lines[0].start[0]: "
     "coordinate 1.5 is outside 0..1"),
    (("zone: lawn, min", "zone: lawns, min"), "site.yaml:3: cameras[0]: rule "
     "'zone_intrusion-lawns' names zone 'lawns', which is not among this camera's zones"),
    (("timezone: Europe/Paris", "timezone: Mars/Olympus"), "site.yaml:1: site.timezone: unknown "
     "time zone 'Mars/Olympus'"),
    (("[10, 0], [0, 0]]", "[10, 0]]"), "site.yaml:5: cameras[0].calibration: 4 image points "
     "but 3 ground points"),
], ids=["self-intersecting-zone", "negative-dwell", "unknown-key", "unknown-kind",
        "coordinate-out-of-frame", "dangling-zone-reference", "unknown-timezone",
        "calibration-mismatch"])
def test_each_mistake_is_reported_with_file_line_and_path(change: tuple[str, str],
                                                          expected: str) -> None:
    old, new = change
    assert old in VALID
    found = problems_of(VALID.replace(old, new, 1))
    assert any(p.startswith(expected.replace("Value error, ", "")) for p in found), found


def test_duplicate_keys_are_refused() -> None:
    found = problems_of("site: {name: a}\nsite: {name: b}\ncameras: []\n")
    assert found
    assert found[0].startswith("site.yaml:2:")
    assert "duplicate" in found[0]


def test_yaml_syntax_error_names_the_line() -> None:
    found = problems_of("site:\n  name: [unclosed\ncameras: []\n")
    assert found[0].startswith("site.yaml:")


def test_duplicate_camera_ids() -> None:
    text = "site: {name: s}\ncameras:\n  - {id: a, source: {url: x.mp4}}\n" \
           "  - {id: a, source: {url: y.mp4}}\n"
    assert "repeated: ['a']" in problems_of(text)[0]


def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read configuration"):
        load_config(tmp_path / "missing.yaml")
