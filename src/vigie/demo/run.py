"""Set up the demo site in a folder (footage, configuration) and summarise what it produced."""

from __future__ import annotations

import os
import secrets
from collections import Counter
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path

from rich.console import Console
from rich.table import Table

from vigie.config.loader import load_config
from vigie.config.site import SiteConfig
from vigie.demo.media import obtain_vtest
from vigie.store import AlertRepository, CountRepository, migrate, open_database
from vigie.store.users import Role, UserRepository

__all__ = ["demo_accounts", "prepare_demo", "summarise_demo"]


def shared_data_dirs() -> list[Path]:
    """Folders that may hold the shared footage: $VIGIE_SHARED_DIR/data, ../shared/data."""
    candidates = [Path(os.environ["VIGIE_SHARED_DIR"]) / "data"] \
        if os.environ.get("VIGIE_SHARED_DIR") else []
    candidates += [Path.cwd().parent / "shared" / "data", Path.cwd() / "shared" / "data"]
    return [c for c in candidates if c.is_dir()]


def prepare_demo(folder: Path, realtime: bool = True, loop: bool = False) -> SiteConfig:
    """Write the demo site into ``folder`` with its footage; return the loaded site.

    The footage comes from the cache in ``folder/media``, a shared data folder, or Debian's
    ``opencv-doc`` package (downloaded with apt-get, never from a model or data hub).
    With ``loop`` the footage starts again at its end, as a live camera never ends.
    """
    folder.mkdir(parents=True, exist_ok=True)
    obtain_vtest(folder / "media", shared_data_dirs())
    text = files("vigie.demo").joinpath("site.yaml").read_text(encoding="utf-8")
    if not realtime:
        text = text.replace("realtime: true", "realtime: false")
    if loop:
        text = text.replace("realtime: true}", "realtime: true, loop: true}")
    site_file = folder / "site.yaml"
    site_file.write_text(text, encoding="utf-8")
    return load_config(site_file)


def summarise_demo(site: SiteConfig, console: Console) -> int:
    """Print the alerts the demo stored, with their evidence files; return how many."""
    db = open_database(site.storage.resolved_url())
    try:
        alerts = AlertRepository(db).list(limit=50)
        counts = _count_totals(CountRepository(db), site)
    finally:
        db.close()
    table = Table(title=f"{len(alerts)} most recent alert(s) in {site.storage.resolved_url()}",
                  title_justify="left")
    for col in ("raised (UTC)", "type", "zone", "why", "snapshot"):
        table.add_column(col)
    data_dir = Path(site.storage.data_dir)
    for a in alerts:
        table.add_row(f"{a.raised_at:%H:%M:%S}", a.kind, a.zone or "", a.explanation,
                      str(data_dir / a.snapshot_path) if a.snapshot_path else "-")
    console.print(table)
    for (rule_id, direction), n in sorted(counts.items()):
        console.print(f"tripwire {rule_id}: {n} crossing(s) going {direction}")
    console.print(f"Evidence (snapshots and clips): {data_dir / 'evidence'}\n"
                  f"Database: {site.storage.resolved_url()}\n"
                  f"Replay the set-up on the footage: vigie replay {data_dir.parent / 'site.yaml'}"
                  f" --camera pets-campus")
    return len(alerts)


def _count_totals(repo: CountRepository, site: SiteConfig) -> Counter[tuple[str, str]]:
    """Crossings per (rule, direction) of the last day, all cameras."""
    until = datetime.now(UTC) + timedelta(days=1)
    totals: Counter[tuple[str, str]] = Counter()
    for camera in site.cameras:
        for point in repo.series(camera.id, until - timedelta(days=2), until):
            totals[(point.rule_id, point.direction)] += point.count
    return totals


def demo_accounts(site: SiteConfig, path: Path, console: Console) -> None:
    """On first run, one console account per role, passwords generated into ``path`` (0600).

    Later runs keep the accounts and only remind where the passwords are.
    """
    Path(site.storage.data_dir).mkdir(parents=True, exist_ok=True)
    url = site.storage.resolved_url()
    migrate(url)
    db = open_database(url)
    try:
        users = UserRepository(db)
        if users.count() == 0:
            lines = []
            for role in Role:
                password = secrets.token_urlsafe(9)
                users.add(role.value, role, password, actor="demo")
                lines.append(f"{role.value}\t{password}")
            path.touch(mode=0o600)
            path.write_text("login\tpassword\n" + "\n".join(lines) + "\n", encoding="utf-8")
    finally:
        db.close()
    if path.is_file():
        console.print(f"console accounts (one per role) and their passwords: {path}")
        console.print(path.read_text(encoding="utf-8").rstrip())
