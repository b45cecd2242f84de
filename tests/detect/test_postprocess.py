"""Letterbox round trip, box clipping, NMS, class filters and the Detections conversion."""

from __future__ import annotations

import numpy as np
import pytest

from vigie.detect.postprocess import (
    BoxTransform,
    class_ids_for,
    clip_boxes,
    letterbox,
    nms,
    softmax,
    to_detections,
    unletterbox,
)


@pytest.mark.parametrize(
    ("image_wh", "target_wh", "keep_aspect"),
    [
        ((768, 576), (416, 416), True),
        ((576, 768), (416, 416), True),
        ((640, 480), (640, 640), True),
        ((320, 240), (640, 640), True),
        ((768, 576), (416, 416), False),
        ((100, 300), (512, 384), True),
    ],
    ids=["landscape", "portrait", "same-width", "upscale", "stretch", "tall-into-wide"],
)
def test_letterbox_round_trip(image_wh: tuple[int, int], target_wh: tuple[int, int],
                              keep_aspect: bool) -> None:
    w, h = image_wh
    image = np.full((h, w, 3), 200, np.uint8)
    out, t = letterbox(image, target_wh, keep_aspect=keep_aspect, pad_value=0)
    assert out.shape == (target_wh[1], target_wh[0], 3)
    assert out.dtype == np.uint8
    # the image lands where the transform says, the rest is padding
    x1, y1 = round(t.pad_x), round(t.pad_y)
    x2, y2 = round(t.pad_x + w * t.scale_x), round(t.pad_y + h * t.scale_y)
    assert out[y1:y2, x1:x2].min() == 200
    assert out.sum() == 200 * 3 * (x2 - x1) * (y2 - y1)
    if keep_aspect:
        assert t.scale_x == pytest.approx(t.scale_y, rel=0.02)
    boxes = np.array([[0, 0, w, h], [w * 0.25, h * 0.5, w * 0.5, h * 0.75]], np.float32)
    into = boxes.copy()
    into[:, [0, 2]] = into[:, [0, 2]] * t.scale_x + t.pad_x
    into[:, [1, 3]] = into[:, [1, 3]] * t.scale_y + t.pad_y
    np.testing.assert_allclose(unletterbox(into, t), boxes, atol=1e-3)


def test_unletterbox_clips_to_the_image() -> None:
    t = BoxTransform(0.5, 0.5, 0.0, 16.0, (128, 64))
    out = unletterbox(np.array([[-10, 0, 70, 60]], np.float32), t)
    np.testing.assert_allclose(out, [[0, 0, 128, 64]])


def test_clip_boxes_is_idempotent() -> None:
    boxes = np.array([[-5, -5, 50, 50], [10, 10, 200, 90], [0, 0, 1, 1]], np.float32)
    once = clip_boxes(boxes, (100, 80))
    np.testing.assert_array_equal(clip_boxes(once, (100, 80)), once)
    np.testing.assert_array_equal(once[1], [10, 10, 100, 80])


def test_nms_keeps_best_of_overlapping_boxes() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 9]],
                     np.float32)
    scores = np.array([0.8, 0.9, 0.5, 0.7], np.float32)
    np.testing.assert_array_equal(nms(boxes, scores, 0.5), [1, 2])


def test_nms_is_class_aware() -> None:
    boxes = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10]], np.float32)
    scores = np.array([0.9, 0.8, 0.7], np.float32)
    classes = np.array([0, 1, 0])
    np.testing.assert_array_equal(nms(boxes, scores, 0.5, classes), [0, 1])
    np.testing.assert_array_equal(nms(boxes, scores, 0.5), [0])


def test_nms_empty() -> None:
    assert nms(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), 0.5).shape == (0,)


def test_softmax_rows_sum_to_one() -> None:
    x = np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, 1000.0]], np.float32)
    np.testing.assert_allclose(softmax(x).sum(axis=1), [1.0, 1.0], rtol=1e-6)


def test_class_ids_for_lists_known_classes() -> None:
    labels = ("person", "car", "dog")
    np.testing.assert_array_equal(class_ids_for(labels, ["dog", "person"]), [0, 2])
    assert class_ids_for(labels, None) is None
    with pytest.raises(ValueError, match=r"'tank'.*person, car, dog"):
        class_ids_for(labels, ["tank"])


def test_to_detections_filters_then_maps_back() -> None:
    t = BoxTransform(2.0, 2.0, 0.0, 0.0, (100, 100))
    boxes = np.array([[0, 0, 20, 20], [2, 2, 20, 20], [100, 100, 140, 140], [0, 0, 5, 5]],
                     np.float32)
    dets = to_detections(boxes, np.array([0.9, 0.8, 0.6, 0.2], np.float32),
                         np.array([0, 0, 1, 0]), labels=("a", "b"), transform=t,
                         confidence=0.3, nms_iou=0.5, keep_classes=np.array([0, 1]))
    np.testing.assert_allclose(dets.xyxy, [[0, 0, 10, 10], [50, 50, 70, 70]])
    np.testing.assert_allclose(dets.confidence, [0.9, 0.6])
    assert dets.class_names.tolist() == ["a", "b"]
    only_b = to_detections(boxes, np.array([0.9, 0.8, 0.6, 0.2], np.float32),
                           np.array([0, 0, 1, 0]), labels=("a", "b"), transform=t,
                           confidence=0.3, nms_iou=0.5, keep_classes=np.array([1]))
    assert only_b.class_names.tolist() == ["b"]
