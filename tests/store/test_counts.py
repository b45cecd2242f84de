"""Statistics counters: upsert-increment into 1-minute buckets, and series."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from vigie.store import CountRepository, Database, bucket_of
from vigie.store.models import Count

from .helpers import T0


def test_bucket_of_floors_to_the_minute() -> None:
    assert bucket_of(T0) == T0.replace(second=0, microsecond=0)
    assert bucket_of(T0, timedelta(hours=1)) == T0.replace(minute=0, second=0, microsecond=0)
    with pytest.raises(ValueError, match="naive"):
        bucket_of(datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test


def test_increment_upserts_one_row_per_bucket(db: Database) -> None:
    counts = CountRepository(db)
    counts.increment("hall", "door", "door", "in", T0)
    counts.increment("hall", "door", "door", "in", T0 + timedelta(seconds=2), n=2)
    counts.increment("hall", "door", "door", "out", T0)
    counts.increment("hall", "door", "door", "in", T0 + timedelta(minutes=1))
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Count)) == 3
    series = counts.series("hall", T0 - timedelta(hours=1), T0 + timedelta(hours=1))
    minute = bucket_of(T0)
    assert [(p.bucket_start, p.direction, p.count) for p in series] == [
        (minute, "in", 3), (minute, "out", 1), (minute + timedelta(minutes=1), "in", 1)]


def test_series_rebuckets_and_filters(db: Database) -> None:
    counts = CountRepository(db)
    for minute in range(0, 120, 10):
        counts.increment("hall", "door", "door", "in", T0 + timedelta(minutes=minute))
    counts.increment("hall", "other", "gate", "in", T0)
    counts.increment("yard", "door", "door", "in", T0)
    hours = counts.series("hall", T0 - timedelta(hours=2), T0 + timedelta(hours=3),
                          rule_id="door", bucket=timedelta(hours=1))
    assert sum(p.count for p in hours) == 12
    assert all(p.bucket_start.minute == 0 and p.rule_id == "door" for p in hours)
    assert counts.series("hall", bucket_of(T0), T0, name="gate")[0].count == 1
    with pytest.raises(ValueError, match="whole number of minutes"):
        counts.series("hall", T0, T0, bucket=timedelta(seconds=90))
