"""Detector latency on this machine: ``uv run python tests/detect/bench_detectors.py [MODELS_DIR]``.

Prints ms per frame (pre-processing, inference and decoding included) on the bundled vtest
frame for 1 and 2 intra-op threads, and for NanoDet with a dynamic batch dimension made here
with the onnx package, batch 1 vs 2 vs 4.

Measured on the 2-core development machine (AMD EPYC, onnxruntime 1.32, median of 30):
NanoDet 416: 24 ms (1 thread), 14.5 ms (2 threads); of which inference 21 / 11.7 ms,
pre-processing 0.5 ms, decoding 1.6 ms. CenterNet 512: 32 / 19 ms. CenterFace on 768x576:
43 / 22 ms. MoveNet 512x384: 51 / 29 ms. NanoDet batched 2 or 4 frames: same ms per frame as
one by one (14.4 ms with 2 threads), so NanoDet keeps its fixed batch of 1 and
``detect_batch`` loops.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from vigie.detect import (
    CenterNetDetector,
    DetectorOptions,
    FaceDetector,
    NanoDetDetector,
    PoseEstimator,
    RuntimeOptions,
)
from vigie.models.check import load_asset

CPU = ("CPUExecutionProvider",)


def ms_per_call(fn: Callable[[], object], repeat: int = 30) -> float:
    """Median wall time of ``fn`` in milliseconds, after 3 warm-up calls."""
    for _ in range(3):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def nanodet_with_dynamic_batch(src: Path, dst: Path) -> Path:
    """NanoDet with input/outputs batch dim 'B' and Reshape targets (0, 0, -1)."""
    model = onnx.load(str(src))
    graph = model.graph
    for i, node in enumerate(n for n in graph.node if n.op_type == "Reshape"):
        name = f"dynbatch_shape_{i}"
        graph.initializer.append(numpy_helper.from_array(np.array([0, 0, -1], np.int64), name))
        node.input[1] = name
    graph.input[0].type.tensor_type.shape.dim[0].dim_param = "B"
    for out in graph.output:
        out.type.tensor_type.shape.dim[0].dim_param = "B"
    del graph.value_info[:]
    onnx.save(model, str(dst))
    return dst


def main(models: Path) -> None:
    """Print the table."""
    frame = load_asset("vtest_frame200.jpg")
    head = load_asset("astronaut_head.jpg")
    for threads in (1, 2):
        opts = DetectorOptions(runtime=RuntimeOptions(threads=threads, providers=CPU))
        rows = {
            "nanodet 416": (NanoDetDetector(models / "nanodet.onnx", opts), frame),
            "centernet 512": (CenterNetDetector(models / "centernet.onnx", opts), frame),
            "centerface 768x576": (FaceDetector(models / "centerface.onnx",
                                                DetectorOptions(0.2, 0.3, runtime=opts.runtime)),
                                   frame),
            "centerface 256x256": (FaceDetector(models / "centerface.onnx",
                                                DetectorOptions(0.2, 0.3, runtime=opts.runtime)),
                                   head),
            "movenet 512x384": (PoseEstimator(models / "movenet-multipose.onnx",
                                              DetectorOptions(0.2, 0.6, runtime=opts.runtime)),
                                frame),
        }
        for name, (det, image) in rows.items():
            ms = ms_per_call(partial(det.detect, image))
            print(f"{threads} thread(s)  {name:20s} {ms:7.1f} ms/frame")
    with tempfile.TemporaryDirectory() as tmp:
        dyn = nanodet_with_dynamic_batch(models / "nanodet.onnx", Path(tmp) / "nanodet_b.onnx")
        for threads in (1, 2):
            det = NanoDetDetector(dyn, DetectorOptions(
                runtime=RuntimeOptions(threads=threads, providers=CPU)))
            for batch in (1, 2, 4):
                images = [frame] * batch
                ms = ms_per_call(partial(det.detect_batch, images), repeat=15) / batch
                print(f"{threads} thread(s)  nanodet batch {batch}      {ms:7.1f} ms/frame")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[3]
         / "shared" / "models")
