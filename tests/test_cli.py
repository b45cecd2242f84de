"""The `vigie` command: help, config check and reference, replay --json, run's failures.

Most tests go through Typer's runner; those about exit codes and clean failure call
``vigie.cli.main`` (the console script's entry point, which turns Vigie errors into exit 2).
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, get_args

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from vigie.cli import app, main
from vigie.rules import AnalyticConfig, registered_rules

from .runtime.helpers import campus_camera, site_data, write_site

runner = CliRunner()


def _command_paths() -> list[list[str]]:
    paths: list[list[str]] = [[]]

    def walk(group: Any, prefix: list[str]) -> None:
        for name, command in sorted(getattr(group, "commands", {}).items()):
            paths.append([*prefix, name])
            walk(command, [*prefix, name])

    walk(get_command(app), [])
    return paths


def run_main(args: list[str], capsys: pytest.CaptureFixture[str],
             monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    """Run the console entry point in this process; return (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["vigie", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    out, err = capsys.readouterr()
    code = exited.value.code
    return code if isinstance(code, int) else (0 if code is None else 1), out, err


@pytest.fixture
def good_site(vtest_head: Path, nanodet_models_dir: Path, tmp_path: Path) -> Path:
    """A valid site file: one camera on the first 20 s of vtest.avi."""
    return write_site(tmp_path, site_data([campus_camera("campus", vtest_head)],
                                          nanodet_models_dir))


INVALID_SITE = """\
version: 1
site: {name: broken}
cameras:
  - id: campus
    source: {url: campus.avi}
    zones:
      - name: yard
        points: [[0.1, 0.1], [1.5, 0.1], [0.5, 0.9]]
    analytics:
      - {kind: zone_intrusion, name: zi, zone: yard}
  - id: gate
    source: {url: gate.avi}
    analysis_fps: 0
    analytics:
      - {kind: tripwir, name: tw, line: gate}
storage: {data_dir: data}
"""
#: (line, path, words of the message) of each problem in INVALID_SITE.
INVALID_PROBLEMS = [
    (8, "cameras[0].zones[0].points[1][0]", "outside 0..1"),
    (13, "cameras[1].analysis_fps", "greater than 0"),
    (15, "cameras[1].analytics[0]", "'tripwir'"),
]
PROBLEM_LINE = re.compile(r"^\s*(?P<file>\S+):(?P<line>\d+): (?P<path>\S+): (?P<message>.+)$")


@pytest.fixture
def invalid_site(tmp_path: Path) -> Path:
    """A site file with a coordinate out of range and a rule naming an unknown line."""
    path = tmp_path / "site.yaml"
    path.write_text(INVALID_SITE, encoding="utf-8")
    return path


def _problems(text: str) -> list[tuple[str, int, str, str]]:
    return [(m["file"], int(m["line"]), m["path"], m["message"])
            for m in map(PROBLEM_LINE.match, text.splitlines()) if m]


# -- help -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", _command_paths(), ids=lambda p: " ".join(p) or "vigie")
def test_help_of_every_command(path: list[str]) -> None:
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    usage = next(line for line in result.output.splitlines() if "Usage:" in line)
    assert " ".join(path) in usage


def test_installed_script_answers_help() -> None:
    script = Path(sys.executable).with_name("vigie")
    if not script.is_file():
        pytest.skip(f"no console script at {script} (package not installed in this venv)")
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    for command in ("run", "replay", "demo", "config", "models", "migrate"):
        assert command in done.stdout


# -- config ---------------------------------------------------------------------------------


def test_config_check_accepts_a_valid_site(good_site: Path) -> None:
    result = runner.invoke(app, ["config", "check", str(good_site)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.stderr

    as_json = runner.invoke(app, ["config", "check", str(good_site), "--json"])
    assert as_json.exit_code == 0
    summary = json.loads(as_json.stdout)
    assert summary["valid"] is True
    assert summary["site"] == "Vigie runtime test"
    assert summary["cameras"] == [{"id": "campus", "zones": 1, "lines": 1,
                                   "analytics": ["path-intrusion", "main-path-count"]}]


def test_config_check_reports_each_problem_with_file_and_line(invalid_site: Path) -> None:
    result = runner.invoke(app, ["config", "check", str(invalid_site)])
    assert result.exit_code == 2
    problems = _problems(result.stderr)
    assert len(problems) == len(INVALID_PROBLEMS), result.stderr
    for (file, line, path, message), (want_line, want_path, words) in zip(
            problems, INVALID_PROBLEMS, strict=True):
        assert file == str(invalid_site)
        assert (line, path) == (want_line, want_path), message
        assert words in message

    as_json = runner.invoke(app, ["config", "check", str(invalid_site), "--json"])
    assert as_json.exit_code == 2
    payload = json.loads(as_json.stdout)
    assert payload["valid"] is False
    assert _problems("\n".join(payload["problems"])) == problems


def test_config_reference_documents_every_rule_kind() -> None:
    result = runner.invoke(app, ["config", "reference"])
    assert result.exit_code == 0
    union = get_args(get_args(AnalyticConfig)[0])
    kinds = {get_args(m.model_fields["kind"].annotation)[0] for m in union}
    kinds |= set(registered_rules())
    assert {"zone_intrusion", "tripwire", "loitering"} <= kinds
    for kind in sorted(kinds):
        assert f"kind: {kind}" in result.stdout, kind


# -- replay ---------------------------------------------------------------------------------


def test_replay_prints_alerts_and_counts_as_json(good_site: Path) -> None:
    result = runner.invoke(app, ["replay", str(good_site), "--camera", "campus", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["camera"] == "campus"
    assert report["frames"] == 100  # 20 s analysed at 5 fps
    assert 19 <= report["duration_s"] <= 20
    assert report["alerts"], report
    assert {a["kind"] for a in report["alerts"]} == {"zone_intrusion"}
    assert all(a["zone"] == "path" and 0 <= a["t"] <= 20 for a in report["alerts"])
    counts = report["counts"]["main-path-count"]
    assert set(counts) == {"in", "out"}
    assert counts["in"] + counts["out"] >= 1  # people cross the path in the first 20 s
    assert not (good_site.parent / "data").exists()  # replay stores nothing


def test_replay_of_an_unknown_camera_names_the_known_ones(
        good_site: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run_main(["replay", str(good_site), "--camera", "nope"], capsys, monkeypatch)
    assert code == 2
    assert "'nope'" in err
    assert "campus" in err
    assert "Traceback" not in err


# -- run ------------------------------------------------------------------------------------


def test_run_on_an_invalid_site_starts_nothing(invalid_site: Path,
                                               capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    threads = set(threading.enumerate())
    code, _, err = run_main(["run", str(invalid_site), "-q"], capsys, monkeypatch)
    assert code == 2
    assert [p[1:3] for p in _problems(err)] == [p[:2] for p in INVALID_PROBLEMS]
    assert sorted(p.name for p in invalid_site.parent.iterdir()) == ["site.yaml"]
    assert set(threading.enumerate()) <= threads


@pytest.fixture
def site_without_model(vtest_head: Path, tmp_path: Path) -> Path:
    """A valid site whose models folder is empty."""
    empty = tmp_path / "no-models"
    empty.mkdir()
    return write_site(tmp_path, site_data([campus_camera("campus", vtest_head)], empty))


def test_run_without_the_model_says_how_to_fetch_it(site_without_model: Path,
                                                    capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    previous = signal.getsignal(signal.SIGINT)
    try:
        code, _, err = run_main(["run", str(site_without_model), "-q"], capsys, monkeypatch)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert code != 0
    assert "vigie models fetch" in " ".join(err.split())
    assert "nanodet" in err


def test_run_without_the_model_leaves_nothing_running(site_without_model: Path,
                                                      capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    previous = signal.getsignal(signal.SIGINT)
    threads = set(threading.enumerate())
    try:
        code, _, _ = run_main(["run", str(site_without_model), "-q"], capsys, monkeypatch)
        handler_after = signal.getsignal(signal.SIGINT)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert code != 0
    left = sorted(t.name for t in set(threading.enumerate()) - threads if t.is_alive())
    assert not left, f"threads left running by a failed start: {left}"
    assert handler_after is previous, "Ctrl-C handler not restored after a failed start"
