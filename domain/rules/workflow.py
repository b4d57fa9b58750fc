"""The post workflow: DRAFT → IN_REVIEW → APPROVED → SCHEDULED → PUBLISHED, and its exits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.enums import PostStatus as S
from domain.errors import Problem, ValidationFailed
from domain.rules.permissions import Action


class Transition(StrEnum):
    SUBMIT = "SUBMIT"
    APPROVE = "APPROVE"
    REJECT = "REJECT"
    SCHEDULE = "SCHEDULE"
    UNSCHEDULE = "UNSCHEDULE"
    PUBLISH = "PUBLISH"
    FAIL = "FAIL"
    ARCHIVE = "ARCHIVE"
    REOPEN = "REOPEN"  # back to DRAFT for rework


@dataclass(frozen=True, slots=True)
class Rule:
    sources: frozenset[S]
    target: S
    action: Action


# Not FAILED: a failed post can be rescheduled without review, so edits go through REOPEN.
_EDITABLE = frozenset({S.DRAFT, S.REJECTED})

RULES: dict[Transition, Rule] = {
    Transition.SUBMIT: Rule(frozenset({S.DRAFT, S.REJECTED}), S.IN_REVIEW, Action.SUBMIT_POST),
    Transition.APPROVE: Rule(frozenset({S.IN_REVIEW}), S.APPROVED, Action.REVIEW_POST),
    Transition.REJECT: Rule(frozenset({S.IN_REVIEW, S.APPROVED}), S.REJECTED, Action.REVIEW_POST),
    Transition.SCHEDULE: Rule(frozenset({S.APPROVED, S.FAILED}), S.SCHEDULED, Action.SCHEDULE_POST),
    Transition.UNSCHEDULE: Rule(frozenset({S.SCHEDULED}), S.APPROVED, Action.SCHEDULE_POST),
    Transition.PUBLISH: Rule(frozenset({S.SCHEDULED, S.APPROVED}), S.PUBLISHED,
                             Action.SCHEDULE_POST),
    Transition.FAIL: Rule(frozenset({S.SCHEDULED, S.APPROVED}), S.FAILED, Action.SCHEDULE_POST),
    Transition.ARCHIVE: Rule(frozenset(set(S) - {S.ARCHIVED, S.SCHEDULED}), S.ARCHIVED,
                             Action.ARCHIVE_POST),
    Transition.REOPEN: Rule(frozenset({S.REJECTED, S.FAILED, S.ARCHIVED, S.APPROVED}), S.DRAFT,
                            Action.EDIT_POST),
}


# How a message names each move: the API's verb (submitPost, publishNow, ...) around the
# post, and its participle. FAIL is the publisher's, not a mutation.
_WORDS: dict[Transition, tuple[str, str]] = {
    Transition.SUBMIT: ("submit {}", "submitted"),
    Transition.APPROVE: ("approve {}", "approved"),
    Transition.REJECT: ("reject {}", "rejected"),
    Transition.SCHEDULE: ("schedule {}", "scheduled"),
    Transition.UNSCHEDULE: ("unschedule {}", "unscheduled"),
    Transition.PUBLISH: ("publish {}", "published"),
    Transition.FAIL: ("mark {} as failed", "marked as failed"),
    Transition.ARCHIVE: ("archive {}", "archived"),
    Transition.REOPEN: ("reopen {}", "reopened"),
}


class WorkflowError(ValidationFailed):
    """An illegal transition: a ValidationFailed of one problem; `code` is stable for clients."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__([Problem(field, code, message)])
        self.code = code
        self.field = field


def is_editable(status: S) -> bool:
    """Content can change only before review; a reviewed post must be reopened first."""
    return status in _EDITABLE


def next_status(
    current: S,
    transition: Transition,
    *,
    reason: str = "",
    scheduled_at: datetime | None = None,
    now: datetime | None = None,
) -> S:
    """The status `transition` leads to from `current`, or a WorkflowError saying why not."""
    rule = RULES[transition]
    if current not in rule.sources:
        raise WorkflowError("ILLEGAL_TRANSITION", _illegal(current, transition), "status")
    if transition is Transition.REJECT and not reason.strip():
        raise WorkflowError("REASON_REQUIRED", "a rejection needs a reason", "reason")
    if transition is Transition.SCHEDULE:
        if scheduled_at is None:
            raise WorkflowError("SCHEDULE_REQUIRED", "set a scheduled time first", "scheduledAt")
        if now is not None and scheduled_at <= now:
            raise WorkflowError("SCHEDULE_IN_PAST", "the scheduled time has passed", "scheduledAt")
    return rule.target


def _illegal(current: S, transition: Transition) -> str:
    """E.g. "cannot submit an IN_REVIEW post: only a DRAFT or REJECTED post can be submitted"."""
    verb, done = _WORDS[transition]
    rule = RULES[transition]
    # Unscheduling leads back to APPROVED, which is not what "unschedule" names.
    if current is rule.target and transition is not Transition.UNSCHEDULE:
        why = f"it is {current} already"
    elif current is S.SCHEDULED and RULES[Transition.UNSCHEDULE].target in rule.sources:
        why = "unschedule it first"
    else:
        listed = [s.value for s in S if s in rule.sources]  # in workflow order
        names = " or ".join([", ".join(listed[:-1]), listed[-1]] if len(listed) > 1 else listed)
        why = f"only {with_article(names)} post can be {done}"
    return f"cannot {verb.format(with_article(current) + ' post')}: {why}"


def with_article(words: str) -> str:
    """The indefinite article for a status name: "an IN_REVIEW", "a DRAFT"."""
    return f"{'an' if words[0] in 'AEIOU' else 'a'} {words}"
