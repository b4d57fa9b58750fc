"""The post workflow: every legal transition, the illegal ones, reasons and schedule times."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from domain.enums import PostStatus as S
from domain.rules.permissions import Action
from domain.rules.workflow import (
    RULES,
    Transition,
    WorkflowError,
    is_editable,
    next_status,
)

T = Transition
NOW = datetime(2026, 3, 23, 10, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=2)

# Written out by hand (not derived from RULES) so a change to the workflow shows up here.
LEGAL: dict[tuple[Transition, S], S] = {
    (T.SUBMIT, S.DRAFT): S.IN_REVIEW,
    (T.SUBMIT, S.REJECTED): S.IN_REVIEW,
    (T.APPROVE, S.IN_REVIEW): S.APPROVED,
    (T.REJECT, S.IN_REVIEW): S.REJECTED,
    (T.REJECT, S.APPROVED): S.REJECTED,
    (T.SCHEDULE, S.APPROVED): S.SCHEDULED,
    (T.SCHEDULE, S.FAILED): S.SCHEDULED,
    (T.UNSCHEDULE, S.SCHEDULED): S.APPROVED,
    (T.PUBLISH, S.SCHEDULED): S.PUBLISHED,
    (T.PUBLISH, S.APPROVED): S.PUBLISHED,
    (T.FAIL, S.SCHEDULED): S.FAILED,
    (T.FAIL, S.APPROVED): S.FAILED,
    (T.ARCHIVE, S.DRAFT): S.ARCHIVED,
    (T.ARCHIVE, S.IN_REVIEW): S.ARCHIVED,
    (T.ARCHIVE, S.APPROVED): S.ARCHIVED,
    (T.ARCHIVE, S.PUBLISHED): S.ARCHIVED,
    (T.ARCHIVE, S.REJECTED): S.ARCHIVED,
    (T.ARCHIVE, S.FAILED): S.ARCHIVED,
    (T.REOPEN, S.REJECTED): S.DRAFT,
    (T.REOPEN, S.FAILED): S.DRAFT,
    (T.REOPEN, S.ARCHIVED): S.DRAFT,
    (T.REOPEN, S.APPROVED): S.DRAFT,
}

ILLEGAL = sorted(
    ((t, s) for t in Transition for s in S if (t, s) not in LEGAL),
    key=lambda pair: (pair[0].value, pair[1].value),
)


def move(current: S, transition: Transition) -> S:
    """next_status with the extras a legal call needs (a reason, a future time)."""
    return next_status(current, transition, reason="off brand", scheduled_at=LATER, now=NOW)


@pytest.mark.parametrize(("transition", "current"), list(LEGAL), ids=lambda v: str(v))
def test_legal_transition(transition, current):
    assert move(current, transition) is LEGAL[(transition, current)]


@pytest.mark.parametrize(("transition", "current"), ILLEGAL, ids=lambda v: str(v))
def test_illegal_transition(transition, current):
    with pytest.raises(WorkflowError) as caught:
        move(current, transition)
    assert caught.value.code == "ILLEGAL_TRANSITION"
    assert caught.value.field == "status"


@pytest.mark.parametrize(
    ("transition", "current"),
    [
        (T.PUBLISH, S.DRAFT),  # publishing skips review
        (T.APPROVE, S.DRAFT),  # approving what was never submitted
        (T.SCHEDULE, S.IN_REVIEW),  # scheduling before approval
        (T.SCHEDULE, S.DRAFT),
        (T.SUBMIT, S.PUBLISHED),
        (T.REJECT, S.PUBLISHED),
        (T.REJECT, S.SCHEDULED),  # must be unscheduled first
        (T.ARCHIVE, S.SCHEDULED),  # would leave a queued publication behind
        (T.ARCHIVE, S.ARCHIVED),
        (T.REOPEN, S.PUBLISHED),
        (T.UNSCHEDULE, S.APPROVED),
    ],
)
def test_representative_illegal_transitions_name_the_status_and_what_to_do(transition, current):
    with pytest.raises(WorkflowError) as caught:
        move(current, transition)
    assert caught.value.code == "ILLEGAL_TRANSITION"
    assert f" {current} post" in str(caught.value)
    assert any(hint in str(caught.value) for hint in (" can be ", "first", "already"))


@pytest.mark.parametrize(("transition", "current", "message"), [
    (T.SUBMIT, S.APPROVED,
     "cannot submit an APPROVED post: only a DRAFT or REJECTED post can be submitted"),
    (T.SUBMIT, S.IN_REVIEW, "cannot submit an IN_REVIEW post: it is IN_REVIEW already"),
    (T.APPROVE, S.DRAFT, "cannot approve a DRAFT post: only an IN_REVIEW post can be approved"),
    (T.ARCHIVE, S.SCHEDULED, "cannot archive a SCHEDULED post: unschedule it first"),
    (T.UNSCHEDULE, S.APPROVED,
     "cannot unschedule an APPROVED post: only a SCHEDULED post can be unscheduled"),
    (T.PUBLISH, S.DRAFT,
     "cannot publish a DRAFT post: only an APPROVED or SCHEDULED post can be published"),
    (T.REOPEN, S.PUBLISHED, "cannot reopen a PUBLISHED post: only an APPROVED, REJECTED, "
                            "FAILED or ARCHIVED post can be reopened"),
    (T.FAIL, S.DRAFT, "cannot mark a DRAFT post as failed: only an APPROVED or SCHEDULED "
                      "post can be marked as failed"),
])
def test_illegal_transitions_speak_the_api_s_words(transition, current, message):
    """The API's verbs (submitPost, publishNow) and statuses, not Transition or Action names."""
    with pytest.raises(WorkflowError) as caught:
        move(current, transition)
    assert str(caught.value) == message


@pytest.mark.parametrize(("transition", "current"), ILLEGAL, ids=lambda v: str(v))
def test_no_illegal_transition_message_names_internals(transition, current):
    with pytest.raises(WorkflowError) as caught:
        move(current, transition)
    message = str(caught.value)
    internal = {t.value for t in Transition} | {a.value for a in Action}
    assert not any(re.search(rf"\b{name}\b", message) for name in internal), message
    assert " a I" not in message and " a A" not in message  # "an IN_REVIEW", "an APPROVED"


def test_every_transition_and_status_is_covered():
    assert len(LEGAL) + len(ILLEGAL) == len(Transition) * len(S)
    assert {(t, s) for t, rule in RULES.items() for s in rule.sources} == set(LEGAL)


def test_workflow_error_is_a_value_error():
    assert issubclass(WorkflowError, ValueError)


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
@pytest.mark.parametrize("current", [S.IN_REVIEW, S.APPROVED])
def test_reject_needs_a_reason(current, reason):
    with pytest.raises(WorkflowError) as caught:
        next_status(current, T.REJECT, reason=reason)
    assert caught.value.code == "REASON_REQUIRED"
    assert caught.value.field == "reason"


def test_reject_with_a_reason():
    assert next_status(S.IN_REVIEW, T.REJECT, reason="wrong price") is S.REJECTED


def test_illegal_reject_is_reported_before_the_missing_reason():
    with pytest.raises(WorkflowError) as caught:
        next_status(S.DRAFT, T.REJECT)
    assert caught.value.code == "ILLEGAL_TRANSITION"


def test_schedule_needs_a_time():
    with pytest.raises(WorkflowError) as caught:
        next_status(S.APPROVED, T.SCHEDULE, now=NOW)
    assert caught.value.code == "SCHEDULE_REQUIRED"
    assert caught.value.field == "scheduledAt"


@pytest.mark.parametrize("scheduled_at", [NOW - timedelta(minutes=1), NOW])
def test_schedule_needs_a_future_time(scheduled_at):
    with pytest.raises(WorkflowError) as caught:
        next_status(S.APPROVED, T.SCHEDULE, scheduled_at=scheduled_at, now=NOW)
    assert caught.value.code == "SCHEDULE_IN_PAST"
    assert caught.value.field == "scheduledAt"


@pytest.mark.parametrize("current", [S.APPROVED, S.FAILED])
def test_schedule_in_the_future(current):
    scheduled_at = NOW + timedelta(seconds=1)
    assert next_status(current, T.SCHEDULE, scheduled_at=scheduled_at, now=NOW) is S.SCHEDULED


def test_reason_and_time_are_ignored_by_other_transitions():
    assert next_status(S.DRAFT, T.SUBMIT) is S.IN_REVIEW
    assert next_status(S.SCHEDULED, T.UNSCHEDULE) is S.APPROVED


@pytest.mark.parametrize(
    ("status", "editable"),
    [
        (S.DRAFT, True),
        (S.REJECTED, True),
        (S.IN_REVIEW, False),
        (S.APPROVED, False),
        (S.SCHEDULED, False),
        (S.PUBLISHED, False),
        # A failed post may be rescheduled without review, so editing it needs REOPEN.
        (S.FAILED, False),
        (S.ARCHIVED, False),
    ],
)
def test_is_editable(status, editable):
    assert is_editable(status) is editable


@pytest.mark.parametrize(
    ("transition", "action"),
    [
        (T.SUBMIT, Action.SUBMIT_POST),
        (T.APPROVE, Action.REVIEW_POST),
        (T.REJECT, Action.REVIEW_POST),
        (T.SCHEDULE, Action.SCHEDULE_POST),
        (T.UNSCHEDULE, Action.SCHEDULE_POST),
        (T.PUBLISH, Action.SCHEDULE_POST),
        (T.FAIL, Action.SCHEDULE_POST),
        (T.ARCHIVE, Action.ARCHIVE_POST),
        (T.REOPEN, Action.EDIT_POST),
    ],
)
def test_each_transition_needs_its_permission(transition, action):
    assert RULES[transition].action is action
