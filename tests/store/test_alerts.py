"""AlertRepository on SQLite and PostgreSQL: create, list, transitions, locking, clips."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from vigie.core import Event
from vigie.store import (
    AlertActionKind,
    AlertConflictError,
    AlertNotFoundError,
    AlertQuery,
    AlertRepository,
    AlertStatus,
    AuditRepository,
    ClipStatus,
    Database,
    DismissReason,
    FollowUp,
    InvalidTransitionError,
    NewAlert,
)

from .helpers import T0, new_alert


@pytest.fixture
def repo(db: Database) -> AlertRepository:
    return AlertRepository(db)


def test_create_then_get_round_trips(repo: AlertRepository) -> None:
    new = new_alert(clip_path="evidence/hall/2026-03-14/x.webm")
    stored = repo.create(new)
    assert stored.id > 0
    assert stored.uuid == new.uuid
    assert stored.status is AlertStatus.NEW
    assert stored.version == 1
    assert stored.clip_status is ClipStatus.PENDING
    assert stored.raised_at == T0
    assert stored.raised_at.tzinfo is not None
    assert stored.details == {"dwell_s": 3.0, "threshold_s": 2.0}
    assert stored.track_ids == (7,)
    assert repo.get(stored.id) == stored
    assert repo.get(new.uuid) == stored


def test_create_is_idempotent_on_uuid(repo: AlertRepository) -> None:
    new = new_alert()
    assert repo.create(new) == repo.create(new)
    assert repo.count() == 1


def test_create_sanitises_details(repo: AlertRepository) -> None:
    stored = repo.create(new_alert(details={"dwell_s": float("nan"), "ids": (1, 2)}))
    assert stored.details == {"dwell_s": None, "ids": [1, 2]}


def test_from_event_maps_stream_times_to_wall_clock() -> None:
    event = Event("loitering", "loiter-1", "hall", ts=100.0, wall=T0, started_at=70.0,
                  confidence=0.8, explanation="stayed 30 s", incident_key="k", zone="yard",
                  track_ids=(3, 4), details={"dwell_s": 30.0})
    new = NewAlert.from_event(event, snapshot_path="s.jpg")
    assert new.raised_at == T0
    assert new.started_at == T0 - timedelta(seconds=30)
    assert new.track_ids == (3, 4)
    assert new.score == pytest.approx(0.8)


def test_unknown_alert(repo: AlertRepository) -> None:
    with pytest.raises(AlertNotFoundError):
        repo.get(12345)
    with pytest.raises(AlertNotFoundError):
        repo.transition(uuid.uuid4(), "acknowledge", "op1", 1)


def test_list_filters_and_orders_newest_first(repo: AlertRepository) -> None:
    a = repo.create(new_alert("hall", "zone_intrusion", minutes=0))
    b = repo.create(new_alert("yard", "tripwire", minutes=1))
    c = repo.create(new_alert("hall", "loitering", minutes=2))
    repo.transition(c.id, "acknowledge", "op1", c.version)
    assert [r.id for r in repo.list()] == [c.id, b.id, a.id]
    assert [r.id for r in repo.list(AlertQuery(camera_id="hall"))] == [c.id, a.id]
    assert [r.id for r in repo.list(AlertQuery(kind="tripwire"))] == [b.id]
    assert [r.id for r in repo.list(AlertQuery(status=AlertStatus.NEW))] == [b.id, a.id]
    assert [r.id for r in repo.list(AlertQuery(status="acknowledged"))] == [c.id]
    open_ = frozenset({AlertStatus.NEW, AlertStatus.ACKNOWLEDGED})
    assert repo.count(AlertQuery(status=open_)) == 3
    window = AlertQuery(since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=2))
    assert [r.id for r in repo.list(window)] == [b.id]
    assert [r.id for r in repo.list(limit=1, offset=1)] == [b.id]


def test_full_life_cycle_is_registered(repo: AlertRepository, db: Database) -> None:
    alert = repo.create(new_alert())
    alert = repo.transition(alert.id, AlertActionKind.ACKNOWLEDGE, "op1", alert.version)
    assert (alert.status, alert.operator, alert.version) == (AlertStatus.ACKNOWLEDGED, "op1", 2)
    assert alert.acknowledged_at is not None
    alert = repo.transition(alert.id, "validate", "op1", alert.version, comment="confirmed")
    assert (alert.status, alert.decision_comment) == (AlertStatus.VALIDATED, "confirmed")
    assert alert.decided_at is not None
    alert = repo.transition(alert.id, "follow_up", "op2", alert.version,
                            follow_up="transmitted_to_field", comment="patrol sent")
    assert alert.follow_up is FollowUp.TRANSMITTED_TO_FIELD
    assert (alert.follow_up_by, alert.follow_up_comment) == ("op2", "patrol sent")
    assert alert.version == 4
    history = repo.history(alert.id)
    assert [h.action for h in history] == ["raised", "acknowledge", "validate", "follow_up"]
    assert [h.to_status for h in history] == ["new", "acknowledged", "validated", "validated"]
    assert history[-1].details == {"follow_up": "transmitted_to_field"}
    actions = [e.action for e in AuditRepository(db).list()]
    assert actions[:4] == ["alert.follow_up", "alert.validate", "alert.acknowledge",
                           "alert.raise"]


def test_dismiss_records_the_reason(repo: AlertRepository) -> None:
    alert = repo.create(new_alert())
    alert = repo.transition(alert.id, "dismiss", "op1", 1, reason="false_positive",
                            comment="a shadow")
    assert alert.status is AlertStatus.DISMISSED
    assert alert.dismiss_reason is DismissReason.FALSE_POSITIVE
    with pytest.raises(InvalidTransitionError, match="cannot validate an alert that is dismissed"):
        repo.transition(alert.id, "validate", "op1", alert.version)


def test_second_operator_sees_the_first_decision(repo: AlertRepository) -> None:
    alert = repo.create(new_alert())
    seen_by_op1 = seen_by_op2 = alert.version
    repo.transition(alert.id, "validate", "op1", seen_by_op1)
    with pytest.raises(AlertConflictError) as info:
        repo.transition(alert.id, "dismiss", "op2", seen_by_op2, reason="false_positive")
    current = info.value.current
    assert (current.status, current.operator, current.version) == ("validated", "op1", 2)
    assert "op1" in str(info.value)
    after = repo.get(alert.id)
    assert (after.status, after.dismiss_reason) == (AlertStatus.VALIDATED, None)
    assert [h.action for h in repo.history(alert.id)] == ["raised", "validate"]


def test_refused_transition_writes_nothing(repo: AlertRepository) -> None:
    alert = repo.create(new_alert())
    with pytest.raises(InvalidTransitionError):
        repo.transition(alert.id, "follow_up", "op1", 1, follow_up="intervention")
    assert repo.get(alert.id) == alert
    assert len(repo.history(alert.id)) == 1


def test_comment_needs_no_fresh_version(repo: AlertRepository) -> None:
    alert = repo.create(new_alert())
    repo.transition(alert.id, "acknowledge", "op1", 1)
    after = repo.transition(alert.id, "comment", "op2", 1, comment="looking too")
    assert (after.status, after.version) == (AlertStatus.ACKNOWLEDGED, 2)
    assert repo.history(alert.id)[-1].comment == "looking too"


def test_clip_and_end_are_system_updates(repo: AlertRepository) -> None:
    alert = repo.create(new_alert(clip_path="evidence/hall/2026-03-14/x.webm"))
    clip = repo.set_clip(alert.uuid, None, ClipStatus.READY)
    assert (clip.clip_status, clip.clip_path) == (ClipStatus.READY, alert.clip_path)
    assert clip.version == alert.version
    ended = repo.set_ended(alert.uuid, T0 + timedelta(seconds=20), track_ids=[9, 7])
    assert ended.ended_at == T0 + timedelta(seconds=20)
    assert ended.track_ids == (7, 9)
    earlier = repo.set_ended(alert.uuid, T0 + timedelta(seconds=5))
    assert earlier.ended_at == T0 + timedelta(seconds=20)
