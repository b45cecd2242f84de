"""Everything a console request may need, built once by whoever serves the console."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from argon2 import PasswordHasher

from vigie.api.control import SiteControl
from vigie.api.throttle import LoginThrottle
from vigie.config.site import SiteConfig
from vigie.events.anonymise import Anonymiser
from vigie.store import AuditRepository, Database
from vigie.store.users import SessionRepository, UserRepository

__all__ = ["ConsoleContext"]


@dataclass
class ConsoleContext:
    """The console's view of one site.

    Attributes:
        site: The validated site configuration.
        db: The site's database (migrated).
        site_path: The site YAML file, when the console may write scene changes back to it.
        control: The running analysis, or None when the console runs on its own.
        secure_cookies: Mark cookies ``Secure`` (always true behind TLS).
        anonymiser: The analysis' anonymiser (with its face detector), for live views of
            roles without clearance; None: one without face detector is made when needed.
        password_hasher: argon2 parameters; default argon2-cffi's (RFC 9106 low-memory).
    """

    site: SiteConfig
    db: Database
    site_path: Path | None = None
    control: SiteControl | None = None
    secure_cookies: bool = False
    anonymiser: Anonymiser | None = None
    password_hasher: PasswordHasher | None = None
    users: UserRepository = field(init=False)
    sessions: SessionRepository = field(init=False)
    throttle: LoginThrottle = field(default_factory=LoginThrottle)

    def __post_init__(self) -> None:
        self.users = UserRepository(self.db, self.password_hasher)
        self.sessions = SessionRepository(
            self.db, idle=timedelta(minutes=self.site.console.session_idle_min))

    def live_anonymiser(self) -> Anonymiser | None:
        """What blurs live views of roles without clearance (None: the site blurs nothing)."""
        if self.anonymiser is None and self.site.privacy.settings().active:
            self.anonymiser = Anonymiser(self.site.privacy.settings(), faces=None)
        return self.anonymiser

    def audit(self, actor: str, action: str, target: str,
              details: dict[str, object] | None = None) -> None:
        """Append an entry to the audit log (its own transaction)."""
        AuditRepository(self.db).append(actor, action, target, dict(details or {}))

    @property
    def data_dir(self) -> Path:
        """Where evidence files live (paths in the database are relative to it)."""
        return Path(self.site.storage.data_dir)
