"""ChangeHub: one database watcher per console, fanning changes out to every open browser.

Browsers hold one server-sent-events stream each; they never poll. The hub reads what changed
since its last look (new register rows, camera switches, health events) every ``interval_s``
with one small query per table, whichever process wrote it: the analysis in ``vigie run``,
another console, or the CLI.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from vigie.store import AlertRepository, Database
from vigie.store.models import Alert, AlertAction, Camera, CameraHealth

__all__ = ["Change", "ChangeHub"]

log = logging.getLogger(__name__)
_QUEUE = 256


@dataclass(frozen=True, slots=True)
class Change:
    """One message to the browsers: ``kind`` is the SSE event name, ``data`` its JSON."""

    kind: str
    data: dict[str, Any]


@dataclass
class _Marks:
    action_id: int = 0
    health_id: int = 0
    cameras: tuple[tuple[str, bool], ...] = ()


class ChangeHub:
    """Watch the database and broadcast changes to subscribers (one queue per browser).

    Args:
        db: The site database.
        interval_s: Seconds between looks.
    """

    def __init__(self, db: Database, interval_s: float = 0.5) -> None:
        self._db = db
        self.interval_s = interval_s
        self._subscribers: set[asyncio.Queue[Change | None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._marks = _Marks()

    async def start(self) -> None:
        """Begin watching from the current end of each table."""
        self._marks = await run_in_threadpool(self._current_marks)
        self._task = asyncio.create_task(self._watch(), name="vigie-change-hub")

    async def stop(self) -> None:
        """Stop watching and end every subscriber's stream."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for queue in list(self._subscribers):
            _offer(queue, None)

    def subscribe(self) -> asyncio.Queue[Change | None]:
        """A new queue of changes; ``None`` in it means the stream is over."""
        queue: asyncio.Queue[Change | None] = asyncio.Queue(_QUEUE)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Change | None]) -> None:
        """Forget a queue (its browser went away)."""
        self._subscribers.discard(queue)

    @property
    def subscribers(self) -> int:
        """Open streams."""
        return len(self._subscribers)

    def publish(self, change: Change) -> None:
        """Send a change to every subscriber now (from the event loop's thread)."""
        for queue in list(self._subscribers):
            _offer(queue, change)

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                changes = await run_in_threadpool(self._changes)
            except Exception:  # a locked or restarting database: try again next time
                log.warning("change hub: database read failed", exc_info=True)
                continue
            for change in changes:
                self.publish(change)

    def _current_marks(self) -> _Marks:
        with self._db.read() as session:
            return _Marks(
                action_id=session.scalar(select(func.max(AlertAction.id))) or 0,
                health_id=session.scalar(select(func.max(CameraHealth.id))) or 0,
                cameras=_camera_switches(session),
            )

    def _changes(self) -> list[Change]:
        changes: list[Change] = []
        with self._db.read() as session:
            rows = session.execute(
                select(AlertAction, Alert).join(Alert, Alert.id == AlertAction.alert_id)
                .where(AlertAction.id > self._marks.action_id).order_by(AlertAction.id)
                .limit(500)).all()
            for action, alert in rows:
                changes.append(Change("alert", _alert_change(action, alert)))
                self._marks.action_id = action.id
            health = session.scalars(select(CameraHealth).where(
                CameraHealth.id > self._marks.health_id).order_by(CameraHealth.id)).all()
            for row in health:
                changes.append(Change("health", {"camera_id": row.camera_id,
                                                 "state": str(row.state), "reason": row.reason,
                                                 "at": row.at.isoformat()}))
                self._marks.health_id = row.id
            switches = _camera_switches(session)
            if switches != self._marks.cameras:
                before = dict(self._marks.cameras)
                for camera_id, stopped in switches:
                    if before.get(camera_id) != stopped:
                        changes.append(Change("camera", {"camera_id": camera_id,
                                                         "analysis_stopped": stopped}))
                self._marks.cameras = switches
        if rows:
            changes.append(Change("counts", AlertRepository(self._db).open_counts()))
        return changes


def _camera_switches(session: Any) -> tuple[tuple[str, bool], ...]:
    rows = session.execute(select(Camera.id, Camera.analysis_stopped).order_by(Camera.id))
    return tuple((camera_id, stopped) for camera_id, stopped in rows)


def _alert_change(action: AlertAction, alert: Alert) -> dict[str, Any]:
    return {"action": str(action.action), "actor": action.actor, "at": action.at.isoformat(),
            "id": alert.id, "uuid": str(alert.uuid), "kind": alert.kind,
            "camera_id": alert.camera_id, "status": str(alert.status), "zone": alert.zone,
            "version": alert.version, "raised_at": alert.raised_at.isoformat(),
            "explanation": alert.explanation}


def _offer(queue: asyncio.Queue[Change | None], change: Change | None) -> None:
    """Put without blocking; a browser too slow to keep up loses its oldest changes."""
    while True:
        try:
            queue.put_nowait(change)
            return
        except asyncio.QueueFull:
            with contextlib.suppress(asyncio.QueueEmpty):
                queue.get_nowait()
