"""`kill -9` of `vigie run` during a burst of alerts: no committed alert is lost, the database
and the audit chain stay valid, and a restart resumes.

A whole-frame intrusion zone with no cooldown makes the demo footage raise an alert for
nearly every person; meanwhile this test appends audit entries from another process, as a
console would, so the chain is written from two places when the kill comes.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.runtime.helpers import site_data, write_site
from vigie.config import load_config
from vigie.store import AlertRepository, AuditRepository, open_database

pytestmark = pytest.mark.slow

WHOLE_FRAME = {"name": "all", "points": [[0, 0], [1, 0], [1, 1], [0, 1]]}


def _site(folder: Path, video: Path, models_dir: Path) -> Path:
    camera = {"id": "burst", "source": {"url": str(video), "realtime": False, "loop": True},
              "zones": [WHOLE_FRAME],
              "analytics": [{"kind": "zone_intrusion", "name": "everyone", "zone": "all",
                             "min_dwell_s": 0.2}]}
    data = site_data([camera], models_dir, clip_after_s=1.0)
    data["alerts"]["cooldown_s"] = 0
    data["console"] = {"enabled": False}
    return write_site(folder, data)


def _run(site: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "vigie", "run", str(site), "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def _committed(db_file: Path) -> set[str]:
    if not db_file.is_file():
        return set()
    try:
        with sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, timeout=5) as conn:
            return {row[0] for row in conn.execute("SELECT uuid FROM alerts")}
    except sqlite3.OperationalError:  # not migrated yet
        return set()


def test_kill_9_during_a_burst_loses_nothing_committed(vtest_avi: Path,
                                                       nanodet_models_dir: Path,
                                                       tmp_path: Path) -> None:
    site_file = _site(tmp_path, vtest_avi, nanodet_models_dir)
    site = load_config(site_file)
    db_file = Path(site.storage.data_dir) / "vigie.db"
    process = _run(site_file)
    seen: set[str] = set()
    console_entries = 0
    deadline = time.monotonic() + 240
    try:
        while len(seen) < 15:
            assert process.poll() is None, process.stderr.read().decode()  # type: ignore[union-attr]
            assert time.monotonic() < deadline, f"only {len(seen)} alerts in 240 s"
            seen |= _committed(db_file)
            if seen:
                db = open_database(site.storage.resolved_url())
                try:
                    AuditRepository(db).append("op1", "alert.view", "alert:x", {})
                    console_entries += 1
                finally:
                    db.close()
            time.sleep(0.2)
        seen |= _committed(db_file)  # read last, just before the kill
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        process.stderr.close()  # type: ignore[union-attr]
    assert process.returncode == -signal.SIGKILL

    with sqlite3.connect(db_file) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db = open_database(site.storage.resolved_url())
    try:
        stored = {a.uuid.hex for a in AlertRepository(db).list(limit=10_000)}
        assert seen <= stored, f"lost after kill -9: {sorted(seen - stored)}"
        check = AuditRepository(db).verify()
        assert check.intact, check.problem
        assert len(AuditRepository(db).list(actor="op1", limit=1000)) == console_entries
        before_restart = len(stored)
    finally:
        db.close()

    restarted = _run(site_file)
    try:
        deadline = time.monotonic() + 120
        while len(_committed(db_file)) <= before_restart:
            assert restarted.poll() is None, restarted.stderr.read().decode()  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "no new alert after the restart"
            time.sleep(0.3)
    finally:
        os.killpg(restarted.pid, signal.SIGINT)
        restarted.wait(timeout=60)
        restarted.stderr.close()  # type: ignore[union-attr]
    db = open_database(site.storage.resolved_url())
    try:
        assert AuditRepository(db).verify().intact
        starts = AuditRepository(db).list(action="analysis.start")
        assert len(starts) == 2  # both runs started, the second after the kill
        assert starts[0].details["config_sha256"] == starts[1].details["config_sha256"]
    finally:
        db.close()
