"""Graph-JSON fix-up that lets TF 2.21 (via tf2onnx) import TF.js graph models; stdlib only.

This module runs inside the isolated TensorFlow environment too (loaded by file path), so it
imports nothing but the standard library.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["FUSED_OPS", "collect_ops", "fix_graph_json"]

#: Fused ops whose ``TArgs`` attribute the TF.js converter drops.
FUSED_OPS = frozenset({"_FusedConv2D", "FusedDepthwiseConv2dNative", "_FusedMatMul",
                       "_FusedDepthwiseConv2dNative"})

JsonDict = dict[str, Any]


def _nodes(model: JsonDict) -> Iterator[JsonDict]:
    """Every node of the graph and of its function library."""
    topology = model.get("modelTopology", {})
    yield from topology.get("node", [])
    for func in topology.get("library", {}).get("function", []):
        yield from func.get("nodeDef", [])


def collect_ops(model: JsonDict) -> set[str]:
    """Names of the ops a TF.js graph model uses."""
    return {n["op"] for n in _nodes(model)}


def fix_graph_json(
    model: JsonDict,
    op_defaults: Mapping[str, Mapping[str, JsonDict]],
) -> tuple[JsonDict, int]:
    """Add the attributes TF's graph import insists on.

    * fused ops get ``TArgs`` = ``[T] * num_args`` (the types of their extra inputs);
    * every node gets each default attribute its op registers that the node lacks.

    Args:
        model: A parsed TF.js ``model.json`` (left unchanged).
        op_defaults: Per op name, attribute name -> default value in TF.js JSON form
            (``{"i": "0"}``, ``{"list": {}}``, ``{"s": "TkhXQw=="}``...), as read from TF's op
            registry.

    Returns:
        The fixed copy and the number of attributes added.

    Example:
        >>> m = {"modelTopology": {"node": [{"op": "_FusedConv2D", "attr": {
        ...     "T": {"type": "DT_FLOAT"}, "num_args": {"i": "1"}}}]}}
        >>> fixed, n = fix_graph_json(m, {})
        >>> fixed["modelTopology"]["node"][0]["attr"]["TArgs"], n
        ({'list': {'type': ['DT_FLOAT']}}, 1)
    """
    fixed = copy.deepcopy(model)
    added = 0
    for node in _nodes(fixed):
        attr = node.setdefault("attr", {})
        if node["op"] in FUSED_OPS and "TArgs" not in attr and "T" in attr:
            n_args = int(attr.get("num_args", {}).get("i", 0))
            attr["TArgs"] = {"list": {"type": [attr["T"]["type"]] * n_args}}
            added += 1
        for name, value in op_defaults.get(node["op"], {}).items():
            if name not in attr and value:
                attr[name] = copy.deepcopy(value)
                added += 1
    return fixed, added
