"""ONNX graph edits shared by the model builder and the detector adapters."""

from __future__ import annotations

import onnx

__all__ = ["has_dynamic_hw", "with_dynamic_hw"]


def has_dynamic_hw(model: onnx.ModelProto) -> bool:
    """Whether the first input's height and width (NCHW dims 2 and 3) are symbolic."""
    dims = model.graph.input[0].type.tensor_type.shape.dim
    return len(dims) == 4 and not dims[2].HasField("dim_value") and not dims[3].HasField(
        "dim_value")


def with_dynamic_hw(model: onnx.ModelProto, height: str = "H", width: str = "W") -> onnx.ModelProto:
    """A copy of an NCHW model whose first input takes any height and width.

    Only the declared input dims change, and inferred intermediate shapes are dropped. This is
    enough when nothing inside the graph hard-codes the spatial size. For the Human package's
    NanoDet this holds: its Resize nodes use scales (x2, x0.5), its Pads are fixed
    1-pixel borders, and its six output Reshapes target ``[1, 80, -1]`` / ``[1, 44, -1]``.
    Outputs at 416x416 match the fixed model to within 1e-6, and are bit-identical with
    graph optimisation at EXTENDED or below. H and W must be multiples of 32, because of the
    stride-32 head and the x0.5 Resize.

    Args:
        model: An ONNX model with a 4-D NCHW first input; left unchanged.
        height: Symbolic name given to dim 2.
        width: Symbolic name given to dim 3.

    Returns:
        The edited copy.

    Raises:
        ValueError: The first input is not 4-D.
    """
    fixed = onnx.ModelProto()
    fixed.CopyFrom(model)
    dims = fixed.graph.input[0].type.tensor_type.shape.dim
    if len(dims) != 4:
        raise ValueError(f"expected a 4-D NCHW input, got {len(dims)} dims")
    for dim, name in ((dims[2], height), (dims[3], width)):
        dim.Clear()
        dim.dim_param = name
    del fixed.graph.value_info[:]
    return fixed
