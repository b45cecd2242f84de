"""No biometric feature by construction: no face embedding, no re-identification, anywhere.

These tests fail when the stored data model, the tracked-object type or the model registry
gains anything that could identify a person. Such a change needs a legal review first
(docs/compliance.md), then an update of the approved lists below.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

from vigie.core.types import Track
from vigie.models import MANIFESTS
from vigie.store.models import Base

SRC = Path(__file__).resolve().parents[2] / "src" / "vigie"

#: Every stored column, reviewed: none holds biometric data (evidence pictures are files,
#: blurred, deleted after 30 days; ``track_ids`` are per-camera counters).
APPROVED_COLUMNS = {
    "alerts": {"id", "uuid", "kind", "rule_id", "camera_id", "zone", "started_at", "ended_at",
               "raised_at", "score", "explanation", "details", "track_ids", "status",
               "operator", "acknowledged_at", "decided_at", "decision_comment",
               "dismiss_reason", "follow_up", "follow_up_comment", "follow_up_at",
               "follow_up_by", "snapshot_path", "clip_path", "clip_status", "version"},
    "alert_actions": {"id", "alert_id", "action", "actor", "at", "from_status", "to_status",
                      "comment", "details"},
    "audit_log": {"id", "at", "actor", "action", "target", "details", "prev_hash", "hash"},
    "cameras": {"id", "name", "enabled", "analysis_stopped", "updated_at"},
    "camera_health": {"id", "camera_id", "state", "at", "reason"},
    "counts": {"id", "camera_id", "rule_id", "name", "direction", "bucket_start", "count"},
    "scene_versions": {"id", "camera_id", "status", "author", "at", "summary", "scene"},
    "users": {"id", "login", "role", "password_hash", "display_name", "cameras", "disabled",
              "failed_logins", "locked_until", "created_at", "last_login_at"},
    "user_sessions": {"id", "token_hash", "user_id", "csrf_token", "created_at",
                      "last_seen_at", "expires_at"},
}
BIOMETRIC = re.compile(r"embed|feature|vector|descriptor|biometr|re_?id\b|reid|identity|"
                       r"face_?(crop|image|print)|fingerprint|gait|appearance", re.IGNORECASE)
#: Libraries that recognise or re-identify people; none may be imported.
FORBIDDEN_IMPORTS = {"face_recognition", "insightface", "deepface", "dlib", "facenet_pytorch",
                     "torchreid", "fastreid", "boxmot"}


def test_the_stored_data_model_is_exactly_the_reviewed_one() -> None:
    tables = {t.name: {c.name for c in t.columns} for t in Base.metadata.sorted_tables}
    assert tables == APPROVED_COLUMNS


def test_no_stored_column_is_binary_or_named_like_a_biometric_feature() -> None:
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            assert not BIOMETRIC.search(column.name), f"{table.name}.{column.name}"
            type_name = type(column.type).__name__
            assert type_name not in {"LargeBinary", "BLOB", "ARRAY", "PickleType"}, \
                f"{table.name}.{column.name}: {type_name}"


def test_a_tracked_object_carries_no_appearance() -> None:
    fields = {f.name for f in dataclasses.fields(Track)}
    assert fields == {"track_id", "label", "box", "confidence", "anchor", "first_seen",
                      "last_seen", "history", "velocity", "ground", "speed_mps"}


def test_no_model_identifies_or_re_identifies_anyone() -> None:
    assert {m.task for m in MANIFESTS.values()} <= {"detector", "faces", "pose", "classifier"}
    faces = [m for m in MANIFESTS.values() if m.task == "faces"]
    assert [m.name for m in faces] == ["centerface"]  # detection only, to blur


def test_no_recognition_library_is_imported_and_tracking_is_motion_only() -> None:
    imported: set[str] = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
                if node.module == "trackers":
                    assert {a.name for a in node.names} <= {"ByteTrackTracker"}, path
    assert not imported & FORBIDDEN_IMPORTS
