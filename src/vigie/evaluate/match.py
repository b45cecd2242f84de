"""Alerts against ground-truth events: true positives, duplicates, false alarms, misses, delays.

Pure functions, no I/O. An alert of type T at time t matches an event of type T when
``start - tolerance <= t <= end + tolerance``; each event is matched by one alert at most;
further alerts inside an already matched event are duplicates; every other alert is a false
positive; an event no alert matched is a false negative.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from vigie.evaluate.types import TypeScore

__all__ = ["TOLERANCE_S", "alert_outcomes", "match_clip", "match_type", "merge_scores"]

#: Seconds an alert may come before an event's start or after its end and still match it.
TOLERANCE_S = 2.0

Interval = tuple[float, float]


def match_type(events: Sequence[Interval], alerts: Sequence[float], hours: float = 0.0,
               tolerance_s: float = TOLERANCE_S) -> TypeScore:
    """Score the alerts of one type against the events of that type on one clip.

    Alerts are taken in time order; each goes to the open event (not yet matched) whose
    window contains it and closes first. This greedy choice gives the largest possible number
    of matched events when windows overlap (the classic points-in-intervals matching).

    Args:
        events: (start, end) seconds of each ground-truth event.
        alerts: Alert times in seconds.
        hours: Hours of footage watched for this type (for false alarms per hour).
        tolerance_s: Slack on both sides of each event.

    Returns:
        The score; ``delays_s`` holds ``alert time - event start`` of each matched alert.

    Example:
        >>> s = match_type([(10.0, 20.0)], [9.0, 15.0, 40.0])
        >>> s.tp, s.duplicates, s.fp, s.fn, s.delays_s
        (1, 1, 1, 0, [-1.0])
    """
    outcomes, delays, missed = _assign(events, alerts, tolerance_s)
    return TypeScore(tp=outcomes.count("tp"), fp=outcomes.count("fp"), fn=missed,
                     duplicates=outcomes.count("duplicate"), delays_s=delays, hours=hours)


def alert_outcomes(events: Sequence[Interval], alerts: Sequence[float],
                   tolerance_s: float = TOLERANCE_S) -> list[str]:
    """What each alert counted as, in the order given: "tp", "duplicate" or "fp".

    Example:
        >>> alert_outcomes([(10.0, 20.0)], [40.0, 15.0, 9.0])
        ['fp', 'duplicate', 'tp']
    """
    order = sorted(range(len(alerts)), key=lambda i: alerts[i])
    outcomes, _, _ = _assign(events, [alerts[i] for i in order], tolerance_s)
    out = [""] * len(alerts)
    for i, outcome in zip(order, outcomes, strict=True):
        out[i] = outcome
    return out


def _assign(events: Sequence[Interval], alerts: Sequence[float],
            tolerance_s: float) -> tuple[list[str], list[float], int]:
    """Outcome of each alert (time order), delays of the matches, and events left unmatched."""
    windows = [(start - tolerance_s, end + tolerance_s) for start, end in events]
    matched = [False] * len(events)
    outcomes: list[str] = []
    delays: list[float] = []
    for t in sorted(alerts):
        inside = [i for i, (lo, hi) in enumerate(windows) if lo <= t <= hi]
        open_ = [i for i in inside if not matched[i]]
        if open_:
            best = min(open_, key=lambda i: (windows[i][1], windows[i][0]))
            matched[best] = True
            outcomes.append("tp")
            delays.append(t - events[best][0])
        else:
            outcomes.append("duplicate" if inside else "fp")
    return outcomes, delays, matched.count(False)


def match_clip(events: Iterable[tuple[str, float, float]], alerts: Iterable[tuple[str, float]],
               hours: float = 0.0, watched: Iterable[str] = (),
               tolerance_s: float = TOLERANCE_S) -> dict[str, TypeScore]:
    """Score one clip, type by type.

    Args:
        events: (type, start, end) of each ground-truth event.
        alerts: (type, time) of each alert.
        hours: Length of the clip in hours.
        watched: Types the clip was analysed for even if it holds none of them.
        tolerance_s: Slack on both sides of each event.

    Returns:
        One score per type that was watched, annotated or alerted.
    """
    by_type_events: dict[str, list[Interval]] = {}
    by_type_alerts: dict[str, list[float]] = {}
    for kind, start, end in events:
        by_type_events.setdefault(kind, []).append((start, end))
    for kind, t in alerts:
        by_type_alerts.setdefault(kind, []).append(t)
    kinds = sorted(set(watched) | set(by_type_events) | set(by_type_alerts))
    return {k: match_type(by_type_events.get(k, []), by_type_alerts.get(k, []), hours,
                          tolerance_s) for k in kinds}


def merge_scores(scores: Iterable[TypeScore]) -> TypeScore:
    """Sum of several clips' scores of one type (counts, delays and hours add up)."""
    total = TypeScore()
    for s in scores:
        total.tp += s.tp
        total.fp += s.fp
        total.fn += s.fn
        total.duplicates += s.duplicates
        total.delays_s.extend(s.delays_s)
        total.hours += s.hours
    return total
