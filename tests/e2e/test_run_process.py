"""`vigie run` as a real process: Ctrl-C (SIGINT) while analysing live-paced footage.

The process must exit 0 within seconds, with its clips finished and its writes committed.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vigie.config import load_config
from vigie.store import ClipStatus, HealthState

from ..runtime.helpers import campus_camera, read_outcome, site_data, write_site

EXIT_WITHIN_S = 30


@pytest.mark.timeout(120)
def test_ctrl_c_stops_vigie_run_cleanly(vtest_avi: Path, nanodet_models_dir: Path,
                                        tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("vigie")
    if not script.is_file():
        pytest.skip(f"no console script at {script} (package not installed in this venv)")
    path = write_site(tmp_path, site_data([campus_camera("campus", vtest_avi, realtime=True)],
                                          nanodet_models_dir, clip_after_s=30))
    site = load_config(path)
    process = subprocess.Popen([str(script), "run", str(path), "-q"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        started = time.monotonic()
        # The first alert comes within a few seconds of footage; its clip records for 30 s.
        while "ALERT" not in _peek(tmp_path) and time.monotonic() - started < 30:
            assert process.poll() is None, process.communicate()
            time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=EXIT_WITHIN_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "stopping: finishing clips and writes" in err

    outcome = read_outcome(site, {})
    assert outcome.alerts, err
    assert all(a.clip_status in (ClipStatus.READY, ClipStatus.FAILED) for a in outcome.alerts)
    assert outcome.health["campus"][-1].state is HealthState.STOPPED
    assert outcome.audit_break is None
    assert outcome.audit_actions[-1] == "analysis.stop"
    assert not list((tmp_path / "data" / "spool").glob("*.jsonl*"))  # nothing left unwritten


def _peek(folder: Path) -> str:
    """'ALERT' once an alert snapshot exists in the site's evidence folder."""
    return "ALERT" if any((folder / "data" / "evidence").rglob("*.jpg")) else ""
