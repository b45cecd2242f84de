"""Region detection vs full frame: ``uv run python -m tests.detect.bench_regions [--frames N]``.

Prints three tables (one onnxruntime thread, CPU):

1. the fixed-size nanodet.onnx vs the same graph with a dynamic H x W at 416 (max output
   difference), then ms per model call at 416/320/256/224 (median of 30);
2. quality on vtest.avi (PETS 2009 S2.L1, every 2nd frame = 5 fps), all persons and far
   ones (box centre in the top third), with recall (IoU >= 0.5, one-to-one), extra persons,
   precision and ms per frame:
   A. regions = full-frame NanoDet-416 persons grown by 50% (width and height x 1.5), an
      upper bound on what motion would give; reference = those persons;
   B. the file has no ground truth, so CenterNet 512 is an independent judge: regions =
      its persons (score >= 0.5) grown x1.5, reference = those persons. This scores full
      frame and regions alike, on people that neither NanoDet mode chose.
   "crops only" plans never swap in the full frame; "planned" is what ``detect_regions``
   does; "one region at a time" runs one crop per reference person (a gate asking about a
   single unexplained region) and scores it on that person.

Measured on the 2-core development machine (onnxruntime 1.32, one thread, 398 frames):

* dynamic H x W graph = fixed graph to 1e-6 at 416; model call 20.3 / 12.1 / 8.2 / 6.2 ms at
  416 / 320 / 256 / 224 square (detect_at with pre- and post-processing: 22.9 / 13.9 / 9.1 /
  7.0 ms; 160: about 4.2 ms);
* B (independent judge), recall / precision / ms per frame: full frame 0.994 / 0.972 / 24.1;
  default crops (every person a region, 2.15 crops per frame) 0.997 / 0.965 / 11.6; native
  crops 0.992 / 0.954 / 20.8; one crop per person 0.996 / 0.960 / 4.3 ms per crop (native:
  0.976 / 0.939 / 9.9). Far persons: full frame 0.986, default crops 0.997;
* A (agreement with the full frame): default crops recall 0.902 on all its persons, 0.967 on
  those CenterNet also sees. Most of the rest are the full frame's low-score "persons" on
  traffic cones and a sign, and people half hidden by the sign post. NanoDet's score also
  swings with the sub-stride position of a person: 0.2 to 0.6 for one person as its crop
  moves by 8 px, and likewise in the full frame as the person walks.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
import onnx
import onnxruntime as ort
from scipy.optimize import linear_sum_assignment

from tests.detect.bench_detectors import ms_per_call
from vigie.core import Detections
from vigie.detect import CenterNetDetector, DetectorOptions, NanoDetDetector, RuntimeOptions
from vigie.detect.regions import DEFAULT_COST, DEFAULT_LADDER, CostModel, Ladder, RegionDetector
from vigie.models.check import load_asset
from vigie.models.graph import with_dynamic_hw
from vigie.models.registry import default_models_dir

ROOT = Path(__file__).resolve().parents[2]
VIDEO = ROOT.parent / "shared" / "data" / "pets09_s2l1" / "vtest.avi"
NATIVE = Ladder((256, 320, 416), scale=1.0)
ONE_THREAD = RuntimeOptions(threads=1, providers=("CPUExecutionProvider",))
Boxes = npt.NDArray[np.float32]


def _session(model: Path | bytes) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    source = model if isinstance(model, bytes) else str(model)
    return ort.InferenceSession(source, so, providers=["CPUExecutionProvider"])


def model_tables(model_path: Path) -> None:
    """Fixed vs dynamic outputs at 416, and ms per call at several sizes."""
    fixed = _session(model_path)
    dynamic = _session(with_dynamic_hw(onnx.load(str(model_path))).SerializeToString())
    name = fixed.get_inputs()[0].name
    x = np.random.default_rng(0).standard_normal((1, 3, 416, 416)).astype(np.float32)
    diff = max(float(np.abs(a - b).max()) for a, b in
               zip(fixed.run(None, {name: x}), dynamic.run(None, {name: x}), strict=True))
    print(f"416x416 fixed vs dynamic graph: max |output difference| = {diff:.2g}\n")
    print("| input (WxH) | model call ms (1 thread) | N at stride 8/16/32 |")
    print("|---|---|---|")
    print(f"| 416x416 fixed file | {ms_per_call(lambda: fixed.run(None, {name: x})):.1f} | "
          f"2704/676/169 |")
    for w, h in ((416, 416), (320, 320), (256, 256), (224, 224), (320, 256), (416, 320)):
        t = np.random.default_rng(0).standard_normal((1, 3, h, w)).astype(np.float32)
        outs = dynamic.run(None, {name: t})
        ns = "/".join(str(n) for n in sorted({o.shape[1] for o in outs}, reverse=True))
        ms = ms_per_call(lambda t=t: dynamic.run(None, {name: t}))
        print(f"| {w}x{h} | {ms:.1f} | {ns} |")
    print()
    det = NanoDetDetector(model_path, DetectorOptions(runtime=ONE_THREAD), flexible=True)
    frame = load_asset("vtest_frame200.jpg")
    print("| detect_at on a vtest crop (pre-processing + model + decode) | ms (1 thread) |")
    print("|---|---|")
    for side in (416, 320, 256, 224):
        crop = np.ascontiguousarray(frame[100:100 + side, 100:100 + side])
        ms = ms_per_call(lambda c=crop, s=side: det.detect_at(c, (s, s)))
        print(f"| {side}x{side} | {ms:.1f} |")
    print(f"| full frame 768x576 -> 416x416 | {ms_per_call(lambda: det.detect(frame)):.1f} |")
    fitted = CostModel.measure(det)
    print(f"\nCostModel.measure on this machine: fixed {fitted.fixed_ms:.2f} ms + "
          f"{fitted.ms_per_kpixel:.4f} ms per 1000 input pixels (defaults: "
          f"{DEFAULT_COST.fixed_ms} + {DEFAULT_COST.ms_per_kpixel})\n")
    regions = RegionDetector(det)
    people = [[217, 190, 251, 267], [615, 265, 651, 370], [81, 155, 111, 216],
              [487, 146, 518, 224]]
    print("| regions (vtest frame 200 persons grown x1.5) | crops | estimated ms | "
          "measured ms |\n|---|---|---|---|")
    for k in range(1, len(people) + 1):
        r = grow(np.asarray(people[:k], np.float32), 1.5, (768, 576))
        crops = regions.plan(r, (768, 576))
        ms = ms_per_call(lambda r=r: regions.detect_regions(frame, r))
        sides = "+".join(str(c.input_size[0]) for c in crops)
        print(f"| {k} | {sides} | {regions.estimated_ms(r, (768, 576)):.1f} | {ms:.1f} |")
    print(f"| full frame | 416 | {regions.full_frame_ms():.1f} | "
          f"{ms_per_call(lambda: regions.detect(frame)):.1f} |\n")


def iou_matrix(a: Boxes, b: Boxes) -> npt.NDArray[np.float64]:
    """(len(a), len(b)) IoU."""
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=2)
    area_a = np.prod(a[:, 2:] - a[:, :2], axis=1)
    area_b = np.prod(b[:, 2:] - b[:, :2], axis=1)
    return np.asarray(inter / np.maximum(area_a[:, None] + area_b[None] - inter, 1e-9))


def match(ref: Boxes, test: Boxes, threshold: float = 0.5) -> tuple[npt.NDArray[np.bool_],
                                                                    npt.NDArray[np.bool_]]:
    """One-to-one matches at IoU >= threshold: (ref matched, test matched)."""
    ref_hit, test_hit = np.zeros(len(ref), bool), np.zeros(len(test), bool)
    if len(ref) and len(test):
        iou = iou_matrix(ref, test)
        rows, cols = linear_sum_assignment(-iou)
        ok = iou[rows, cols] >= threshold
        ref_hit[rows[ok]] = True
        test_hit[cols[ok]] = True
    return ref_hit, test_hit


def grow(boxes: Boxes, factor: float, size: tuple[int, int]) -> Boxes:
    """Boxes scaled by ``factor`` about their centres, clipped to the frame."""
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2
    half = (boxes[:, 2:] - boxes[:, :2]) * factor / 2
    out = np.concatenate([centre - half, centre + half], axis=1)
    out[:, [0, 2]] = np.clip(out[:, [0, 2]], 0, size[0])
    out[:, [1, 3]] = np.clip(out[:, [1, 3]], 0, size[1])
    return out.astype(np.float32)


PARTS = ("A", "A2", "B")


@dataclass
class Tally:
    """Matches of one mode's persons against one reference, split far / near."""

    ref: dict[str, int] = field(default_factory=lambda: {"far": 0, "near": 0})
    hit: dict[str, int] = field(default_factory=lambda: {"far": 0, "near": 0})
    pred: dict[str, int] = field(default_factory=lambda: {"far": 0, "near": 0})
    extra: dict[str, int] = field(default_factory=lambda: {"far": 0, "near": 0})

    def add(self, ref: Boxes, pred: Boxes, far_line: float, ignore: Boxes | None = None) -> None:
        """Count one frame; a prediction that matches an ``ignore`` box is not counted."""
        ref_hit, pred_hit = match(ref, pred)
        if ignore is not None and len(ignore):
            _, ignored = match(ignore, pred[~pred_hit])
            keep = np.ones(len(pred), bool)
            keep[np.flatnonzero(~pred_hit)[ignored]] = False
            pred, pred_hit = pred[keep], pred_hit[keep]
        for boxes, hits, total in ((ref, ref_hit, self.ref), (pred, pred_hit, self.pred)):
            far = (boxes[:, 1] + boxes[:, 3]) / 2 < far_line
            for band, sel in (("far", far), ("near", ~far)):
                total[band] += int(sel.sum())
                if total is self.ref:
                    self.hit[band] += int((sel & hits).sum())
                else:
                    self.extra[band] += int((sel & ~hits).sum())

    def cells(self, bands: tuple[str, ...]) -> str:
        """``recall | extra | precision`` markdown cells."""
        ref, hit, pred, extra = (sum(d[b] for b in bands)
                                 for d in (self.ref, self.hit, self.pred, self.extra))
        return (f"{hit}/{ref} = {hit / max(ref, 1):.3f} | {extra} | "
                f"{(pred - extra) / max(pred, 1):.3f}")


@dataclass
class Mode:
    """One way of detecting persons in a frame, with its timings and tallies per experiment."""

    run: Callable[[npt.NDArray[np.uint8], Boxes], tuple[Detections, int]]
    uses_regions: bool = True
    ms: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in PARTS})
    crops: dict[str, list[int]] = field(default_factory=lambda: {k: [] for k in PARTS})
    tally: dict[str, Tally] = field(default_factory=lambda: {k: Tally() for k in PARTS})

    def row(self, name: str, part: str, bands: tuple[str, ...]) -> str:
        """One markdown row."""
        ms, crops = self.ms[part], self.crops[part]
        return (f"| {name} | {self.tally[part].cells(bands)} | {statistics.mean(ms):.1f} | "
                f"{statistics.median(ms):.1f} | {statistics.mean(crops):.2f} |")


def _centre_in_any(boxes: Boxes, areas: Boxes) -> npt.NDArray[np.bool_]:
    if not len(areas) or not len(boxes):
        return np.zeros(len(boxes), bool)
    c = (boxes[:, None, :2] + boxes[:, None, 2:]) / 2
    inside = (c >= areas[None, :, :2]) & (c < areas[None, :, 2:])
    return np.asarray(inside.all(axis=2).any(axis=1))


def persons(dets: Detections, min_score: float = 0.0) -> Boxes:
    """Person boxes with at least ``min_score``."""
    keep = (dets.class_names == "person") & (dets.confidence >= min_score)
    return np.asarray(dets.xyxy[keep], np.float32)


def _modes(full: NanoDetDetector) -> dict[str, Mode]:
    def regions(ladder: Ladder, allow_full_frame: bool = False) -> Mode:
        det = RegionDetector(full, ladder=ladder)

        def run(im: npt.NDArray[np.uint8], r: Boxes) -> tuple[Detections, int]:
            crops = det.plan(r, (im.shape[1], im.shape[0]), allow_full_frame=allow_full_frame)
            return det.detect_crops(im, crops, r), len(crops)
        return Mode(run)

    return {
        "full 416x416 (reference)": Mode(lambda im, r: (full.detect(im), 1), False),
        "full 416x320 (aspect kept)": Mode(lambda im, r: (full.detect_at(im, (416, 320)), 1),
                                           False),
        "crops only, native 256/320/416 (scale 1)": regions(NATIVE),
        "crops only, default 160-416 (scale 0.75)": regions(DEFAULT_LADDER),
        "crops only, 160-416 at scale 0.67": regions(Ladder(scale=0.67)),
        "planned, default (full frame when as dear)": regions(DEFAULT_LADDER, True),
    }


@dataclass(frozen=True)
class Part:
    """One experiment on one frame: its regions, reference and ignored boxes."""

    regions: Boxes
    ref: Boxes
    ignore: Boxes | None = None


def _score_frame(modes: dict[str, Mode], image: npt.NDArray[np.uint8],
                 parts: dict[str, Part], far_line: float) -> None:
    for mode in modes.values():
        shared: tuple[Detections, int, float] | None = None
        for key, part in parts.items():
            if shared is None or mode.uses_regions:
                start = time.perf_counter()
                dets, crops = mode.run(image, part.regions)
                shared = (dets, crops, (time.perf_counter() - start) * 1000)
            dets, crops, ms = shared
            mode.ms[key].append(ms)
            mode.crops[key].append(crops)
            pred = persons(dets)
            pred = pred[_centre_in_any(pred, part.regions)]
            ref = part.ref[_centre_in_any(part.ref, part.regions)]
            mode.tally[key].add(ref, pred, far_line, part.ignore)


@dataclass
class Single:
    """One region at a time: each reference person alone, as a gate would ask about it."""

    det: RegionDetector
    tally: Tally = field(default_factory=Tally)
    ms: list[float] = field(default_factory=list)
    sides: list[int] = field(default_factory=list)

    def add(self, image: npt.NDArray[np.uint8], part: Part, far_line: float) -> None:
        """Run one crop per reference person and score it on that person."""
        size = (image.shape[1], image.shape[0])
        for box in part.ref:
            region = grow(box[None], 1.5, size)
            start = time.perf_counter()
            dets = self.det.detect_regions(image, region, allow_full_frame=False)
            self.ms.append((time.perf_counter() - start) * 1000)
            self.sides.append(self.det.plan(region, size, allow_full_frame=False)[0].size[0])
            pred = persons(dets)
            pred = pred[_centre_in_any(pred, region)]
            others = part.ref[_centre_in_any(part.ref, region)]
            # persons of the reference in the same region are not extras
            _, known = match(others, pred)
            self.tally.add(box[None], pred[~known | (match(box[None], pred)[1])], far_line,
                           part.ignore)

    def row(self, name: str, bands: tuple[str, ...]) -> str:
        """One markdown row."""
        side = statistics.median(self.sides)
        return (f"| {name} | {self.tally.cells(bands)} | {statistics.mean(self.ms):.1f} | "
                f"{statistics.median(self.ms):.1f} | 1 (median window {side:.0f} px) |")


def quality_tables(model_path: Path, frames: int) -> None:
    """Region modes vs full-frame NanoDet-416 and vs CenterNet on vtest.avi at 5 fps."""
    full = NanoDetDetector(model_path, DetectorOptions(runtime=ONE_THREAD), flexible=True)
    judge = CenterNetDetector(model_path.with_name("centernet.onnx"),
                              DetectorOptions(confidence=0.25, runtime=ONE_THREAD))
    modes = _modes(full)
    singles = {name: {k: Single(RegionDetector(full, ladder=ladder)) for k in PARTS}
               for name, ladder in (("one region at a time, native (scale 1)", NATIVE),
                                    ("one region at a time, default (scale 0.75)",
                                     DEFAULT_LADDER))}
    n, far_line = 0, 576 / 3
    with av.open(str(VIDEO)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i % 2 or n >= frames:
                continue
            n += 1
            image = frame.to_ndarray(format="bgr24")
            size = (image.shape[1], image.shape[0])
            ref = persons(full.detect(image))
            judged = judge.detect(image)
            truth, seen = persons(judged, 0.5), persons(judged, 0.25)
            weak = seen[~match(truth, seen)[1]]
            confirmed = match(ref, seen)[0]
            parts = {"A": Part(grow(ref, 1.5, size), ref),
                     "A2": Part(grow(ref, 1.5, size), ref[confirmed], ref[~confirmed]),
                     "B": Part(grow(truth, 1.5, size), truth, weak)}
            _score_frame(modes, image, parts, far_line)
            for single in singles.values():
                for key, part in parts.items():
                    single[key].add(image, part, far_line)
    print(f"vtest.avi, {n} frames (every 2nd = 5 fps); NanoDet persons with score >= 0.35, "
          f"matched one-to-one at IoU >= 0.5; only boxes whose centre lies in a region "
          f"count. Far = box centre in the top third (y < {far_line:.0f}). One thread.\n")
    head = ("| mode | recall | extra persons | precision | mean ms/frame | median ms | "
            "crops/frame |\n|---|---|---|---|---|---|---|")
    titles = {"A": "A. Regions = full-frame NanoDet-416 persons grown x1.5; reference = those "
                   "persons",
              "A2": "A2. As A, but the reference keeps only the persons CenterNet-512 also sees "
                    "(score >= 0.25, IoU >= 0.5); predictions matching the others are ignored",
              "B": "B. Regions = CenterNet-512 persons (score >= 0.5) grown x1.5; reference = "
                   "those persons; predictions matching a CenterNet person of score 0.25-0.5 "
                   "are ignored"}
    for part, title in titles.items():
        for label, bands in (("all persons", ("far", "near")), ("far persons", ("far",))):
            print(f"{title}; {label}\n{head}")
            for name, mode in modes.items():
                print(mode.row(name, part, bands))
            for name, single in singles.items():
                print(single[part].row(f"{name}; ms per region", bands))
            print()


def main() -> None:
    """Print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models-dir", type=Path, default=None)
    parser.add_argument("--frames", type=int, default=10_000, help="most frames analysed")
    parser.add_argument("--skip-timing", action="store_true")
    args = parser.parse_args()
    model = default_models_dir(args.models_dir) / "nanodet.onnx"
    if not args.skip_timing:
        model_tables(model)
    quality_tables(model, args.frames)


if __name__ == "__main__":
    main()
