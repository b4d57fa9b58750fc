"""The pages behind e-mailed links: answer an invitation, confirm a report recipient.

GET shows what the link is for and a button; only the POST acts, so a mail scanner that
opens every link confirms or accepts nothing. A link that is not ours is 404; one spent,
expired or revoked is 410. The token is in the path, never logged by us, and the pages
are neither cached nor framed.
"""

from __future__ import annotations

import html
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from api.reports.mailer import send_link_mail
from domain.errors import ValidationFailed
from domain.models import Brand, Invitation, Workspace
from domain.services import invitations, recipients
from domain.services.links import link_hash, signed
from domain.settings import get_settings

HEADERS = {"Cache-Control": "no-store", "X-Frame-Options": "DENY",
           "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                      "form-action 'self'; frame-ancestors 'none'",
           "Referrer-Policy": "no-referrer"}


def recipient_link(token: str) -> str:
    return f"{get_settings().public_url}/recipients/{token}"


async def mail_recipient_links(brand_id: int, links: list[tuple[str, str]]) -> None:
    """Ask each new recipient to confirm; nothing is sent to them until they do."""
    if not links:
        return
    brand = await Brand.select(Brand.name).where(Brand.id == brand_id).first()
    name = brand["name"] if brand else "a brand"
    days = get_settings().invitation_days
    for address, token in links:
        body = (f"Hello,\n\nsomeone managing {name} on Coso asked to e-mail you its monthly "
                f"reports. Nothing is sent to you unless you confirm, within {days} days, "
                f"at:\n{recipient_link(token)}\n\nIf you did not expect this, ignore this "
                f"message.\n")
        await send_link_mail(address, f"Confirm report e-mails from {name}", body)


def _page(status: int, title: str, text: str, form: str = "") -> HTMLResponse:
    body = (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title><meta name='viewport' content='width=device-width'></head>"
            f"<body style='font-family:sans-serif;max-width:36em;margin:3em auto'>"
            f"<h1>{html.escape(title)}</h1><p>{text}</p>{form}</body></html>")
    return HTMLResponse(body, status_code=status, headers=HEADERS)


def _button(action: str, label: str) -> str:
    return (f"<form method='post' action='{html.escape(action)}' style='display:inline'>"
            f"<button type='submit'>{html.escape(label)}</button></form> ")


def _refused(error: ValidationFailed) -> HTMLResponse:
    code = error.problems[0].code
    status = 404 if code == "INVALID_TOKEN" else 410
    return _page(status, "This link cannot be used", html.escape(str(error)))


# -- invitations ---------------------------------------------------------------------------


async def _invitation(token: str) -> dict[str, Any]:
    found = None
    if signed(token, invitations.PURPOSE):
        found = await Invitation.select(Invitation.id).where(
            Invitation.token_hash == link_hash(token)).first()
    row = await invitations.invitation_row(found["id"]) if found else None
    if row is None:
        raise ValidationFailed.one("token", "INVALID_TOKEN", "this invitation link is not valid")
    invitations.check_pending(row, "token")
    return row


async def invitation_page(request: Request) -> Response:
    token = request.path_params["token"]
    try:
        row = await _invitation(token)
    except ValidationFailed as error:
        return _refused(error)
    if row["brand"] is not None:
        brand = await Brand.select(Brand.name).where(Brand.id == row["brand"]).first()
        place = f"the brand {brand['name'] if brand else ''}"
        roles = ", ".join(r.replace("_", " ").lower() for r in sorted(row["roles"]))
    else:
        ws = await Workspace.select(Workspace.name).where(Workspace.id == row["workspace"]).first()
        place = f"the workspace {ws['name'] if ws else ''}"
        roles = row["roles"][0].lower()
    text = (f"{html.escape(row['email'])} is invited to {html.escape(place)} as "
            f"{html.escape(roles)}.")
    base = f"/invitations/{token}"
    return _page(200, "Invitation", text,
                 _button(f"{base}/accept", "Accept") + _button(f"{base}/decline", "Decline"))


async def accept_invitation(request: Request) -> Response:
    return await _answer(request.path_params["token"], True)


async def decline_invitation(request: Request) -> Response:
    return await _answer(request.path_params["token"], False)


async def _answer(token: str, accept: bool) -> Response:
    try:
        answered = await invitations.respond_by_token(token, accept)
    except ValidationFailed as error:
        return _refused(error)
    if not accept:
        return _page(200, "Invitation declined", "Nothing changed; you may close this page.")
    if answered.api_token is None:
        return _page(200, "Invitation accepted",
                     "Your existing account now has the roles offered; use your own API token.")
    return _page(200, "Invitation accepted",
                 "Your account is ready. Your API token, shown this once (keep it safe; "
                 f"send it as <code>Authorization: Bearer …</code>):</p>"
                 f"<p><code>{html.escape(answered.api_token)}</code>")


# -- report recipients ---------------------------------------------------------------------


async def recipient_page(request: Request) -> Response:
    token = request.path_params["token"]
    try:
        row = await recipients.confirmation(token)
    except ValidationFailed as error:
        return _refused(error)
    text = (f"Confirm that {html.escape(row['email'])} wants the report e-mails of "
            f"{html.escape(row['brand.name'])}.")
    return _page(200, "Confirm report e-mails", text,
                 _button(f"/recipients/{token}", "Confirm"))


async def confirm_recipient(request: Request) -> Response:
    try:
        row = await recipients.confirm(request.path_params["token"])
    except ValidationFailed as error:
        return _refused(error)
    return _page(200, "Confirmed", f"{html.escape(row['email'])} will receive the reports of "
                                   f"{html.escape(row['brand.name'])}.")


ROUTES = [
    Route("/invitations/{token}", invitation_page, methods=["GET"]),
    Route("/invitations/{token}/accept", accept_invitation, methods=["POST"]),
    Route("/invitations/{token}/decline", decline_invitation, methods=["POST"]),
    Route("/recipients/{token}", recipient_page, methods=["GET"]),
    Route("/recipients/{token}", confirm_recipient, methods=["POST"]),
]
