"""The writer's last resort: write commands kept as JSON lines until the database takes them.

Files live in ``data_dir/spool/``: ``<time>-<n>.jsonl`` segments, appended to and fsync'd one
line at a time, replayed oldest first; ``<segment>.progress`` holds how many lines of a segment
were already replayed (so a crash mid-replay repeats at most one); ``rejected.jsonl`` keeps the
commands the database refused for good, with the error, for a person to look at.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from vigie.store.types import JsonDict

__all__ = ["Spool"]

log = logging.getLogger(__name__)


class Spool:
    """Append-only JSON-lines segments, safe to append to from several threads.

    Args:
        folder: The spool folder (created).

    Example:
        >>> import tempfile
        >>> spool = Spool(Path(tempfile.mkdtemp()))
        >>> spool.append({"type": "x"})
        >>> [list(spool.entries(seg)) for seg in spool.segments(seal=True)]
        [[(1, {'type': 'x'})]]
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._current: IO[str] | None = None
        self._counter = 0

    def append(self, entry: JsonDict) -> None:
        """Write one entry durably (flush and fsync) to the open segment.

        Raises:
            OSError: The disk refused it too (full, read-only): the caller must report it.
        """
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
        with self._lock:
            if self._current is None:
                self._current = self._open_segment()
            self._current.write(line)
            self._current.flush()
            os.fsync(self._current.fileno())

    def _open_segment(self) -> IO[str]:
        self._counter += 1
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.folder / f"{stamp}-{os.getpid()}-{self._counter:06d}.jsonl"
        return path.open("a", encoding="utf-8")

    def pending(self) -> bool:
        """Whether any segment waits for replay."""
        return any(self.folder.glob("*.jsonl"))

    def segments(self, *, seal: bool) -> list[Path]:
        """Segments to replay, oldest first.

        Args:
            seal: Close the open segment and list it too; otherwise it is left out and keeps
                taking appends (so a failed replay attempt does not multiply files).
        """
        with self._lock:
            if seal and self._current is not None:
                self._current.close()
                self._current = None
            open_path = Path(self._current.name) if self._current is not None else None
            return sorted(p for p in self.folder.glob("*.jsonl") if p != open_path)

    def entries(self, segment: Path) -> Iterator[tuple[int, JsonDict]]:
        """``(line number, entry)`` not yet replayed; a torn line (crash) is set aside."""
        done = self._progress(segment)
        with segment.open(encoding="utf-8") as lines:
            for index, line in enumerate(lines):
                if index < done or not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    log.error("spool %s line %d is not JSON, kept aside: %r", segment.name,
                              index + 1, line[:200])
                    self.reject({"raw": line}, "not JSON")
                    continue
                yield index + 1, entry

    def mark_done(self, segment: Path, line_number: int) -> None:
        """Record that the lines up to ``line_number`` (from ``entries``) were replayed."""
        segment.with_suffix(".progress").write_text(str(line_number), encoding="utf-8")

    def _progress(self, segment: Path) -> int:
        try:
            return int(segment.with_suffix(".progress").read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return 0

    def remove(self, segment: Path) -> None:
        """Delete a fully replayed segment and its progress file."""
        segment.with_suffix(".progress").unlink(missing_ok=True)
        segment.unlink(missing_ok=True)

    def reject(self, entry: JsonDict, error: str) -> None:
        """Keep a command the database refused for good, with the reason."""
        record = {"rejected_at": time.time(), "error": error, "entry": entry}
        line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
        with self._lock, (self.folder / "rejected.jsonl").open("a", encoding="utf-8") as out:
            out.write(line)
            out.flush()
            os.fsync(out.fileno())

    def close(self) -> None:
        """Close the open segment, if any."""
        self.segments(seal=True)
