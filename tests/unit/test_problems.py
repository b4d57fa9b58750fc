"""The one validation collector, the one Problem and the one ValidationFailed (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from api.graphql.mutations.base import user_errors
from domain.enums import PostStatus
from domain.errors import Problem, ValidationFailed
from domain.rules.workflow import Transition, WorkflowError, next_status
from domain.services.usecase import MAX_SLUG_LENGTH, Problems


def found(problems: Problems) -> list[tuple[str | None, str, str]]:
    return [(p.field, p.code, p.message) for p in problems]


def test_a_problem_has_no_line_unless_given():
    assert Problem("name", "REQUIRED", "name is required").line is None
    assert Problem("value", "NEGATIVE", "no", 3).line == 3


def test_text_returns_the_stripped_value_and_words_its_problems_one_way():
    problems = Problems()
    assert problems.text("name", "  Acme  ", max_length=10, required=True) == "Acme"
    assert problems.text("name", "   ", max_length=10, required=True) == ""
    assert problems.text("note", None, max_length=10) == ""
    assert problems.text("title", "x" * 11, max_length=10) == "x" * 11
    assert problems.text("font", "a\x00b", max_length=10) == "a\x00b"
    assert found(problems) == [
        ("name", "REQUIRED", "name is required"),
        ("title", "TOO_LONG", "title takes at most 10 characters"),
        ("font", "INVALID", "font contains a NUL or an invalid character"),
    ]


def test_text_at_its_limit_and_blank_optional_text_are_fine():
    problems = Problems()
    problems.text("title", " " + "x" * 10 + " ", max_length=10)
    problems.text("note", "  ", max_length=10)
    assert not problems and len(problems) == 0


def test_required_and_too_long_are_the_words_every_check_uses():
    problems = Problems()
    problems.required("email")
    problems.too_long("accessToken", 4096, line=2)
    assert list(problems) == [
        Problem("email", "REQUIRED", "email is required"),
        Problem("accessToken", "TOO_LONG", "accessToken takes at most 4096 characters", 2),
    ]


@pytest.mark.parametrize(("value", "expected"), [
    ("acme-2026", []),
    (" acme ", []),
    ("", [("slug", "REQUIRED", "slug is required")]),
    ("a" * (MAX_SLUG_LENGTH + 1),
     [("slug", "TOO_LONG", f"slug takes at most {MAX_SLUG_LENGTH} characters")]),
    ("Acme--x", [("slug", "INVALID_SLUG", "slug takes lowercase letters, digits and single "
                                          "hyphens, got 'Acme--x'")]),
])
def test_slug(value, expected):
    problems = Problems()
    assert problems.slug("slug", value) == value.strip()
    assert found(problems) == expected


def test_currency():
    problems = Problems()
    problems.currency("currency", "EUR")
    problems.currency("budget.currency", "EURO")
    assert found(problems) == [("budget.currency", "INVALID_CURRENCY",
                                "budget.currency must be an ISO 4217 code like EUR, got 'EURO'")]


def test_a_logo_is_kept_or_cleared_never_set_here():
    problems = Problems()
    problems.logo("kit.logo", "", "logos/1.png", "/brands/{id}/logo")
    problems.logo("kit.logo", "logos/1.png", "logos/1.png", "/brands/{id}/logo")
    assert not problems
    problems.logo("kit.logo", "https://example.com/x.png", "", "/brands/{id}/logo")
    assert found(problems) == [(
        "kit.logo", "LOGO_NOT_UPLOADED",
        'kit.logo is set by uploading the image with PUT /brands/{id}/logo; here it can only '
        'be cleared with ""')]


def test_aware_gives_utc_and_refuses_a_naive_time():
    problems = Problems()
    rome = datetime(2026, 11, 1, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    assert problems.aware("scheduledAt", rome) == datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    assert problems.aware("scheduledAt", None) is None
    assert not problems
    assert problems.aware("scheduledAt", datetime(2026, 11, 1, 9, 0)) is None  # noqa: DTZ001
    assert [(p.field, p.code) for p in problems] == [("scheduledAt", "INVALID")]


def test_add_extend_and_has():
    problems = Problems([Problem("a", "X", "first")])
    problems.add("b", "Y", "second", line=4)
    problems.extend([Problem("c", "Z", "third")])
    problems.extend([Problem("d", "W", "fourth"), Problem("e", "V", "fifth", 9)], line=1)
    assert [(p.field, p.line) for p in problems] == [
        ("a", None), ("b", 4), ("c", None), ("d", 1), ("e", 9)]
    assert problems.has("c") and not problems.has("slug")


def test_check_raises_every_problem_at_once_and_nothing_when_clean():
    Problems().check()
    problems = Problems()
    problems.required("name")
    problems.too_long("slug", 80)
    with pytest.raises(ValidationFailed) as caught:
        problems.check()
    assert caught.value.problems == problems.items
    assert str(caught.value) == "name is required; slug takes at most 80 characters"


def test_validation_failed_names_rows_and_shortens_a_long_list():
    failed = ValidationFailed([Problem("value", "NEGATIVE", f"bad {i}", i) for i in range(7)])
    assert len(failed.problems) == 7
    assert str(failed) == ("row 0: bad 0; row 1: bad 1; row 2: bad 2; row 3: bad 3; "
                           "row 4: bad 4 (and 2 more)")
    one = ValidationFailed.one("id", "NOT_FOUND", "no Post with this id")
    assert one.problems == [Problem("id", "NOT_FOUND", "no Post with this id")]


def test_a_workflow_error_is_a_validation_failed_of_one_problem():
    with pytest.raises(ValidationFailed) as caught:
        next_status(PostStatus.PUBLISHED, Transition.SUBMIT)
    assert isinstance(caught.value, WorkflowError)
    [problem] = caught.value.problems
    assert (problem.field, problem.code) == ("status", caught.value.code)
    assert problem.message == str(caught.value)


def test_user_errors_name_a_row_of_a_list_argument():
    errors = user_errors([Problem("name", "REQUIRED", "name is required"),
                          Problem("value", "NEGATIVE", "no", 3), Problem(None, "X", "row", 0),
                          Problem(None, "QUEUE_UNAVAILABLE", "later")])
    assert [e.field for e in errors] == ["name", "rows.3.value", "rows.0", None]
    assert [e.field for e in user_errors([Problem("ref", "DUPLICATE", "twice", 2)],
                                         rows="items")] == ["items.2.ref"]
