"""The FrameSource protocol every video input implements, and the health vocabulary of readers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from vigie.core import Frame

__all__ = [
    "FrameSource",
    "Health",
    "HealthCallback",
    "ReaderState",
    "SourceCounters",
]


class Health(StrEnum):
    """What ``on_health`` reports: the camera delivers frames, or it does not."""

    UP = "up"
    DOWN = "down"


class ReaderState(StrEnum):
    """Life cycle of a camera reader, finer than :class:`Health`.

    ``starting`` (never connected yet) -> ``up`` <-> ``down``; ``paused`` while an operator has
    stopped the analysis; ``ended`` when a file that does not loop is finished or unreadable;
    ``stopped`` after ``stop()``.
    """

    STARTING = "starting"
    UP = "up"
    DOWN = "down"
    PAUSED = "paused"
    ENDED = "ended"
    STOPPED = "stopped"


#: ``on_health(camera_id, state, at, reason)``: called on every up/down transition, from the
#: reader's thread. ``at`` is UTC and timezone-aware; ``reason`` says why (empty is never sent).
HealthCallback = Callable[[str, Health, datetime, str], None]


@dataclass(slots=True)
class SourceCounters:
    """Running totals kept by a source; read by the reader that drives it.

    Attributes:
        decoded: Frames out of the decoder since the source was built (all connections).
        sampled_out: Decoded frames dropped because analysis runs at a lower rate.
        bad_packets: Packets the decoder rejected and skipped (corrupt data).
        connections: Successful opens (a reconnection or a loop of a file adds one).
        last_frame_at: ``time.monotonic()`` of the last decoded frame, 0.0 before any.
        decode_s: Seconds spent decoding and converting frames (benchmark figures).
    """

    decoded: int = 0
    sampled_out: int = 0
    bad_packets: int = 0
    connections: int = 0
    last_frame_at: float = 0.0
    decode_s: float = 0.0


@runtime_checkable
class FrameSource(Protocol):
    """A video input that yields sampled, timestamped frames of one camera.

    ``open()`` connects (raising :class:`vigie.errors.SourceError` with a reason that names the
    input and the problem); iterating yields :class:`vigie.core.Frame` objects until the input
    ends (a file) and raises ``SourceError`` when it breaks (a live stream lost, a corrupt file);
    ``close()`` releases it and may be called any number of times. A source can be opened again
    after ``close()`` (reconnection); its ``seq`` and ``ts`` keep increasing across connections.

    Example:
        >>> def count(source: FrameSource) -> int:
        ...     source.open()
        ...     try:
        ...         return sum(1 for _ in source)
        ...     finally:
        ...         source.close()
    """

    @property
    def camera_id(self) -> str:
        """The camera the frames belong to."""
        ...

    @property
    def name(self) -> str:
        """The input as shown in messages: file path, or URL without credentials."""
        ...

    @property
    def is_live(self) -> bool:
        """True for network streams: losing them means reconnecting, not ending."""
        ...

    @property
    def counters(self) -> SourceCounters:
        """Running totals (decoded, sampled out, bad packets, connections)."""
        ...

    def open(self) -> None:
        """Connect or open the input.

        Raises:
            SourceError: The input cannot be reached or read.
        """
        ...

    def __iter__(self) -> Iterator[Frame]:
        """Yield frames until the input ends; raise ``SourceError`` if it breaks."""
        ...

    def interrupt(self) -> None:
        """Make a running iteration return soon (next frame or pacing wait); thread-safe."""
        ...

    def close(self) -> None:
        """Release the input; idempotent. Call it from the thread that iterates."""
        ...
