"""Request and response bodies of the camera wall (``/api/cameras``, ``/api/analysis``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

__all__ = ["CameraHealthView", "CameraRuntime", "CameraTile", "CameraWall", "SwitchRequest",
           "SwitchResult", "TileStatus"]

#: What a tile's pill says: the operator's switch first, then the running analysis, then the
#: last health event recorded (when the analysis does not run in this process).
TileStatus = Literal["up", "down", "stopped", "ended", "error", "starting", "unknown"]

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]


class SwitchRequest(BaseModel):
    """Stop or resume analysis: why (kept in the audit log and the health log)."""

    reason: Reason = Field(description="Why the analysis is stopped or resumed (3..500 chars).")


class SwitchResult(BaseModel):
    """What a stop or resume did."""

    analysis_stopped: bool = Field(description="The switch as it now stands.")
    cameras: list[str] = Field(description="Cameras whose switch changed.")
    applied: bool = Field(description="True when the running analysis obeyed at once; False "
                                      "when only recorded (it applies at the next start).")
    message: str = Field(description="One sentence for the operator.")


class CameraHealthView(BaseModel):
    """The last health event recorded for a camera."""

    state: str
    reason: str
    since: datetime


class CameraRuntime(BaseModel):
    """Live figures of a camera from the running analysis."""

    state: str = Field(description="Reader state: up, down, paused, ended, starting, error.")
    reason: str
    fps: float = Field(description="Frames analysed per second.")
    lag_ms: float = Field(description="Delay between decoding and analysis of the last frame.")
    dropped: int = Field(description="Frames dropped because the analysis lagged.")
    analysed: int = Field(description="Frames analysed since start.")
    detector_share: float = Field(description="Share of analysed frames the detector ran on.")
    alerts: int = Field(description="Alerts raised since start.")


class CameraTile(BaseModel):
    """One camera of the wall."""

    id: str
    name: str
    enabled: bool
    analysis_stopped: bool
    status: TileStatus
    status_reason: str
    health: CameraHealthView | None
    runtime: CameraRuntime | None
    zones: list[str]
    lines: list[str]
    analytics: list[str]


class CameraWall(BaseModel):
    """Every camera of the site, and whether the analysis runs in this console's process."""

    control: bool = Field(description="False: analysis is not running in this console; "
                                      "switches are recorded and apply when it starts.")
    all_stopped: bool
    cameras: list[CameraTile]
