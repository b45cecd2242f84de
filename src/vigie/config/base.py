"""Base model for every configuration object: unknown keys are errors, values are frozen."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["VigieModel"]


class VigieModel(BaseModel):
    """Strict, immutable pydantic model (Frigate's FrigateBaseModel habit)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=False)
