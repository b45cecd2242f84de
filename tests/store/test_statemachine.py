"""The alert life cycle, table-driven: every (status, action) pair and the required fields."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from vigie.store import AlertActionKind, AlertStatus, DismissReason, FollowUp
from vigie.store.errors import InvalidTransitionError
from vigie.store.statemachine import TransitionRequest, next_status

A, S = AlertActionKind, AlertStatus


class Case(NamedTuple):
    status: AlertStatus
    action: AlertActionKind
    expected: AlertStatus | None  # None: refused
    reason: DismissReason | None = None
    follow_up: FollowUp | None = None
    comment: str | None = None


def _request(case: Case) -> TransitionRequest:
    reason = case.reason
    if case.action is A.DISMISS and reason is None:
        reason = DismissReason.FALSE_POSITIVE
    follow_up = case.follow_up
    if case.action is A.FOLLOW_UP and follow_up is None:
        follow_up = FollowUp.INTERVENTION
    comment = case.comment if case.action is not A.COMMENT else (case.comment or "note")
    return TransitionRequest(case.action, "op1", comment, reason, follow_up)


ALLOWED = {
    (S.NEW, A.ACKNOWLEDGE): S.ACKNOWLEDGED,
    (S.NEW, A.VALIDATE): S.VALIDATED,
    (S.NEW, A.DISMISS): S.DISMISSED,
    (S.ACKNOWLEDGED, A.VALIDATE): S.VALIDATED,
    (S.ACKNOWLEDGED, A.DISMISS): S.DISMISSED,
    (S.VALIDATED, A.FOLLOW_UP): S.VALIDATED,
    (S.NEW, A.COMMENT): S.NEW,
    (S.ACKNOWLEDGED, A.COMMENT): S.ACKNOWLEDGED,
    (S.VALIDATED, A.COMMENT): S.VALIDATED,
    (S.DISMISSED, A.COMMENT): S.DISMISSED,
}
EVERY_PAIR = [Case(s, a, ALLOWED.get((s, a))) for s in S for a in A]


@pytest.mark.parametrize("case", EVERY_PAIR,
                         ids=[f"{c.status}-{c.action}-{c.expected or 'refused'}"
                              for c in EVERY_PAIR])
def test_every_status_action_pair(case: Case) -> None:
    request = _request(case)
    if case.expected is None:
        with pytest.raises(InvalidTransitionError, match=f"cannot {case.action}") as info:
            next_status(case.status, request)
        assert (info.value.status, info.value.action) == (case.status, case.action)
    else:
        assert next_status(case.status, request) is case.expected


FIELD_CASES = [
    (S.NEW, TransitionRequest(A.DISMISS, "op1"), "reason is required"),
    (S.NEW, TransitionRequest(A.VALIDATE, "op1", reason=DismissReason.TEST), "only given when"),
    (S.VALIDATED, TransitionRequest(A.FOLLOW_UP, "op1"), "follow-up .* is required"),
    (S.VALIDATED, TransitionRequest(A.FOLLOW_UP, "op1", follow_up=FollowUp.NONE),
     "follow-up .* is required"),
    (S.NEW, TransitionRequest(A.ACKNOWLEDGE, "op1", follow_up=FollowUp.NO_ACTION),
     "only recorded on a validated"),
    (S.NEW, TransitionRequest(A.DISMISS, "op1", reason=DismissReason.OTHER,
                              follow_up=FollowUp.NO_ACTION), "only recorded on a validated"),
    (S.NEW, TransitionRequest(A.COMMENT, "op1", comment="  "), "comment is empty"),
    (S.NEW, TransitionRequest(A.ACKNOWLEDGE, " "), "actor"),
]


@pytest.mark.parametrize(("status", "request_", "message"), FIELD_CASES,
                         ids=["dismiss-no-reason", "validate-with-reason", "follow-up-missing",
                              "follow-up-none", "acknowledge-with-follow-up",
                              "dismiss-with-follow-up", "empty-comment", "blank-actor"])
def test_missing_or_misplaced_fields(status: AlertStatus, request_: TransitionRequest,
                                     message: str) -> None:
    with pytest.raises(InvalidTransitionError, match=message):
        next_status(status, request_)


def test_validate_may_carry_the_follow_up() -> None:
    request = TransitionRequest(A.VALIDATE, "op1", follow_up=FollowUp.TRANSMITTED_TO_FIELD)
    assert next_status(S.ACKNOWLEDGED, request) is S.VALIDATED
