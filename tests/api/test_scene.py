"""Scene editor API: read, validate, save drafts, test on footage, put live; who may do it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import SITE_YAML, client_for, make_context, sign_in, write_site
from tests.setup.media import write_clip
from vigie.api import ConsoleContext
from vigie.config import load_config
from vigie.core.types import COCO_CLASSES, Detections
from vigie.runtime.site import SiteRunner
from vigie.setup.scene import scene_of
from vigie.store import AuditRepository
from vigie.store.scenes import SceneRepository
from vigie.store.users import Role

ClientAs = Callable[[Role | str | None], TestClient]

LAWN = {"name": "lawn", "points": [[0.2, 0.2], [0.6, 0.2], [0.6, 0.6], [0.2, 0.6]]}
BOWTIE = {"name": "lawn", "points": [[0.1, 0.1], [0.9, 0.9], [0.9, 0.1], [0.1, 0.9]]}


def scene_with(ctx: ConsoleContext, **changes: Any) -> dict[str, Any]:
    scene = scene_of(ctx.site.camera("cam-a"))
    scene.update(changes)
    return scene


def with_lawn(ctx: ConsoleContext) -> dict[str, Any]:
    scene = scene_with(ctx)
    scene["zones"].append(LAWN)
    scene["analytics"].append({"kind": "loitering", "zone": "lawn", "dwell_s": 20})
    return scene


def as_role(client: TestClient, role: str | None) -> TestClient:
    """The same client (one per test: the change hub runs on its event loop), as ``role``."""
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    return sign_in(client, role) if role is not None else client


def save(client: TestClient, scene: dict[str, Any], summary: str | None = None) -> int:
    response = client.post("/api/scene/cam-a/drafts", json={"scene": scene, "summary": summary})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@pytest.fixture
def clips(ctx: ConsoleContext) -> Path:
    """Real video files behind cam-a and cam-b (media/a.mp4, media/b.mp4)."""
    assert ctx.site_path is not None
    media = ctx.site_path.parent / "media"
    write_clip(media / "a.mp4", seconds=3.0, size=(320, 180))
    write_clip(media / "b.mp4", seconds=3.0, size=(320, 240))
    write_clip(media / "extra" / "night.avi", seconds=1.0)
    return media


ROUTES = [
    ("GET", "/api/scene/cam-a"),
    ("GET", "/api/scene/analytics/schema"),
    ("GET", "/api/scene/cam-a/background.jpg"),
    ("GET", "/api/scene/cam-a/versions/1"),
    ("GET", "/api/scene/jobs/t1-cam-a-v1"),
    ("POST", "/api/scene/cam-a/validate"),
    ("POST", "/api/scene/cam-a/drafts"),
    ("POST", "/api/scene/cam-a/drafts/1/test"),
    ("POST", "/api/scene/cam-a/drafts/1/publish"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_only_integrators_may_use_the_editor(client_as: ClientAs, ctx: ConsoleContext,
                                             method: str, path: str) -> None:
    body = {"scene": scene_with(ctx)} if path.endswith(("validate", "drafts")) else {}
    client = client_as(None)
    for role in ("operator", "supervisor", "auditor"):
        response = as_role(client, role).request(method, path,
                                                 json=body if method == "POST" else None)
        assert response.status_code == 403, (role, response.text)
        assert "scene.edit" in response.json()["detail"]
    anonymous = as_role(client, None).request(method, path,
                                              json=body if method == "POST" else None)
    assert anonymous.status_code == 401
    assert SceneRepository(ctx.db).history("cam-a") == []


def test_the_page_is_for_integrators(client_as: ClientAs) -> None:
    client = client_as("integrator")
    page = client.get("/scene/cam-b")
    assert page.status_code == 200
    assert 'data-camera="cam-b"' in page.text
    assert "/static/js/scene.js" in page.text
    assert "<script>" not in page.text  # CSP: no inline script
    assert client.get("/scene").status_code == 200
    assert client.get("/scene/nope").status_code == 404
    assert as_role(client, "operator").get("/scene").status_code == 403
    anonymous = as_role(client, None).get("/scene", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/login?next=/scene"


def test_the_scene_in_service_with_history_and_recordings(client_as: ClientAs,
                                                          ctx: ConsoleContext,
                                                          clips: Path) -> None:
    client = client_as("integrator")
    body = client.get("/api/scene/cam-a").json()
    assert body["name"] == "Station forecourt"
    assert [z["name"] for z in body["scene"]["zones"]] == ["tracks"]
    assert body["scene"]["lines"][0] == {"name": "gate", "start": [0.5, 0.1], "end": [0.5, 0.9]}
    assert body["scene"]["analytics"][0]["min_dwell_s"] == 1.0
    assert body["scene"]["calibration"] is None
    assert body["versions"] == []
    assert [r["key"] for r in body["recordings"]] == ["source", "media/b.mp4",
                                                      "media/extra/night.avi"]
    assert body["can_publish"] is True
    assert body["analysis_running"] is False
    assert body["live_source"] is False
    assert [c["id"] for c in body["cameras"]] == ["cam-a", "cam-b"]
    assert client.get("/api/scene/nope").status_code == 404


def test_the_schema_gives_every_rule_kind_and_its_settings(client_as: ClientAs) -> None:
    kinds = {k["kind"]: k for k in
             client_as("integrator").get("/api/scene/analytics/schema").json()["kinds"]}
    assert {"zone_intrusion", "tripwire", "loitering", "wrong_way", "fire"} <= set(kinds)
    intrusion = kinds["zone_intrusion"]["schema"]
    assert intrusion["properties"]["min_dwell_s"]["default"] == 1.0
    assert intrusion["properties"]["min_dwell_s"]["minimum"] == 0
    assert "zone" in intrusion["required"]
    assert kinds["wrong_way"]["schema"]["properties"]["direction_deg"]["anyOf"][1] == {
        "type": "null"}
    assert kinds["tripwire"]["description"].startswith("A watched object crosses")
    assert kinds["loitering"]["defaults"]["classes"] == ["person"]  # a default_factory too
    assert kinds["loitering"]["defaults"]["dwell_s"] == 60.0
    assert "zone" not in kinds["loitering"]["defaults"]  # required: no default


def test_the_background_is_a_still_of_the_camera_file(client_as: ClientAs,
                                                      clips: Path) -> None:
    client = client_as("integrator")
    response = client.get("/api/scene/cam-a/background.jpg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["x-vigie-picture"] == "file"
    image = cv2.imdecode(np.frombuffer(response.content, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (180, 320, 3)
    assert client.get("/api/scene/cam-a/background.jpg").content == response.content  # cached


def test_without_a_picture_the_background_says_why(client_as: ClientAs) -> None:
    response = client_as("integrator").get("/api/scene/cam-a/background.jpg")  # no file
    assert response.status_code == 200
    assert response.headers["x-vigie-picture"] == "placeholder"
    image = cv2.imdecode(np.frombuffer(response.content, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (720, 1280, 3)


def test_a_live_camera_without_analysis_gets_a_placeholder(tmp_path: Path) -> None:
    path = write_site(tmp_path / "live", SITE_YAML.replace("media/b.mp4", "rtsp://10.0.0.9/s"))
    ctx = make_context(path)
    client = client_for(ctx, "integrator")
    try:
        response = client.get("/api/scene/cam-b/background.jpg")
        assert response.headers["x-vigie-picture"] == "placeholder"
        assert client.get("/api/scene/cam-b").json()["live_source"] is True
        assert client.get("/api/scene/cam-b").json()["recordings"] == []
    finally:
        client.__exit__(None, None, None)
        ctx.db.close()


def test_validation_names_the_problem_by_its_path(client_as: ClientAs,
                                                  ctx: ConsoleContext) -> None:
    client = client_as("integrator")
    ok = client.post("/api/scene/cam-a/validate", json={"scene": with_lawn(ctx)}).json()
    assert ok == {"valid": True, "problems": [],
                  "summary": "added zone lawn (4 points); added rule loitering-lawn (loitering)"}
    bad = client.post("/api/scene/cam-a/validate",
                      json={"scene": scene_with(ctx, zones=[BOWTIE])}).json()
    assert bad["valid"] is False
    assert "zones[0].points: polygon self-intersects" in bad["problems"]
    missing = client.post("/api/scene/cam-a/validate", json={"scene": {"zones": []}})
    assert missing.status_code == 422
    assert "body.scene.lines: Field required" in missing.json()["problems"]


def test_a_draft_is_saved_with_author_and_summary_and_audited(client_as: ClientAs,
                                                              ctx: ConsoleContext) -> None:
    client = client_as("integrator")
    response = client.post("/api/scene/cam-a/drafts",
                           json={"scene": with_lawn(ctx), "summary": "night set-up"})
    assert response.status_code == 201
    version = response.json()
    assert version["status"] == "draft"
    assert version["author"] == "integrator"
    assert version["summary"] == ("night set-up — added zone lawn (4 points); added rule "
                                  "loitering-lawn (loitering)")
    history = client.get("/api/scene/cam-a").json()["versions"]
    assert [v["id"] for v in history] == [version["id"]]
    assert history[0]["current"] is False
    detail = client.get(f"/api/scene/cam-a/versions/{version['id']}").json()
    assert detail["scene"]["zones"][1] == LAWN
    assert detail["scene"]["analytics"][2]["dwell_s"] == 20.0
    assert client.get(f"/api/scene/cam-b/versions/{version['id']}").status_code == 404
    entry = AuditRepository(ctx.db).list(action="scene.draft")[0]
    assert entry.actor == "integrator"
    assert entry.target == "camera:cam-a"
    assert entry.details["version"] == version["id"]


def test_an_invalid_draft_is_refused_and_nothing_is_stored(client_as: ClientAs,
                                                          ctx: ConsoleContext) -> None:
    client = client_as("integrator")
    response = client.post("/api/scene/cam-a/drafts",
                           json={"scene": scene_with(ctx, zones=[BOWTIE])})
    assert response.status_code == 422
    assert "zones[0].points: polygon self-intersects" in response.json()["problems"]
    assert "zones[0].points: polygon self-intersects" in response.json()["detail"]
    scene = scene_with(ctx)
    scene["analytics"][0]["zone"] = "nowhere"
    response = client.post("/api/scene/cam-a/drafts", json={"scene": scene})
    assert response.status_code == 422
    assert "names zone 'nowhere'" in response.json()["detail"]
    assert SceneRepository(ctx.db).history("cam-a") == []
    assert AuditRepository(ctx.db).list(action="scene.draft") == []


def test_the_recording_is_chosen_from_the_list_never_a_path(client_as: ClientAs,
                                                            ctx: ConsoleContext,
                                                            clips: Path) -> None:
    client = client_as("integrator")
    version = save(client, with_lawn(ctx))
    for video in ("../../../etc/passwd", "media/../site.yaml", str(clips / "a.mp4"),
                  "/etc/hostname"):
        response = client.post(f"/api/scene/cam-a/drafts/{version}/test", json={"video": video})
        assert response.status_code == 422, video
        assert "is not among the recordings" in response.json()["detail"]
    assert client.post("/api/scene/cam-a/drafts/999/test", json={}).status_code == 404
    assert client.post(f"/api/scene/cam-b/drafts/{version}/test", json={}).status_code == 404
    assert client.get("/api/scene/jobs/nope").status_code == 404


def test_without_any_recording_a_test_is_refused(client_as: ClientAs,
                                                 ctx: ConsoleContext) -> None:
    client = client_as("integrator")
    version = save(client, with_lawn(ctx))
    response = client.post(f"/api/scene/cam-a/drafts/{version}/test", json={})
    assert response.status_code == 422
    assert "no recording to test on" in response.json()["detail"]


def test_put_live_writes_the_site_file_and_marks_the_version(client_as: ClientAs,
                                                            ctx: ConsoleContext) -> None:
    assert ctx.site_path is not None
    client = client_as("integrator")
    version = save(client, with_lawn(ctx))
    response = client.post(f"/api/scene/cam-a/drafts/{version}/publish",
                           json={"comment": "agreed with the site manager"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["version"]["id"] == version
    assert body["version"]["current"] is True
    assert body["applied"] is False
    assert "takes effect when Vigie next starts" in body["message"]
    text = ctx.site_path.read_text(encoding="utf-8")
    assert "name: lawn" in text
    assert "points: [[0.2, 0.2], [0.6, 0.2], [0.6, 0.6], [0.2, 0.6]]" in text
    assert "Market square" in text  # the other camera is still there
    on_disk = load_config(ctx.site_path).camera("cam-a")
    assert [z.name for z in on_disk.zones] == ["tracks", "lawn"]
    assert ctx.site.camera("cam-a") == on_disk
    scene = client.get("/api/scene/cam-a").json()
    assert [z["name"] for z in scene["scene"]["zones"]] == ["tracks", "lawn"]
    assert scene["versions"][0]["current"] is True
    assert scene["versions"][0]["status"] == "live"
    entry = AuditRepository(ctx.db).list(action="scene.publish")[0]
    assert entry.actor == "integrator"
    assert entry.details["comment"] == "agreed with the site manager"
    assert entry.details["summary"] == ("added zone lawn (4 points); added rule loitering-lawn "
                                        "(loitering)")


def test_a_site_file_that_would_be_invalid_is_left_untouched(client_as: ClientAs,
                                                            ctx: ConsoleContext) -> None:
    assert ctx.site_path is not None
    client = client_as("integrator")
    version = save(client, with_lawn(ctx))
    broken = ctx.site_path.read_text(encoding="utf-8").replace("name: Market square",
                                                               "name: Market square\n    fps: 3")
    ctx.site_path.write_text(broken, encoding="utf-8")
    response = client.post(f"/api/scene/cam-a/drafts/{version}/publish", json={})
    assert response.status_code == 422
    assert any("cameras[1].fps" in p for p in response.json()["problems"])
    assert ctx.site_path.read_text(encoding="utf-8") == broken
    assert SceneRepository(ctx.db).live("cam-a") is None
    assert [z.name for z in ctx.site.camera("cam-a").zones] == ["tracks"]


def test_a_console_without_the_site_file_cannot_put_live(client_as: ClientAs,
                                                         ctx: ConsoleContext) -> None:
    client = client_as("integrator")
    version = save(client, with_lawn(ctx))
    ctx.site_path = None
    response = client.post(f"/api/scene/cam-a/drafts/{version}/publish", json={})
    assert response.status_code == 409
    assert response.json()["detail"].startswith("this console cannot write the site file")
    assert client.get("/api/scene/cam-a").json()["can_publish"] is False
    assert SceneRepository(ctx.db).live("cam-a") is None


class EmptyDetector:
    """Finds nothing, instantly: the runtime is under test, not perception."""

    labels = COCO_CLASSES
    input_size = (416, 416)

    def detect(self, image: np.ndarray) -> Detections:
        return Detections.empty()

    def detect_batch(self, images: list[np.ndarray]) -> list[Detections]:
        return [Detections.empty() for _ in images]


@pytest.fixture
def running(ctx: ConsoleContext, clips: Path) -> Iterator[SiteRunner]:
    """The site's analysis running in this process, as under `vigie run`."""
    runner = SiteRunner(ctx.site, detector=EmptyDetector())
    runner.start()
    ctx.control = runner
    yield runner
    runner.stop()


@pytest.mark.timeout(60)
def test_put_live_applies_to_the_running_analysis_at_once(client_as: ClientAs,
                                                          ctx: ConsoleContext,
                                                          running: SiteRunner) -> None:
    client = client_as("integrator")
    before = running.workers["cam-a"]
    assert client.get("/api/scene/cam-a").json()["analysis_running"] is True
    version = save(client, with_lawn(ctx))
    body = client.post(f"/api/scene/cam-a/drafts/{version}/publish", json={}).json()
    assert body["applied"] is True, body
    worker = running.workers["cam-a"]
    assert worker is not before
    assert [z.name for z in worker.pipeline.camera.zones] == ["tracks", "lawn"]
    assert "loitering-lawn" in [r.config.rule_id for r in worker.pipeline.rules]
    assert running.site.camera("cam-a") == ctx.site.camera("cam-a")
    assert running.workers["cam-b"].pipeline.camera.zones == []  # the other camera untouched
    entry = AuditRepository(ctx.db).list(action="scene.publish")[0]
    assert entry.actor == "integrator"


@pytest.mark.timeout(60)
def test_an_operators_stop_holds_after_a_new_set_up(client_as: ClientAs, ctx: ConsoleContext,
                                                     running: SiteRunner) -> None:
    client = client_as("integrator")
    running.set_camera_stopped("cam-a", True, "operator", "privacy request")
    version = save(client, with_lawn(ctx))
    assert client.post(f"/api/scene/cam-a/drafts/{version}/publish",
                       json={}).json()["applied"] is True
    worker = running.workers["cam-a"]
    assert [z.name for z in worker.pipeline.camera.zones] == ["tracks", "lawn"]
    time.sleep(1.0)
    assert worker.reader.stats().state == "paused"
    assert worker.pipeline.frames == 0


def test_a_draft_is_tested_on_real_footage_then_put_live(tmp_path: Path, vtest_head: Path,
                                                         nanodet_models_dir: Path) -> None:
    pytest.importorskip("onnxruntime")
    text = (SITE_YAML.replace("media/a.mp4", str(vtest_head))
            + f"detector: {{models_dir: {nanodet_models_dir}}}\n")
    ctx = make_context(write_site(tmp_path / "site", text))
    client = client_for(ctx, "integrator")
    try:
        scene = scene_with(ctx, zones=[{"name": "path", "points": [[0.3, 0.3], [0.6, 0.3],
                                                                   [0.6, 0.7], [0.3, 0.7]]}],
                           lines=[{"name": "main-path", "start": [0.42, 0.30],
                                   "end": [0.42, 0.66]}],
                           analytics=[{"kind": "zone_intrusion", "zone": "path"},
                                      {"kind": "tripwire", "name": "main-path-count",
                                       "line": "main-path"}])
        version = save(client, scene)
        started = client.post(f"/api/scene/cam-a/drafts/{version}/test", json={"video": "source"})
        assert started.status_code == 202, started.text
        job = started.json()
        busy = client.post(f"/api/scene/cam-a/drafts/{version}/test", json={})
        assert busy.status_code == 409
        assert "already running" in busy.json()["detail"]
        deadline = time.monotonic() + 240
        while job["state"] == "running" and time.monotonic() < deadline:
            time.sleep(0.5)
            job = client.get(f"/api/scene/jobs/{job['id']}").json()
            assert 0 <= job["progress"] <= 1
        assert job["state"] == "done", job["message"]
        result = job["result"]
        assert result["video"] == "source"
        assert 15 < result["duration_s"] <= 20.5
        assert result["alerts"], "somebody walks through the path band in the first 20 s"
        first = result["alerts"][0]
        assert first["kind"] == "zone_intrusion"
        assert first["zone"] == "path"
        assert 0 <= first["t"] <= 20
        assert "path" in first["explanation"]
        counts = result["counts"]["main-path-count"]
        assert counts["in"] + counts["out"] >= 1
        published = client.post(f"/api/scene/cam-a/drafts/{version}/publish", json={})
        assert published.status_code == 200, published.text
        assert ctx.site_path is not None
        assert "main-path" in ctx.site_path.read_text(encoding="utf-8")
        assert SceneRepository(ctx.db).live("cam-a") is not None
    finally:
        client.__exit__(None, None, None)
        ctx.db.close()
