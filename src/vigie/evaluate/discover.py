"""What to evaluate under a path: clip files, dataset pointers, dataset folders; and what is broken.

A folder is walked recursively (sorted, hidden entries skipped): a folder laid out as a dataset
is one item and is not entered; YAML files are clips or dataset pointers; other YAML files are
skipped (site configurations silently, others listed); a malformed ground-truth file is an
error item, so that the rest of the run goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vigie.evaluate.datasets import detect_kind, find_datasets
from vigie.evaluate.groundtruth import (
    ClipTruth,
    DatasetRef,
    GroundTruthError,
    NotGroundTruth,
    load_ground_truth,
)

__all__ = ["Discovery", "InputError", "discover"]

_YAML = (".yaml", ".yml")


class InputError(Exception):
    """The path given cannot be evaluated at all (missing, or holds nothing to evaluate)."""


@dataclass
class Discovery:
    """Items found under a path, in order.

    Attributes:
        clips: Valid clip files.
        datasets: Dataset folders, each with its kind (found or from its pointer file).
        errors: (file, message) of each malformed ground-truth file.
        skipped: YAML files that are not ground truth, with the reason.
    """

    clips: list[ClipTruth] = field(default_factory=list)
    datasets: list[DatasetRef] = field(default_factory=list)
    errors: list[tuple[Path, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Whether nothing at all was found (not even a broken file)."""
        return not (self.clips or self.datasets or self.errors)


def discover(path: Path) -> Discovery:
    """Find what to evaluate at ``path`` (a ground-truth file or a folder).

    Raises:
        InputError: the path does not exist, is a file that is not ground truth, or a folder
            holding no ground truth at all.
    """
    found = Discovery()
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_file():
        try:
            _add(found, load_ground_truth(path))
        except NotGroundTruth as exc:
            raise InputError(str(exc)) from None
        except GroundTruthError as exc:
            found.errors.append((path, str(exc)))
    else:
        _walk(path, found, set())
    if found.empty:
        raise InputError(f"{path}: no ground truth found (clip YAML files, dataset pointers or "
                         "dataset folders)")
    _dedupe(found)
    return found


def _add(found: Discovery, item: ClipTruth | DatasetRef) -> None:
    if isinstance(item, ClipTruth):
        found.clips.append(item)
        return
    nested = find_datasets(item.folder, item.kind)
    if not nested and item.kind is not None:  # trust the pointer: its evaluator judges the layout
        nested = [(item.folder, item.kind)]
    if not nested:
        found.errors.append((item.pointer or item.folder, f"{item.pointer}: dataset: "
                             f"{item.folder} has no known dataset layout (tracking: gt/gt.txt; "
                             "counting: images/ + ground-truth/; weapon: images/ + labels/ + "
                             "data.yaml naming weapon; mask: with_mask/ + without_mask/)"))
    found.datasets.extend(DatasetRef(p, k, item.pointer) for p, k in nested)


def _walk(folder: Path, found: Discovery, seen: set[Path]) -> None:
    real = folder.resolve()
    if real in seen:
        return
    seen.add(real)
    kind = detect_kind(folder)
    if kind is not None:
        found.datasets.append(DatasetRef(folder.resolve(), kind))
        return
    try:
        entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    except OSError as exc:
        found.errors.append((folder, f"{folder}: cannot list: {exc.strerror}"))
        return
    for entry in entries:
        if entry.is_dir():
            _walk(entry, found, seen)
        elif entry.suffix.lower() in _YAML:
            try:
                _add(found, load_ground_truth(entry))
            except NotGroundTruth as exc:
                if not exc.site_config:
                    found.skipped.append(str(exc))
            except GroundTruthError as exc:
                found.errors.append((entry, str(exc)))


def _dedupe(found: Discovery) -> None:
    """The same dataset reached twice (a pointer and a walk) is evaluated once."""
    seen: set[tuple[Path, str | None]] = set()
    unique = []
    for ref in found.datasets:
        key = (ref.folder.resolve(), ref.kind)
        if key not in seen:
            seen.add(key)
            unique.append(ref)
    found.datasets = unique
