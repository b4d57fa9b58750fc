"""Issue 13: report schedules are no mail relay; strangers confirm through a link first."""

from __future__ import annotations

from datetime import timedelta

from domain.models import RecipientConfirmation
from domain.services.usecase import utcnow
from tests.api.client import gid, gql
from tests.api.test_invitations import _link_token, client, smtp  # noqa: F401 - fixtures

CREATE = """mutation($input: CreateReportScheduleInput!) {
  createReportSchedule(input: $input) {
    schedule { id recipients unconfirmedRecipients } userErrors { field code message }
  }
}"""
UPDATE = """mutation($input: UpdateReportScheduleInput!) {
  updateReportSchedule(input: $input) {
    schedule { recipients unconfirmedRecipients } userErrors { field code message }
  }
}"""


async def _create(world, recipients):
    result = await gql(CREATE, as_=world.user("manager"), variables={"input": {
        "brand": gid("Brand", world.brand.id), "kind": "ROI", "dayOfMonth": 1,
        "recipients": recipients}})
    assert result.errors == [] and result["createReportSchedule"]["userErrors"] == []
    return result["createReportSchedule"]["schedule"]


async def test_a_stranger_confirms_by_post_only_once(world, smtp, client):  # noqa: F811
    schedule = await _create(world, ["Boss@Partner.example", "client@agency.example"])
    # The brand's client is a member: no confirmation; the stranger is asked, once.
    assert schedule["unconfirmedRecipients"] == ["Boss@Partner.example"]
    [message] = smtp.inbox.parsed()
    assert message["To"] == "Boss@Partner.example" and "Acme" in message["Subject"]
    token = _link_token(smtp, "recipients")

    # Listing them again while the link is valid mails nothing more.
    await gql(UPDATE, as_=world.user("manager"), variables={"input": {
        "id": schedule["id"], "recipients": ["Boss@Partner.example"]}})
    assert len(smtp.inbox.messages) == 1

    page = await client.get(f"/recipients/{token}")
    assert page.status_code == 200 and "Confirm" in page.text
    assert page.headers["cache-control"] == "no-store"
    confirmed_rows = await RecipientConfirmation.count().where(
        RecipientConfirmation.confirmed_at.is_not_null())
    assert confirmed_rows == 0  # a GET (a mail scanner) confirms nothing
    posted = await client.post(f"/recipients/{token}")
    assert posted.status_code == 200 and "boss@partner.example" in posted.text
    replay = await client.post(f"/recipients/{token}")
    assert replay.status_code == 410
    node = await gql("query($id: ID!) { node(id: $id) { ... on ReportSchedule { "
                     "unconfirmedRecipients } } }", as_=world.user("manager"),
                     variables={"id": schedule["id"]})
    assert node["node"]["unconfirmedRecipients"] == []


async def test_bad_and_expired_links_are_4xx(world, smtp, client):  # noqa: F811
    await _create(world, ["boss@partner.example"])
    token = _link_token(smtp, "recipients")
    for forged in ("rcp.x.y", "inv.x.y", "nonsense", token[:-2] + "zz"):
        assert (await client.get(f"/recipients/{forged}")).status_code == 404
        assert (await client.post(f"/recipients/{forged}")).status_code == 404
    await RecipientConfirmation.update(
        {RecipientConfirmation.expires_at: utcnow() - timedelta(seconds=1)}).where(
        RecipientConfirmation.email == "boss@partner.example")
    assert (await client.get(f"/recipients/{token}")).status_code == 410
    assert (await client.post(f"/recipients/{token}")).status_code == 410
    assert await RecipientConfirmation.count().where(
        RecipientConfirmation.confirmed_at.is_not_null()) == 0
    # An expired link is replaced by a new one the next time the address is listed.
    await _create(world, ["boss@partner.example"])
    assert len(smtp.inbox.messages) == 2
    fresh = _link_token(smtp, "recipients")
    assert fresh != token and (await client.post(f"/recipients/{fresh}")).status_code == 200
