"""Cell parsing for imports: numbers, dates, times, enums and lists as spreadsheets write them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.enums import CampaignObjective, PostFormat
from domain.imports.values import (
    CellError,
    as_text,
    parse_date,
    parse_datetime,
    parse_enum,
    parse_list,
    parse_number,
)


@pytest.mark.parametrize(("cell", "locale", "expected"), [
    ("12.5", "it_IT", "12.5"),  # a plain decimal point is one whatever the locale
    ("12,5", "it_IT", "12.5"),
    ("1.234,56", "it_IT", "1234.56"),
    ("1,234.56", "en_US", "1234.56"),
    ("12,5", "en_US", "12.5"),  # an Italian sheet sent to an English brand
    ("1\u202f234,5", "fr_FR", "1234.5"),
    (" 42 ", "en_US", "42"),
    ("-3", "en_US", "-3"),
    (7, "en_US", "7"),
    (0.1, "en_US", "0.1"),  # XLSX floats: the shortest decimal, not the binary noise
    (Decimal("2.50"), "en_US", "2.50"),
])
def test_numbers(cell, locale, expected):
    assert parse_number(cell, locale) == Decimal(expected)


@pytest.mark.parametrize("cell", ["12a", "1.2.3", "", "=1+1", True, "1,2,3"])
def test_not_numbers(cell):
    with pytest.raises(CellError) as error:
        parse_number(cell, "it_IT")
    assert error.value.code == "INVALID"


def test_number_error_shows_the_locales_own_example():
    with pytest.raises(CellError, match=r"1\.234,5"):
        parse_number("dodici", "it_IT")


@pytest.mark.parametrize(("cell", "locale", "expected"), [
    ("2026-12-31", "it_IT", date(2026, 12, 31)),
    ("31/12/2026", "it_IT", date(2026, 12, 31)),
    ("31/12/26", "it_IT", date(2026, 12, 31)),
    ("1/2/2026", "it_IT", date(2026, 2, 1)),
    ("1/2/2026", "en_US", date(2026, 1, 2)),
    ("31.12.2026", "de_DE", date(2026, 12, 31)),
    ("2026/12/31", "en_US", date(2026, 12, 31)),
    (datetime(2026, 12, 31), "en_US", date(2026, 12, 31)),  # an XLSX date cell
    (date(2026, 1, 1), "en_US", date(2026, 1, 1)),
])
def test_dates(cell, locale, expected):
    assert parse_date(cell, locale) == expected


@pytest.mark.parametrize("cell", ["12/31/2026", "31/13/2026", "domani", "2026-02-30", "",
                                  datetime(2026, 1, 1, 9, 30)])
def test_not_dates_in_italian(cell):
    # Babel alone would swap day and month of 12/31/2026; the locale's order is the rule.
    with pytest.raises(CellError):
        parse_date(cell, "it_IT")


def test_datetimes_offsets_and_brand_timezone():
    rome = ("it_IT", "Europe/Rome")
    assert parse_datetime("2026-11-02T09:00:00+01:00", *rome) == datetime(2026, 11, 2, 8, 0,
                                                                            tzinfo=UTC)
    assert parse_datetime("2026-11-02T09:00:00Z", *rome) == datetime(2026, 11, 2, 9, 0,
                                                                       tzinfo=UTC)
    # No offset: the brand's local time (CET in November, CEST in July).
    assert parse_datetime("2026-11-02 09:00", *rome) == datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    assert parse_datetime("02/07/2026 09:30", *rome) == datetime(2026, 7, 2, 7, 30, tzinfo=UTC)
    assert parse_datetime("7/2/2026 2:30 PM", "en_US", "UTC") == datetime(2026, 7, 2, 14, 30,
                                                                         tzinfo=UTC)
    assert parse_datetime("31/12/2026", *rome) == datetime(2026, 12, 30, 23, 0, tzinfo=UTC)
    for bad in ("31/12/2026 25:00", "31/12/2026 alle 9", "13:00 PM"):
        with pytest.raises(CellError):
            parse_datetime(bad, *rome)


def test_enums_are_case_and_separator_insensitive():
    assert parse_enum("brand awareness", CampaignObjective) is CampaignObjective.BRAND_AWARENESS
    assert parse_enum("Lead-Generation", CampaignObjective) is CampaignObjective.LEAD_GENERATION
    assert parse_enum(" reel ", PostFormat) is PostFormat.REEL
    with pytest.raises(CellError, match="TEXT, IMAGE"):
        parse_enum("podcast", PostFormat)


def test_text_cells():
    assert as_text("  ciao ") == "ciao"
    assert as_text(None) == ""
    assert as_text(12345.0) == "12345"  # an XLSX number used as a ref
    assert as_text("=SUM(A1)") == "=SUM(A1)"  # a formula-looking cell stays text
    assert as_text("'=SUM(A1)") == "=SUM(A1)"  # what an export neutralised comes back
    assert as_text("'ciao") == "'ciao"


def test_lists():
    assert parse_list("caffè, autunno ,") == ["caffè", "autunno"]
    assert parse_list('["a, b", "c"]') == ["a, b", "c"]
    assert parse_list(["x"]) == ["x"]
    assert parse_list("") == []
    with pytest.raises(CellError):
        parse_list("[1, 2")


def test_a_grouped_count_in_a_point_grouping_locale():
    assert parse_number("1.234", "it_IT", whole=True) == Decimal(1234)
    assert parse_number("1.234.567", "de_DE", whole=True) == Decimal(1234567)
    assert parse_number("1.234", "it_IT") == Decimal("1.234")  # an amount: the point rules
    assert parse_number("1.234", "en_US", whole=True) == Decimal("1.234")  # then NOT_WHOLE
