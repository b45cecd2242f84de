"""SiteRunner on real footage: several cameras, broken sources, PostgreSQL, a clean stop.

The good camera plays the first 20 s of vtest.avi as fast as possible; a person is in the
"path" band for over a second within the first seconds, so it raises alerts early. The broken
cameras are a missing file and vtest.avi cut at 40 % of its bytes.
"""

from __future__ import annotations

import threading
import time
from importlib.resources import files
from pathlib import Path

import cv2
import pytest
from alembic.script import ScriptDirectory

from vigie.runtime.site import SiteRunner
from vigie.store import AlertRepository, ClipStatus, HealthState, current_revision, open_database

from .helpers import (
    SiteOutcome,
    before_shutdown,
    campus_camera,
    clip_facts,
    event_of,
    load_site,
    outline_fraction,
    read_outcome,
    run_to_end,
    site_data,
)

pytestmark = pytest.mark.timeout(180)

GOOD = "good"
FRAME_SIZE = (768, 576)


@pytest.fixture(scope="module")
def site_cameras(vtest_head: Path, vtest_cut: Path,
                 tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, object]]:
    """The good camera, a missing file and a truncated file."""
    missing = tmp_path_factory.mktemp("media") / "gone.avi"
    return [campus_camera(GOOD, vtest_head), campus_camera("missing", missing),
            campus_camera("cut", vtest_cut)]


@pytest.fixture(scope="module")
def multi(site_cameras: list[dict[str, object]], nanodet_models_dir: Path,
          tmp_path_factory: pytest.TempPathFactory) -> SiteOutcome:
    """One run of the three cameras to their end, on SQLite."""
    site = load_site(tmp_path_factory.mktemp("multi"),
                     site_data(site_cameras, nanodet_models_dir))
    return run_to_end(site)


@pytest.fixture(scope="module")
def alone(site_cameras: list[dict[str, object]], nanodet_models_dir: Path,
          tmp_path_factory: pytest.TempPathFactory) -> SiteOutcome:
    """The good camera run on its own."""
    site = load_site(tmp_path_factory.mktemp("alone"),
                     site_data(site_cameras[:1], nanodet_models_dir))
    return run_to_end(site)


def test_good_camera_raises_alerts_with_evidence(multi: SiteOutcome) -> None:
    alerts = multi.alerts_of(GOOD)
    assert alerts, f"no alert from the good camera: {multi.statuses[GOOD]}"
    assert multi.statuses[GOOD].alerts == len(alerts)
    data_dir = Path(multi.site.storage.data_dir)
    for alert in alerts:
        assert (alert.kind, alert.zone) == ("zone_intrusion", "path")
        assert alert.snapshot_path is not None
        image = cv2.imread(str(data_dir / alert.snapshot_path))
        assert image is not None, alert.snapshot_path
        assert (image.shape[1], image.shape[0]) == FRAME_SIZE
        event = event_of(alert, multi.events)
        assert event.boxes
        for box in event.boxes:
            assert outline_fraction(image, box) >= 0.8, (alert.snapshot_path, box)
        assert alert.clip_status is ClipStatus.READY, alert
        assert alert.clip_path is not None
        facts = clip_facts(data_dir / alert.clip_path)
        assert facts.codec == "vp9"
        assert facts.frames > 0


@pytest.mark.parametrize(("camera_id", "problem", "was_up"), [
    pytest.param("missing", "no such file", False, id="missing-file"),
    pytest.param("cut", "truncated", True, id="truncated-file"),
])
def test_broken_camera_is_down_with_the_reason(multi: SiteOutcome, camera_id: str,
                                                problem: str, was_up: bool) -> None:
    camera = multi.site.camera(camera_id)
    rows = before_shutdown(multi.health[camera_id])
    assert rows, f"no health recorded for {camera_id}: {multi.health[camera_id]}"
    last = rows[-1]
    assert last.state is HealthState.DOWN, rows
    assert problem in last.reason
    assert Path(camera.source.url).name in last.reason  # names the file too
    assert (HealthState.UP in [r.state for r in rows]) is was_up
    assert multi.statuses[camera_id].state == "down"


def test_good_camera_ends_at_the_end_of_its_file(multi: SiteOutcome) -> None:
    rows = before_shutdown(multi.health[GOOD])
    assert [r.state for r in rows] == [HealthState.UP, HealthState.DOWN], multi.health[GOOD]
    assert "end of file" in rows[-1].reason
    assert multi.statuses[GOOD].state == "ended"


def test_broken_cameras_do_not_affect_the_good_one(multi: SiteOutcome,
                                                   alone: SiteOutcome) -> None:
    together, solo = multi.statuses[GOOD].analysed, alone.statuses[GOOD].analysed
    assert solo > 0
    assert abs(together - solo) <= 0.05 * solo, f"analysed {together} with others, {solo} alone"
    assert alone.alerts_of(GOOD)
    assert multi.queued_after_stop == 0
    assert multi.writer_stats is not None
    assert (multi.writer_stats.spooled, multi.writer_stats.rejected) == (0, 0)
    assert multi.audit_break is None


@pytest.mark.postgres
def test_same_site_on_postgresql(site_cameras: list[dict[str, object]], nanodet_models_dir: Path,
                                 multi: SiteOutcome, empty_pg_url: str, tmp_path: Path) -> None:
    site = load_site(tmp_path, site_data(site_cameras, nanodet_models_dir,
                                         database_url=empty_pg_url))
    outcome = run_to_end(site)

    db = open_database(empty_pg_url)
    try:
        assert db.dialect == "postgresql"
        head = ScriptDirectory(str(files("vigie.store") / "migrations")).get_current_head()
        assert current_revision(db) == head
        stored = AlertRepository(db).list(limit=1000)
    finally:
        db.close()
    assert not (tmp_path / "data" / "vigie.db").exists()  # nothing went to SQLite
    good = [a for a in stored if a.camera_id == GOOD]
    assert good
    assert all(a.clip_status is ClipStatus.READY for a in good)
    missing, cut = (before_shutdown(outcome.health[c])[-1] for c in ("missing", "cut"))
    assert missing.state is HealthState.DOWN
    assert "no such file" in missing.reason
    assert cut.state is HealthState.DOWN
    assert "truncated" in cut.reason
    assert outcome.writer_stats is not None
    assert (outcome.writer_stats.spooled, outcome.writer_stats.rejected) == (0, 0)
    assert outcome.audit_break is None
    # Same footage, same frames: the counters (upserts on PostgreSQL) agree with SQLite's.
    assert outcome.counts
    assert set(outcome.counts) == set(multi.counts)
    for key, n in outcome.counts.items():
        assert abs(n - multi.counts[key]) <= 1, (key, n, multi.counts[key])


@pytest.mark.timeout(120)
def test_stop_while_a_clip_is_recording_is_clean(vtest_avi: Path, nanodet_models_dir: Path,
                                                 tmp_path: Path) -> None:
    # Clips last 30 s after their alert, so the clip of any alert is still recording at 8 s.
    site = load_site(tmp_path, site_data([campus_camera(GOOD, vtest_avi, realtime=True)],
                                         nanodet_models_dir, clip_after_s=30))
    before = set(threading.enumerate())
    runner = SiteRunner(site)
    runner.start()
    recorder, writer = runner.recorder, runner.writer
    assert recorder is not None
    assert writer is not None
    try:
        started = time.monotonic()
        while time.monotonic() - started < 8 or not recorder.recording:
            assert time.monotonic() - started < 40, "no clip started recording within 40 s"
            time.sleep(0.1)
        assert recorder.recording >= 1
        assert not runner.wait(timeout=0)  # still running: the file lasts 80 s
    finally:
        stopping = time.monotonic()
        runner.stop()
    stop_s = time.monotonic() - stopping

    assert stop_s < 30, f"stop took {stop_s:.1f} s"
    assert writer.queued == 0
    assert recorder.recording == 0
    left = [t.name for t in set(threading.enumerate()) - before if t.is_alive()]
    assert not left, f"threads still running after stop: {left}"

    outcome = read_outcome(site, {})
    assert outcome.alerts
    data_dir = Path(site.storage.data_dir)
    for alert in outcome.alerts:
        assert alert.clip_status in (ClipStatus.READY, ClipStatus.FAILED), alert
        if alert.clip_status is ClipStatus.READY:
            assert alert.clip_path is not None
            facts = clip_facts(data_dir / alert.clip_path)
            assert facts.codec == "vp9"
            assert facts.duration_s > 0


@pytest.mark.timeout(60)
def test_a_second_stop_writes_nothing(vtest_head: Path, nanodet_models_dir: Path,
                                      tmp_path: Path) -> None:
    site = load_site(tmp_path, site_data([campus_camera(GOOD, vtest_head, realtime=True)],
                                         nanodet_models_dir))
    runner = SiteRunner(site)
    runner.start()
    time.sleep(0.5)
    runner.stop()
    runner.stop()  # e.g. a signal handler and a finally block both stopping the site
    spool = tmp_path / "data" / "spool"
    assert not list(spool.glob("*.jsonl")), "writes after the writer closed were spooled"
    assert read_outcome(site, {}).audit_actions.count("analysis.stop") == 1
