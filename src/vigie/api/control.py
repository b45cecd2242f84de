"""What the console asks of the running analysis; ``SiteRunner`` provides it.

The console also runs without analysis (``vigie console``, an auditor's workstation): then
``ConsoleContext.control`` is None and the pages that need live analysis say so.
"""

from __future__ import annotations

from typing import Protocol

from vigie.config.site import CameraConfig
from vigie.runtime.camera import CameraStatus, LiveFrame

__all__ = ["SiteControl"]


class SiteControl(Protocol):
    """The running site, as the console drives it."""

    def status(self) -> list[CameraStatus]:
        """Figures of every running camera."""

    def set_camera_stopped(self, camera_id: str, stopped: bool, actor: str,
                           reason: str) -> None:
        """Stop (or resume) one camera's analysis at once; stored and audited."""

    def set_all_stopped(self, stopped: bool, actor: str, reason: str) -> None:
        """Stop (or resume) every camera's analysis at once; stored and audited."""

    def live_frame(self, camera_id: str) -> LiveFrame | None:
        """The latest analysed frame of a camera and its state; None if it is not running."""

    def apply_camera(self, camera: CameraConfig, actor: str) -> None:
        """Run a camera with a new set-up (scene editor's 'put live') from now on."""
