"""Configuration changes are traceable: each start records the digest of the set-up it runs;
the demo site's public notice is filled."""

from __future__ import annotations

from importlib.resources import files

from vigie.compliance import build_notice
from vigie.config.loader import parse_config
from vigie.runtime.site import config_digest

DEMO = files("vigie.demo").joinpath("site.yaml").read_text(encoding="utf-8")


def test_the_digest_changes_with_the_set_up_and_only_with_it() -> None:
    site = parse_config(DEMO)
    same = parse_config(DEMO + "\n# a comment changes nothing\n")
    moved = parse_config(DEMO.replace("min_dwell_s: 1.0", "min_dwell_s: 2.0"))
    assert len(config_digest(site)) == 64
    assert config_digest(site) == config_digest(same)
    assert config_digest(site) != config_digest(moved)


def test_the_demo_notice_names_its_camera_events_and_contact() -> None:
    notice = build_notice(parse_config(DEMO), stopped=set())
    assert [c.name for c in notice.cameras] == ["Campus path, view 1"]
    assert {e.kind for e in notice.events} == {"zone_intrusion", "tripwire", "loitering"}
    assert notice.dpo_contact == "dpo@demo-city.example"
    assert "fictitious" in notice.controller
