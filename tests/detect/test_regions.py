"""Region detection: crop planning, box mapping and merging, and NanoDet on crops of vtest."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import cast

import numpy as np
import numpy.typing as npt
import onnx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigie.core import COCO_CLASSES, Detections
from vigie.detect import Detector, DetectorOptions, NanoDetDetector
from vigie.detect.regions import (
    DEFAULT_COST,
    DEFAULT_LADDER,
    CostModel,
    Crop,
    Ladder,
    RegionDetector,
    crop_for,
    cut_by_crop,
    merge_crop_detections,
    plan_regions,
)
from vigie.models.graph import has_dynamic_hw, with_dynamic_hw

Image = npt.NDArray[np.uint8]
FRAME = (768, 576)
PERSON = COCO_CLASSES.index("person")


#: Windows fed at native resolution, the ladder the brief started from (easy to check by hand).
NATIVE = Ladder((256, 320, 416), scale=1.0)


@pytest.mark.parametrize(
    ("box", "expected"),
    [
        ((370, 270, 400, 330), Crop(257, 172, 513, 428, (256, 256))),
        ((0, 0, 40, 90), Crop(0, 0, 256, 256, (256, 256))),
        ((740, 500, 768, 576), Crop(512, 320, 768, 576, (256, 256))),
        ((100, 100, 150, 356), Crop(0, 100, 256, 356, (256, 256))),
        ((100, 100, 150, 357), Crop(0, 68, 320, 388, (320, 320))),
        ((300, 100, 700, 180), Crop(292, 0, 708, 416, (416, 416))),
        ((100, 40, 600, 300), Crop(100, 0, 600, 500, (416, 416))),
        ((0, 0, 700, 100), Crop(0, 0, 768, 576, (416, 416))),
    ],
    ids=["centred-256", "top-left-clamped", "bottom-right-clamped", "exactly-256",
         "just-over-256", "wide-416", "bigger-than-ladder-downscaled", "wider-than-frame"],
)
def test_crop_for_native(box: tuple[int, int, int, int], expected: Crop) -> None:
    assert crop_for(box, FRAME, NATIVE) == expected


@pytest.mark.parametrize(
    ("box", "expected"),
    [
        ((370, 270, 400, 330), Crop(278, 194, 491, 407, (160, 160))),
        ((740, 500, 768, 576), Crop(555, 363, 768, 576, (160, 160))),
        ((100, 100, 150, 356), Crop(0, 100, 256, 356, (192, 192))),
        ((100, 100, 150, 357), Crop(0, 79, 299, 378, (224, 224))),
        ((300, 100, 700, 180), Crop(286, 0, 713, 427, (320, 320))),
        ((100, 40, 600, 300), Crop(72, 0, 627, 555, (416, 416))),
        ((0, 0, 560, 100), Crop(0, 0, 560, 560, (416, 416))),
        ((0, 0, 700, 100), Crop(0, 0, 768, 576, (416, 416))),
    ],
    ids=["small-213-at-160", "bottom-right-clamped", "exactly-256-at-192",
         "just-over-256-at-224", "wide-427-at-320", "555-at-416", "beyond-ladder-at-416",
         "wider-than-frame"],
)
def test_crop_for_default_ladder(box: tuple[int, int, int, int], expected: Crop) -> None:
    crop = crop_for(box, FRAME)
    assert crop == expected
    assert crop.input_size[0] <= 0.76 * crop.size[0]  # always downscaled by 0.75 or more


def test_ladder() -> None:
    assert DEFAULT_LADDER.windows == (213, 256, 299, 341, 427, 555)
    assert crop_for((10, 10, 50, 100), FRAME, Ladder((128, 192), 1.0)) == Crop(
        0, 0, 128, 128, (128, 128))
    assert crop_for((10, 10, 50, 400), (320, 240), Ladder(full_input=(320, 256))) == Crop(
        0, 0, 320, 240, (320, 256))
    for inputs, scale in [((), 1.0), ((256, 250), 1.0), ((320, 256), 1.0), ((256, 256), 1.0),
                          ((256,), 0.0), ((256,), 1.5)]:
        with pytest.raises(ValueError, match="ladder"):
            Ladder(inputs, scale)


@pytest.mark.parametrize(
    ("regions", "expected"),
    [
        ([], []),
        ([[10, 10, 10, 50], [30, 30, 20, 40]], []),
        ([[100, 100, 150, 200], [160, 110, 200, 210]],
         [Crop(22, 27, 278, 283, (256, 256))]),
        ([[10, 10, 60, 100], [700, 480, 760, 570]],
         [Crop(0, 0, 256, 256, (256, 256)), Crop(512, 320, 768, 576, (256, 256))]),
        ([[100, 100, 150, 200], [100, 250, 150, 350], [100, 400, 150, 500]],
         [Crop(0, 320, 256, 576, (256, 256)), Crop(0, 97, 256, 353, (256, 256))]),
        ([[50, 50, 100, 150], [350, 50, 400, 150], [50, 350, 100, 450]],
         [Crop(0, 0, 768, 576, (416, 416))]),
        ([[100, 100, 150, 200], [0, 0, 768, 560]], [Crop(0, 0, 768, 576, (416, 416))]),
    ],
    ids=["none", "degenerate-ignored", "close-pair-merged", "far-pair-kept-apart",
         "column-of-three-into-two", "spread-three-as-dear-as-full-frame",
         "huge-region-means-full-frame"],
)
def test_plan_regions_native(regions: list[list[int]], expected: list[Crop]) -> None:
    assert plan_regions(np.asarray(regions, np.float32).reshape(-1, 4), FRAME,
                        ladder=NATIVE) == expected


@pytest.mark.parametrize(
    ("regions", "expected"),
    [
        ([[100, 100, 150, 200], [160, 110, 200, 210]], [Crop(44, 48, 257, 261, (160, 160))]),
        ([[100, 100, 150, 200], [100, 250, 150, 350], [100, 400, 150, 500]],
         [Crop(18, 344, 231, 557, (160, 160)), Crop(0, 97, 256, 353, (192, 192))]),
        ([[50, 50, 100, 150], [350, 50, 400, 150], [50, 350, 100, 450]],
         [Crop(0, 0, 213, 213, (160, 160)), Crop(268, 0, 481, 213, (160, 160)),
          Crop(0, 294, 213, 507, (160, 160))]),
    ],
    ids=["close-pair-merged", "column-of-three-into-two", "spread-three-kept-apart"],
)
def test_plan_regions_default_ladder(regions: list[list[int]], expected: list[Crop]) -> None:
    assert plan_regions(regions, FRAME) == expected


def test_plan_without_the_full_frame() -> None:
    spread = [[50, 50, 100, 150], [350, 50, 400, 150], [50, 350, 100, 450]]
    assert plan_regions(spread, FRAME, ladder=NATIVE, allow_full_frame=False) == [
        Crop(17, 42, 433, 458, (416, 416))]  # one crop for all beats three 256 px crops
    wide = [[100, 100, 500, 200]]
    assert plan_regions(wide, FRAME, ladder=NATIVE) == [Crop(0, 0, 768, 576, (416, 416))]
    assert plan_regions(wide, FRAME, ladder=NATIVE, allow_full_frame=False) == [
        Crop(92, 0, 508, 416, (416, 416))]


def test_plan_merges_only_when_cheaper() -> None:
    near = [[100, 100, 150, 200], [350, 100, 400, 200]]  # union 300 wide: 320 beats 2 x 256
    assert plan_regions(near, FRAME, ladder=NATIVE) == [Crop(90, 0, 410, 320, (320, 320))]
    far = [[100, 100, 150, 200], [450, 100, 500, 200]]  # union 400 wide: 416 dearer than 2 x 256
    assert len(plan_regions(far, FRAME, ladder=NATIVE)) == 2
    per_call = CostModel(fixed_ms=50.0, ms_per_kpixel=0.127)  # dear calls: one crop wins
    assert plan_regions(far, FRAME, ladder=NATIVE, cost=per_call, allow_full_frame=False) == [
        Crop(92, 0, 508, 416, (416, 416))]


boxes_strategy = st.lists(
    st.tuples(st.integers(0, 760), st.integers(0, 570), st.integers(1, 500),
              st.integers(1, 400)),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(boxes_strategy, st.sampled_from([DEFAULT_LADDER, NATIVE]))
def test_plan_covers_every_region_inside_the_frame(raw: list[tuple[int, int, int, int]],
                                                   ladder: Ladder) -> None:
    regions = np.asarray([[x, y, min(x + w, FRAME[0]), min(y + h, FRAME[1])]
                          for x, y, w, h in raw], np.float32).reshape(-1, 4)
    crops = plan_regions(regions, FRAME, ladder=ladder)
    assert len(crops) <= len(regions)
    for c in crops:
        assert 0 <= c.x1 < c.x2 <= FRAME[0]
        assert 0 <= c.y1 < c.y2 <= FRAME[1]
        assert c.input_size[0] <= c.size[0]
        assert c.input_size[1] <= c.size[1]
        assert c.input_size[0] % 32 == 0
        assert c.input_size[1] % 32 == 0
    for r in regions:
        assert any(c.x1 <= r[0] and c.y1 <= r[1] and r[2] <= c.x2 and r[3] <= c.y2
                   for c in crops), (r, crops)
    merged = sum(DEFAULT_COST.ms(c.input_size) for c in crops)
    apart = sum(DEFAULT_COST.ms(crop_for(r, FRAME, ladder).input_size) for r in regions)
    assert merged <= apart + 1e-6


def test_cost_model() -> None:
    cost = CostModel(fixed_ms=1.0, ms_per_kpixel=0.1)
    assert cost.ms((100, 100)) == pytest.approx(2.0)
    assert DEFAULT_COST.ms((256, 256)) < DEFAULT_COST.ms((320, 320)) < DEFAULT_COST.ms(
        (416, 416))
    assert 20 < DEFAULT_COST.ms((416, 416)) < 25  # one core, as measured


@pytest.mark.parametrize(
    ("box", "cut"),
    [
        ((120, 120, 180, 200), False),
        ((100, 120, 150, 200), True),
        ((102, 120, 150, 200), True),
        ((110, 120, 150, 200), False),
        ((300, 200, 356, 356), True),
        ((0, 0, 40, 90), False),
    ],
    ids=["inside", "on-left-edge", "near-left-edge", "clear-of-left-edge",
         "on-right-and-bottom", "on-frame-border"],
)
def test_cut_by_crop(box: tuple[int, int, int, int], cut: bool) -> None:
    crop = Crop(100, 100, 356, 356, (256, 256))
    frame_crop = Crop(0, 0, 256, 256, (256, 256))
    c = frame_crop if box[0] == 0 else crop
    got = cut_by_crop(np.asarray([box], np.float32), c, FRAME)
    assert bool(got[0]) is cut


def dets(boxes: Sequence[Sequence[float]], scores: Sequence[float],
         classes: Sequence[int] | None = None) -> Detections:
    """Detections of the given class (person by default)."""
    ids = [PERSON] * len(boxes) if classes is None else list(classes)
    return Detections.from_arrays(np.asarray(boxes, np.float32).reshape(-1, 4), scores, ids)


def test_merge_drops_a_cut_box_seen_whole_elsewhere() -> None:
    left, right = Crop(0, 0, 256, 256, (256, 256)), Crop(200, 0, 456, 256, (256, 256))
    half = dets([[230, 50, 256, 150]], [0.9])  # cut by the left crop's right edge
    whole = dets([[230, 50, 280, 150]], [0.6])  # the right crop sees it all
    merged = merge_crop_detections([half, whole], [left, right], FRAME, 0.5)
    np.testing.assert_allclose(merged.xyxy, [[230, 50, 280, 150]])


def test_merge_keeps_cut_boxes_nobody_sees_whole_and_other_classes() -> None:
    left, right = Crop(0, 0, 256, 256, (256, 256)), Crop(300, 0, 556, 256, (256, 256))
    cut = dets([[230, 50, 256, 150]], [0.9])
    car = dets([[230, 50, 280, 150]], [0.6], [COCO_CLASSES.index("car")])
    merged = merge_crop_detections([cut, car], [left, right], FRAME, 0.5)
    assert len(merged) == 2


def test_merge_drops_cut_boxes_outside_the_regions() -> None:
    crop = Crop(0, 0, 256, 256, (256, 256))
    found = dets([[230, 50, 256, 150], [100, 100, 140, 200], [200, 10, 240, 40]],
                 [0.9, 0.8, 0.7])
    regions = np.asarray([[90, 90, 150, 210], [180, 0, 250, 60]], np.float32)
    merged = merge_crop_detections([found], [crop], FRAME, 0.5, regions=regions)
    # the cut box is centred outside both regions; a whole box outside them would stay
    np.testing.assert_allclose(merged.xyxy, found.xyxy[1:])
    assert len(merge_crop_detections([found], [crop], FRAME, 0.5)) == 3


def test_merge_runs_nms_over_overlapping_crops() -> None:
    a, b = Crop(0, 0, 256, 256, (256, 256)), Crop(50, 0, 306, 256, (256, 256))
    merged = merge_crop_detections([dets([[100, 50, 150, 150]], [0.8]),
                                    dets([[102, 52, 151, 150]], [0.7])], [a, b], FRAME, 0.5)
    assert len(merged) == 1
    assert merged.confidence[0] == pytest.approx(0.8)
    assert len(merge_crop_detections([], [], FRAME, 0.5)) == 0


class FakeNanoDet:
    """Sees fixed objects (frame pixels) through whatever window it is given, in order."""

    labels = COCO_CLASSES
    input_size = (416, 416)
    flexible = True
    options = DetectorOptions()

    def __init__(self, objects: Detections, crops: Sequence[Crop]) -> None:
        self.objects = objects
        self.crops = list(crops)
        self.calls: list[tuple[tuple[int, ...], tuple[int, int]]] = []

    def detect(self, image: Image) -> Detections:
        return self.objects

    def detect_at(self, image: Image, size: tuple[int, int]) -> Detections:
        crop = self.crops.pop(0)
        self.calls.append((image.shape, size))
        local = self.objects.xyxy - np.asarray([crop.x1, crop.y1] * 2, np.float32)
        w, h = crop.size
        local[:, [0, 2]] = local[:, [0, 2]].clip(0, w)
        local[:, [1, 3]] = local[:, [1, 3]].clip(0, h)
        seen = (local[:, 2] > local[:, 0]) & (local[:, 3] > local[:, 1])
        return Detections(local[seen], self.objects.confidence[seen],
                          self.objects.class_id[seen])


def test_boxes_map_back_to_the_frame() -> None:
    frame = np.zeros((FRAME[1], FRAME[0], 3), np.uint8)
    objects = dets([[300, 200, 340, 300], [360, 210, 400, 310], [700, 40, 730, 100]],
                   [0.9, 0.8, 0.7])
    crops = [Crop(200, 120, 456, 376, (256, 256)), Crop(352, 0, 768, 416, (416, 416))]
    fake = FakeNanoDet(objects, crops)
    found = RegionDetector(cast(NanoDetDetector, fake)).detect_crops(frame, crops)
    order = np.argsort(found.xyxy[:, 0])
    # the second object is whole in both crops (NMS keeps one); the third in the second only
    np.testing.assert_allclose(found.xyxy[order], objects.xyxy)
    assert fake.calls == [((256, 256, 3), (256, 256)), ((416, 416, 3), (416, 416))]


def test_region_detector_needs_a_flexible_model() -> None:
    fixed = FakeNanoDet(Detections.empty(), [])
    fixed.flexible = False
    with pytest.raises(ValueError, match="flexible=True"):
        RegionDetector(cast(NanoDetDetector, fixed))


def test_costs_and_the_full_frame_choice() -> None:
    frame = np.zeros((FRAME[1], FRAME[0], 3), np.uint8)
    fake = FakeNanoDet(dets([[300, 200, 340, 300]], [0.9]), [])
    det = RegionDetector(cast(NanoDetDetector, fake), ladder=NATIVE)
    corners = [[0, 0, 40, 90], [728, 486, 768, 576], [728, 0, 768, 90], [0, 486, 40, 576]]
    assert det.estimated_ms([], FRAME) == 0
    assert det.estimated_ms(corners[:1], FRAME) == pytest.approx(DEFAULT_COST.ms((256, 256)))
    assert det.prefers_regions(corners[:2], FRAME)  # 2 x 256^2 < 0.9 x 416^2
    assert not det.prefers_regions(corners[:3], FRAME)  # 3 x 256 px: the full frame is cheaper
    assert det.plan(corners, FRAME) == [Crop(0, 0, *FRAME, det.input_size)]
    assert det.estimated_ms(corners, FRAME) == pytest.approx(det.full_frame_ms())
    assert len(det.detect_regions(frame, corners)) == 1  # the full frame ran
    wide = [[100, 100, 500, 200]]  # one 416 px crop: as dear as the frame, which sees more
    assert det.plan(wide, FRAME) == [Crop(0, 0, *FRAME, det.input_size)]
    assert det.plan(wide, FRAME, allow_full_frame=False)[0].size == (416, 416)
    assert len(det.detect_regions(frame, [])) == 0
    assert isinstance(det, Detector)  # usable wherever a full-frame detector is
    small = RegionDetector(cast(NanoDetDetector, fake))  # default ladder: 213 px at 160
    assert small.estimated_ms(corners, FRAME) == pytest.approx(4 * DEFAULT_COST.ms((160, 160)))
    assert small.prefers_regions(corners, FRAME)


def test_with_dynamic_hw_edits_only_the_input() -> None:
    x = onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 3, 416, 416])
    y = onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 3, 416, 416])
    graph = onnx.helper.make_graph([onnx.helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y])
    model = onnx.helper.make_model(graph)
    assert not has_dynamic_hw(model)
    edited = with_dynamic_hw(model)
    assert has_dynamic_hw(edited)
    assert not has_dynamic_hw(model)  # the original is left alone
    dims = edited.graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_value or d.dim_param for d in dims] == [1, 3, "H", "W"]


# --- on the real model --------------------------------------------------------------------


@pytest.mark.parametrize("model_file", ["nanodet"], indirect=True)
def test_flexible_nanodet_matches_the_fixed_one(model_file: Path, vtest_frame: Image) -> None:
    fixed, flexible = NanoDetDetector(model_file), NanoDetDetector(model_file, flexible=True)
    assert flexible.flexible
    assert not fixed.flexible
    a, b = fixed.detect(vtest_frame), flexible.detect(vtest_frame)
    np.testing.assert_allclose(a.xyxy, b.xyxy, atol=1e-2)
    np.testing.assert_allclose(a.confidence, b.confidence, atol=1e-4)
    with pytest.raises(ValueError, match="flexible=True"):
        fixed.detect_at(vtest_frame, (320, 320))
    with pytest.raises(ValueError, match="multiples of 32"):
        flexible.detect_at(vtest_frame, (300, 320))


@pytest.mark.parametrize("side", [256, 320])
@pytest.mark.parametrize("model_file", ["nanodet"], indirect=True)
def test_nanodet_on_a_crop_at_other_sizes(model_file: Path, vtest_frame: Image,
                                          side: int) -> None:
    det = NanoDetDetector(model_file, flexible=True)
    x1, y1 = 150, 100  # holds the person at about (217, 190, 251, 267)
    crop = np.ascontiguousarray(vtest_frame[y1:y1 + side, x1:x1 + side])
    found = det.detect_at(crop, (side, side))
    people = found.xyxy[(found.class_names == "person") & (found.confidence >= 0.5)]
    assert len(people)
    frame_boxes = people + np.asarray([x1, y1, x1, y1], np.float32)
    assert _best_iou([217, 190, 251, 267], frame_boxes) >= 0.7


@pytest.mark.parametrize("ladder", [DEFAULT_LADDER, NATIVE], ids=["default", "native"])
@pytest.mark.parametrize("model_file", ["nanodet"], indirect=True)
def test_regions_find_the_persons_full_frame_finds(model_file: Path, vtest_frame: Image,
                                                    ladder: Ladder) -> None:
    det = RegionDetector.from_path(model_file, ladder=ladder)
    full = det.detect(vtest_frame)
    persons = full.xyxy[(full.class_names == "person") & (full.confidence >= 0.5)]
    assert len(persons) >= 6
    size = (vtest_frame.shape[1], vtest_frame.shape[0])
    left = persons[persons[:, 2] < size[0] / 2]
    right = persons[persons[:, 0] >= size[0] / 2]
    for group in (left, right):  # each side: fewer crops than persons, not the full frame
        regions = _grow(group, 1.5)
        crops = det.plan(regions, size)
        assert 1 <= len(crops) < len(regions)
        assert not any(c.is_full_frame(size) for c in crops)
        found = det.detect_regions(vtest_frame, regions)
        got = found.xyxy[found.class_names == "person"]
        for box in group:
            assert _best_iou(box, got) >= 0.5, box
    for box in persons:  # and one region at a time
        alone = det.detect_regions(vtest_frame, _grow(box[None], 1.5))
        assert _best_iou(box, alone.xyxy[alone.class_names == "person"]) >= 0.5, box


def _grow(boxes: npt.NDArray[np.float32], factor: float) -> npt.NDArray[np.float32]:
    centre, half = (boxes[:, :2] + boxes[:, 2:]) / 2, (boxes[:, 2:] - boxes[:, :2]) * factor / 2
    return np.concatenate([centre - half, centre + half], axis=1).clip(0, None)


def _best_iou(box: Sequence[float] | npt.NDArray[np.float32],
              others: npt.NDArray[np.float32]) -> float:
    if not len(others):
        return 0.0
    b = np.asarray(box, np.float32)
    lt, rb = np.maximum(b[:2], others[:, :2]), np.minimum(b[2:], others[:, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=1)
    union = np.prod(b[2:] - b[:2]) + np.prod(others[:, 2:] - others[:, :2], axis=1) - inter
    return float((inter / union).max())
