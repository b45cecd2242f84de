"""docs/configuration.md is what `vigie config reference` generates from the models."""

from __future__ import annotations

from tests.conftest import REPO
from vigie.config.reference import render_reference
from vigie.rules import registered_rules


def test_reference_lists_every_rule_kind() -> None:
    text = render_reference()
    for kind in registered_rules():
        assert f"kind: {kind}" in text


def test_docs_configuration_is_up_to_date() -> None:
    committed = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert committed == render_reference(), "run: uv run vigie config reference -o " \
                                            "docs/configuration.md"
