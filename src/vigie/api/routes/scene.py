"""Console area: the scene editor (integrators draw zones, lines, directions, calibration).

Drafts are checked with the configuration models of ``vigie validate-config``, saved as
versions (who, when, what changed), tested on recorded footage in a background thread, and
put live: written into the site file (comments and other cameras kept) and, when the analysis
runs in this process, applied to the running camera at once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated, get_args

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic_core import to_jsonable_python

from vigie.api.context import ConsoleContext
from vigie.api.deps import ContextDep, RowId, require
from vigie.api.pages import render
from vigie.api.permissions import Permission
from vigie.api.schemas.scene import (
    AnalyticKind,
    DraftRequest,
    JobOut,
    PublishRequest,
    PublishResult,
    RecordingOut,
    SceneOut,
    SchemaOut,
    TrialRequest,
    ValidateRequest,
    ValidationOut,
    VersionDetail,
    VersionOut,
)
from vigie.config.site import CameraConfig
from vigie.detect.base import Detector
from vigie.errors import ConfigError, SourceError
from vigie.rules.configs import AnalyticConfig
from vigie.setup.footage import (
    TrialBusyError,
    TrialRunner,
    choose_recording,
    encode_jpeg,
    placeholder_jpeg,
    recordings,
    still_jpeg,
)
from vigie.setup.scene import build_camera, diff_summary, scene_of, write_camera
from vigie.store.scenes import SceneRepository, SceneVersionRecord
from vigie.store.users import SessionRecord

__all__ = ["router"]

router = APIRouter()

CanEdit = Annotated[SessionRecord, Depends(require(Permission.SCENE_EDIT))]
_STATE_LOCK = threading.Lock()


@dataclass
class EditorState:
    """What the editor keeps per console: the test runner, stills, the write lock."""

    trials: TrialRunner
    stills: dict[str, bytes] = field(default_factory=dict)
    publishing: threading.Lock = field(default_factory=threading.Lock)


def editor_state(request: Request, ctx: ContextDep) -> EditorState:
    """The console's editor state, made on first use."""
    with _STATE_LOCK:
        state: EditorState | None = getattr(request.app.state, "scene_editor", None)
        if state is None:
            state = EditorState(TrialRunner(lambda: _build_detector(ctx)))
            request.app.state.scene_editor = state
    return state


def _build_detector(ctx: ConsoleContext) -> Detector:
    from vigie.detect.factory import build_detector

    return build_detector(ctx.site.detector)


StateDep = Annotated[EditorState, Depends(editor_state)]


def _camera(ctx: ConsoleContext, camera_id: str, session: SessionRecord) -> CameraConfig:
    """The camera, if it is on the site and among the account's cameras (404 otherwise)."""
    try:
        camera = ctx.site.camera(camera_id)
    except KeyError:
        camera = None
    if camera is None or not session.user.may_see(camera_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no camera {camera_id!r} on this site")
    return camera


def _version(ctx: ConsoleContext, camera_id: str, version_id: int) -> SceneVersionRecord:
    try:
        record = SceneRepository(ctx.db).get(version_id)
    except KeyError:
        record = None
    if record is None or record.camera_id != camera_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"camera {camera_id!r} has no scene version {version_id}")
    return record


def _invalid(problems: list[str]) -> JSONResponse:
    return JSONResponse({"detail": "; ".join(problems), "problems": problems},
                        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


def _site_dir(ctx: ConsoleContext) -> Path | None:
    return ctx.site_path.resolve().parent if ctx.site_path is not None else None


def _live_id(ctx: ConsoleContext, camera: CameraConfig) -> int | None:
    """The version in service: the latest put live, if the configuration still matches it."""
    live = SceneRepository(ctx.db).live(camera.id)
    return live.id if live is not None and live.scene == scene_of(camera) else None


# pages ---------------------------------------------------------------------------------------

@router.get("/scene", response_class=HTMLResponse, include_in_schema=False)
def scene_page(request: Request, session: CanEdit, ctx: ContextDep) -> HTMLResponse:
    """The scene editor, on the first camera."""
    visible = [c for c in ctx.site.cameras if session.user.may_see(c.id)]
    if not visible:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no camera among this account's")
    return _page(request, session, ctx, visible[0].id)


@router.get("/scene/{camera_id}", response_class=HTMLResponse, include_in_schema=False)
def scene_camera_page(camera_id: str, request: Request, session: CanEdit,
                      ctx: ContextDep) -> HTMLResponse:
    """The scene editor on one camera."""
    return _page(request, session, ctx, _camera(ctx, camera_id, session).id)


def _page(request: Request, session: SessionRecord, ctx: ConsoleContext,
          camera_id: str) -> HTMLResponse:
    return render(request, "scene.html", session, title="Scene editor", script="scene.js",
                  camera_id=camera_id,
                  cameras=[c for c in ctx.site.cameras if session.user.may_see(c.id)])


# reading --------------------------------------------------------------------------------------

@router.get("/api/scene/analytics/schema")
def analytics_schema(session: CanEdit) -> SchemaOut:
    """Every rule kind with the JSON schema of its settings (to build forms)."""
    return _schema()


@lru_cache(maxsize=1)
def _schema() -> SchemaOut:
    union = get_args(AnalyticConfig)[0]
    kinds = []
    for model in get_args(union):
        kind = str(model.model_fields["kind"].default)
        doc = (model.__doc__ or "").strip().split("\n\n")[0]
        defaults = {name: to_jsonable_python(info.get_default(call_default_factory=True))
                    for name, info in model.model_fields.items() if not info.is_required()}
        kinds.append(AnalyticKind(kind=kind, title=kind.replace("_", " ").capitalize(),
                                  description=" ".join(doc.split()), defaults=defaults,
                                  schema=model.model_json_schema()))
    return SchemaOut(kinds=kinds)


@router.get("/api/scene/jobs/{job_id}")
def trial_job(job_id: str, session: CanEdit, state: StateDep) -> JobOut:
    """A test on footage: progress, then the alerts the draft would have raised."""
    try:
        return JobOut.of(state.trials.get(job_id))
    except KeyError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc.args[0])) from None


@router.get("/api/scene/{camera_id}")
def camera_scene(camera_id: str, session: CanEdit, ctx: ContextDep) -> SceneOut:
    """The camera's scene in service, its version history and the recordings to test on."""
    camera = _camera(ctx, camera_id, session)
    live_id = _live_id(ctx, camera)
    versions = [VersionOut.of(v, live_id) for v in SceneRepository(ctx.db).history(camera.id)]
    choices = [RecordingOut(key=r.key, label=r.label)
               for r in recordings(camera, _site_dir(ctx))]
    return SceneOut(camera_id=camera.id, name=camera.name or camera.id,
                    scene=scene_of(camera), versions=versions, recordings=choices,
                    live_source=camera.source.is_live,
                    analysis_running=ctx.control is not None,
                    can_publish=ctx.site_path is not None,
                    cameras=[{"id": c.id, "name": c.name or c.id} for c in ctx.site.cameras])


@router.get("/api/scene/{camera_id}/versions/{version_id}")
def scene_version(camera_id: str, version_id: RowId, session: CanEdit,
                  ctx: ContextDep) -> VersionDetail:
    """One saved version, with its scene (to load it into the editor)."""
    camera = _camera(ctx, camera_id, session)
    record = _version(ctx, camera.id, version_id)
    out = VersionOut.of(record, _live_id(ctx, camera))
    return VersionDetail(**out.model_dump(), scene=record.scene)


@router.get("/api/scene/{camera_id}/background.jpg", response_class=Response)
def background(camera_id: str, session: CanEdit, ctx: ContextDep, state: StateDep) -> Response:
    """The picture to draw on: a still of the camera's file ~2 s in, or its latest frame."""
    camera = _camera(ctx, camera_id, session)
    kind = "live" if camera.source.is_live else "file"
    if camera.source.is_live:
        live = ctx.control.live_frame(camera.id) if ctx.control is not None else None
        if live is not None and live.result is not None:
            jpeg = encode_jpeg(np.ascontiguousarray(live.result.frame.image))
        else:
            kind = "placeholder"
            why = ("analysis not running here" if ctx.control is None
                   else live.state if live is not None else "not running")
            jpeg = placeholder_jpeg(f"live camera: no picture ({why})")
    elif camera.source.url in state.stills:
        jpeg = state.stills[camera.source.url]
    else:
        try:
            jpeg = state.stills.setdefault(camera.source.url, still_jpeg(camera.source.url))
        except SourceError as exc:
            kind, jpeg = "placeholder", placeholder_jpeg(str(exc))
    return Response(jpeg, media_type="image/jpeg", headers={"x-vigie-picture": kind})


# changing ---------------------------------------------------------------------------------------

@router.post("/api/scene/{camera_id}/validate")
def validate_scene(camera_id: str, body: ValidateRequest, session: CanEdit,
                   ctx: ContextDep) -> ValidationOut:
    """Check a scene with the configuration models; nothing is saved."""
    camera = _camera(ctx, camera_id, session)
    try:
        draft = build_camera(camera, body.scene.model_dump())
    except ConfigError as exc:
        return ValidationOut(valid=False, problems=exc.problems)
    return ValidationOut(valid=True, problems=[], summary=diff_summary(camera, draft))


@router.post("/api/scene/{camera_id}/drafts", status_code=status.HTTP_201_CREATED,
             response_model=VersionOut)
def save_draft(camera_id: str, body: DraftRequest, session: CanEdit,
               ctx: ContextDep) -> VersionOut | JSONResponse:
    """Save a valid scene as a draft version (422 with the problems otherwise)."""
    camera = _camera(ctx, camera_id, session)
    try:
        draft = build_camera(camera, body.scene.model_dump())
    except ConfigError as exc:
        return _invalid(exc.problems)
    changes = diff_summary(camera, draft)
    note = (body.summary or "").strip()
    record = SceneRepository(ctx.db).add_draft(camera.id, session.user.login, scene_of(draft),
                                               f"{note} — {changes}" if note else changes)
    return VersionOut.of(record, None)


@router.post("/api/scene/{camera_id}/drafts/{version_id}/test",
             status_code=status.HTTP_202_ACCEPTED)
def start_trial(camera_id: str, version_id: RowId, body: TrialRequest, session: CanEdit,
               ctx: ContextDep, state: StateDep) -> JobOut:
    """Replay a recording with the draft, in the background; poll ``/api/scene/jobs/{id}``."""
    camera = _camera(ctx, camera_id, session)
    record = _version(ctx, camera.id, version_id)
    try:
        recording = choose_recording(recordings(camera, _site_dir(ctx)), body.video)
    except KeyError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc.args[0])) from None
    try:
        draft = build_camera(camera, record.scene)
    except ConfigError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, "this version no longer fits the camera: "
                            + "; ".join(exc.problems)) from None
    site = ctx.site.model_copy(update={"cameras": [draft if c.id == camera.id else c
                                                   for c in ctx.site.cameras]})
    try:
        job = state.trials.start(site, camera.id, record.id, recording)
    except TrialBusyError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return JobOut.of(job)


@router.post("/api/scene/{camera_id}/drafts/{version_id}/publish",
             response_model=PublishResult)
def publish_draft(camera_id: str, version_id: RowId, body: PublishRequest, session: CanEdit,
                  ctx: ContextDep, state: StateDep) -> PublishResult | JSONResponse:
    """Put a version live: into the site file, the version history and the running analysis."""
    if ctx.site_path is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "this console cannot write the site file "
                            "(started without one): put the scene live where Vigie runs")
    camera = _camera(ctx, camera_id, session)
    record = _version(ctx, camera.id, version_id)
    with state.publishing:
        camera = _camera(ctx, camera_id, session)
        try:
            draft = build_camera(camera, record.scene)
            site = write_camera(ctx.site_path, draft)
        except ConfigError as exc:
            return _invalid(exc.problems or [str(exc)])
        summary = diff_summary(camera, draft)
        live = SceneRepository(ctx.db).put_live(record.id, session.user.login, summary,
                                                body.comment.strip())
        ctx.site = site
        applied, message = _apply(ctx, site.camera(camera.id), session.user.login)
    return PublishResult(version=VersionOut.of(live, live.id), summary=summary,
                         applied=applied, message=message)


def _apply(ctx: ConsoleContext, camera: CameraConfig, actor: str) -> tuple[bool, str]:
    if ctx.control is None:
        return False, ("saved in the site file; analysis does not run in this console: the new "
                       "set-up takes effect when Vigie next starts")
    try:
        ctx.control.apply_camera(camera, actor)
    except Exception as exc:  # the file is written: say so rather than fail the request
        return False, (f"saved in the site file, but the running analysis could not take it "
                       f"({type(exc).__name__}: {exc}); restart Vigie to apply it")
    return True, "the running analysis uses the new set-up now"
