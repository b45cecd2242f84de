"""Dataset folders: recognise their layout, and find the evaluator of each kind.

Layouts:
    tracking: ``gt/gt.txt`` (MOT Challenge), ``seqinfo.ini``, a video or ``img1/`` frames.
    counting: ``images/`` and ``ground-truth/GT_IMG_N.mat`` (ShanghaiTech).
    weapon: ``images/``, YOLO ``labels/`` and a ``data.yaml`` whose ``names`` include weapon.
    mask: ``with_mask/`` and ``without_mask/`` image folders.

Evaluators are functions ``(folder, ctx) -> DatasetScore`` imported on first use, so that a
kind whose module is missing reports "evaluator not available yet" and the run goes on.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import cast

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from vigie.errors import VigieError
from vigie.evaluate.types import DatasetKind, DatasetScore, EvalContext

__all__ = ["EVALUATORS", "EvaluatorUnavailable", "detect_kind", "evaluator_for",
           "find_datasets"]

Evaluator = Callable[[Path, EvalContext], DatasetScore]

#: Where each kind's evaluator lives: "module:function".
EVALUATORS: dict[DatasetKind, str] = {
    "tracking": "vigie.evaluate.tracking:evaluate_tracking",
    "counting": "vigie.evaluate.counting:evaluate_counting",
    "weapon": "vigie.evaluate.weapons:evaluate_weapons",
    "mask": "vigie.evaluate.masks:evaluate_masks",
}
_MAX_DEPTH = 3


class EvaluatorUnavailable(VigieError):
    """The evaluator of a dataset kind cannot be imported."""


def evaluator_for(kind: DatasetKind) -> Evaluator:
    """The evaluator function of a dataset kind.

    Raises:
        EvaluatorUnavailable: its module or function does not exist (yet).
    """
    module_name, func_name = EVALUATORS[kind].split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise EvaluatorUnavailable(f"{kind} evaluator not available yet ({module_name} is "
                                   "missing)") from None
    func = getattr(module, func_name, None)
    if not callable(func):
        raise EvaluatorUnavailable(f"{kind} evaluator not available yet ({module_name} has no "
                                   f"{func_name})")
    return cast(Evaluator, func)


def detect_kind(folder: Path) -> DatasetKind | None:
    """The kind of dataset a folder holds, judged by its layout; None when it is none."""
    if (folder / "gt" / "gt.txt").is_file():
        return "tracking"
    if (folder / "images").is_dir() and (folder / "ground-truth").is_dir():
        return "counting"
    if (folder / "images").is_dir() and (folder / "labels").is_dir() and _names_weapon(folder):
        return "weapon"
    if (folder / "with_mask").is_dir() and (folder / "without_mask").is_dir():
        return "mask"
    return None


def _names_weapon(folder: Path) -> bool:
    """Whether the folder's data.yaml lists a class named weapon."""
    for name in ("data.yaml", "data.yml"):
        path = folder / name
        if not path.is_file():
            continue
        try:
            data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, YAMLError):
            return False
        names = data.get("names") if isinstance(data, dict) else None
        values = names.values() if isinstance(names, dict) else names or []
        return any(str(v).strip().lower() == "weapon" for v in values)
    return False


def find_datasets(folder: Path, kind: DatasetKind | None = None,
                  depth: int = 0) -> list[tuple[Path, DatasetKind]]:
    """The dataset folders at or below ``folder`` (not inside one another), sorted.

    Args:
        folder: Where to look.
        kind: Keep only this kind.
        depth: Levels already walked (the search stops a few levels down).
    """
    found = detect_kind(folder)
    if found is not None and (kind is None or found == kind):
        return [(folder, found)]
    if found is not None or depth >= _MAX_DEPTH:
        return []
    out: list[tuple[Path, DatasetKind]] = []
    try:
        children = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []
    for child in children:
        out.extend(find_datasets(child, kind, depth + 1))
    return out
