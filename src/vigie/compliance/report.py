"""The period's report to the authority: alerts per type, validated share, handling time, stops.

Everything comes from the registers (alerts and their follow-up, the audit log); nothing is
estimated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from vigie.rules.catalogue import label_of
from vigie.store import AuditRepository, Database
from vigie.store.registers import AuditQuery, iter_audit
from vigie.store.stats import alert_kinds
from vigie.store.stats_records import AlertKindStats

__all__ = ["AuthorityReport", "StopRecord", "authority_report", "report_markdown"]

_STOPS = {"camera.stop": True, "camera.stop_all": True, "camera.resume": False,
          "camera.resume_all": False}


@dataclass(frozen=True, slots=True)
class StopRecord:
    """One stop or restart of the analysis, from the audit log."""

    at: datetime
    actor: str
    target: str  # camera:<id> or cameras (all)
    stopped: bool
    reason: str


@dataclass(frozen=True)
class AuthorityReport:
    """The figures of one period."""

    site: str
    since: datetime
    until: datetime
    kinds: list[AlertKindStats]
    stops: list[StopRecord] = field(default_factory=list)
    purges: int = 0
    audit_intact: bool = True

    @property
    def alerts(self) -> int:
        """Alerts raised in the period."""
        return sum(k.total for k in self.kinds)

    @property
    def validated_share(self) -> float | None:
        """Validated / decided, all types together."""
        decided = sum(k.decided for k in self.kinds)
        return sum(k.validated for k in self.kinds) / decided if decided else None

    def as_dict(self) -> dict[str, object]:
        """JSON-compatible form."""
        return {
            "site": self.site, "since": self.since.isoformat(), "until": self.until.isoformat(),
            "alerts": self.alerts, "validated_share": self.validated_share,
            "kinds": [{"kind": k.kind, "label": label_of(k.kind), "alerts": k.total,
                       "validated": k.validated, "dismissed": k.dismissed, "open": k.open,
                       "validated_share": k.validated_share,
                       "mean_handling_s": k.mean_handling_s} for k in self.kinds],
            "stops": [{"at": s.at.isoformat(), "actor": s.actor, "target": s.target,
                       "stopped": s.stopped, "reason": s.reason} for s in self.stops],
            "purges": self.purges, "audit_intact": self.audit_intact,
        }


def authority_report(db: Database, site: str, since: datetime,
                     until: datetime) -> AuthorityReport:
    """The figures of ``[since, until)`` from the registers."""
    window = AuditQuery(since=since, until=until)
    stops, purges = [], 0
    for entry in iter_audit(db, window):
        if entry.action in _STOPS:
            stops.append(StopRecord(entry.at, entry.actor, entry.target, _STOPS[entry.action],
                                    str(entry.details.get("reason", ""))))
        elif entry.action == "retention.purge":
            purges += 1
    stops.sort(key=lambda s: s.at)
    intact = AuditRepository(db).verify().intact
    return AuthorityReport(site, since, until, alert_kinds(db, since, until), stops, purges,
                           intact)


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def report_markdown(report: AuthorityReport) -> str:
    """The report as Markdown, for the authority."""
    lines = [
        f"# Report on the algorithmic processing — {report.site}",
        "",
        f"Period: {report.since:%Y-%m-%d %H:%M} to {report.until:%Y-%m-%d %H:%M} UTC. "
        "Figures from the alert register and the audit log.",
        "",
        f"- Alerts raised: **{report.alerts}**; validated by operators: "
        f"**{_share(report.validated_share)}** of those decided.",
        f"- Stops and restarts of the analysis: {len(report.stops)}; retention purges: "
        f"{report.purges}.",
        f"- Audit log: {'intact' if report.audit_intact else 'BROKEN (see vigie audit verify)'}.",
        "",
        "## Alerts per type",
        "",
        "| type | alerts | validated | dismissed | open | validated share | mean handling time |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *[f"| {label_of(k.kind)} | {k.total} | {k.validated} | {k.dismissed} | {k.open} | "
          f"{_share(k.validated_share)} | {_duration(k.mean_handling_s)} |"
          for k in report.kinds],
        "",
        "## Stops and restarts",
        "",
    ]
    if not report.stops:
        lines.append("None in the period.")
    else:
        lines += ["| when (UTC) | what | camera(s) | by | reason |", "|---|---|---|---|---|"]
        lines += [f"| {s.at:%Y-%m-%d %H:%M:%S} | {'stop' if s.stopped else 'restart'} | "
                  f"{s.target.removeprefix('camera:')} | {s.actor} | {s.reason} |"
                  for s in report.stops]
    return "\n".join(lines) + "\n"
