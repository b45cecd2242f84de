"""Each event type end to end, as `vigie run` does it: footage -> rule -> stored alert + evidence.

One camera per case plays a real clip as fast as possible through ``SiteRunner``; the test
reads the database and the evidence folder afterwards. Where no footage here shows the event
at default thresholds (a crowd, a runner), the thresholds are lowered so that ordinary walkers
on PETS 2009 trigger it: what is tested is the path from the rule to the stored evidence.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from tests.conftest import shared_file
from tests.detect.test_yolo import make_yolo
from tests.runtime.helpers import load_site, run_to_end, site_data
from vigie.store import ClipStatus

pytestmark = [pytest.mark.slow, pytest.mark.timeout(400)]

PLAZA = {"name": "plaza", "points": [[0.0, 0.3], [1.0, 0.3], [1.0, 1.0], [0.0, 1.0]]}
LOWER_LANES = {"name": "lower", "points": [[0.0, 0.02], [1.0, 0.25], [1.0, 1.0], [0.0, 1.0]]}

#: (event type, clip under ../shared/data, camera settings beyond the source)
CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("fire", "fire_dev/kitchen_sink_fire.mp4", {"analytics": [{"kind": "fire"}]}),
    ("abandoned_object", "abandoned/aboda_video4.avi",
     {"analytics": [{"kind": "abandoned_object"}]}),
    ("person_down", "falls_phone/Fall01.mp4", {"analytics": [{"kind": "person_down"}]}),
    ("wrong_way", "traffic/road_lanes.avi",
     {"zones": [LOWER_LANES], "analytics": [{"kind": "wrong_way", "zone": "lower",
                                               "follow": "motion", "direction_deg": 180}]}),
    ("crowd_density", "pets09_s2l1/vtest.avi",
     {"zones": [PLAZA], "analytics": [{"kind": "crowd_density", "zone": "plaza",
                                        "area_m2": 2.0, "max_density": 1.0,
                                        "min_duration_s": 2.0}]}),
    ("running", "pets09_s2l1/vtest.avi",
     {"analytics": [{"kind": "running", "min_speed_hps": 0.3, "min_duration_s": 1.0}]}),
]


def _stored_with_evidence(kind: str, cam: dict[str, Any], models_dir: Path, folder: Path,
                          detector: dict[str, Any] | None = None) -> None:
    data = site_data([cam], models_dir, clip_after_s=2.0)
    data["detector"].update(detector or {})
    site = load_site(folder, data)
    outcome = run_to_end(site, timeout_s=300)
    alerts = [a for a in outcome.alerts if a.kind == kind]
    assert alerts, f"no {kind} alert stored; statuses: {outcome.statuses}"
    data_dir = Path(site.storage.data_dir)
    for alert in alerts:
        assert alert.explanation
        assert alert.snapshot_path is not None
        assert cv2.imread(str(data_dir / alert.snapshot_path)) is not None
        assert alert.clip_status is ClipStatus.READY, alert
        assert alert.clip_path is not None
        assert (data_dir / alert.clip_path).stat().st_size > 1000


@pytest.mark.parametrize(("kind", "clip", "camera"), CASES, ids=[c[0] for c in CASES])
def test_event_type_is_stored_with_evidence(kind: str, clip: str, camera: dict[str, Any],
                                            nanodet_models_dir: Path, tmp_path: Path) -> None:
    cam = {"id": "cam", "source": {"url": str(shared_file(clip)), "realtime": False}, **camera}
    _stored_with_evidence(kind, cam, nanodet_models_dir, tmp_path)


def test_weapon_from_a_site_supplied_model(vtest_head: Path, nanodet_models_dir: Path,
                                           tmp_path: Path) -> None:
    """A city's own weapon detector (a YOLO export) drives the weapon rule end to end.

    No public model here detects firearms, so the model is a constant one built with
    onnx.helper: a person holding a pistol in the middle of every frame.
    """
    rows = np.array([[320, 320, 120, 360, 0.9, 0.0],     # person, centre of a 640 input
                     [360, 300, 40, 30, 0.0, 0.8]],      # pistol in their hand
                    np.float32).T[None]
    model = make_yolo(tmp_path / "weapons.onnx", rows, size=640,
                      names="{0: 'person', 1: 'pistol'}")
    cam = {"id": "cam", "source": {"url": str(vtest_head), "realtime": False},
           "analytics": [{"kind": "weapon"}]}
    _stored_with_evidence("weapon", cam, nanodet_models_dir, tmp_path,
                          {"model": str(model), "classes": ["person", "pistol"]})
