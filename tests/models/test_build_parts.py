"""Pure parts of the registry build: TF.js graph-JSON fix-up and CenterFace's dynamic dims."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from vigie.models._tfjs_fixup import collect_ops, fix_graph_json
from vigie.models.build import CENTERFACE_OUTPUTS, fix_centerface_dims

FLOAT = {"type": "DT_FLOAT"}


def graph_json() -> dict[str, Any]:
    return {"format": "graph-model", "modelTopology": {
        "node": [
            {"name": "x", "op": "Placeholder", "attr": {"dtype": FLOAT}},
            {"name": "c", "op": "_FusedConv2D", "input": ["x", "w", "b"],
             "attr": {"T": FLOAT, "num_args": {"i": "1"}, "padding": {"s": "U0FNRQ=="}}},
            {"name": "d", "op": "FusedDepthwiseConv2dNative", "input": ["c", "w2", "b2"],
             "attr": {"T": FLOAT, "num_args": {"i": "2"}, "TArgs": {"list": {"type": []}}}},
            {"name": "s", "op": "StridedSlice", "attr": {"begin_mask": {"i": "1"}}},
        ],
        "library": {"function": [{"signature": {"name": "f"}, "nodeDef": [
            {"name": "f1", "op": "StridedSlice"}]}]},
    }}


DEFAULTS: dict[str, dict[str, dict[str, Any]]] = {
    "_FusedConv2D": {"data_format": {"s": "TkhXQw=="}, "epsilon": {"f": 0.0001},
                     "fused_ops": {"list": {}}, "padding": {"s": "VkFMSUQ="}},
    "StridedSlice": {"begin_mask": {"i": "0"}, "end_mask": {"i": "0"}},
    "Unused": {"x": {"i": "1"}},
}


def test_collect_ops_includes_functions() -> None:
    assert collect_ops(graph_json()) == {"Placeholder", "_FusedConv2D",
                                         "FusedDepthwiseConv2dNative", "StridedSlice"}


def test_fix_adds_targs_and_defaults_without_overwriting() -> None:
    original = graph_json()
    fixed, added = fix_graph_json(original, DEFAULTS)
    nodes = {n["name"]: n for n in fixed["modelTopology"]["node"]}
    conv = nodes["c"]["attr"]
    assert conv["TArgs"] == {"list": {"type": ["DT_FLOAT"]}}
    assert conv["data_format"] == {"s": "TkhXQw=="}
    assert conv["fused_ops"] == {"list": {}}
    assert conv["padding"] == {"s": "U0FNRQ=="}  # the node's own value wins
    assert nodes["d"]["attr"]["TArgs"] == {"list": {"type": []}}  # already there
    assert nodes["s"]["attr"] == {"begin_mask": {"i": "1"}, "end_mask": {"i": "0"}}
    func_node = fixed["modelTopology"]["library"]["function"][0]["nodeDef"][0]
    assert func_node["attr"] == {"begin_mask": {"i": "0"}, "end_mask": {"i": "0"}}
    assert added == 1 + 3 + 1 + 2
    assert "TArgs" not in original["modelTopology"]["node"][1]["attr"]  # input untouched
    assert fix_graph_json(fixed, DEFAULTS)[1] == 0  # idempotent


def test_fix_skips_empty_default_values() -> None:
    fixed, added = fix_graph_json(graph_json(), {"Placeholder": {"shape": {}}})
    assert added == 1  # only TArgs on the fused conv
    assert "shape" not in fixed["modelTopology"]["node"][0]["attr"]


def tiny_centerface() -> onnx.ModelProto:
    """CenterFace's layout at toy scale: fixed [10, 3, 32, 32] input, weights listed as inputs."""
    x = helper.make_tensor_value_info("input.1", TensorProto.FLOAT, [10, 3, 32, 32])
    weights, nodes, outputs, inputs = [], [], [], [x]
    for name, channels in CENTERFACE_OUTPUTS.items():
        w = np.full((channels, 3, 4, 4), 0.01, np.float32)
        weights.append(numpy_helper.from_array(w, f"w{name}"))
        inputs.append(helper.make_tensor_value_info(f"w{name}", TensorProto.FLOAT, w.shape))
        nodes.append(helper.make_node("Conv", ["input.1", f"w{name}"], [name], strides=[4, 4]))
        outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT,
                                                     [10, channels, 8, 8]))
    graph = helper.make_graph(nodes, "tiny_centerface", inputs, outputs, initializer=weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 9)])
    model.ir_version = 4
    return model


def test_centerface_dims_fix() -> None:
    fixed = fix_centerface_dims(tiny_centerface())
    onnx.checker.check_model(fixed)
    assert [i.name for i in fixed.graph.input] == ["input.1"]
    dims = [d.dim_param or d.dim_value for d in fixed.graph.input[0].type.tensor_type.shape.dim]
    assert dims == ["B", 3, "H", "W"]
    out_dims = {o.name: [d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim]
                for o in fixed.graph.output}
    assert out_dims == {"537": ["B", 1, "h", "w"], "538": ["B", 2, "h", "w"],
                        "539": ["B", 2, "h", "w"], "540": ["B", 10, "h", "w"]}
    session = ort.InferenceSession(fixed.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    outs = session.run(None, {"input.1": np.ones((2, 3, 64, 96), np.float32)})
    assert [o.shape for o in outs] == [(2, 1, 16, 24), (2, 2, 16, 24), (2, 2, 16, 24),
                                       (2, 10, 16, 24)]
    np.testing.assert_allclose(outs[0], 0.01 * 48, rtol=1e-5)


def test_original_tiny_centerface_rejects_other_sizes() -> None:
    session = ort.InferenceSession(tiny_centerface().SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    with pytest.raises(Exception, match="(?i)invalid|dimension"):
        session.run(None, {"input.1": np.ones((2, 3, 64, 96), np.float32)})
