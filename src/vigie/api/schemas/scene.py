"""Request and response bodies of the scene editor (``/api/scene``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from vigie.setup.footage import TrialJob
from vigie.store.scenes import SceneVersionRecord

__all__ = ["AnalyticKind", "DraftRequest", "JobOut", "PublishRequest", "PublishResult",
           "RecordingOut", "SceneIn", "SceneOut", "SchemaOut", "TrialRequest", "ValidateRequest",
           "ValidationOut", "VersionDetail", "VersionOut"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SceneIn(_Body):
    """A camera's scene as the editor sends it; checked by the configuration models."""

    zones: list[dict[str, Any]] = Field(max_length=200, description="Named polygons.")
    lines: list[dict[str, Any]] = Field(max_length=200, description="Named directed lines.")
    calibration: dict[str, Any] | None = Field(description="Image points and their ground "
                                               "positions in metres, or null.")
    analytics: list[dict[str, Any]] = Field(max_length=200, description="Rules, each with "
                                            "its kind.")


class ValidateRequest(_Body):
    """Check a scene without saving it."""

    scene: SceneIn


class DraftRequest(_Body):
    """Save a scene as a draft version."""

    scene: SceneIn
    summary: str | None = Field(None, max_length=500, description="Note of the author; the "
                                "list of changes is added automatically.")


class TrialRequest(_Body):
    """Test a draft on footage."""

    video: str | None = Field(None, max_length=300, description="A recording's key, from the "
                              "scene's `recordings`; default the first.")


class PublishRequest(_Body):
    """Put a draft live."""

    comment: str = Field("", max_length=1000, description="Why (kept in the audit log).")


class ValidationOut(BaseModel):
    """Whether a scene is valid, and what is wrong (``zones[0].points: ...``)."""

    valid: bool
    problems: list[str]
    summary: str = Field("", description="What it changes compared with the live set-up.")


class VersionOut(BaseModel):
    """One line of the version history."""

    id: int
    camera_id: str
    status: str
    author: str
    at: datetime
    summary: str
    current: bool = Field(description="The version in service.")

    @classmethod
    def of(cls, record: SceneVersionRecord, live_id: int | None) -> VersionOut:
        """From a stored version."""
        return cls(id=record.id, camera_id=record.camera_id, status=record.status,
                   author=record.author, at=record.at, summary=record.summary,
                   current=record.id == live_id)


class VersionDetail(VersionOut):
    """A version with its scene."""

    scene: dict[str, Any]


class RecordingOut(BaseModel):
    """A recording a draft may be tested on."""

    key: str
    label: str


class SceneOut(BaseModel):
    """What the editor loads for a camera."""

    camera_id: str
    name: str
    scene: dict[str, Any] = Field(description="The scene in service (from the configuration).")
    versions: list[VersionOut]
    recordings: list[RecordingOut]
    live_source: bool = Field(description="The camera is a live stream (not a file).")
    analysis_running: bool = Field(description="Analysis runs in this process: putting live "
                                   "applies at once.")
    can_publish: bool = Field(description="This console may write the site file.")
    cameras: list[dict[str, str]] = Field(description="Every camera: id and name.")


class AnalyticKind(BaseModel):
    """One rule kind and the JSON schema of its settings."""

    kind: str
    title: str
    description: str
    defaults: dict[str, Any] = Field(description="The value of every setting that has one.")
    schema_: dict[str, Any] = Field(alias="schema", serialization_alias="schema")


class SchemaOut(BaseModel):
    """The rule kinds, to build the settings forms."""

    kinds: list[AnalyticKind]


class JobOut(BaseModel):
    """A test of a draft on footage."""

    id: str
    camera_id: str
    version: int
    video: str
    state: str
    progress: float
    message: str
    result: dict[str, Any] | None
    started_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, job: TrialJob) -> JobOut:
        """From the runner's job."""
        return cls(id=job.id, camera_id=job.camera_id, version=job.version, video=job.video,
                   state=job.state, progress=round(job.progress, 3), message=job.message,
                   result=job.result, started_at=job.started_at, finished_at=job.finished_at)


class PublishResult(BaseModel):
    """What putting a draft live did."""

    version: VersionOut
    summary: str
    applied: bool = Field(description="The running analysis took the new set-up at once.")
    message: str = ""
