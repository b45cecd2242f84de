"""Converts one model to ONNX inside the isolated TensorFlow environment (run as a script).

Usage: ``python -I _convert_worker.py tfjs MODEL.json OUT.onnx`` or
``python -I _convert_worker.py keras MODEL.h5 OUT.onnx``. Needs tensorflow-cpu, tf2onnx and
tf-keras; imports nothing from Vigie except the stdlib-only fix-up module beside it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ["TF_USE_LEGACY_KERAS"] = "1"


def _fixup_module() -> ModuleType:
    path = Path(__file__).with_name("_tfjs_fixup.py")
    spec = importlib.util.spec_from_file_location("vigie_tfjs_fixup", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _patch_numpy() -> None:
    """tf2onnx 1.17 calls numpy.product, which numpy 2 removed."""
    import numpy as np

    if not hasattr(np, "product"):
        np.product = np.prod  # type: ignore[attr-defined]


def _op_defaults(ops: set[str]) -> dict[str, dict[str, Any]]:
    from google.protobuf import json_format
    from tensorflow.python.framework import op_def_registry

    out: dict[str, dict[str, Any]] = {}
    for op in sorted(ops):
        op_def = op_def_registry.get(op)
        if op_def is not None:
            out[op] = {a.name: json_format.MessageToDict(a.default_value)
                       for a in op_def.attr if a.HasField("default_value")}
    return out


def convert_tfjs(model_json: Path, out: Path) -> None:
    """TF.js graph model -> fixed graph JSON beside it -> ONNX opset 13."""
    fixup = _fixup_module()
    model = json.loads(model_json.read_text(encoding="utf-8"))
    fixed, added = fixup.fix_graph_json(model, _op_defaults(fixup.collect_ops(model)))
    fixed_path = model_json.with_name(model_json.stem + ".fixed.json")
    fixed_path.write_text(json.dumps(fixed), encoding="utf-8")
    print(f"graph fix-up: {added} attributes added", flush=True)
    _patch_numpy()
    from tf2onnx import convert

    sys.argv = ["tf2onnx", "--tfjs", str(fixed_path), "--opset", "13", "--output", str(out)]
    convert.main()


def convert_keras(h5: Path, out: Path) -> None:
    """Keras HDF5 (tf-keras) -> ONNX opset 13 with input ``input`` (N, 224, 224, 3)."""
    _patch_numpy()
    import tensorflow as tf
    import tf2onnx
    import tf_keras

    model = tf_keras.models.load_model(str(h5), compile=False)
    shape = (None, *model.inputs[0].shape[1:])
    spec = (tf.TensorSpec(shape, tf.float32, name="input"),)
    tf2onnx.convert.from_keras(model, input_signature=spec, opset=13, output_path=str(out))
    print(f"converted {h5.name}: input {shape}", flush=True)


def main(argv: list[str]) -> int:
    """Entry point: ``KIND SRC OUT``."""
    if len(argv) != 3 or argv[0] not in {"tfjs", "keras"}:
        print(__doc__, file=sys.stderr)
        return 2
    kind, src, out = argv[0], Path(argv[1]), Path(argv[2])
    (convert_tfjs if kind == "tfjs" else convert_keras)(src, out)
    return 0 if out.is_file() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
