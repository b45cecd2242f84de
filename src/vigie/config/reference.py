"""Render the configuration reference (Markdown) from the pydantic models themselves."""

from __future__ import annotations

import types
import typing
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from vigie.config.site import SiteConfig
from vigie.rules.base import registered_rules

__all__ = ["render_reference"]


def render_reference() -> str:
    """Every section and field of a site file, with type, default and description."""
    out = ["# Configuration reference", "",
           "Generated from the configuration models by `vigie config reference`; do not edit.",
           "Coordinates are fractions (0..1) of the frame width and height; times are seconds.",
           ""]
    seen: set[type[BaseModel]] = set()
    _render(SiteConfig, "site file (top level)", out, seen)
    out += ["## Analytics (`cameras[].analytics[]`, chosen by `kind`)", ""]
    for kind, rule in sorted(registered_rules().items()):
        _render(rule.config_model, f"kind: {kind}", out, seen, level=3)
    return "\n".join(out).rstrip() + "\n"


def _render(model: type[BaseModel], title: str, out: list[str], seen: set[type[BaseModel]],
            level: int = 2) -> None:
    if model in seen:
        return
    seen.add(model)
    doc = (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else ""
    out += [f"{'#' * level} `{model.__name__}` — {title}", "", doc, "",
            "| field | type | default | description |", "|---|---|---|---|"]
    nested: list[tuple[type[BaseModel], str]] = []
    for name, field in model.model_fields.items():
        out.append(f"| `{name}` | {_type_name(field.annotation)} | {_default(field)} | "
                   f"{(field.description or '').replace('|', '/')} |")
        nested += [(m, f"`{name}`") for m in _models_in(field.annotation)]
    out.append("")
    for sub, where in nested:
        if "analytics" not in where:
            _render(sub, where, out, seen, level)


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        value = field.default_factory()  # type: ignore[call-arg]
        return "" if isinstance(value, BaseModel) else f"`{value}`"
    if field.default is PydanticUndefined:
        return "**required**"
    return f"`{field.default}`"


def _type_name(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _type_name(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return " or ".join(_type_name(a) for a in get_args(annotation))
    if origin is typing.Literal:
        return " / ".join(f"`{a}`" for a in get_args(annotation))
    if origin is not None:
        args = ", ".join(_type_name(a) for a in get_args(annotation))
        return f"{getattr(origin, '__name__', str(origin))}[{args}]"
    if annotation is type(None):
        return "null"
    return getattr(annotation, "__name__", str(annotation))


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for a in get_args(annotation) for m in _models_in(a)]
