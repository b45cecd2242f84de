"""Model registry: manifests of the pretrained models, the models folder, checks and fetching."""

from vigie.models.check import CheckResult, run_check
from vigie.models.manifest import (
    MANIFESTS,
    CheckSpec,
    InputSpec,
    ModelManifest,
    SourceSpec,
    get_manifest,
)
from vigie.models.registry import (
    ENV_VAR,
    ModelStatus,
    default_models_dir,
    fetch_command,
    install_model,
    model_statuses,
    resolve_model,
    verify_model,
)

__all__ = [
    "ENV_VAR",
    "MANIFESTS",
    "CheckResult",
    "CheckSpec",
    "InputSpec",
    "ModelManifest",
    "ModelStatus",
    "SourceSpec",
    "default_models_dir",
    "fetch_command",
    "get_manifest",
    "install_model",
    "model_statuses",
    "resolve_model",
    "run_check",
    "verify_model",
]
