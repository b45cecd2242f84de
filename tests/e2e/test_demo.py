"""`vigie demo --fast -q` end to end: real footage, real detector, SQLite, evidence on disk.

The demo runs once for the module (through Typer's runner, in this process, so that the
admitted events can be kept beside what the database holds); each test checks one outcome.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import cv2
import pytest
from typer.testing import CliRunner, Result

import vigie.runtime.console
from vigie.cli import app
from vigie.config import load_config
from vigie.config.site import SiteConfig
from vigie.core.types import Event
from vigie.detect.factory import build_detector
from vigie.runtime.replay import replay
from vigie.runtime.site import SiteRunner
from vigie.store import (
    AlertRecord,
    AlertRepository,
    AuditRecord,
    AuditRepository,
    ClipStatus,
    CountPoint,
    CountRepository,
    Database,
    HealthRecord,
    HealthRepository,
    HealthState,
    open_database,
)

from ..runtime.helpers import (
    EventLog,
    before_shutdown,
    clip_facts,
    event_of,
    outline_fraction,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

CAMERA = "pets-campus"
TRIPWIRE = "main-path-count"
FRAME_SIZE = (768, 576)


@dataclass
class Demo:
    """What one `vigie demo` run left: its output, database content and admitted events."""

    result: Result
    folder: Path
    site: SiteConfig
    events: list[Event]
    alerts: list[AlertRecord]
    health: list[HealthRecord]  # oldest first
    audit: list[AuditRecord]  # oldest first
    chain_break: int | None
    count_points: list[CountPoint]  # the tripwire's 1-minute buckets
    elapsed_s: float

    @property
    def counts(self) -> Counter[str]:
        """Stored crossings per direction, all buckets."""
        totals: Counter[str] = Counter()
        for point in self.count_points:
            totals[point.direction] += point.count
        return totals

    @property
    def data_dir(self) -> Path:
        """The demo's data folder."""
        return Path(self.site.storage.data_dir)


def _recording_runner(log: EventLog) -> Callable[..., SiteRunner]:
    def build(site: SiteConfig, **kwargs: object) -> SiteRunner:
        shown = kwargs.pop("on_alert", None)

        def on_alert(event: Event) -> None:
            log(event)
            if callable(shown):
                shown(event)

        return SiteRunner(site, on_alert=on_alert, **kwargs)  # type: ignore[arg-type]
    return build


def _read(site: SiteConfig) -> tuple[list[AlertRecord], list[HealthRecord], list[AuditRecord],
                                     int | None, list[CountPoint]]:
    db: Database = open_database(site.storage.resolved_url())
    try:
        alerts = AlertRepository(db).list(limit=1000)
        health = list(reversed(HealthRepository(db).history(CAMERA)))
        audit_repo = AuditRepository(db)
        audit = list(reversed(audit_repo.list(limit=1000)))
        everything = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
        points = CountRepository(db).series(CAMERA, *everything, rule_id=TRIPWIRE)
        return alerts, health, audit, audit_repo.verify_chain(), points
    finally:
        db.close()


@pytest.fixture(scope="module")
def demo(vtest_avi: Path, nanodet_models_dir: Path,
         tmp_path_factory: pytest.TempPathFactory) -> Demo:
    folder = tmp_path_factory.mktemp("demo")
    log = EventLog()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VIGIE_MODELS_DIR", str(nanodet_models_dir))
        patch.setenv("VIGIE_SHARED_DIR", str(vtest_avi.parents[2]))  # footage, no download
        patch.setattr(vigie.runtime.console, "SiteRunner", _recording_runner(log))
        started = time.monotonic()
        result = CliRunner().invoke(app, ["demo", "--dir", str(folder), "--fast", "-q",
                                             "--no-console"])
        elapsed = time.monotonic() - started
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    site = load_config(folder / "site.yaml")
    return Demo(result, folder, site, log.events, *_read(site), elapsed_s=elapsed)


@pytest.fixture(scope="module")
def replay_counts(demo: Demo) -> dict[str, int]:
    """The tripwire counts of `vigie replay` on the demo's own site file."""
    report = replay(demo.site, CAMERA, build_detector(demo.site.detector))
    return report.counts[TRIPWIRE]


def _stream_time(demo: Demo, alert: AlertRecord) -> float:
    """Seconds of footage before the alert was raised."""
    return event_of(alert, demo.events).ts


def test_demo_runs_to_the_end_and_exits_zero(demo: Demo) -> None:
    assert demo.result.exit_code == 0
    assert "stopping: finishing clips and writes" in demo.result.stderr
    assert "most recent alert(s)" in demo.result.stdout
    assert (demo.folder / "media" / "vtest.avi").is_file()


def test_alerts_of_the_scene(demo: Demo) -> None:
    kinds = Counter((a.kind, a.zone) for a in demo.alerts)
    assert len(demo.alerts) >= 2, kinds
    lawn = [a for a in demo.alerts if (a.kind, a.zone) == ("zone_intrusion", "lawn")]
    junction = [a for a in demo.alerts if (a.kind, a.zone) == ("loitering", "junction")]
    assert lawn, kinds
    assert junction, kinds
    # Someone steps on the lawn at about 50 s; loitering needs 15 s in the junction.
    assert any(45 <= _stream_time(demo, a) <= 60 for a in lawn), \
        [_stream_time(demo, a) for a in lawn]
    assert all(_stream_time(demo, a) >= 15 for a in junction)
    assert all(a.camera_id == CAMERA for a in demo.alerts)
    assert len(demo.events) == len(demo.alerts)  # every admitted event was stored once


def test_every_snapshot_is_the_outlined_frame(demo: Demo) -> None:
    for alert in demo.alerts:
        assert alert.snapshot_path is not None, alert
        path = demo.data_dir / alert.snapshot_path
        assert path.is_file(), path
        image = cv2.imread(str(path))
        assert image is not None, f"{path} does not decode"
        assert (image.shape[1], image.shape[0]) == FRAME_SIZE
        event = event_of(alert, demo.events)
        assert event.boxes, alert
        for box in event.boxes:
            share = outline_fraction(image, box)
            assert share >= 0.8, f"{path}: only {share:.0%} of box {box} in the alert colour"


def test_every_clip_is_a_playable_vp9_webm(demo: Demo) -> None:
    for alert in demo.alerts:
        assert alert.clip_status is ClipStatus.READY, alert
        assert alert.clip_path is not None
        assert alert.clip_path.endswith(".webm")
        facts = clip_facts(demo.data_dir / alert.clip_path)
        assert facts.codec == "vp9"
        assert "webm" in facts.format
        assert facts.size == FRAME_SIZE
        assert 5 <= facts.duration_s <= 12, facts
        assert facts.frames >= 5 * 4  # 5 s at least, analysed at 5 fps (a few may be missing)


def test_tripwire_counts_are_stored_like_the_replay(demo: Demo,
                                                   replay_counts: dict[str, int]) -> None:
    # The file is read as fast as possible: no frame may be dropped, so the stored counts
    # match what a replay of the same site counts.
    for direction in ("in", "out"):
        stored, replayed = demo.counts[direction], replay_counts[direction]
        assert abs(stored - replayed) <= 2, \
            f"{stored} crossings {direction} stored, replay counts {replayed}"


def test_summary_prints_the_stored_counts(demo: Demo) -> None:
    printed = {m["direction"]: int(m["n"]) for m in re.finditer(
        rf"tripwire {TRIPWIRE}: (?P<n>\d+) crossing\(s\) going (?P<direction>\w+)",
        demo.result.stdout)}
    assert printed == dict(demo.counts), demo.result.stdout


def test_nothing_is_stamped_after_the_analysis_stopped(demo: Demo) -> None:
    # The footage is read about ten times faster than real time: an alert (or a count) must
    # still be stamped within the run, not where the footage's own clock would put it.
    stopped = next(e.at for e in demo.audit if e.action == "analysis.stop")
    late = [(a.kind, a.raised_at.isoformat()) for a in demo.alerts if a.raised_at > stopped]
    assert not late, f"alerts raised after analysis.stop at {stopped.isoformat()}: {late}"
    late_counts = [p.bucket_start.isoformat() for p in demo.count_points
                   if p.bucket_start > stopped]
    assert not late_counts, f"counts in buckets after {stopped.isoformat()}: {late_counts}"


def test_camera_health_is_up_then_down_at_the_end_of_the_file(demo: Demo) -> None:
    rows = before_shutdown(demo.health)
    assert [r.state for r in rows] == [HealthState.UP, HealthState.DOWN], demo.health
    assert "end of file" in rows[-1].reason


def test_audit_log_records_the_analysis_and_its_chain_holds(demo: Demo) -> None:
    actions = [e.action for e in demo.audit]
    assert "analysis.start" in actions
    assert "analysis.stop" in actions
    assert actions.index("analysis.start") < actions.index("analysis.stop")
    assert actions.count("alert.raise") == len(demo.alerts)
    assert demo.chain_break is None
