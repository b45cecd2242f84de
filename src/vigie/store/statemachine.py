"""The alert life cycle as a table: which action is allowed in which status, and what it needs.

::

    new ──acknowledge──> acknowledged
     │                        │
     ├──validate──────────────┼──> validated ──follow_up──> validated (follow-up recorded)
     └──dismiss (reason)──────┴──> dismissed
    comment: allowed in every status, changes nothing but the register.

An operator may validate or dismiss straight from ``new`` (one click in the control room); the
register still records who decided and when. Decisions are final: a wrong one is corrected by
a comment, never by rewriting history.
"""

from __future__ import annotations

from dataclasses import dataclass

from vigie.store.errors import InvalidTransitionError
from vigie.store.types import AlertActionKind, AlertStatus, DismissReason, FollowUp

__all__ = ["TRANSITIONS", "TransitionRequest", "next_status"]

A, S = AlertActionKind, AlertStatus

#: (status, action) -> new status. Anything else is refused.
TRANSITIONS: dict[tuple[AlertStatus, AlertActionKind], AlertStatus] = {
    (S.NEW, A.ACKNOWLEDGE): S.ACKNOWLEDGED,
    (S.NEW, A.VALIDATE): S.VALIDATED,
    (S.NEW, A.DISMISS): S.DISMISSED,
    (S.ACKNOWLEDGED, A.VALIDATE): S.VALIDATED,
    (S.ACKNOWLEDGED, A.DISMISS): S.DISMISSED,
    (S.VALIDATED, A.FOLLOW_UP): S.VALIDATED,
    **{(status, A.COMMENT): status for status in S},
}


@dataclass(frozen=True, slots=True)
class TransitionRequest:
    """What an operator asks, with the optional fields of each action.

    Attributes:
        action: The action.
        actor: Operator login.
        comment: Free text (required for ``comment``).
        reason: Why an alert is dismissed (required for ``dismiss``, refused elsewhere).
        follow_up: What was done (required for ``follow_up``, optional for ``validate``).
    """

    action: AlertActionKind
    actor: str
    comment: str | None = None
    reason: DismissReason | None = None
    follow_up: FollowUp | None = None


def next_status(status: AlertStatus, request: TransitionRequest) -> AlertStatus:
    """The status after ``request``, or a clear refusal.

    Args:
        status: The alert's current status.
        request: What the operator asks.

    Returns:
        The new status.

    Raises:
        InvalidTransitionError: The action is not allowed now, or a field is missing or
            misplaced.

    Example:
        >>> next_status(AlertStatus.NEW, TransitionRequest(AlertActionKind.ACKNOWLEDGE, "op1"))
        <AlertStatus.ACKNOWLEDGED: 'acknowledged'>
    """
    action = request.action
    target = TRANSITIONS.get((status, action))
    if target is None:
        allowed = sorted(a for (s, a) in TRANSITIONS if s == status)
        raise InvalidTransitionError(
            f"cannot {action} an alert that is {status}; allowed now: {', '.join(allowed)}",
            status, action)
    problem = _field_problem(request)
    if problem:
        raise InvalidTransitionError(f"cannot {action}: {problem}", status, action)
    return target


def _field_problem(request: TransitionRequest) -> str | None:
    action = request.action
    if not request.actor.strip():
        return "the actor (operator login) is required"
    if action is A.DISMISS and request.reason is None:
        return "a dismiss reason is required"
    if action is not A.DISMISS and request.reason is not None:
        return "a reason is only given when dismissing"
    if action is A.FOLLOW_UP and request.follow_up in (None, FollowUp.NONE):
        return "the follow-up (transmitted_to_field, intervention, no_action) is required"
    if action not in (A.VALIDATE, A.FOLLOW_UP) and request.follow_up is not None:
        return "a follow-up is only recorded on a validated alert"
    if action is A.COMMENT and not (request.comment or "").strip():
        return "the comment is empty"
    return None
