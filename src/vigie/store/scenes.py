"""Scene versions of each camera: drafts saved by the scene editor, and the versions put live.

The live version of a camera is its latest ``live`` row. Putting a draft live marks that row
live when no later version went live since; otherwise (an older version put back in service)
a new live row copies its scene, so that the latest live row is always the one in service.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select

from vigie.store.audit import append_audit
from vigie.store.columns import utcnow
from vigie.store.db import Database
from vigie.store.models import SceneVersion

__all__ = ["SceneRepository", "SceneStatus", "SceneVersionRecord"]


class SceneStatus(StrEnum):
    """Whether a version was only saved, or put in service."""

    DRAFT = "draft"
    LIVE = "live"


@dataclass(frozen=True)
class SceneVersionRecord:
    """One saved version of a camera's scene (see ``vigie.setup.scene``)."""

    id: int
    camera_id: str
    status: SceneStatus
    author: str
    at: datetime
    summary: str
    scene: dict[str, Any] = field(repr=False)


def _record(row: SceneVersion) -> SceneVersionRecord:
    return SceneVersionRecord(id=row.id, camera_id=row.camera_id, status=SceneStatus(row.status),
                              author=row.author, at=row.at, summary=row.summary,
                              scene=dict(row.scene))


class SceneRepository:
    """Scene versions; every change is audited in the same transaction.

    Example:
        >>> scenes = SceneRepository(db)  # doctest: +SKIP
        >>> draft = scenes.add_draft("hall", "alice", scene, "added zone lawn")  # doctest: +SKIP
        >>> scenes.put_live(draft.id, "bob", "night set-up")  # doctest: +SKIP
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    def add_draft(self, camera_id: str, author: str, scene: dict[str, Any],
                  summary: str) -> SceneVersionRecord:
        """Save a draft (audited ``scene.draft``)."""
        with self._db.write() as session:
            row = SceneVersion(camera_id=camera_id, status=SceneStatus.DRAFT, author=author,
                               at=utcnow(), summary=summary[:2000], scene=scene)
            session.add(row)
            session.flush()
            append_audit(session, author, "scene.draft", f"camera:{camera_id}",
                         {"version": row.id, "summary": row.summary})
            return _record(row)

    def get(self, version_id: int) -> SceneVersionRecord:
        """One version.

        Raises:
            KeyError: No such version.
        """
        with self._db.read() as session:
            row = session.get(SceneVersion, version_id)
            if row is None:
                raise KeyError(f"no scene version {version_id}")
            return _record(row)

    def history(self, camera_id: str, limit: int = 50) -> builtins.list[SceneVersionRecord]:
        """A camera's versions, newest first."""
        query = (select(SceneVersion).where(SceneVersion.camera_id == camera_id)
                 .order_by(SceneVersion.id.desc()).limit(limit))
        with self._db.read() as session:
            return [_record(row) for row in session.scalars(query)]

    def live(self, camera_id: str) -> SceneVersionRecord | None:
        """The version in service (the latest live one), None before the first."""
        query = (select(SceneVersion).where(SceneVersion.camera_id == camera_id,
                                            SceneVersion.status == SceneStatus.LIVE)
                 .order_by(SceneVersion.id.desc()).limit(1))
        with self._db.read() as session:
            row = session.scalars(query).first()
            return _record(row) if row is not None else None

    def put_live(self, version_id: int, actor: str, summary: str,
                 comment: str = "") -> SceneVersionRecord:
        """Record that a version went into service (audited ``scene.publish``).

        Args:
            version_id: The version put live.
            actor: Who put it live.
            summary: What changed compared with the configuration it replaced.
            comment: Why, in the author's words.

        Returns:
            The live version: the same row, or a new one copying its scene when a later
            version had gone live since.

        Raises:
            KeyError: No such version.
        """
        with self._db.write() as session:
            row = session.get(SceneVersion, version_id)
            if row is None:
                raise KeyError(f"no scene version {version_id}")
            later = session.scalars(select(SceneVersion.id).where(
                SceneVersion.camera_id == row.camera_id, SceneVersion.id > row.id,
                SceneVersion.status == SceneStatus.LIVE)).first()
            if later is None:  # the newest live version, or put live again
                row.status = SceneStatus.LIVE
            else:
                row = SceneVersion(camera_id=row.camera_id, status=SceneStatus.LIVE,
                                   author=actor, at=utcnow(), scene=dict(row.scene),
                                   summary=f"version {row.id} put back in service: "
                                           f"{summary}"[:2000])
                session.add(row)
            session.flush()
            append_audit(session, actor, "scene.publish", f"camera:{row.camera_id}",
                         {"version": row.id, "from_version": version_id, "summary": summary,
                          "comment": comment})
            return _record(row)
