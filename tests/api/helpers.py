"""Builders for console tests: a small site on disk, accounts per role, alerts with evidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import cv2
import numpy as np
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from vigie.api import ConsoleContext, create_app
from vigie.config import load_config
from vigie.store import AlertRecord, AlertRepository, CameraRepository, NewAlert, migrate
from vigie.store import open_database as open_db
from vigie.store.users import Role

SITE_YAML = """\
version: 1
site: {name: Test site, timezone: Europe/Paris}
cameras:
  - id: cam-a
    name: Station forecourt
    source: {url: media/a.mp4}
    zones:
      - name: tracks
        points: [[0.1, 0.5], [0.9, 0.5], [0.9, 0.95], [0.1, 0.95]]
    lines:
      - {name: gate, start: [0.5, 0.1], end: [0.5, 0.9]}
    analytics:
      - {kind: zone_intrusion, name: tracks-intrusion, zone: tracks}
      - {kind: tripwire, name: gate-count, line: gate}
  - id: cam-b
    name: Market square
    source: {url: media/b.mp4}
"""

#: Cheap argon2id parameters: the same code path as in service, a hundred times faster.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

#: The password of each test account is this prefix followed by the role.
PASSWORD = "test-password-"


def password(role: Role | str) -> str:
    """The password of the test account of ``role`` (login = role name)."""
    return f"{PASSWORD}{Role(role).value}"


def write_site(folder: Path, text: str = SITE_YAML) -> Path:
    """A site file in ``folder`` with its database migrated and cameras registered."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "site.yaml"
    path.write_text(text, encoding="utf-8")
    site = load_config(path)
    Path(site.storage.data_dir).mkdir(parents=True, exist_ok=True)
    migrate(site.storage.resolved_url())
    db = open_db(site.storage.resolved_url())
    try:
        CameraRepository(db).upsert_from_config(site.cameras)
    finally:
        db.close()
    return path


def make_context(site_path: Path) -> ConsoleContext:
    """A console context on the site at ``site_path``, with one account per role."""
    site = load_config(site_path)
    db = open_db(site.storage.resolved_url())
    ctx = ConsoleContext(site=site, db=db, site_path=site_path, password_hasher=FAST_HASHER)
    for role in Role:
        ctx.users.add(role.value, role, password(role), actor="test")
    return ctx


def sign_in(client: TestClient, role: Role | str) -> TestClient:
    """Sign ``client`` in as the test account of ``role``; sets the CSRF header."""
    response = client.post("/api/login", json={"login": Role(role).value,
                                               "password": password(role)})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client


def client_for(ctx: ConsoleContext, role: Role | str | None = None) -> TestClient:
    """A test client of the console (entered: lifespan running), signed in as ``role``."""
    client = TestClient(create_app(ctx), base_url="http://testserver")
    client.__enter__()
    return sign_in(client, role) if role is not None else client


@dataclass(frozen=True)
class Evidence:
    """Snapshot written for an alert (relative to the data folder)."""

    snapshot: str


def write_snapshot(data_dir: Path, camera_id: str, name: str) -> str:
    """A real JPEG under the evidence folder; returns its path relative to ``data_dir``."""
    relative = Path("evidence") / camera_id / f"{name}.jpg"
    target = data_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    image = np.full((240, 320, 3), 60, np.uint8)
    cv2.rectangle(image, (100, 80), (160, 200), (0, 0, 255), 3)
    assert cv2.imwrite(str(target), image)
    return relative.as_posix()


def add_alert(ctx: ConsoleContext, *, camera_id: str = "cam-a", kind: str = "zone_intrusion",
              zone: str | None = "tracks", raised_at: datetime | None = None,
              explanation: str = "person in zone tracks for 2.0 s (min 1.0 s)",
              snapshot: bool = True) -> AlertRecord:
    """Store an alert as the analysis would (with a real snapshot file)."""
    raised = raised_at or datetime.now(UTC)
    uuid = uuid4()
    snap = write_snapshot(ctx.data_dir, camera_id, str(uuid)) if snapshot else None
    new = NewAlert(kind=kind, rule_id=f"{zone or 'rule'}-{kind}", camera_id=camera_id,
                   started_at=raised - timedelta(seconds=2), raised_at=raised, score=0.8,
                   explanation=explanation, zone=zone,
                   details={"dwell_s": 2.0, "min_dwell_s": 1.0, "boxes": [[0.3, 0.3, 0.5, 0.8]]},
                   track_ids=(7,), snapshot_path=snap, uuid=uuid)
    return AlertRepository(ctx.db).create(new)


def add_clip(ctx: ConsoleContext, alert: AlertRecord, *, frames: int = 6) -> AlertRecord:
    """Give ``alert`` a real, short WebM clip (ready), as the clip recorder would."""
    from vigie.events.evidence import encode_clip

    relative = Path("evidence") / alert.camera_id / f"{alert.uuid}.webm"
    images = []
    for index in range(frames):
        image = np.full((120, 160, 3), 40, np.uint8)
        cv2.rectangle(image, (20 + 8 * index, 30), (60 + 8 * index, 100), (0, 0, 255), 2)
        images.append((index / 5, image))
    encode_clip(images, ctx.data_dir / relative)
    return AlertRepository(ctx.db).set_clip(alert.id, relative.as_posix(), "ready")


#: A site analysing real footage, for the camera wall: two views of the PETS 2009 campus
#: (``{video}``, played at its own speed, looping), and a camera whose file is missing.
RUNNING_SITE_YAML = """\
version: 1
site: {{name: Campus (test), timezone: Europe/Paris}}
cameras:
  - id: cam-a
    name: Campus path, east
    source: {{url: "{video}", realtime: true, loop: true}}
    zones:
      - name: lawn
        points: [[0.0, 0.52], [0.3, 0.60], [0.55, 0.74], [0.75, 0.82], [1.0, 0.92],
                 [1.0, 1.0], [0.0, 1.0]]
    lines:
      - {{name: main-path, start: [0.42, 0.30], end: [0.42, 0.66]}}
    analytics:
      - {{kind: tripwire, name: main-path-count, line: main-path, alert_direction: none}}
  - id: cam-b
    name: Campus junction
    source: {{url: "{video}", realtime: true, loop: true}}
    zones:
      - name: junction
        points: [[0.72, 0.22], [0.98, 0.22], [0.98, 0.50], [0.72, 0.50]]
    analytics:
      - {{kind: loitering, name: junction-loitering, zone: junction, dwell_s: 15}}
{extra}detector: {{models_dir: "{models_dir}"}}
"""

#: A camera whose footage is missing: down from the start, with the reason.
MISSING_CAMERA_YAML = """\
  - id: cam-c
    name: Car park gate
    source: {url: media/missing.mp4}
"""


def write_running_site(folder: Path, video: Path, models_dir: Path, *,
                       missing_camera: bool = False) -> Path:
    """``RUNNING_SITE_YAML`` on disk (database migrated, cameras registered)."""
    text = RUNNING_SITE_YAML.format(video=video.resolve(), models_dir=models_dir.resolve(),
                                    extra=MISSING_CAMERA_YAML if missing_camera else "")
    return write_site(folder, text)
