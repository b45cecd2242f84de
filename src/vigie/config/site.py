"""Site configuration: site, cameras, zones, lines, calibration, analytics; pipeline settings."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, field_validator, model_validator

from vigie.config.base import VigieModel
from vigie.events.anonymise import PrivacySettings
from vigie.geometry import Homography, polygon_problem
from vigie.rules.configs import AnalyticConfig
from vigie.store.retention import RetentionPolicy

__all__ = [
    "AlertsConfig",
    "CalibrationConfig",
    "CameraConfig",
    "ConsoleConfig",
    "DetectorConfig",
    "LineConfig",
    "MotionConfig",
    "NoticeConfig",
    "PrivacyConfig",
    "RetentionConfig",
    "SiteConfig",
    "SiteInfo",
    "SourceConfig",
    "StorageConfig",
    "TrackerConfig",
    "ZoneConfig",
]

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def _slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(f"{value!r} must be 1-63 lowercase letters, digits, '-' or '_'")
    return value


def _unit(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"coordinate {value} is outside 0..1 (coordinates are fractions of "
                         "the frame width and height)")
    return value


Slug = Annotated[str, AfterValidator(_slug)]
Unit = Annotated[float, AfterValidator(_unit)]
NormPoint = tuple[Unit, Unit]


class SiteInfo(VigieModel):
    """Who runs the site and in which time zone schedules are read."""

    name: str = Field(description="Site name shown to operators.")
    timezone: str = Field("Europe/Paris", description="IANA time zone of schedules.")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Europe/Paris)") from None
        return value


class SourceConfig(VigieModel):
    """Where a camera's pictures come from."""

    url: str = Field(description="Video file path (relative to the config file) or rtsp://, "
                                 "http(s):// URL of a live stream.")
    realtime: bool = Field(True, description="Files: play at the video's own speed, as a live "
                           "camera would; false = as fast as possible.")
    loop: bool = Field(False, description="Files: start again at the end.")
    reconnect_min_s: float = Field(1.0, gt=0, le=60, description="First wait before "
                                   "reconnecting a lost stream; doubles up to reconnect_max_s.")
    reconnect_max_s: float = Field(30.0, gt=0, le=3600, description="Longest wait between "
                                   "reconnection attempts.")
    stall_timeout_s: float = Field(10.0, gt=0, le=600, description="A live stream that sends no "
                                   "frame for this long is marked down and reconnected.")

    @property
    def is_live(self) -> bool:
        """Whether the source is a network stream rather than a file."""
        return self.url.split("://", 1)[0].lower() in {"rtsp", "rtsps", "http", "https", "rtmp",
                                                         "udp", "tcp", "srt"}


class ZoneConfig(VigieModel):
    """A named polygon in the image."""

    name: Slug = Field(description="Zone name, unique per camera.")
    points: list[NormPoint] = Field(description="Polygon vertices (x, y), fractions of the frame.")

    @field_validator("points")
    @classmethod
    def _valid_polygon(cls, value: list[tuple[float, float]]) -> list[tuple[float, float]]:
        problem = polygon_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class LineConfig(VigieModel):
    """A named directed line (tripwire) from start to end."""

    name: Slug = Field(description="Line name, unique per camera.")
    start: NormPoint = Field(description="First end (x, y), fractions of the frame.")
    end: NormPoint = Field(description="Second end (x, y); 'in' crosses from the right of "
                                       "start->end to its left.")

    @model_validator(mode="after")
    def _distinct(self) -> LineConfig:
        if abs(self.start[0] - self.end[0]) + abs(self.start[1] - self.end[1]) < 1e-3:
            raise ValueError("a line needs two distinct points")
        return self


class CalibrationConfig(VigieModel):
    """Ground-plane calibration: image points and their positions on the ground in metres."""

    image_points: list[NormPoint] = Field(description=">= 4 image points, fractions of the frame.")
    ground_points: list[tuple[float, float]] = Field(description="The same points on the "
                                                     "ground, in metres.")

    @model_validator(mode="after")
    def _solvable(self) -> CalibrationConfig:
        if len(self.image_points) != len(self.ground_points):
            raise ValueError(f"{len(self.image_points)} image points but "
                             f"{len(self.ground_points)} ground points")
        if len(self.image_points) < 4:
            raise ValueError("calibration needs at least 4 point pairs")
        self.homography()
        return self

    def homography(self) -> Homography:
        """The image-to-ground mapping."""
        return Homography.from_points(self.image_points, self.ground_points)


class CameraConfig(VigieModel):
    """One camera: its source, scene set-up and the analytics enabled on it."""

    id: Slug = Field(description="Camera id, unique on the site; used in alerts and file names.")
    name: str = Field("", description="Name shown to operators.")
    source: SourceConfig = Field(description="Where the pictures come from.")
    enabled: bool = Field(True, description="Whether the camera is analysed at start.")
    analysis_fps: float = Field(5.0, gt=0, le=60, description="Frames analysed per second; "
                                "other decoded frames are dropped (and counted).")
    calibration: CalibrationConfig | None = Field(None, description="Ground-plane calibration, "
                                                  "for metres and speeds.")
    zones: list[ZoneConfig] = Field(default_factory=list, description="Named polygons.")
    lines: list[LineConfig] = Field(default_factory=list, description="Named directed lines.")
    analytics: list[AnalyticConfig] = Field(default_factory=list, description="Rules run on "
                                            "this camera, each chosen by its `kind`.")

    @model_validator(mode="after")
    def _references_resolve(self) -> CameraConfig:
        _unique("zone", [z.name for z in self.zones])
        _unique("line", [ln.name for ln in self.lines])
        _unique("rule", [a.rule_id for a in self.analytics])
        zones, lines = {z.name for z in self.zones}, {ln.name for ln in self.lines}
        for rule in self.analytics:
            ref = getattr(rule, "zone", None)
            if ref is not None and ref not in zones:
                raise ValueError(f"rule {rule.rule_id!r} names zone {ref!r}, which is not among "
                                 f"this camera's zones {sorted(zones)}")
            ref = getattr(rule, "line", None)
            if ref is not None and ref not in lines:
                raise ValueError(f"rule {rule.rule_id!r} names line {ref!r}, which is not among "
                                 f"this camera's lines {sorted(lines)}")
        return self


def _unique(what: str, names: list[str]) -> None:
    seen = {n for n in names if names.count(n) > 1}
    if seen:
        raise ValueError(f"{what} names must be unique per camera; repeated: {sorted(seen)}")


class DetectorConfig(VigieModel):
    """The object detector shared by all cameras."""

    model: str = Field("nanodet", description="Registered model name (nanodet, centernet) or "
                       "path to a YOLOv8/v11 ONNX export.")
    labels_file: Path | None = Field(None, description="Class names, one per line, for a "
                                     "user-supplied YOLO model.")
    confidence: float = Field(0.35, gt=0, lt=1, description="Minimum detection score.")
    nms_iou: float = Field(0.5, gt=0, lt=1, description="Overlap above which boxes merge.")
    classes: list[str] = Field(
        default_factory=lambda: ["person", "bicycle", "car", "motorcycle", "bus", "truck",
                                 "backpack", "handbag", "suitcase", "knife"],
        description="Labels kept; others are dropped after detection.")
    threads: int = Field(1, ge=1, le=64, description="onnxruntime intra-op threads per run.")
    workers: int = Field(3, ge=1, le=64, description="Detector runs at once, shared by all "
                         "cameras. One thread each and a few more runs than cores keeps the "
                         "cores busy while Python holds the GIL elsewhere.")
    regions: bool = Field(True, description="NanoDet: when motion gating runs the detector "
                          "because of motion, look only through windows around it (Frigate's "
                          "regions) when cheaper than the whole frame: about twice the cameras "
                          "per machine; false sees the whole frame every run (slightly steadier "
                          "tracks, see docs/PERFORMANCE.md).")
    providers: list[str] | None = Field(None, description="onnxruntime execution providers in "
                                        "order; default: CUDA when present, else CPU.")
    models_dir: Path | None = Field(None, description="Model cache; default ~/.cache/vigie/models "
                                    "or $VIGIE_MODELS_DIR.")


class MotionConfig(VigieModel):
    """Motion gating: when and where the detector runs."""

    enabled: bool = Field(True, description="False runs the detector on every analysed frame.")
    threshold: int = Field(25, ge=1, le=255, description="Pixel difference that counts as motion.")
    min_area: float = Field(0.0005, ge=0, le=1, description="Smallest moving region, as a "
                            "fraction of the frame area.")
    recheck_s: float = Field(2.0, gt=0, le=600, description="Seconds between detector runs on a "
                             "still scene, so stationary objects stay confirmed.")
    tracked_interval_s: float = Field(0.4, ge=0, le=10, description="When all motion lies on "
                                      "already tracked objects, seconds between detector runs; "
                                      "motion anywhere else runs the detector at once.")
    width: int = Field(160, ge=64, le=1920, description="Width in pixels at which motion is "
                       "computed (Frigate works at 100 px of height): small enough to ignore "
                       "sensor noise, cheap on every frame.")
    view_guard: bool = Field(True, description="Watch for a moving view (pan, shake, hand-held) "
                             "or a cut: rules that need a fixed view pause while it moves and "
                             "start afresh once it is steady; a cut restarts tracking.")
    steady_s: float = Field(1.0, ge=0, le=60, description="Seconds without view motion before "
                            "the view counts as steady again.")


class TrackerConfig(VigieModel):
    """ByteTrack settings (roboflow `trackers`)."""

    lost_track_buffer_s: float = Field(2.0, ge=0, le=60, description="Seconds a lost track is "
                                       "kept for re-association.")
    activation_threshold: float = Field(0.45, gt=0, lt=1, description="Score to start a track.")
    high_threshold: float = Field(0.5, gt=0, lt=1, description="Score of first-stage matches.")
    min_iou: float = Field(0.1, gt=0, lt=1, description="Overlap to associate a box to a track.")
    min_hits: int = Field(2, ge=1, le=30, description="Consecutive matches before an id is given.")
    history_s: float = Field(10.0, gt=0, le=600, description="Anchor history kept per track.")


class AlertsConfig(VigieModel):
    """From events to alerts: deduplication, cooldown, evidence."""

    cooldown_s: float = Field(30.0, ge=0, le=86400, description="Seconds after an alert during "
                              "which the same rule and zone raise no new alert for a new track.")
    clip_before_s: float = Field(5.0, ge=0, le=60, description="Seconds of video kept before the "
                                 "alert.")
    clip_after_s: float = Field(5.0, ge=0, le=60, description="Seconds of video kept after.")
    snapshot_quality: int = Field(85, ge=10, le=100, description="JPEG quality of snapshots.")


class StorageConfig(VigieModel):
    """Where alerts and evidence go."""

    data_dir: Path = Field(Path("vigie-data"), description="Evidence and the default SQLite "
                           "database; relative to the config file.")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default SQLite in "
                                     "data_dir. PostgreSQL: postgresql+psycopg://user@host/db.")

    @field_validator("database_url")
    @classmethod
    def _supported(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("database_url must be a sqlite:// or postgresql:// URL")
        return value

    def resolved_url(self) -> str:
        """The database URL to open."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'vigie.db').as_posix()}"


class RetentionConfig(VigieModel):
    """How long data is kept. The maxima are the legal ones (decree 2023-828)."""

    images_days: float = Field(30, gt=0, le=30, description="Snapshots and clips: deleted "
                               "after this many days (at most 30).")
    alerts_days: float = Field(365, gt=0, le=365, description="Alert records (type, date and "
                               "time, camera, follow-up register): deleted after this many days "
                               "(at most 12 months).")
    counts_days: float = Field(365, gt=0, le=3650, description="Anonymous statistics (counts "
                               "per minute).")
    health_days: float = Field(365, gt=0, le=3650, description="Camera health log.")
    interval_min: float = Field(60, ge=1, le=1440, description="Minutes between two purges "
                                "while `vigie run` runs (one also runs at start).")

    def policy(self) -> RetentionPolicy:
        """The periods as the store's retention policy."""
        return RetentionPolicy(images=timedelta(days=self.images_days),
                               alerts=timedelta(days=self.alerts_days),
                               counts=timedelta(days=self.counts_days),
                               health=timedelta(days=self.health_days))


class PrivacyConfig(VigieModel):
    """What is blurred in stored snapshots and clips, and in live views of roles without
    clearance."""

    blur_faces: bool = Field(True, description="Blur the faces that the face detector "
                             "(CenterFace) finds.")
    blur_heads: bool = Field(True, description="Blur the head of every tracked person too "
                             "(CCTV faces are often too small to be detected).")
    blur_persons: bool = Field(False, description="Blur every tracked person whole.")
    live_cleared_roles: list[Literal["operator", "supervisor", "integrator"]] = Field(
        default_factory=lambda: ["operator", "supervisor"],  # type: ignore[arg-type]
        description="Console roles that see live views unblurred; the others see them "
                    "blurred as stored pictures are.")

    def settings(self) -> PrivacySettings:
        """The evidence stage's settings."""
        return PrivacySettings(faces=self.blur_faces, heads=self.blur_heads,
                               persons=self.blur_persons)


class NoticeConfig(VigieModel):
    """What the public notice and the register of processing say about the site."""

    controller: str = Field("", description="Who is responsible for the processing (e.g. the "
                            "city and its mayor).")
    dpo_contact: str = Field("", description="How to reach the data-protection officer "
                             "(e-mail or postal address).")
    authorisation: str = Field("", description="Reference of the prefect's authorisation "
                               "(arrêté préfectoral).")
    legal_basis: str = Field(
        "Law no. 2023-380 of 19 May 2023, article 10, and decree no. 2023-828 of 28 August "
        "2023: algorithmic processing of video-protection images to detect, in real time, "
        "predetermined events that may indicate a risk to public safety.",
        description="Legal basis shown to the public.")
    purpose: str = Field(
        "Signal to the control-room operators, in real time, the predetermined events listed "
        "below, so that a person decides whether to act. The processing identifies nobody.",
        description="Purpose shown to the public.")
    experiment_until: date | None = Field(None, description="End of the experiment, if the "
                                          "authorisation sets one.")


class ConsoleConfig(VigieModel):
    """The operator console served by `vigie run`."""

    enabled: bool = Field(True, description="Serve the console while the site runs.")
    host: str = Field("127.0.0.1", min_length=1, description="Bind address. Loopback by "
                      "default: expose the console on purpose, behind TLS.")
    port: int = Field(8080, ge=1, le=65535, description="TCP port.")
    secure_cookies: bool = Field(False, description="Mark session cookies Secure (set it when "
                                 "a TLS proxy serves the console).")
    session_idle_min: float = Field(720, gt=0, le=1440, description="Minutes without use after "
                                    "which a sign-in expires.")


class SiteConfig(VigieModel):
    """A whole site: what `vigie run` loads."""

    version: Literal[1] = Field(1, description="Configuration format version.")
    site: SiteInfo = Field(description="Name and time zone.")
    cameras: list[CameraConfig] = Field(min_length=1, description="At least one camera.")
    detector: DetectorConfig = Field(default_factory=DetectorConfig,
                                     description="The object detector shared by all cameras.")
    motion: MotionConfig = Field(default_factory=MotionConfig, description="Motion gating.")
    tracker: TrackerConfig = Field(default_factory=TrackerConfig, description="Tracking.")
    alerts: AlertsConfig = Field(default_factory=AlertsConfig, description="Deduplication, "
                                 "cooldown and evidence.")
    storage: StorageConfig = Field(default_factory=StorageConfig, description="Database and "
                                   "evidence folder.")
    console: ConsoleConfig = Field(default_factory=ConsoleConfig, description="The operator "
                                   "console (web).")
    retention: RetentionConfig = Field(default_factory=RetentionConfig, description="How long "
                                       "images, alerts and statistics are kept.")
    notice: NoticeConfig = Field(default_factory=NoticeConfig, description="The public notice "
                                 "and the register of processing.")
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig, description="Blurring of "
                                   "faces and persons in stored and live pictures.")

    @model_validator(mode="after")
    def _unique_cameras(self) -> SiteConfig:
        _unique("camera id", [c.id for c in self.cameras])
        return self

    def camera(self, camera_id: str) -> CameraConfig:
        """The camera with this id; the error lists the ids."""
        for cam in self.cameras:
            if cam.id == camera_id:
                return cam
        raise KeyError(f"no camera {camera_id!r}; cameras: {[c.id for c in self.cameras]}")
