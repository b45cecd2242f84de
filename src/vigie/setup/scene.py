"""Scene editor logic: a camera's scene as data, checked, compared, and written to the site file.

A *scene* is the part of a camera's configuration that an integrator draws: ``zones``,
``lines``, ``calibration`` and ``analytics``, as plain JSON-ready data. It is checked with the
same models as ``vigie validate-config`` (:class:`~vigie.config.site.CameraConfig`), compared
with the configuration in service for a one-line history entry, and written back into the
site YAML with the rest of the file (comments, other cameras, layout) untouched.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from vigie.config.loader import _data_loc, format_loc, parse_config
from vigie.config.site import CameraConfig, SiteConfig
from vigie.errors import ConfigError
from vigie.setup.learn import round_trip_yaml

__all__ = ["SCENE_FIELDS", "Scene", "build_camera", "diff_summary", "scene_of", "write_camera"]

#: The camera settings that make up a scene, in the order they are written.
SCENE_FIELDS = ("zones", "lines", "calibration", "analytics")

Scene = dict[str, Any]


def scene_of(camera: CameraConfig) -> Scene:
    """The scene of a camera as JSON-ready data, every setting spelt out (defaults included).

    Example:
        >>> from vigie.config.site import SourceConfig
        >>> cam = CameraConfig(id="hall", source=SourceConfig(url="hall.mp4"))
        >>> scene_of(cam)
        {'zones': [], 'lines': [], 'calibration': None, 'analytics': []}
    """
    data = camera.model_dump(mode="json", include=set(SCENE_FIELDS))
    return {name: data[name] for name in SCENE_FIELDS}


def build_camera(camera: CameraConfig, scene: Mapping[str, Any]) -> CameraConfig:
    """The camera with its scene replaced, validated by the configuration models.

    Args:
        camera: The camera as configured now (source and other settings are kept).
        scene: The edited scene; a missing field is left empty.

    Raises:
        ConfigError: The scene is not valid; ``problems`` name each place, e.g.
            ``zones[0].points: polygon self-intersects``.
    """
    unknown = sorted(set(scene) - set(SCENE_FIELDS))
    if unknown:
        raise ConfigError("the scene has unknown parts",
                          [f"{name}: not part of a scene (expected {', '.join(SCENE_FIELDS)})"
                           for name in unknown])
    data = camera.model_dump(mode="json", exclude=set(SCENE_FIELDS))
    data.update({name: scene[name] for name in SCENE_FIELDS if name in scene})
    try:
        return CameraConfig.model_validate(data)
    except ValidationError as exc:
        problems = list(dict.fromkeys(_problem(err, data) for err in exc.errors()))
        raise ConfigError(f"camera {camera.id!r}: {len(problems)} problem(s) in the scene",
                          problems) from None


def _problem(err: Any, data: Any) -> str:
    where = format_loc(_data_loc(err["loc"], data))
    message = str(err["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def diff_summary(old: CameraConfig, new: CameraConfig) -> str:
    """What changed between two set-ups of a camera, in one line for the version history.

    Example:
        >>> from vigie.config.site import SourceConfig, ZoneConfig
        >>> cam = CameraConfig(id="hall", source=SourceConfig(url="hall.mp4"))
        >>> lawn = ZoneConfig(name="lawn", points=[(0, 0), (1, 0), (1, 1)])
        >>> diff_summary(cam, cam.model_copy(update={"zones": [lawn]}))
        'added zone lawn (3 points)'
    """
    parts = [*_zone_changes(old, new), *_line_changes(old, new),
             *_calibration_changes(old, new), *_rule_changes(old, new)]
    return "; ".join(parts) or "no change"


def _zone_changes(old: CameraConfig, new: CameraConfig) -> list[str]:
    before = {z.name: list(z.points) for z in old.zones}
    after = {z.name: list(z.points) for z in new.zones}
    out, added, removed = [], _only(after, before), _only(before, after)
    for name in list(removed):  # same polygon under a new name: a rename
        twin = next((a for a in added if after[a] == before[name]), None)
        if twin is not None:
            out.append(f"zone {name} renamed {twin}")
            added.remove(twin)
            removed.remove(name)
    out += [f"removed zone {name}" for name in removed]
    for name, points in after.items():
        if name in added:
            out.append(f"added zone {name} ({len(points)} points)")
        elif name in before and before[name] != points:
            n0, n1 = len(before[name]), len(points)
            out.append(f"zone {name}: {n0} -> {n1} points" if n0 != n1
                       else f"zone {name}: points moved")
    return out


def _line_changes(old: CameraConfig, new: CameraConfig) -> list[str]:
    before = {ln.name: (ln.start, ln.end) for ln in old.lines}
    after = {ln.name: (ln.start, ln.end) for ln in new.lines}
    out = [f"removed line {name}" for name in _only(before, after)]
    for name, ends in after.items():
        if name not in before:
            out.append(f"added line {name}")
        elif before[name] == ends[::-1]:
            out.append(f"line {name}: direction reversed")
        elif before[name] != ends:
            out.append(f"line {name}: moved")
    return out


def _calibration_changes(old: CameraConfig, new: CameraConfig) -> list[str]:
    a, b = old.calibration, new.calibration
    if a == b:
        return []
    if a is None:
        return [f"added calibration ({len(b.image_points) if b else 0} points)"]
    if b is None:
        return ["removed calibration"]
    if len(a.image_points) != len(b.image_points):
        return [f"calibration: {len(a.image_points)} -> {len(b.image_points)} points"]
    return ["calibration: points changed"]


def _rule_changes(old: CameraConfig, new: CameraConfig) -> list[str]:
    before = {r.rule_id: r.model_dump(mode="json") for r in old.analytics}
    after = {r.rule_id: r.model_dump(mode="json") for r in new.analytics}
    out = [f"removed rule {rule_id}" for rule_id in _only(before, after)]
    for rule_id, params in after.items():
        if rule_id not in before:
            out.append(f"added rule {rule_id} ({params['kind']})")
            continue
        if before[rule_id]["kind"] != params["kind"]:
            out.append(f"rule {rule_id}: kind {before[rule_id]['kind']} -> {params['kind']}")
            continue
        for key, value in params.items():
            previous = before[rule_id].get(key)
            if key != "name" and previous != value:
                out.append(f"rule {rule_id} {key} {_show(previous)} -> {_show(value)}")
    return out


def _only(names: Iterable[str], others: Mapping[str, Any]) -> list[str]:
    return [name for name in names if name not in others]


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, separators=(", ", ": "))


def write_camera(path: Path, camera: CameraConfig) -> SiteConfig:
    """Write a camera's scene into the site file; the rest of the file stays as it was.

    The camera's ``zones``, ``lines``, ``calibration`` and ``analytics`` are replaced, entries
    that did not change keep their text and comments, and settings left at their default are
    not spelt out. The whole new file is validated as ``vigie run`` would read it before it
    atomically replaces the old one; on any problem the file is left untouched.

    Args:
        path: The site YAML file.
        camera: The camera's new configuration (its ``id`` must be in the file).

    Returns:
        The site configuration as read back from the new file.

    Raises:
        ConfigError: The camera is not in the file, or the file would not be valid.
    """
    yaml, data = round_trip_yaml(path.read_text(encoding="utf-8"))
    node = next((c for c in (data.get("cameras") or []) if isinstance(c, CommentedMap)
                 and c.get("id") == camera.id), None)
    if node is None:
        raise ConfigError(f"{path}: no camera {camera.id!r} in the file")
    _write_scene(node, camera)
    yaml.width = 4096  # never fold a long line the file already had
    out = io.StringIO()
    yaml.dump(data, out)
    text = out.getvalue()
    site = parse_config(text, source=str(path), base_dir=path.resolve().parent)
    if scene_of(site.camera(camera.id)) != scene_of(camera):
        raise ConfigError(f"{path}: the written scene of {camera.id!r} does not read back as "
                          "edited; the file was left untouched")
    _replace_atomically(path, text)
    return site


def _replace_atomically(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with temp.open("w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        shutil.copymode(path, temp)
        os.replace(temp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def _write_scene(node: CommentedMap, camera: CameraConfig) -> None:
    full = scene_of(camera)
    lean = camera.model_dump(mode="json", include=set(SCENE_FIELDS), exclude_defaults=True)
    _write_list(node, "zones", full["zones"], lean.get("zones", []), _zone_key)
    _write_list(node, "lines", full["lines"], lean.get("lines", []), _zone_key)
    if camera.calibration is None:
        node.pop("calibration", None)
    else:
        old = node.get("calibration")
        node["calibration"] = _merge(old if isinstance(old, CommentedMap) else CommentedMap(),
                                     full["calibration"], lean.get("calibration", {}))
    rules = [{"kind": rule.kind, **lean_rule} for rule, lean_rule in
             zip(camera.analytics, lean.get("analytics", [{}] * len(camera.analytics)),
                 strict=True)]
    _write_list(node, "analytics", full["analytics"], rules, _rule_key)


def _zone_key(item: Mapping[str, Any]) -> str:
    return str(item.get("name"))


def _rule_key(item: Mapping[str, Any]) -> str:
    name = item.get("name")
    target = item.get("zone") or item.get("line")
    return str(name or "-".join(str(p) for p in (item.get("kind"), target) if p))


def _write_list(node: CommentedMap, key: str, full: list[dict[str, Any]],
                lean: list[dict[str, Any]], identity: Any) -> None:
    """Set ``node[key]`` to the items; entries with the same identity keep their YAML node."""
    if not full:
        node.pop(key, None)
        return
    old = node.get(key)
    olds = {identity(item): item for item in old if isinstance(item, CommentedMap)} \
        if isinstance(old, CommentedSeq) else {}
    items = [_merge(olds.get(identity(f), CommentedMap()), f, m)
             for f, m in zip(full, lean, strict=True)]
    if isinstance(old, CommentedSeq):
        del old[len(items):]
        for index, item in enumerate(items):
            if index < len(old):
                if old[index] is not item:
                    old[index] = item
            else:
                old.append(item)
    else:
        node[key] = CommentedSeq(items)


def _merge(old: CommentedMap, full: Mapping[str, Any], lean: Mapping[str, Any]) -> CommentedMap:
    """Update a YAML map in place: changed values set, values back at their default dropped.

    A key written in the file whose value did not change is kept, even at its default.
    """
    for key in list(old):
        if key not in full:
            del old[key]
        elif _plain(old[key]) == full[key]:
            continue
        elif key in lean:
            old[key] = _node(lean[key])
        else:
            del old[key]
    for key, value in lean.items():
        if key not in old:
            old[key] = _node(value)
    return old


def _node(value: Any) -> Any:
    """YAML node of a value: maps in block style, lists of numbers (points) in flow style."""
    if isinstance(value, Mapping):
        return CommentedMap((k, _node(v)) for k, v in value.items())
    if isinstance(value, list | tuple):
        seq = CommentedSeq(_node(v) for v in value)
        if all(not isinstance(v, Mapping) for v in value):
            seq.fa.set_flow_style()
        return seq
    return value


def _plain(node: Any) -> Any:
    if isinstance(node, Mapping):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list | tuple):
        return [_plain(v) for v in node]
    return node
