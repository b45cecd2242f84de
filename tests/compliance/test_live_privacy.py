"""Live views: cleared roles see the picture, the others see it anonymised as stored pictures
are (heads of tracked persons and detected faces blurred)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest

from tests.api.helpers import client_for, make_context, write_site
from tests.api.test_cameras import PERSON_BOX, SYNTHETIC_SITE, OnePerson, decode, wait_for
from vigie.api import ConsoleContext
from vigie.config import load_config
from vigie.runtime import SiteRunner
from vigie.store.users import Role


def _textured_clip(path: Path) -> None:
    """3 s of a fixed, finely textured scene (any blur shows), 640x360 at 10 fps."""
    path.parent.mkdir(parents=True, exist_ok=True)
    stripes = ((np.indices((360, 640)).sum(axis=0) // 4) % 2 * 200 + 30).astype(np.uint8)
    image = np.repeat(stripes[:, :, None], 3, axis=2)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
        stream.options = {"qscale": "2"}
        for _ in range(30):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
        out.mux(stream.encode())


@pytest.fixture
def running(tmp_path: Path) -> Iterator[ConsoleContext]:
    folder = tmp_path / "site"
    _textured_clip(folder / "media" / "still.mp4")
    site_path = write_site(folder, SYNTHETIC_SITE)
    runner = SiteRunner(load_config(site_path), detector=OnePerson())
    runner.start()
    ctx = make_context(site_path)
    ctx.control = runner
    ctx.anonymiser = runner.anonymiser

    def tracked() -> bool:
        live = runner.live_frame("cam-a")
        return live is not None and live.result is not None and bool(live.result.tracks)

    try:
        wait_for(tracked, 20, "a confirmed track")
        yield ctx
    finally:
        runner.stop()
        ctx.db.close()


@pytest.mark.timeout(90)
def test_integrators_see_heads_blurred_operators_do_not(running: ConsoleContext) -> None:
    x1, y1, x2, y2 = (int(v) for v in PERSON_BOX)
    head = (slice(y1 + 4, y1 + 30), slice(x1 + 10, x2 - 10))
    body = (slice(y1 + 120, y2 - 20), slice(x1 + 10, x2 - 10))
    pictures = {}
    for role in (Role.OPERATOR, Role.INTEGRATOR):
        client = client_for(running, role)
        try:
            response = client.get("/api/cameras/cam-a/snapshot.jpg?overlay=false")
            assert response.status_code == 200, response.text
            pictures[role] = decode(response.content).astype(np.float32)
        finally:
            client.__exit__(None, None, None)
    operator, integrator = pictures[Role.OPERATOR], pictures[Role.INTEGRATOR]
    assert operator[head].std() > 50  # the stripes, sharp
    assert integrator[head].std() < 0.5 * operator[head].std()
    assert abs(integrator[body].std() - operator[body].std()) < 10  # the rest is as it was
