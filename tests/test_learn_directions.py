"""`vigie learn-directions`: dominant headings per zone, frozen into the site file."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from tests.conftest import REPO, shared_file
from tests.rules.scripted import results, walk
from vigie.cli import app
from vigie.config import load_config
from vigie.config.site import CameraConfig, SourceConfig, ZoneConfig
from vigie.rules.directions import angle_between, dominant_direction
from vigie.rules.wrong_way import WrongWayConfig
from vigie.setup.learn import (
    Target,
    ZoneDirection,
    learn_directions,
    observe,
    targets_for,
    write_directions,
)

LOWER = [(0.0, 0.5), (1.0, 0.5), (1.0, 1.0), (0.0, 1.0)]
UPPER = [(0.0, 0.0), (1.0, 0.0), (1.0, 0.45), (0.0, 0.45)]


def camera(*analytics: WrongWayConfig) -> CameraConfig:
    return CameraConfig(id="cam", source=SourceConfig(url="x.avi"),
                        zones=[ZoneConfig(name="lower", points=LOWER),
                               ZoneConfig(name="upper", points=UPPER)],
                        analytics=list(analytics))


def traffic(n: int = 6, seed: int = 0) -> list[list]:
    """Objects driving right in the lower half and left in the upper half, with jitter."""
    rng = np.random.default_rng(seed)
    steps: list[list] = [[] for _ in range(20 * n + 20)]
    for k in range(n):
        lane_y, start = (0.75, (0.05, 0.75)) if k % 2 else (0.25, (0.95, 0.25))
        end = (0.95, lane_y) if k % 2 else (0.05, lane_y)
        for i, (tid, x, y) in enumerate(walk(k + 1, start, end, 20)):
            steps[20 * k + i].append((tid, x + rng.normal(0, 0.005), y + rng.normal(0, 0.005),
                                      "car"))
    return steps


def learned(zone_direction: list[ZoneDirection], zone: str) -> ZoneDirection:
    return next(z for z in zone_direction if z.target.zone == zone)


def test_scripted_traffic_gives_each_lane_its_direction() -> None:
    targets = [Target("lower", frozenset({"car"})), Target("upper", frozenset({"car"}))]
    out = observe(results(traffic()), camera(), targets)
    lower, upper = learned(out, "lower").estimate, learned(out, "upper").estimate
    assert lower is not None
    assert upper is not None
    assert angle_between(lower.direction_deg, 0.0) < 3
    assert angle_between(upper.direction_deg, 180.0) < 3
    assert (lower.n, lower.share, upper.n, upper.share) == (3, 1.0, 3, 1.0)
    assert learned(out, "lower").problem() is None


def test_standing_and_unwatched_objects_are_not_movements() -> None:
    still = [[(1, 0.5, 0.8, "car"), (2, 0.1 + 0.04 * i, 0.8, "dog")] for i in range(20)]
    out = observe(results(still), camera(), [Target("lower", frozenset({"car"}))])
    assert out[0].movements == []
    assert out[0].problem() == "too few movements (0, need 3)"


def test_two_way_traffic_is_reported_not_learned() -> None:
    est = dominant_direction([0, 5, 355, 180, 185, 175, 2])
    assert est is not None
    assert est.share == pytest.approx(4 / 7, abs=1e-3)
    assert est.opposite_share == pytest.approx(3 / 7, abs=1e-3)
    zone = ZoneDirection(Target("lower", frozenset({"car"})))
    zone.movements = [m for k in range(4)
                      for m in observe(results(traffic(2, seed=k)), camera(),
                                       [Target(None, frozenset({"car"}))])[0].movements]
    problem = zone.problem()
    assert problem is not None
    assert "several ways" in problem


def test_suggested_tolerance_follows_the_spread_within_bounds() -> None:
    narrow = dominant_direction([0, 2, 358, 1, 359])
    crossing = dominant_direction([0, 2, 358, 1, 359, 3, 357, 0, 1, 2] * 2 + [100, 260])
    assert narrow is not None
    assert crossing is not None
    assert narrow.suggested_tolerance_deg == 90.0  # never below 90
    assert crossing.share == pytest.approx(20 / 22, abs=1e-3)
    assert 100 < crossing.suggested_tolerance_deg <= 120  # crossing at 100 stays allowed


def test_targets_come_from_the_wrong_way_rules_or_the_named_zones() -> None:
    cam = camera(WrongWayConfig(zone="lower", classes=["vehicle"], follow="motion"))
    (target,) = targets_for(cam)
    assert (target.zone, target.follow, target.rules) == ("lower", "motion", ("wrong_way-lower",))
    assert "car" in target.labels
    assert "person" not in target.labels
    (named,) = targets_for(cam, ["upper"])
    assert (named.zone, named.follow, named.rules) == ("upper", "objects", ())
    assert {"person", "car"} <= named.labels
    with pytest.raises(KeyError, match="no zone"):
        targets_for(cam, ["nowhere"])


SITE = """\
# A road seen from above.
version: 1
site: {name: "Road"}
cameras:
  - id: cam
    source: {url: x.avi}
    zones:
      - name: lower  # the near lanes
        points: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]]
      - name: upper
        points: [[0, 0], [1, 0], [1, 0.45], [0, 0.45]]
    analytics:
      # learned below
      - kind: wrong_way
        zone: lower
      - kind: wrong_way
        name: up
        zone: upper
        direction_deg: 90  # keep me
"""


def test_write_sets_the_rule_and_keeps_the_file_as_written(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(SITE, encoding="utf-8")
    targets = targets_for(load_config(path).camera("cam"), ["lower", "upper"])
    still = [[(1, 0.5, 0.2, "car")] for _ in range(5)]
    out = observe(results(traffic() + still), load_config(path).camera("cam"), targets)
    out[1].movements = []  # nothing learned for "upper": its rule must stay as it is
    assert write_directions(path, "cam", out) == ["wrong_way-lower"]
    text = path.read_text(encoding="utf-8")
    assert "# A road seen from above." in text
    assert "# learned below" in text
    assert "- name: lower  # the near lanes" in text
    assert "direction_deg: 90  # keep me" in text
    rules = load_config(path).camera("cam").analytics
    assert isinstance(rules[0], WrongWayConfig)
    assert rules[0].direction_deg == 0
    assert rules[0].tolerance_deg == 90


# -- real footage --------------------------------------------------------------------------

def road_site(tmp_path: Path, video: Path, models_dir: Path) -> Path:
    """eval/road/site.yaml on ``video``, with the test models, in a writable copy."""
    text = (REPO / "eval" / "road" / "site.yaml").read_text(encoding="utf-8")
    text = text.replace("../../../shared/data/traffic/road_lanes.avi", str(video))
    path = tmp_path / "site.yaml"
    path.write_text(text + f"detector: {{models_dir: {models_dir}}}\n", encoding="utf-8")
    return path


def reversed_clip(video: Path, target: Path) -> Path:
    """The clip played backwards: the cars drive right to left."""
    with av.open(str(video)) as source:
        frames = [f.to_ndarray(format="bgr24") for f in source.decode(video=0)]
    with av.open(str(target), "w") as out:
        stream = out.add_stream("ffv1", rate=30)
        stream.width, stream.height, stream.pix_fmt = frames[0].shape[1], frames[0].shape[0], \
            "yuv420p"
        for image in reversed(frames):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
        out.mux(stream.encode(None))
    return target


@pytest.mark.slow
def test_cli_learns_the_lower_lanes_of_the_road_clip(nanodet_models_dir: Path,
                                                     tmp_path: Path) -> None:
    video = shared_file("traffic/road_lanes.avi")
    path = road_site(tmp_path, video, nanodet_models_dir)
    result = CliRunner().invoke(app, ["learn-directions", str(path), "--camera", "road",
                                      "--video", str(video), "--write", "--json"])
    assert result.exit_code == 0, result.output
    zones = {z["zone"]: z for z in json.loads(result.stdout)}
    lower = zones["lower-lanes"]
    assert lower["movements"] == 5  # the five cars
    assert angle_between(float(lower["direction_deg"]), 0.0) <= 10  # left to right
    assert lower["share"] == 1.0
    assert zones["upper-lanes"]["movements"] == 0  # no car uses the upper lanes
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    rules = {r["name"]: r for r in data["cameras"][0]["analytics"]}
    assert rules["lower-wrong-way"]["direction_deg"] == lower["direction_deg"]
    assert rules["upper-wrong-way"]["direction_deg"] == 180  # untouched
    assert "# deliberately the reverse" in path.read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_road_clip_played_backwards_learns_right_to_left(nanodet_models_dir: Path,
                                                            tmp_path: Path) -> None:
    video = reversed_clip(shared_file("traffic/road_lanes.avi"), tmp_path / "backwards.avi")
    site = load_config(road_site(tmp_path, video, nanodet_models_dir))
    from vigie.detect.factory import build_detector

    targets = targets_for(site.camera("road"), ["lower-lanes"])
    (lower,) = learn_directions(site, "road", video, build_detector(site.detector), targets)
    assert lower.estimate is not None
    assert angle_between(lower.estimate.direction_deg, 180.0) <= 10
    assert lower.estimate.n >= 4


@pytest.mark.parametrize(("args", "message"), [
    (["--camera", "nope"], "no camera 'nope'"),
    (["--camera", "cam", "--zone", "nowhere"], "has no zone ['nowhere']"),
    (["--camera", "cam", "--follow", "blobs"], "--follow must be objects or motion"),
], ids=["camera", "zone", "follow"])
def test_cli_mistakes_are_one_line_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str], args: list[str],
                                          message: str) -> None:
    from vigie.cli import main

    path = tmp_path / "site.yaml"
    path.write_text(SITE, encoding="utf-8")
    monkeypatch.setattr("sys.argv", ["vigie", "learn-directions", str(path), "--video",
                                     str(tmp_path / "x.avi"), *args])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == SITE
