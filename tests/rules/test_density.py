"""crowd_density: scripted crowds (hysteresis, flicker, zone borders, calibration, faces),
the count regression on synthetic frames, and PETS 2009 through the pipeline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from tests.rules.scripted import results, run
from vigie.core.types import Detections, Event, Frame, FrameResult
from vigie.geometry import Homography
from vigie.rules import CameraContext
from vigie.rules.count_regression import CountRegression, SceneFeatures, pixel_weights
from vigie.rules.density import CrowdDensity, CrowdDensityConfig

# The left half of the view; the camera sees a 20 m x 10 m rectangle, so the zone is 100 m2.
SQUARE = ((0.0, 0.0), (0.5, 0.0), (0.5, 1.0), (0.0, 1.0))
FLAT = Homography.from_points([(0, 0), (1, 0), (1, 1), (0, 1)],
                              [(0, 0), (20, 0), (20, 10), (0, 10)])
CAM = CameraContext("cam", zones={"square": SQUARE})


def density(camera: CameraContext = CAM, **kw: object) -> CrowdDensity:
    """A rule on the 'square' zone, 10 m2 unless told, alert at 1 person/m2, no faces."""
    settings: dict[str, object] = {"zone": "square", "area_m2": 10.0, "max_density": 1.0,
                                   "faces": False, "stats_interval_s": 0.0}
    settings.update(kw)
    return CrowdDensity(CrowdDensityConfig.model_validate(settings), camera)


def crowd(n: int, first_id: int = 1, x0: float = 0.05) -> list[tuple[int, float, float]]:
    """n persons standing on a grid inside the zone (x from x0 to x0 + 0.4)."""
    return [(first_id + i, x0 + 0.04 * (i % 10), 0.2 + 0.07 * (i // 10)) for i in range(n)]


def timeline(*parts: tuple[int, float], dt: float = 0.2) -> list[list[tuple[int, float, float]]]:
    """Steps of (persons, seconds) parts, the same ids throughout."""
    steps = []
    for n, seconds in parts:
        steps += [crowd(n)] * round(seconds / dt)
    return steps


def alerts(events: Sequence[Event]) -> list[Event]:
    return [e for e in events if e.alert]


def test_dense_crowd_alerts_once_after_min_duration() -> None:
    events = alerts(run(density(), timeline((5, 4), (12, 20))))
    assert len(events) == 1
    e = events[0]
    assert e.kind == "crowd_density"
    assert e.zone == "square"
    # The count's 3 s median crosses 12 about 1.5 s after the crowd arrives at 4 s.
    assert 15.0 <= e.ts <= 16.2
    assert e.details["persons"] == 12
    assert e.details["density"] == pytest.approx(1.2)
    assert len(e.track_ids) == 12
    assert len(e.boxes) == 12
    assert "1.2" in e.explanation
    assert "10 m2" in e.explanation


def test_below_threshold_never_alerts() -> None:
    assert alerts(run(density(), timeline((9, 60)))) == []


def test_density_between_levels_keeps_the_incident_and_a_drop_ends_it() -> None:
    rule = density(clear_after_s=5.0)
    steps = timeline((12, 15), (9, 20), (12, 15), (4, 8), (12, 15))
    events = alerts(run(rule, steps))
    # 9/m2... 0.9 is above the 0.8 clear level: one incident until the drop to 4.
    assert len(events) == 2
    assert events[0].incident_key != events[1].incident_key
    assert events[1].ts > 50 + 8


def test_short_spike_does_not_alert() -> None:
    assert alerts(run(density(), timeline((4, 10), (15, 6), (4, 10)))) == []


def test_single_frame_dropouts_do_not_restart_the_clock() -> None:
    steady = alerts(run(density(), timeline((12, 20))))
    steps = [crowd(3) if i % 4 == 3 else crowd(12) for i in range(100)]  # a bad frame in 4
    flicker = alerts(run(density(), steps))
    assert len(flicker) == 1
    assert len(steady) == 1
    assert flicker[0].ts == pytest.approx(steady[0].ts, abs=0.41)


def test_single_frame_false_crowds_do_not_alert() -> None:
    steps = [crowd(30) if i % 4 == 3 else crowd(4) for i in range(300)]
    assert alerts(run(density(), steps)) == []


def test_oscillation_across_the_clear_level_resets_the_onset() -> None:
    rule = density(window_s=0.0, min_duration_s=5.0)
    steps = timeline(*[(12, 3.0), (5, 3.0)] * 6)
    assert alerts(run(rule, steps)) == []


def test_people_outside_the_zone_do_not_count() -> None:
    outside = [(100 + i, 0.6 + 0.03 * (i % 10), 0.3 + 0.1 * (i // 10)) for i in range(30)]
    steps = [crowd(6) + outside] * 100
    assert alerts(run(density(), steps)) == []


def test_unwatched_labels_do_not_count() -> None:
    cars = [(i, 0.05 + 0.04 * (i % 10), 0.2 + 0.07 * (i // 10), "car") for i in range(20)]
    assert alerts(run(density(), [cars] * 100)) == []


def test_reset_forgets_the_pending_onset() -> None:
    rule = density()
    run(rule, timeline((12, 9)))
    rule.reset()
    later = results(timeline((12, 6)))
    assert alerts([e for r in later for e in rule.update(r)]) == []


def test_calibrated_area_comes_from_the_homography() -> None:
    cam = CameraContext("cam", zones={"square": SQUARE}, homography=FLAT)
    rule = density(cam, area_m2=None)
    assert rule.area_m2 == pytest.approx(100.0, rel=1e-6)
    assert density(cam, area_m2=40.0).area_m2 == 40.0  # an explicit area wins
    # 60 persons on 100 m2 stay below 1/m2; the same crowd on 40 m2 is too dense.
    people = [(i, 0.02 + 0.045 * (i % 10), 0.1 + 0.13 * (i // 10)) for i in range(60)]
    assert alerts(run(density(cam, area_m2=None), [people] * 100)) == []
    assert len(alerts(run(density(cam, area_m2=40.0), [people] * 100))) == 1


def test_whole_view_without_zone_uses_the_whole_calibrated_frame() -> None:
    cam = CameraContext("cam", homography=FLAT)
    assert density(cam, zone=None, area_m2=None).area_m2 == pytest.approx(200.0)


def test_no_area_and_no_calibration_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="area_m2 or the camera a calibration"):
        density(area_m2=None)


def test_zone_above_the_horizon_is_a_clear_error() -> None:
    # Ground lines converge to a horizon at y = 0.25 of the image.
    tilted = Homography.from_points([(0.3, 0.5), (0.7, 0.5), (0.9, 1.0), (0.1, 1.0)],
                                    [(-2, 10), (2, 10), (2, 0), (-2, 0)])
    cam = CameraContext("cam", zones={"square": SQUARE}, homography=tilted)
    with pytest.raises(ValueError, match="horizon"):
        density(cam, area_m2=None)
    ground = ((0.2, 0.6), (0.8, 0.6), (0.8, 0.95), (0.2, 0.95))
    cam = CameraContext("cam", zones={"square": ground}, homography=tilted)
    assert 10 < density(cam, area_m2=None).area_m2 < 200


def test_unknown_zone_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="zone 'plaza'"):
        density(zone="plaza")


def test_faces_without_models_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="needs secondary models"):
        density(faces=True)


def test_clear_density_above_max_is_rejected() -> None:
    with pytest.raises(ValueError, match="clear_density"):
        CrowdDensityConfig(zone="square", max_density=1.0, clear_density=2.0)


def test_occupancy_samples_are_counts_not_alerts() -> None:
    events = run(density(stats_interval_s=5.0), timeline((7, 12), (0, 6)))
    stats = [e for e in events if not e.alert]
    assert len(stats) == len(events)
    samples = [e for e in stats if e.details["direction"] == "samples"]
    persons = [e for e in stats if e.details["direction"] == "persons"]
    assert [e.ts for e in samples] == pytest.approx([0.0, 5.0, 10.0, 15.0])
    assert all(e.details["n"] == 1 for e in samples)
    # Three samples while 7 people stand there; none once the zone is empty.
    assert [e.details["n"] for e in persons] == [7, 7, 7]
    assert all(not e.track_ids and not e.boxes for e in stats)


class FakeFaces:
    """A face detector that finds the same faces in every image."""

    def __init__(self, boxes: Sequence[Sequence[float]]) -> None:
        self.boxes = boxes
        self.calls = 0

    def detect(self, image: np.ndarray) -> Detections:
        self.calls += 1
        return Detections.from_arrays(self.boxes, [0.9] * len(self.boxes),
                                      [0] * len(self.boxes), labels=("face",))


class FakeModels:
    def __init__(self, faces: FakeFaces) -> None:
        self._faces = faces

    def faces(self) -> FakeFaces:
        return self._faces


def test_faces_add_the_people_the_detector_missed() -> None:
    # 8 tracked persons; faces: 2 inside tracked boxes, 4 elsewhere in the zone, 3 outside it.
    tracked = crowd(8)  # boxes 10 px wide every 4 px: [0, 10], [4, 14] ... [28, 38]
    inside_boxes = [[1, 2, 3, 4], [35, 2, 37, 4]]  # in the first and the last box only
    extra = [[10 + 8 * k, 70, 12 + 8 * k, 72] for k in range(4)]  # feet ~ y 0.85, in zone
    outside = [[70 + 8 * k, 40, 72 + 8 * k, 42] for k in range(3)]  # x > 0.5
    faces = FakeFaces(inside_boxes + extra + outside)
    cam = CameraContext("cam", zones={"square": SQUARE}, models=FakeModels(faces))  # type: ignore[arg-type]
    rule = density(cam, faces=True, face_interval_s=2.0, stats_interval_s=1.0)
    events = run(rule, [tracked] * 25)
    persons = [e.details["n"] for e in events if e.details.get("direction") == "persons"]
    assert persons
    assert set(persons) == {12}
    assert faces.calls == 3  # at 0, 2 and 4 s


def test_a_face_in_overlapping_boxes_explains_both() -> None:
    from vigie.rules.crowdcount import count_people

    boxes = [[0, 0, 10, 20], [4, 0, 14, 20]]
    assert count_people(boxes, [[5, 2, 7, 4]]) == 2
    assert count_people(boxes, [[1, 2, 3, 4], [11, 2, 13, 4]]) == 2
    assert count_people(boxes, [[1, 2, 3, 4], [5, 2, 7, 4], [11, 2, 13, 4]]) == 3
    assert count_people([], [[1, 2, 3, 4]]) == 1
    assert count_people(boxes, []) == 2


def test_regression_fit_recovers_a_linear_count() -> None:
    rng = np.random.default_rng(0)
    rows = [{"detected": float(d), "edges": float(e)}
            for d, e in rng.uniform(0, 50, size=(40, 2))]
    counts = [0.5 * r["detected"] + 2.0 * r["edges"] + 3.0 for r in rows]
    model = CountRegression.fit(rows, counts, ["detected", "edges"], alpha=0.0)
    assert model.predict({"detected": 10.0, "edges": 4.0}) == pytest.approx(16.0)
    assert model.predict({"detected": 0.0, "edges": -100.0}) == 0.0  # never negative


def test_regression_round_trips_through_a_file(tmp_path: Path) -> None:
    rows = [{"foreground": float(i)} for i in range(5)]
    model = CountRegression.fit(rows, [2.0 * i for i in range(5)], ["foreground"], alpha=0.5)
    path = tmp_path / "count.json"
    model.save(path)
    again = CountRegression.load(path)
    assert again == model
    assert again.predict({"foreground": 3.0}) == pytest.approx(model.predict({"foreground": 3.0}))


def test_regression_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="one per feature"):
        CountRegression(features=["edges"], mean=[0.0, 1.0], scale=[1.0], coefficients=[1.0],
                        intercept=0.0)
    with pytest.raises(ValueError, match="as many counts"):
        CountRegression.fit([{"edges": 1.0}], [1.0, 2.0], ["edges"])


def test_pixel_weights_sum_to_the_ground_area() -> None:
    assert pixel_weights((40, 30), FLAT).sum() == pytest.approx(200.0)
    assert pixel_weights((4, 3), None).sum() == 12


def blobs(n: int, rng: np.random.Generator, size: tuple[int, int] = (200, 100)) -> np.ndarray:
    """A flat grey ground with n textured 'people' (8x16 px noise patches) on it."""
    w, h = size
    image = np.full((h, w, 3), 110, np.uint8)
    for _ in range(n):
        x, y = int(rng.integers(0, w - 8)), int(rng.integers(0, h - 16))
        image[y:y + 16, x:x + 8] = rng.integers(0, 255, (16, 8, 3), dtype=np.uint8)
    return image


def feature_rows(counts: Sequence[int], rng: np.random.Generator) -> list[dict[str, float]]:
    features = SceneFeatures(((0, 0), (1, 0), (1, 1), (0, 1)), (200, 100), None,
                             work_width=200)
    empty = blobs(0, rng)
    for i in range(5):
        features.update(empty, i * 0.2, 0)  # learn the empty ground
    return [features.update(blobs(n, rng), 1.0 + i * 0.2, 0) for i, n in enumerate(counts)]


def test_scene_features_grow_with_the_crowd() -> None:
    rng = np.random.default_rng(1)
    rows = feature_rows([0, 5, 20], rng)
    for name in ("foreground", "foreground_edges", "edges", "foreground_perimeter"):
        assert rows[0][name] < rows[1][name] < rows[2][name], name


def test_regression_on_scene_features_counts_synthetic_crowds() -> None:
    rng = np.random.default_rng(2)
    train = [int(n) for n in rng.integers(0, 30, 30)]
    model = CountRegression.fit(feature_rows(train, rng), train,
                                ["foreground", "foreground_edges", "edges"], alpha=0.1)
    test = [3, 12, 25]
    predicted = [model.predict(r) for r in feature_rows(test, rng)]
    assert np.abs(np.asarray(predicted) - test).mean() < 2.5


def frames(images: Sequence[np.ndarray], dt: float = 0.2) -> list[FrameResult]:
    t0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    return [FrameResult(Frame("cam", i, i * dt, t0 + timedelta(seconds=i * dt), img),
                        Detections.empty(), ()) for i, img in enumerate(images)]


def test_regression_takes_over_when_nobody_is_detected() -> None:
    rng = np.random.default_rng(3)
    train = [int(n) for n in rng.integers(0, 40, 30)]
    model = CountRegression.fit(feature_rows(train, rng), train,
                                ["foreground", "foreground_edges", "edges"], alpha=0.1)
    cam = CameraContext("cam")
    rule = CrowdDensity(CrowdDensityConfig(area_m2=20.0, max_density=1.0, faces=False,
                                           stats_interval_s=0.0, regression=model), cam)
    images = [blobs(0, rng)] * 5 + [blobs(35, rng) for _ in range(80)]
    events = [e for r in frames(images) for e in rule.update(r)]
    assert len(events) == 1
    assert events[0].details["source"] == "regression"
    quiet = CrowdDensity(CrowdDensityConfig(area_m2=20.0, max_density=1.0, faces=False,
                                            stats_interval_s=0.0, regression=model), cam)
    sparse = [blobs(0, rng)] * 5 + [blobs(5, rng) for _ in range(80)]
    assert [e for r in frames(sparse) for e in quiet.update(r)] == []


def test_regression_fitted_with_calibration_needs_one() -> None:
    model = CountRegression.fit([{"edges": 1.0}, {"edges": 2.0}], [1.0, 2.0], ["edges"],
                                calibrated=True)
    with pytest.raises(ValueError, match="calibration"):
        density(regression=model)


@pytest.mark.slow
def test_pets_campus_is_far_below_the_alert_level(vtest_head: Path,
                                                  nanodet_models_dir: Path) -> None:
    """20 s of PETS 2009 through the pipeline with the evaluation site: counts, no alert."""
    from vigie.config import load_config
    from vigie.config.site import SourceConfig
    from vigie.detect.factory import build_detector
    from vigie.detect.provider import ModelProvider
    from vigie.ingest.pyav import PyAVSource
    from vigie.runtime.detectors import SharedDetector
    from vigie.runtime.pipeline import CameraPipeline

    site = load_config(Path(__file__).parents[2] / "eval" / "density" / "pets09-site.yaml")
    site = site.model_copy(update={"detector": site.detector.model_copy(
        update={"models_dir": nanodet_models_dir})})
    camera = site.camera("pets-density").model_copy(update={"source": SourceConfig(
        url=str(vtest_head), realtime=False, loop=False)})
    pipeline = CameraPipeline(camera, site, SharedDetector(build_detector(site.detector)),
                              ModelProvider(nanodet_models_dir))
    source = PyAVSource.from_config(camera)
    source.open()
    try:
        events = [e for frame in source for e in pipeline.process(frame)[1]]
    finally:
        source.close()
    assert alerts(events) == []
    persons = [int(e.details["n"]) for e in events if e.details.get("direction") == "persons"]
    assert len(persons) == 1  # samples at 0 s (nobody tracked yet) and 10 s
    assert 2 <= persons[0] <= 9  # 4-8 pedestrians walk in the zone
    rule = pipeline.rules[0]
    assert isinstance(rule, CrowdDensity)
    assert 150 < rule.area_m2 < 250
