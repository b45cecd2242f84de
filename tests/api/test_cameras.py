"""Camera wall API: the wall, live views (snapshot, MJPEG), stopping and resuming analysis.

Three set-ups: the console alone (``vigie console``: switches are only recorded), a real
``SiteRunner`` on a synthetic clip with a detector that always sees one person (fast, always
runs), and a real ``SiteRunner`` on PETS 2009 footage with NanoDet behind a real HTTP server
(skipped without the shared footage and models).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import av
import cv2
import httpx2 as httpx
import numpy as np
import numpy.typing as npt
import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import make_context, password, write_running_site, write_site
from vigie.api import ConsoleContext, ConsoleServer
from vigie.api.routes import cameras as camera_routes
from vigie.config import load_config
from vigie.core.types import COCO_CLASSES, Detections
from vigie.runtime.liveview import class_color
from vigie.runtime.site import SiteRunner
from vigie.store import AuditRepository, CameraRepository, HealthRepository
from vigie.store.types import AuditRecord
from vigie.store.users import Role

Client = Callable[[Role | str | None], TestClient]
REASON = "privacy request from the town hall"


# -- helpers --------------------------------------------------------------------------------


SWITCHES = ("camera.stop", "camera.resume", "camera.stop_all", "camera.resume_all")


def audit(ctx: ConsoleContext, actions: tuple[str, ...] = SWITCHES) -> list[AuditRecord]:
    """Audit entries of the given actions (default: analysis switches), oldest first."""
    entries = AuditRepository(ctx.db).list(limit=1000)
    return [e for e in reversed(entries) if e.action in actions]


def stopped_flags(ctx: ConsoleContext) -> dict[str, bool]:
    return {c.id: c.analysis_stopped for c in CameraRepository(ctx.db).list()}


def decode(data: bytes) -> npt.NDArray[np.uint8]:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, "not a decodable JPEG"
    return np.asarray(image, np.uint8)


def mjpeg_parts(chunks: Iterator[bytes], count: int) -> list[bytes]:
    """The first ``count`` JPEGs of a multipart/x-mixed-replace body, checking its framing.

    The body is the boundary, then parts each followed by the boundary at once.
    """
    delimiter = f"--{camera_routes.BOUNDARY}\r\n".encode()
    buffer, parts, opened = b"", [], False
    for chunk in chunks:
        buffer += chunk
        if not opened:
            if len(buffer) < len(delimiter):
                continue
            assert buffer.startswith(delimiter), buffer[:80]
            buffer, opened = buffer[len(delimiter):], True
        while (head_end := buffer.find(b"\r\n\r\n")) >= 0:
            headers = dict(line.split(": ", 1) for line in buffer[:head_end].decode().split("\r\n"))
            assert headers["Content-Type"] == "image/jpeg", headers
            end = head_end + 4 + int(headers["Content-Length"])
            if len(buffer) < end + 2 + len(delimiter):
                break
            assert buffer[end:end + 2 + len(delimiter)] == b"\r\n" + delimiter
            parts.append(buffer[head_end + 4:end])
            buffer = buffer[end + 2 + len(delimiter):]
            if len(parts) == count:
                return parts
    return parts


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def analysed(runner: SiteRunner, camera_id: str) -> int:
    return runner.workers[camera_id].pipeline.frames


def grows(runner: SiteRunner, camera_id: str, seconds: float = 1.0) -> bool:
    before = analysed(runner, camera_id)
    time.sleep(seconds)
    return analysed(runner, camera_id) > before


def bluish(pixel: Any) -> bool:
    """A pixel of the person colour (blue, BGR) rather than grey, after JPEG."""
    b, _, r = (int(v) for v in pixel)
    return b - r > 60


# -- the console alone ----------------------------------------------------------------------


def test_wall_without_analysis_lists_the_site_cameras(ctx: ConsoleContext,
                                                       client_as: Client) -> None:
    wall = client_as(Role.OPERATOR).get("/api/cameras").json()
    assert wall["control"] is False
    assert wall["all_stopped"] is False
    cams = {c["id"]: c for c in wall["cameras"]}
    assert list(cams) == ["cam-a", "cam-b"]
    assert cams["cam-a"]["name"] == "Station forecourt"
    assert cams["cam-a"]["zones"] == ["tracks"]
    assert cams["cam-a"]["lines"] == ["gate"]
    assert cams["cam-a"]["analytics"] == ["tracks-intrusion", "gate-count"]
    assert cams["cam-a"]["runtime"] is None
    assert (cams["cam-a"]["status"], cams["cam-a"]["status_reason"]) == \
        ("unknown", "no health recorded yet")


def test_wall_shows_the_last_health_event(ctx: ConsoleContext, client_as: Client) -> None:
    HealthRepository(ctx.db).record("cam-b", "up")
    HealthRepository(ctx.db).record("cam-b", "down", reason="connection refused")
    cams = {c["id"]: c for c in client_as(Role.OPERATOR).get("/api/cameras").json()["cameras"]}
    assert (cams["cam-b"]["status"], cams["cam-b"]["status_reason"]) == \
        ("down", "connection refused")
    assert cams["cam-b"]["health"]["state"] == "down"
    assert cams["cam-a"]["health"] is None


def test_operator_page_has_the_switches_and_says_analysis_is_not_running(
        client_as: Client) -> None:
    page = client_as(Role.OPERATOR).get("/cameras")
    assert page.status_code == 200
    assert 'id="stop-all"' in page.text
    assert 'id="resume-all"' in page.text
    assert "Analysis not running in this console" in page.text
    assert page.text.count('class="cam-tile"') == 2
    assert 'data-src="/api/cameras/cam-a"' in page.text
    assert "/static/js/cameras.js" in page.text


def test_integrator_sees_the_wall_without_switches(client_as: Client) -> None:
    integrator = client_as(Role.INTEGRATOR)
    page = integrator.get("/cameras")
    assert page.status_code == 200
    assert 'id="stop-all"' not in page.text
    assert "cam-switch" not in page.text
    assert integrator.get("/api/cameras").status_code == 200


#: (role, method, path, expected status): what each role may not do.
REFUSALS = [
    (Role.AUDITOR, "GET", "/cameras", 403),
    (Role.AUDITOR, "GET", "/api/cameras", 403),
    (Role.AUDITOR, "GET", "/api/cameras/cam-a/live.mjpg", 403),
    (Role.AUDITOR, "GET", "/api/cameras/cam-a/snapshot.jpg?placeholder=true", 403),
    (Role.AUDITOR, "POST", "/api/cameras/cam-a/stop", 403),
    (Role.INTEGRATOR, "POST", "/api/cameras/cam-a/stop", 403),
    (Role.INTEGRATOR, "POST", "/api/cameras/cam-a/start", 403),
    (Role.INTEGRATOR, "POST", "/api/analysis/stop", 403),
    (Role.INTEGRATOR, "POST", "/api/analysis/start", 403),
    (None, "GET", "/api/cameras", 401),
    (None, "GET", "/api/cameras/cam-a/live.mjpg", 401),
    (None, "GET", "/api/cameras/cam-a/snapshot.jpg", 401),
    (None, "POST", "/api/analysis/stop", 401),
]


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.INTEGRATOR, None],
                         ids=["auditor", "integrator", "anonymous"])
def test_refusals_change_nothing(ctx: ConsoleContext, client_as: Client,
                                 role: Role | None) -> None:
    client = client_as(role)  # one client per test: each runs the app's lifespan
    for who, method, path, code in REFUSALS:
        if who != role:
            continue
        response = client.request(method, path,
                                  json={"reason": REASON} if method == "POST" else None)
        assert response.status_code == code, (method, path, response.text)
    assert not any(stopped_flags(ctx).values())
    assert audit(ctx) == []


def test_anonymous_page_is_sent_to_sign_in(client_as: Client) -> None:
    response = client_as(None).get("/cameras", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/cameras"


def test_stop_without_analysis_is_recorded_audited_and_says_so(ctx: ConsoleContext,
                                                              client_as: Client) -> None:
    operator = client_as(Role.OPERATOR)
    response = operator.post("/api/cameras/cam-a/stop", json={"reason": f"  {REASON} "})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["cameras"] == ["cam-a"]
    assert body["applied"] is False
    assert body["message"] == ("analysis is not running in this process: the stop is recorded "
                               "and applies when it starts")
    assert stopped_flags(ctx) == {"cam-a": True, "cam-b": False}
    [entry] = audit(ctx)
    assert (entry.actor, entry.action, entry.target) == ("operator", "camera.stop", "camera:cam-a")
    assert entry.details == {"reason": REASON}
    assert HealthRepository(ctx.db).current()["cam-a"].state == "stopped"
    cams = {c["id"]: c for c in operator.get("/api/cameras").json()["cameras"]}
    assert cams["cam-a"]["status"] == "stopped"
    assert REASON in cams["cam-a"]["status_reason"]
    resumed = operator.post("/api/cameras/cam-a/start", json={"reason": "request withdrawn"})
    assert resumed.json()["cameras"] == ["cam-a"]
    assert stopped_flags(ctx) == {"cam-a": False, "cam-b": False}
    assert [e.action for e in audit(ctx)] == ["camera.stop", "camera.resume"]


def test_stopping_twice_changes_nothing_the_second_time(ctx: ConsoleContext,
                                                        client_as: Client) -> None:
    operator = client_as(Role.OPERATOR)
    operator.post("/api/cameras/cam-b/stop", json={"reason": REASON})
    again = operator.post("/api/cameras/cam-b/stop", json={"reason": "double click"})
    assert again.status_code == 200
    assert again.json()["cameras"] == []
    assert "already stopped" in again.json()["message"]
    assert len(audit(ctx)) == 1


#: Bodies without a usable reason.
NO_REASON: list[dict[str, Any]] = [
    {}, {"reason": ""}, {"reason": "ab"}, {"reason": "  x  "}, {"reason": "x" * 501},
    {"reason": None}]


@pytest.mark.parametrize("path", ["/api/cameras/cam-a/stop", "/api/analysis/stop"])
def test_a_reason_is_required(ctx: ConsoleContext, client_as: Client, path: str) -> None:
    operator = client_as(Role.OPERATOR)
    for body in NO_REASON:
        response = operator.post(path, json=body)
        assert response.status_code == 422, body
        assert "reason" in response.json()["detail"], body
    assert not any(stopped_flags(ctx).values())
    assert audit(ctx) == []


def test_a_switch_without_the_csrf_header_is_refused(ctx: ConsoleContext,
                                                     client_as: Client) -> None:
    operator = client_as(Role.OPERATOR)
    del operator.headers["X-CSRF-Token"]
    response = operator.post("/api/analysis/stop", json={"reason": REASON})
    assert response.status_code == 403
    assert not any(stopped_flags(ctx).values())


def test_unknown_camera_is_404_naming_the_cameras(ctx: ConsoleContext,
                                                  client_as: Client) -> None:
    operator = client_as(Role.OPERATOR)
    for method, path in [("POST", "/api/cameras/cam-z/stop"), ("POST", "/api/cameras/cam-z/start"),
                         ("GET", "/api/cameras/cam-z/snapshot.jpg"),
                         ("GET", "/api/cameras/cam-z/live.mjpg")]:
        response = operator.request(method, path,
                                    json={"reason": REASON} if method == "POST" else None)
        assert response.status_code == 404, path
        assert response.json()["detail"] == \
            "no camera 'cam-z' on this site; cameras: cam-a, cam-b"
    assert audit(ctx) == []


def test_global_stop_and_resume_without_analysis(ctx: ConsoleContext,
                                                 client_as: Client) -> None:
    operator = client_as(Role.OPERATOR)
    stop = operator.post("/api/analysis/stop", json={"reason": "major incident"}).json()
    assert stop["cameras"] == ["cam-a", "cam-b"]
    assert "not running in this process" in stop["message"]
    assert stopped_flags(ctx) == {"cam-a": True, "cam-b": True}
    wall = operator.get("/api/cameras").json()
    assert wall["all_stopped"] is True
    assert {c["status"] for c in wall["cameras"]} == {"stopped"}
    again = operator.post("/api/analysis/stop", json={"reason": "again"}).json()
    assert again["cameras"] == []
    resume = operator.post("/api/analysis/start", json={"reason": "incident over"}).json()
    assert resume["cameras"] == ["cam-a", "cam-b"]
    assert stopped_flags(ctx) == {"cam-a": False, "cam-b": False}
    entries = audit(ctx)
    assert [(e.actor, e.action, e.details["reason"]) for e in entries] == [
        ("operator", "camera.stop_all", "major incident"),
        ("operator", "camera.resume_all", "incident over")]


def test_a_camera_the_database_does_not_know_yet_is_registered_then_stopped(
        tmp_path: Path, client_as: Client) -> None:
    from tests.api.helpers import SITE_YAML, client_for

    site_path = write_site(tmp_path / "grown")
    site_path.write_text(SITE_YAML + "  - id: cam-c\n    source: {url: media/c.mp4}\n",
                         encoding="utf-8")
    ctx = make_context(site_path)
    client = client_for(ctx, Role.SUPERVISOR)
    try:
        response = client.post("/api/cameras/cam-c/stop", json={"reason": REASON})
        assert response.status_code == 200, response.text
        assert stopped_flags(ctx)["cam-c"] is True
        entries = audit(ctx, ("camera.config", *SWITCHES))
        assert [(e.actor, e.action) for e in entries][-2:] == [
            ("supervisor", "camera.config"), ("supervisor", "camera.stop")]
    finally:
        client.__exit__(None, None, None)
        ctx.db.close()


def test_snapshot_without_analysis_is_404_or_a_card(client_as: Client) -> None:
    operator = client_as(Role.OPERATOR)
    missing = operator.get("/api/cameras/cam-a/snapshot.jpg")
    assert missing.status_code == 404
    assert missing.json()["detail"].startswith("no live frame of cam-a: not analysed")
    card = operator.get("/api/cameras/cam-a/snapshot.jpg?placeholder=true")
    assert card.status_code == 200
    assert card.headers["content-type"] == "image/jpeg"
    assert decode(card.content).shape == (576, 768, 3)


# -- a real server (streams) ----------------------------------------------------------------


@pytest.fixture
def server(ctx: ConsoleContext) -> Iterator[str]:
    """The console of ``ctx`` served over HTTP on a free port."""
    console = ConsoleServer(ctx, "127.0.0.1", 0)
    console.start()
    yield console.url
    console.stop()


@contextmanager
def http_client(url: str, role: Role) -> Iterator[httpx.Client]:
    """An HTTP client signed in as ``role`` (cookie and CSRF header set)."""
    with httpx.Client(base_url=url, timeout=10) as client:
        response = client.post("/api/login",
                               json={"login": role.value, "password": password(role)})
        assert response.status_code == 200, response.text
        client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
        yield client


@pytest.mark.timeout(60)
def test_live_stream_without_analysis_carries_a_card(server: str) -> None:
    with http_client(server, Role.OPERATOR) as client, \
            client.stream("GET", "/api/cameras/cam-a/live.mjpg") as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"] == \
            f"multipart/x-mixed-replace; boundary={camera_routes.BOUNDARY}"
        [card] = mjpeg_parts(stream.iter_raw(), 1)
    assert decode(card).shape == (576, 768, 3)


@pytest.mark.timeout(60)
def test_live_stream_ends_when_its_session_does(server: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(camera_routes, "SESSION_CHECK_S", 0.3)
    monkeypatch.setattr(camera_routes, "RESEND_S", 0.2)
    with http_client(server, Role.OPERATOR) as client, \
            client.stream("GET", "/api/cameras/cam-b/live.mjpg") as stream:
        chunks = stream.iter_raw()
        assert len(mjpeg_parts(chunks, 1)) == 1
        other = httpx.Client(base_url=server, cookies=client.cookies,
                             headers={"X-CSRF-Token": client.headers["X-CSRF-Token"]})
        assert other.post("/api/logout").status_code == 200
        other.close()
        started = time.monotonic()
        for _ in chunks:  # the server ends the body once it notices
            assert time.monotonic() - started < 10, "the stream outlived its session"
    assert time.monotonic() - started < 10


# -- a real SiteRunner on a synthetic clip -------------------------------------------------

#: Where ``OnePerson`` sees somebody, on the 640x360 clip.
PERSON_BOX = (200.0, 80.0, 280.0, 300.0)


class OnePerson:
    """Sees one person at the same place in every frame: perception is not under test here."""

    labels = COCO_CLASSES
    input_size = (416, 416)

    def detect(self, image: npt.NDArray[np.uint8]) -> Detections:
        return Detections.from_arrays([PERSON_BOX], [0.9], [0])

    def detect_batch(self, images: Sequence[npt.NDArray[np.uint8]]) -> list[Detections]:
        return [self.detect(image) for image in images]


def write_clip(path: Path) -> Path:
    """3 s of a still grey scene, 640x360 at 10 fps."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = np.full((360, 640, 3), 100, np.uint8)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
        for _ in range(30):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
        out.mux(stream.encode())
    return path


SYNTHETIC_SITE = """\
version: 1
site: {name: Synthetic, timezone: Europe/Paris}
motion: {enabled: false, view_guard: false}
cameras:
  - id: cam-a
    name: Still scene A
    source: {url: media/still.mp4, realtime: true, loop: true}
    zones:
      - name: left
        points: [[0.02, 0.1], [0.2, 0.1], [0.2, 0.9], [0.02, 0.9]]
  - id: cam-b
    name: Still scene B
    source: {url: media/still.mp4, realtime: true, loop: true}
"""


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[ConsoleContext, SiteRunner]]:
    """Both cameras analysed by a running SiteRunner; its console context (control = runner)."""
    folder = tmp_path / "running"
    write_clip(folder / "media" / "still.mp4")
    site_path = write_site(folder, SYNTHETIC_SITE)
    runner = SiteRunner(load_config(site_path), detector=OnePerson())
    runner.start()
    ctx = make_context(site_path)
    ctx.control = runner
    try:
        wait_for(lambda: all(analysed(runner, c) > 3 for c in ("cam-a", "cam-b")), 20,
                 "both cameras to analyse frames")
        yield ctx, runner
    finally:
        runner.stop()
        ctx.db.close()


@pytest.fixture
def operator_on(running: tuple[ConsoleContext, SiteRunner]) -> Iterator[TestClient]:
    from tests.api.helpers import client_for

    client = client_for(running[0], Role.OPERATOR)
    yield client
    client.__exit__(None, None, None)


@pytest.mark.timeout(60)
def test_wall_of_running_analysis_has_live_figures(running: tuple[ConsoleContext, SiteRunner],
                                                   operator_on: TestClient) -> None:
    wall = operator_on.get("/api/cameras").json()
    assert wall["control"] is True
    for camera in wall["cameras"]:
        assert camera["status"] == "up", camera
        runtime = camera["runtime"]
        assert runtime["state"] == "up"
        assert runtime["analysed"] > 3
        assert runtime["fps"] > 0
        assert runtime["detector_share"] == 1.0  # motion gating is off
        assert runtime["dropped"] >= 0


@pytest.mark.timeout(60)
def test_snapshot_of_a_running_camera_draws_its_tracks(
        running: tuple[ConsoleContext, SiteRunner], operator_on: TestClient) -> None:
    _, runner = running

    def tracked() -> bool:
        live = runner.live_frame("cam-a")
        return live is not None and live.result is not None and bool(live.result.tracks)

    wait_for(tracked, 10, "a confirmed track")
    response = operator_on.get("/api/cameras/cam-a/snapshot.jpg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    image = decode(response.content)
    assert image.shape == (360, 640, 3)
    x1, y1, _, y2 = (int(v) for v in PERSON_BOX)
    edge = image[(y1 + y2) // 2, x1 - 1: x1 + 2]
    assert any(bluish(p) for p in edge), f"no {class_color('person')} box edge: {edge}"
    bare = decode(operator_on.get("/api/cameras/cam-a/snapshot.jpg?overlay=false").content)
    assert not any(bluish(p) for p in bare[(y1 + y2) // 2, x1 - 1: x1 + 2])
    assert abs(int(bare[180, 60, 0]) - 100) < 8  # no zone shading either
    assert abs(int(image[180, 60, 0]) - 100) > 8  # the zone 'left' is shaded


@pytest.mark.timeout(60)
def test_stop_and_resume_one_running_camera(running: tuple[ConsoleContext, SiteRunner],
                                            operator_on: TestClient) -> None:
    ctx, runner = running
    response = operator_on.post("/api/cameras/cam-a/stop", json={"reason": REASON})
    assert response.status_code == 200, response.text
    assert response.json() == {"analysis_stopped": True, "cameras": ["cam-a"], "applied": True,
                               "message": "analysis of cam-a stopped"}
    time.sleep(1.0)  # effective within a second
    assert not grows(runner, "cam-a")
    assert grows(runner, "cam-b")
    assert stopped_flags(ctx) == {"cam-a": True, "cam-b": False}
    [entry] = audit(ctx)
    assert (entry.actor, entry.action, entry.details) == \
        ("operator", "camera.stop", {"reason": REASON})
    wall = {c["id"]: c for c in operator_on.get("/api/cameras").json()["cameras"]}
    assert wall["cam-a"]["status"] == "stopped"
    assert wall["cam-a"]["runtime"]["state"] == "paused"
    snapshot = operator_on.get("/api/cameras/cam-a/snapshot.jpg")
    assert snapshot.status_code == 404
    assert "analysis stopped" in snapshot.json()["detail"]
    resumed = operator_on.post("/api/cameras/cam-a/start", json={"reason": "request withdrawn"})
    assert resumed.json()["applied"] is True
    assert grows(runner, "cam-a", 1.5)
    assert stopped_flags(ctx) == {"cam-a": False, "cam-b": False}


@pytest.mark.timeout(60)
def test_global_stop_of_running_analysis(running: tuple[ConsoleContext, SiteRunner],
                                         operator_on: TestClient) -> None:
    ctx, runner = running
    stop = operator_on.post("/api/analysis/stop", json={"reason": "major incident"}).json()
    assert stop["applied"] is True
    assert stop["cameras"] == ["cam-a", "cam-b"]
    time.sleep(1.0)
    assert not grows(runner, "cam-a", 0.7)
    assert not grows(runner, "cam-b", 0.3)
    assert operator_on.get("/api/cameras").json()["all_stopped"] is True
    [entry] = audit(ctx)
    assert (entry.actor, entry.action, entry.details["reason"]) == \
        ("operator", "camera.stop_all", "major incident")
    operator_on.post("/api/analysis/start", json={"reason": "incident over"})
    assert grows(runner, "cam-a", 1.5)
    assert grows(runner, "cam-b", 0.5)


# -- a real SiteRunner on real footage, over HTTP -------------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_real_footage_live_view_stop_and_resume(vtest_avi: Path, nanodet_models_dir: Path,
                                                tmp_path: Path) -> None:
    site_path = write_running_site(tmp_path / "campus", vtest_avi, nanodet_models_dir)
    runner = SiteRunner(load_config(site_path))
    ctx = make_context(site_path)
    server = ConsoleServer(ctx, "127.0.0.1", 0)
    runner.start()
    try:
        ctx.control = runner
        server.start()

        def tracked() -> bool:
            live = runner.live_frame("cam-a")
            return live is not None and live.result is not None and len(live.result.tracks) > 1

        wait_for(tracked, 60, "tracked persons on cam-a")
        with http_client(server.url, Role.OPERATOR) as client:
            snapshot = client.get("/api/cameras/cam-a/snapshot.jpg")
            assert snapshot.status_code == 200
            assert decode(snapshot.content).shape == (576, 768, 3)
            bare = decode(client.get("/api/cameras/cam-a/snapshot.jpg?overlay=false").content)
            assert np.abs(decode(snapshot.content).astype(int) - bare).mean() > 1  # drawn on
            with client.stream("GET", "/api/cameras/cam-a/live.mjpg") as stream:
                parts = mjpeg_parts(stream.iter_raw(), 3)
            assert [decode(p).shape for p in parts] == [(576, 768, 3)] * 3

            response = client.post("/api/cameras/cam-a/stop", json={"reason": REASON})
            assert response.json()["applied"] is True
            time.sleep(1.0)
            assert not grows(runner, "cam-a")
            assert grows(runner, "cam-b")
            assert stopped_flags(ctx)["cam-a"] is True
            assert [(e.actor, e.action, e.details["reason"]) for e in audit(ctx)] == \
                [("operator", "camera.stop", REASON)]
            assert client.get("/api/cameras/cam-a/snapshot.jpg").status_code == 404

            client.post("/api/cameras/cam-a/start", json={"reason": "request withdrawn"})
            assert grows(runner, "cam-a", 2.0)
            wait_for(lambda: client.get("/api/cameras/cam-a/snapshot.jpg").status_code == 200,
                     10, "the live view to come back")
    finally:
        server.stop()
        runner.stop()
        ctx.db.close()
