"""Statistics counters (tripwire crossings, zone entries...) in 1-minute UTC buckets."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from vigie.store.db import Database
from vigie.store.models import Count
from vigie.store.types import CountPoint

__all__ = ["CountRepository", "bucket_of"]

BUCKET = timedelta(minutes=1)
_KEY = ("camera_id", "rule_id", "name", "direction", "bucket_start")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def bucket_of(at: datetime, size: timedelta = BUCKET) -> datetime:
    """Start of the UTC bucket holding ``at`` (buckets are aligned on the Unix epoch)."""
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at!r}: counts are bucketed in UTC")
    return at - (at - _EPOCH) % size


def increment_in(session: Session, camera_id: str, rule_id: str, name: str, direction: str,
                 at: datetime, n: int = 1) -> None:
    """Add ``n`` to a bucket inside the caller's write transaction (insert or update)."""
    values: dict[str, Any] = {"camera_id": camera_id, "rule_id": rule_id, "name": name,
                              "direction": direction, "bucket_start": bucket_of(at), "count": n}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Count).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=list(_KEY), set_={"count": Count.count + statement.excluded.count})
    session.execute(statement)


class CountRepository:
    """Counters per camera, rule, line or zone name, and direction or label.

    Example:
        >>> counts = CountRepository(db)  # doctest: +SKIP
        >>> counts.increment("hall", "door", "door", "in", event.wall)  # doctest: +SKIP
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    def increment(self, camera_id: str, rule_id: str, name: str, direction: str,
                  at: datetime, n: int = 1) -> None:
        """Add ``n`` to the 1-minute bucket holding ``at``.

        Args:
            camera_id: The camera.
            rule_id: The rule that counted.
            name: Line or zone name.
            direction: ``in``/``out`` for lines, or a label; ``""`` when not relevant.
            at: When it happened (UTC).
            n: How many.
        """
        with self._db.write() as session:
            increment_in(session, camera_id, rule_id, name, direction, at, n)

    def series(self, camera_id: str, since: datetime, until: datetime, *,
               rule_id: str | None = None, name: str | None = None,
               bucket: timedelta = BUCKET) -> list[CountPoint]:
        """Counts summed per ``bucket`` (a multiple of one minute), oldest first.

        Empty buckets are not returned.
        """
        if bucket < BUCKET or bucket % BUCKET:
            raise ValueError(f"bucket must be a whole number of minutes, got {bucket}")
        query = select(Count).where(Count.camera_id == camera_id, Count.bucket_start >= since,
                                    Count.bucket_start < until)
        if rule_id is not None:
            query = query.where(Count.rule_id == rule_id)
        if name is not None:
            query = query.where(Count.name == name)
        sums: defaultdict[tuple[datetime, str, str, str], int] = defaultdict(int)
        with self._db.read() as session:
            for row in session.scalars(query):
                key = (bucket_of(row.bucket_start, bucket), row.rule_id, row.name, row.direction)
                sums[key] += row.count
        return [CountPoint(bucket_start=k[0], rule_id=k[1], name=k[2], direction=k[3], count=v)
                for k, v in sorted(sums.items())]
