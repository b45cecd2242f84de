"""Ground-truth files: one YAML per clip, or a pointer to a dataset folder; strict, clear errors.

A clip file::

    video: relative/path.mp4          # relative to this YAML file
    site: relative/site.yaml          # optional scene configuration
    camera: cam-id                    # optional: which camera of that site (default the first)
    events:                           # [] = a negative clip: every alert is a false alarm
      - {type: fire, start: 0.0, end: 25.8}

A dataset pointer::

    dataset: ../../../shared/data/tracking/TUD-Stadtmitte
    kind: tracking                    # optional; default: recognised from the folder layout
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast, get_args

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from vigie.config.loader import read_strict_yaml
from vigie.errors import ConfigError, VigieError
from vigie.evaluate.types import DatasetKind
from vigie.rules import EVENT_TYPES

__all__ = [
    "DATASET_KINDS",
    "ClipTruth",
    "DatasetRef",
    "GroundTruthError",
    "NotGroundTruth",
    "TruthEvent",
    "load_ground_truth",
]

DATASET_KINDS: tuple[DatasetKind, ...] = get_args(DatasetKind)
_CLIP_KEYS = ("video", "site", "camera", "events")
_DATASET_KEYS = ("dataset", "kind")
_EVENT_KEYS = ("type", "start", "end")


class GroundTruthError(VigieError):
    """A ground-truth file cannot be used; the message names the file and every problem.

    Args:
        path: The file.
        problems: One ``file:line: where: problem`` line per problem.
    """

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: invalid ground truth" + "".join(f"\n  {p}" for p in problems))


class NotGroundTruth(VigieError):
    """A YAML file that is neither a clip nor a dataset pointer (a site configuration...).

    Args:
        message: What the file is not.
        site_config: Whether it is a site configuration (which clips may name).
    """

    def __init__(self, message: str, site_config: bool = False) -> None:
        self.site_config = site_config
        super().__init__(message)


@dataclass(frozen=True)
class TruthEvent:
    """One annotated event: its type id and its interval in seconds from the clip's start."""

    type: str
    start: float
    end: float


@dataclass(frozen=True)
class ClipTruth:
    """A validated clip file; every path is absolute."""

    path: Path
    video: Path
    site: Path | None = None
    camera: str | None = None
    events: tuple[TruthEvent, ...] = ()
    notes: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class DatasetRef:
    """A dataset folder to evaluate: named by a pointer file, or found by its layout."""

    folder: Path
    kind: DatasetKind | None = None
    pointer: Path | None = None


def load_ground_truth(path: Path) -> ClipTruth | DatasetRef:
    """Read and check one ground-truth YAML file.

    Raises:
        GroundTruthError: unreadable file, bad YAML, missing video or folder, unknown event
            type or dataset kind, bad times (end < start, negative, not a number).
        NotGroundTruth: a mapping with none of ``video``, ``events``, ``dataset``.
    """
    data = _read_yaml(path)
    if "dataset" in data:
        return _dataset(path, data)
    if "video" in data or "events" in data:
        return _clip(path, data)
    if "cameras" in data:
        raise NotGroundTruth(f"{path}: a site configuration, not ground truth",
                             site_config=True)
    raise NotGroundTruth(f"{path}: not a ground-truth file (no 'video', 'events' or "
                         "'dataset' key)")


def _read_yaml(path: Path) -> CommentedMap:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GroundTruthError(path, [f"{path}: cannot read: {exc}"]) from None
    try:
        data = read_strict_yaml(text, str(path))
    except ConfigError as exc:
        raise GroundTruthError(path, [p.replace(": ", ": bad YAML: ", 1) if ": " in p else p
                                      for p in exc.problems]) from None
    if not isinstance(data, CommentedMap):
        raise NotGroundTruth(f"{path}: top level is {type(data).__name__}, not a mapping")
    return data


def _line(node: Any, key: str | int) -> int:
    try:
        if isinstance(node, CommentedMap):
            return int(node.lc.key(key)[0]) + 1
        if isinstance(node, CommentedSeq):
            return int(node.lc.item(key)[0]) + 1
    except (KeyError, IndexError, TypeError):
        pass
    return 1


def _unknown_keys(path: Path, node: CommentedMap, known: tuple[str, ...], where: str,
                  problems: list[str], notes: list[str]) -> None:
    """Keys close to a known one are typos (errors); others are ignored with a note."""
    for key in node:
        if key in known:
            continue
        close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.75)
        msg = f"{path}:{_line(node, key)}: {where}unknown key {key!r}"
        if close:
            problems.append(f"{msg} (did you mean {close[0]!r}?)")
        else:
            notes.append(f"{msg}, ignored")


def _relative_path(path: Path, node: CommentedMap, key: str, problems: list[str],
                   want_dir: bool = False) -> Path | None:
    """The path under ``key``, resolved from the YAML file's folder, checked to exist."""
    value = node.get(key)
    where = f"{path}:{_line(node, key)}: {key}"
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: must be a path (text), got {value!r}")
        return None
    target = Path(value).expanduser()
    target = (target if target.is_absolute() else path.resolve().parent / target).resolve()
    exists = target.is_dir() if want_dir else target.is_file()
    if not exists:
        what = "folder" if want_dir else "file"
        problems.append(f"{where}: {what} not found: {target} (from {value!r}, relative to "
                        f"{path.resolve().parent})")
        return None
    return target


def _dataset(path: Path, data: CommentedMap) -> DatasetRef:
    problems: list[str] = []
    notes: list[str] = []
    _unknown_keys(path, data, _DATASET_KEYS, "", problems, notes)
    folder = _relative_path(path, data, "dataset", problems, want_dir=True)
    kind = data.get("kind")
    if kind is not None and kind not in DATASET_KINDS:
        problems.append(f"{path}:{_line(data, 'kind')}: kind: unknown dataset kind {kind!r}; "
                        f"valid: {', '.join(DATASET_KINDS)}")
    if problems or folder is None:
        raise GroundTruthError(path, problems)
    return DatasetRef(folder, cast("DatasetKind | None", kind), pointer=path.resolve())


def _clip(path: Path, data: CommentedMap) -> ClipTruth:
    problems: list[str] = []
    notes: list[str] = []
    _unknown_keys(path, data, _CLIP_KEYS, "", problems, notes)
    video = None
    if "video" not in data:
        problems.append(f"{path}:1: video: missing (the clip's file, relative to this YAML)")
    else:
        video = _relative_path(path, data, "video", problems)
    site = _relative_path(path, data, "site", problems) if "site" in data else None
    camera = data.get("camera")
    if camera is not None and not isinstance(camera, str):
        problems.append(f"{path}:{_line(data, 'camera')}: camera: must be a camera id (text), "
                        f"got {camera!r}")
        camera = None
    if camera is not None and "site" not in data:
        notes.append(f"{path}:{_line(data, 'camera')}: camera: ignored without site")
        camera = None
    events = _events(path, data, problems, notes)
    if problems or video is None:
        raise GroundTruthError(path, problems)
    return ClipTruth(path.resolve(), video, site, camera, tuple(events), tuple(notes))


def _events(path: Path, data: CommentedMap, problems: list[str],
            notes: list[str]) -> list[TruthEvent]:
    raw = data.get("events")
    if raw is None:
        return []
    if not isinstance(raw, CommentedSeq):
        problems.append(f"{path}:{_line(data, 'events')}: events: must be a list "
                        f"([] for a clip without events), got {type(raw).__name__}")
        return []
    out = []
    for i, item in enumerate(raw):
        event = _event(path, raw, i, item, problems, notes)
        if event is not None:
            out.append(event)
    return out


def _event(path: Path, seq: CommentedSeq, i: int, item: Any, problems: list[str],
           notes: list[str]) -> TruthEvent | None:
    where = f"{path}:{_line(seq, i)}: events[{i}]"
    if not isinstance(item, CommentedMap):
        problems.append(f"{where}: must be a mapping {{type, start, end}}, got {item!r}")
        return None
    before = len(problems)
    _unknown_keys(path, item, _EVENT_KEYS, f"events[{i}]: ", problems, notes)
    kind = item.get("type")
    if kind not in EVENT_TYPES:
        problems.append(f"{where}.type: unknown event type {kind!r}; valid: "
                        f"{', '.join(EVENT_TYPES)}")
    start, end = _seconds(item, "start", where, problems), _seconds(item, "end", where, problems)
    if start is not None and end is not None and end < start:
        problems.append(f"{where}: end {end} s is before start {start} s")
    if len(problems) > before or start is None or end is None:
        return None
    return TruthEvent(str(kind), start, end)


def _seconds(item: CommentedMap, key: str, where: str, problems: list[str]) -> float | None:
    value = item.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.append(f"{where}.{key}: must be a number of seconds from the clip's start, "
                        f"got {value!r}")
        return None
    if value < 0:
        problems.append(f"{where}.{key}: {value} s is negative")
        return None
    return float(value)
