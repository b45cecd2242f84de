"""Read a site YAML file into a validated SiteConfig, with file:line: path errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from vigie.config.site import SiteConfig
from vigie.errors import ConfigError

__all__ = ["format_loc", "load_config", "parse_config"]

_SCHEMES = ("rtsp://", "rtsps://", "http://", "https://", "rtmp://", "udp://", "tcp://", "srt://")


def load_config(path: str | Path) -> SiteConfig:
    """Load and validate a site file; relative paths inside are taken from its folder.

    Raises:
        ConfigError: unreadable file, bad YAML, duplicate keys or invalid values; the message
            has one ``file:line: path: problem`` line per problem.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read configuration {path}: {exc.strerror}") from None
    return parse_config(text, source=str(path), base_dir=path.resolve().parent)


def read_strict_yaml(text: str, source: str) -> Any:
    """Round-trip YAML with line numbers kept and duplicate keys refused.

    Raises:
        ConfigError: The text is not valid YAML; the problem reads ``source:line: what``.
    """
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"{mark.line + 1}" if mark else "?"
        raise ConfigError(f"{source} is not valid YAML",
                          [f"{source}:{line}: {exc.problem or exc.context}"]) from None
    except YAMLError as exc:
        raise ConfigError(f"{source} is not valid YAML", [f"{source}:1: {exc}"]) from None


def parse_config(text: str, source: str = "<string>", base_dir: Path | None = None) -> SiteConfig:
    """Validate YAML text; see load_config."""
    data = read_strict_yaml(text, source)
    if not isinstance(data, dict):
        raise ConfigError(f"{source} must hold a mapping (site:, cameras: ...)",
                          [f"{source}:1: top level is {type(data).__name__}"])
    if base_dir is not None:
        _resolve_paths(data, base_dir)
    try:
        return SiteConfig.model_validate(_plain(data))
    except ValidationError as exc:
        problems = [_describe(err, data, source) for err in exc.errors()]
        raise ConfigError(f"{source}: {len(problems)} problem(s) in the configuration",
                          problems) from None


def _describe(err: Any, data: Any, source: str) -> str:
    loc = _data_loc(err["loc"], data)
    line = _line_of(data, loc)
    msg = err["msg"].removeprefix("Value error, ")
    where = format_loc(loc) or "(top level)"
    return f"{source}:{line}: {where}: {msg}"


def format_loc(loc: tuple[str | int, ...]) -> str:
    """('cameras', 2, 'zones', 0, 'points') -> 'cameras[2].zones[0].points'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _data_loc(loc: tuple[Any, ...], data: Any) -> tuple[str | int, ...]:
    """Drop the parts pydantic adds that are not in the YAML (union tags, validator names)."""
    out: list[str | int] = []
    node = data
    for part in loc:
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if in_list or (isinstance(node, dict) and part in node):
            out.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and "[" not in part \
                and node.get("kind") != part and out[-1:] != [part]:
            out.append(part)  # a missing or extra key: name it, stop walking
            node = None
    return tuple(out)


def _line_of(data: Any, loc: tuple[str | int, ...]) -> int:
    line, node = 1, data
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            line = node.lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    return line


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def _resolve_paths(data: dict[str, Any], base: Path) -> None:
    for cam in data.get("cameras") or []:
        src = cam.get("source") if isinstance(cam, dict) else None
        if isinstance(src, dict) and isinstance(src.get("url"), str):
            src["url"] = _absolute(src["url"], base)
    for section, key in (("storage", "data_dir"), ("detector", "labels_file"),
                         ("detector", "models_dir")):
        block = data.get(section)
        if isinstance(block, dict) and isinstance(block.get(key), str):
            block[key] = _absolute(block[key], base)
    model = (data.get("detector") or {}).get("model") if isinstance(data.get("detector"),
                                                                     dict) else None
    if isinstance(model, str) and model.endswith(".onnx"):
        data["detector"]["model"] = _absolute(model, base)
    storage = data.setdefault("storage", {})
    if isinstance(storage, dict) and "data_dir" not in storage:
        storage["data_dir"] = str(base / "vigie-data")


def _absolute(value: str, base: Path) -> str:
    if value.lower().startswith(_SCHEMES) or Path(value).expanduser().is_absolute():
        return str(Path(value).expanduser()) if "://" not in value else value
    return str((base / value).resolve())
