"""Scene versions: drafts, the version in service, audit entries (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from vigie.store import AuditRepository, Database
from vigie.store.scenes import SceneRepository, SceneStatus

SCENE = {"zones": [{"name": "lawn", "points": [[0, 0], [1, 0], [1, 1]]}], "lines": [],
         "calibration": None, "analytics": []}


def test_drafts_are_kept_newest_first_and_audited(db: Database) -> None:
    scenes = SceneRepository(db)
    first = scenes.add_draft("hall", "alice", SCENE, "added zone lawn (3 points)")
    second = scenes.add_draft("hall", "bob", {**SCENE, "zones": []}, "removed zone lawn")
    scenes.add_draft("yard", "alice", SCENE, "added zone lawn (3 points)")
    history = scenes.history("hall")
    assert [v.id for v in history] == [second.id, first.id]
    assert history[1].author == "alice"
    assert history[1].status is SceneStatus.DRAFT
    assert history[1].scene == SCENE
    assert scenes.get(first.id).summary == "added zone lawn (3 points)"
    assert scenes.live("hall") is None
    entries = AuditRepository(db).list(action="scene.draft")
    assert [(e.actor, e.target, e.details["version"]) for e in reversed(entries)][:2] == [
        ("alice", "camera:hall", first.id), ("bob", "camera:hall", second.id)]
    with pytest.raises(KeyError, match="no scene version 999"):
        scenes.get(999)


def test_putting_live_marks_the_draft_or_copies_an_older_version(db: Database) -> None:
    scenes = SceneRepository(db)
    one = scenes.add_draft("hall", "alice", SCENE, "added zone lawn (3 points)")
    two = scenes.add_draft("hall", "alice", {**SCENE, "zones": []}, "removed zone lawn")
    live = scenes.put_live(two.id, "bob", "removed zone lawn", "not needed")
    assert live.id == two.id
    assert live.status is SceneStatus.LIVE
    assert scenes.live("hall") == live
    back = scenes.put_live(one.id, "bob", "added zone lawn (3 points)")  # older: a new row
    assert back.id > two.id
    assert back.scene == SCENE
    assert back.author == "bob"
    assert back.summary.startswith(f"version {one.id} put back in service")
    assert scenes.get(one.id).status is SceneStatus.DRAFT
    assert scenes.live("hall") == back
    assert scenes.live("yard") is None
    entry = AuditRepository(db).list(action="scene.publish")[0]
    assert entry.details == {"version": back.id, "from_version": one.id,
                             "summary": "added zone lawn (3 points)", "comment": ""}
    assert AuditRepository(db).verify_chain() is None
