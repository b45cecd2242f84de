"""onnxruntime sessions: thread count, execution providers, and load errors as ModelError."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import onnxruntime as ort

from vigie.errors import ModelError

__all__ = ["DEFAULT_RUNTIME", "RuntimeOptions", "create_session", "default_providers"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RuntimeOptions:
    """How a model runs.

    Attributes:
        threads: onnxruntime intra-op threads.
        providers: Execution providers in order of preference; None picks CUDA when
            onnxruntime has it, else CPU.
    """

    threads: int = 2
    providers: tuple[str, ...] | None = None


#: Two intra-op threads, providers picked by :func:`default_providers`.
DEFAULT_RUNTIME = RuntimeOptions()


def default_providers() -> list[str]:
    """CUDA then CPU when this onnxruntime build has CUDA, else CPU only."""
    available = ort.get_available_providers()
    if "CUDAExecutionProvider" in available:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def _pick_providers(requested: tuple[str, ...] | None) -> list[str]:
    if requested is None:
        return default_providers()
    available = ort.get_available_providers()
    usable = [p for p in requested if p in available]
    missing = [p for p in requested if p not in available]
    if not usable:
        raise ModelError(f"none of the execution providers {list(requested)} is available in "
                         f"this onnxruntime build; available: {available}")
    if missing:
        log.warning("execution providers %s are not available here; using %s", missing, usable)
    return usable


def create_session(path: Path, options: RuntimeOptions = DEFAULT_RUNTIME) -> ort.InferenceSession:
    """Open an ONNX model.

    Args:
        path: The .onnx file.
        options: Threads and providers.

    Returns:
        A ready inference session.

    Raises:
        ModelError: The file is missing or onnxruntime cannot load it.
    """
    if not path.is_file():
        raise ModelError(f"model file {path} does not exist")
    so = ort.SessionOptions()
    so.intra_op_num_threads = options.threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.log_severity_level = 3  # CenterFace's unused initializers warn at every load otherwise
    try:
        return ort.InferenceSession(str(path), sess_options=so,
                                    providers=_pick_providers(options.providers))
    except ModelError:
        raise
    except Exception as exc:  # onnxruntime raises several private exception types
        raise ModelError(f"onnxruntime cannot load {path}: {exc}") from exc
