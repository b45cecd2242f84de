"""Decode cost of a file, per frame: ``uv run python -m tests.ingest.bench_decode [FILE]``.

Prints wall and CPU milliseconds per decoded frame (best of 5 runs) for plain decoding,
decoding plus BGR conversion of every frame, and PyAVSource at several analysis rates (which
converts only the frames it keeps), and how many frames ``skip_frame="NONKEY"`` would leave.
Defaults to ../shared/data/pets09_s2l1/vtest.avi.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import av

from vigie.ingest import PyAVSource, SourceOptions

DEFAULT = Path(__file__).resolve().parents[3] / "shared/data/pets09_s2l1/vtest.avi"


def _best(run: Callable[[], int], repeat: int = 5) -> tuple[float, float]:
    """Best (wall, cpu) ms per frame over ``repeat`` runs of ``run`` (returns frames)."""
    results = []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        frames = run()
        results.append(((time.perf_counter() - wall) * 1e3 / frames,
                        (time.process_time() - cpu) * 1e3 / frames))
    return min(r[0] for r in results), min(r[1] for r in results)


def _plain(path: Path, convert: bool) -> Callable[[], int]:
    def run() -> int:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            count = 0
            for frame in container.decode(stream):
                if convert:
                    frame.to_ndarray(format="bgr24")
                count += 1
            return count
    return run


def _source(path: Path, fps: float | None) -> Callable[[], int]:
    def run() -> int:
        source = PyAVSource(str(path), "bench", SourceOptions(analysis_fps=fps))
        source.open()
        for _ in source:
            pass
        source.close()
        return source.counters.decoded
    return run


def main() -> None:
    """Measure and print."""
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        print(f"{path.name}: {stream.codec_context.name} {stream.width}x{stream.height} "
              f"{stream.average_rate} fps, {stream.frames} frames")
        stream.codec_context.skip_frame = "NONKEY"
        keys = sum(1 for _ in container.decode(stream))
    print(f"skip_frame=NONKEY leaves {keys} frames")
    cases = {"decode only": _plain(path, False), "decode + bgr24 all": _plain(path, True)}
    cases |= {f"PyAVSource analysis_fps={fps}": _source(path, fps) for fps in (None, 10, 5, 2)}
    for name, run in cases.items():
        wall, cpu = _best(run)
        print(f"{name:32s} wall {wall:6.3f} ms/frame   cpu {cpu:6.3f} ms/frame")


if __name__ == "__main__":
    main()
