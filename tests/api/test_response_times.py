"""Response times over GraphQL: business hours as a brand setting, figures per channel and
per community manager, on synthetic conversations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.enums import Platform
from domain.models import Brand
from tests.api.client import gid, gql
from tests.api.conftest import VIEWERS
from tests.factories import make_channel, make_conversation

ERRORS = "userErrors { field code message }"
SET_HOURS = f"""mutation($brand: ID!, $hours: [BusinessHoursInput!]!) {{
  setBusinessHours(brand: $brand, hours: $hours) {{ brand {{ businessHours {{ weekday opens
  closes }} }} {ERRORS} }} }}"""
FIGURES = ("conversations responded responseRate firstResponse { count median p90 } "
           "resolution { count median p90 }")
TIMES = f"""query {{ brand(slug: "acme") {{ responseTimes(from: "2026-12-01", to: "2026-12-07") {{
  from to businessHours {{ weekday opens closes }} total {{ {FIGURES} }}
  byChannel {{ channel {{ handle }} figures {{ {FIGURES} }} }}
  byCommunityManager {{ user {{ email }} assigned responded responseRate
                        firstResponse {{ count median }} resolution {{ count median }} }}
}} }} }}"""


def rome(day: int, hour: int, minute: int = 0) -> datetime:
    """December 2026 in Rome (UTC+1): the 4th is a Friday, the 7th a Monday."""
    return datetime(2026, 12, day, hour - 1, minute, tzinfo=UTC)


@pytest.fixture
async def conversations(world):
    await Brand.update({Brand.timezone: "Europe/Rome"}).where(Brand.id == world.brand.id)
    cm = world.user("community_manager")
    facebook = await make_channel(world.brand, platform=Platform.FACEBOOK, handle="@acme.fb")
    # Friday 17:00, answered by the community manager Monday 10:00 (2 business hours).
    await make_conversation(world.channel, at=rome(4, 17), first_response_at=rome(7, 10),
                            first_responder=cm.id, assignee=cm.id, resolved_at=rome(7, 12),
                            resolved_by=cm.id)
    # Monday 9:00 on Facebook, answered 9:30 on the platform itself, never resolved.
    await make_conversation(facebook, at=rome(7, 9), first_response_at=rome(7, 9, 30))
    # Unanswered, assigned to the community manager.
    await make_conversation(facebook, at=rome(7, 15), assignee=cm.id)
    # Outside the period (30 November) and another brand's: not counted.
    await make_conversation(world.channel, at=datetime(2026, 11, 30, 7, tzinfo=UTC),
                            first_response_at=rome(1, 9))
    await make_conversation(world.other_channel, at=rome(7, 9))
    return facebook


async def test_response_times_per_brand_channel_and_person(world, conversations):
    result = await gql(TIMES, as_=world.user("strategist"))
    assert not result.errors, result.errors
    times = result["brand"]["responseTimes"]
    assert times["businessHours"][0] == {"weekday": 0, "opens": "09:00", "closes": "18:00"}
    assert times["total"] == {
        "conversations": 3, "responded": 2, "responseRate": "0.6666666666666666666666666667",
        "firstResponse": {"count": 2, "median": 4500.0, "p90": 7200.0},
        "resolution": {"count": 1, "median": 14400.0, "p90": 14400.0}}
    by_channel = {c["channel"]["handle"]: c["figures"] for c in times["byChannel"]}
    assert by_channel["@acme.fb"]["conversations"] == 2
    assert by_channel["@acme.fb"]["firstResponse"] == {"count": 1, "median": 1800.0,
                                                       "p90": 1800.0}
    (person,) = times["byCommunityManager"]
    assert person == {"user": {"email": "community_manager@agency.example"}, "assigned": 2,
                      "responded": 1, "responseRate": "0.5",
                      "firstResponse": {"count": 1, "median": 7200.0},
                      "resolution": {"count": 1, "median": 14400.0}}
    client = await gql(TIMES, as_=world.user("client"))
    assert client["brand"]["responseTimes"]["total"]["conversations"] == 3
    assert client["brand"]["responseTimes"]["byCommunityManager"] == []


async def test_business_hours_change_the_figures(world, conversations):
    owner = world.user("owner")
    every_day = [{"weekday": d, "opens": "00:00", "closes": "24:00"} for d in range(7)]
    done = await gql(SET_HOURS, as_=owner, variables={"brand": gid("Brand", world.brand.id),
                                                      "hours": every_day})
    assert done["setBusinessHours"]["userErrors"] == []
    assert done["setBusinessHours"]["brand"]["businessHours"][6] == {
        "weekday": 6, "opens": "00:00", "closes": "24:00"}
    times = (await gql(TIMES, as_=owner))["brand"]["responseTimes"]
    # Friday 17:00 to Monday 10:00 is now 65 hours.
    assert times["total"]["firstResponse"]["p90"] == 65 * 3600


@pytest.mark.parametrize(("hours", "problems"), [
    ([{"weekday": 7, "opens": "09:00", "closes": "10:00"}], [("hours.0.weekday", "INVALID")]),
    ([{"weekday": 1, "opens": "9", "closes": "25:00"}],
     [("hours.0.closes", "INVALID_TIME"), ("hours.0.opens", "INVALID_TIME")]),
    ([{"weekday": 1, "opens": "18:00", "closes": "09:00"}], [("hours", "INVALID")]),
    ([{"weekday": 1, "opens": "09:00", "closes": "13:00"},
      {"weekday": 1, "opens": "12:00", "closes": "18:00"}], [("hours", "INVALID")]),
])
async def test_bad_business_hours(world, hours, problems):
    result = await gql(SET_HOURS, as_=world.user("owner"),
                       variables={"brand": gid("Brand", world.brand.id), "hours": hours})
    assert sorted((e["field"], e["code"]) for e in result["setBusinessHours"]["userErrors"]
                  ) == problems


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_who_sets_business_hours(world, viewer):
    result = await gql(SET_HOURS, as_=world.user(viewer), variables={
        "brand": gid("Brand", world.brand.id), "hours": []})
    if viewer == "anonymous":
        assert result.errors
        return
    codes = [e["code"] for e in result["setBusinessHours"]["userErrors"]]
    expected = {"owner": [], "admin": [], "outsider": ["NOT_FOUND"]}.get(viewer, ["FORBIDDEN"])
    assert codes == expected


async def test_a_period_must_be_a_period(world):
    result = await gql("""{ brand(slug: "acme") { responseTimes(from: "2026-12-07",
        to: "2026-12-01") { total { conversations } } } }""", as_=world.user("owner"))
    assert result.errors == ["to must be on or after from"]
