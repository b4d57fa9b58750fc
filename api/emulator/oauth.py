"""OAuth 2.0 as each platform serves it: a consent page, token, refresh, revocation, listings.

The consent page is a plain HTML form (approve / deny) a test submits by HTTP. Its `user`
field says who signs in, `accounts` which Pages / organizations / the account they grant
(defaults are generated from the seed). Tokens it issues expire on the emulator's token
clock (real time plus `POST /_emulator/oauth/clock {"advance": seconds}`) and are refused
once expired or revoked; tokens it did not issue keep working as before (token_for).
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from api.emulator.core import JSON, Call, PlatformApi, Refused, token_for
from api.emulator.data import h
from api.emulator.grants import Grant, Issued, OAuthState
from api.emulator.state import State

CODE_SECONDS = 600


@dataclass(frozen=True, slots=True)
class Platform:
    """How one platform's authorization server behaves."""

    name: str
    authorize: str
    token: str
    revoke: str
    access_seconds: int
    refresh_seconds: int | None  # None: no refresh token (Meta) ; 0: never expires
    pkce_required: bool = False
    rotates: bool = False
    client_param: str = "client_id"
    meta: bool = False  # GET token endpoint, fb_exchange_token, Graph error shapes
    accounts: int = 1  # accounts a user has by default


DAY = 86400
PLATFORMS = {p.name: p for p in (
    Platform("facebook", "/v23.0/dialog/oauth", "/v23.0/oauth/access_token",
             "/v23.0/me/permissions", 3600, None, meta=True, accounts=2),
    Platform("instagram", "/v23.0/dialog/oauth", "/v23.0/oauth/access_token",
             "/v23.0/me/permissions", 3600, None, meta=True, accounts=2),
    Platform("linkedin", "/oauth/v2/authorization", "/oauth/v2/accessToken", "/oauth/v2/revoke",
             60 * DAY, 365 * DAY, accounts=2),
    Platform("x", "/i/oauth2/authorize", "/2/oauth2/token", "/2/oauth2/revoke", 7200,
             180 * DAY, pkce_required=True, rotates=True),
    Platform("youtube", "/o/oauth2/v2/auth", "/token", "/revoke", 3599, 0),
    Platform("tiktok", "/v2/auth/authorize/", "/v2/oauth/token/", "/v2/oauth/revoke/", DAY,
             365 * DAY, rotates=True, client_param="client_key"),
)}
LONG_LIVED_SECONDS = 60 * DAY


def oauth_state(state: State) -> OAuthState:
    return state.oauth


# -- who has which accounts -------------------------------------------------------------------


def default_user(state: State, platform: str) -> str:
    return f"user{h(state.config.seed, platform, 'user') % 10 ** 6}"


def default_accounts(state: State, platform: str, user: str) -> list[str]:
    spec = PLATFORMS[platform]
    return [account_id(platform, h(state.config.seed, platform, user, i))
            for i in range(spec.accounts)]


def account_id(platform: str, n: int) -> str:
    if platform == "facebook":
        return str(10 ** 14 + n % (9 * 10 ** 14))
    if platform == "instagram":
        return "1784" + str(n % 10 ** 13).rjust(13, "0")
    if platform == "linkedin":
        return f"urn:li:organization:{10 ** 7 + n % (9 * 10 ** 7)}"
    if platform == "x":
        return str(10 ** 18 + n % (9 * 10 ** 18))
    if platform == "youtube":
        raw = base64.urlsafe_b64encode(n.to_bytes(8, "big") * 2).decode()
        return "UC" + raw.replace("=", "")[:22]
    return str(10 ** 18 + n % (9 * 10 ** 18))  # TikTok's open_id


def page_of(instagram_account: str) -> str:
    """The Facebook Page an Instagram business account hangs off."""
    return str(10 ** 14 + h("page-of", instagram_account) % (9 * 10 ** 14))


def handle_of(platform: str, account: str) -> str:
    return f"{platform}{h('handle', account) % 10 ** 5}"


# -- the authorization server -----------------------------------------------------------------


def _page(status: int, title: str, body: str) -> HTMLResponse:
    return HTMLResponse(f"<!doctype html><html><head><meta charset='utf-8'><title>"
                        f"{html.escape(title)}</title></head><body><h1>{html.escape(title)}"
                        f"</h1>{body}</body></html>", status_code=status)


def _oauth_error(spec: Platform, status: int, error: str, description: str) -> JSON:
    if spec.meta:
        code = 190 if error == "invalid_grant" else 100
        return JSON({"error": {"message": description, "type": "OAuthException", "code": code,
                               "fbtrace_id": "emulator"}}, status_code=status)
    body: dict[str, Any] = {"error": error, "error_description": description}
    if spec.name == "tiktok":
        body["log_id"] = f"{h(description) % 10 ** 16}"
    return JSON(body, status_code=status)


def _take(state: State, platform: str, request: Request, kind: str) -> bool:
    """Whether an OAuth fault of `kind` fires for this request (and is used up)."""
    fault = state.take_fault(platform, request.url.path, request.method, kinds={kind})
    return fault is not None


def authorize_page(spec: Platform) -> Any:
    async def page(request: Request) -> Response:
        state: State = request.app.state.emulator
        state.calls[(spec.name, "authorize")] += 1
        query = dict(request.query_params)
        problem = _authorize_problem(spec, query)
        if problem:
            return _page(400, "Invalid request", f"<p>{html.escape(problem)}</p>")
        user = default_user(state, spec.name)
        accounts = ",".join(default_accounts(state, spec.name, user))
        hidden = "".join(f"<input type='hidden' name='{html.escape(k)}' value='{html.escape(v)}'>"
                         for k, v in query.items())
        scopes = html.escape(query.get("scope", ""))
        form = (f"<p>The app <b>{html.escape(query[spec.client_param])}</b> asks for: "
                f"{scopes}</p><form method='post'>{hidden}"
                f"<label>Signed in as <input name='user' value='{user}'></label><br>"
                f"<label>Accounts to grant <input name='accounts' value='{accounts}'>"
                f"</label><br><button name='decision' value='approve'>Allow</button> "
                f"<button name='decision' value='deny'>Cancel</button></form>")
        return _page(200, f"Authorize on {spec.name}", form)

    return page


def _authorize_problem(spec: Platform, query: dict[str, str]) -> str:
    for name in (spec.client_param, "redirect_uri", "state"):
        if not query.get(name):
            return f"{name} is required"
    if query.get("response_type") != "code":
        return "response_type must be code"
    if not urlsplit(query["redirect_uri"]).scheme.startswith("http"):
        return "redirect_uri must be an http(s) URL"
    challenge, method = query.get("code_challenge", ""), query.get("code_challenge_method", "")
    if spec.pkce_required and not challenge:
        return "code_challenge is required (PKCE)"
    if challenge and method not in ("S256", "plain"):
        return "code_challenge_method must be S256 or plain"
    return ""


def authorize_answer(spec: Platform) -> Any:
    async def answer(request: Request) -> Response:
        state: State = request.app.state.emulator
        state.calls[(spec.name, "authorize_answer")] += 1
        form = await _form(request)
        problem = _authorize_problem(spec, form)
        if problem:
            return _page(400, "Invalid request", f"<p>{html.escape(problem)}</p>")
        back = form["redirect_uri"]
        joiner = "&" if "?" in back else "?"
        denied = form.get("decision") != "approve" or _take(state, spec.name, request,
                                                              "consent_denied")
        if denied:
            return RedirectResponse(back + joiner + urlencode({
                "error": "access_denied", "error_description": "The user denied the request",
                "state": form["state"]}), status_code=302)
        user = form.get("user") or default_user(state, spec.name)
        accounts = tuple(a.strip() for a in (form.get("accounts") or "").split(",")
                         if a.strip()) or tuple(default_accounts(state, spec.name, user))
        code = secrets.token_urlsafe(24)
        oauth_state(state).codes[code] = Grant(
            spec.name, form[spec.client_param], back, form.get("scope", ""), user, accounts,
            form.get("code_challenge", ""), form.get("code_challenge_method", ""),
            created=oauth_state(state).now())
        return RedirectResponse(back + joiner + urlencode({"code": code,
                                                           "state": form["state"]}),
                                status_code=302)

    return answer


async def _form(request: Request) -> dict[str, str]:
    """A form-encoded body (what a browser's form and an OAuth client send)."""
    try:
        return dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
    except UnicodeDecodeError:
        return {}


async def _params(request: Request) -> dict[str, str]:
    params = {k: str(v) for k, v in request.query_params.items()}
    if request.method == "POST":
        params.update(await _form(request))
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("basic "):
        try:
            user, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            user = secret = ""
        params.setdefault("_basic_id", user)
        params.setdefault("_basic_secret", secret)
    return params


def token_endpoint(spec: Platform) -> Any:
    async def endpoint(request: Request) -> Response:
        state: State = request.app.state.emulator
        oauth = oauth_state(state)
        params = await _params(request)
        grant_type = params.get("grant_type", "")
        state.calls[(spec.name, f"token:{grant_type or 'none'}")] += 1
        client = params.get(spec.client_param) or params.get("_basic_id", "")
        secret = params.get("client_secret") or params.get("_basic_secret", "")
        if not client or not secret:
            return _oauth_error(spec, 401, "invalid_client", "client authentication failed")
        if _take(state, spec.name, request, "revoked_app"):
            return _oauth_error(spec, 400, "invalid_grant", "The app was removed by the user")
        if grant_type == "authorization_code":
            return _code_grant(spec, oauth, params, client)
        if grant_type == "refresh_token" and spec.refresh_seconds is not None:
            if _take(state, spec.name, request, "expired_refresh_token"):
                return _oauth_error(spec, 400, "invalid_grant", "The refresh token expired")
            return _refresh_grant(spec, oauth, params, client)
        if grant_type == "fb_exchange_token" and spec.meta:
            return _exchange_grant(spec, oauth, params)
        return _oauth_error(spec, 400, "unsupported_grant_type",
                            f"grant_type {grant_type!r} is not supported")

    return endpoint


def _code_grant(spec: Platform, oauth: OAuthState, params: dict[str, str],
                client: str) -> Response:
    grant = oauth.codes.pop(params.get("code", ""), None)
    if grant is None or grant.used or grant.platform != spec.name \
            or oauth.now() - grant.created > CODE_SECONDS:
        return _oauth_error(spec, 400, "invalid_grant", "The authorization code is invalid, "
                                                        "expired or already used")
    if grant.client_id != client:
        return _oauth_error(spec, 400, "invalid_grant", "The code was issued to another client")
    if params.get("redirect_uri") != grant.redirect_uri:
        return _oauth_error(spec, 400, "invalid_grant", "redirect_uri does not match")
    if grant.challenge:
        verifier = params.get("code_verifier", "")
        expected = (base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                    .decode().rstrip("=") if grant.method == "S256" else verifier)
        if not verifier or expected != grant.challenge:
            return _oauth_error(spec, 400, "invalid_grant", "code_verifier does not match the "
                                                            "code_challenge (PKCE)")
    grant.used = True
    grant.family = secrets.token_hex(8)
    oauth.grants[grant.family] = grant
    return _issue(spec, oauth, grant, with_refresh=True)


def _access_token(spec: Platform, grant: Grant) -> str:
    nonce = secrets.token_hex(6)
    if spec.name in ("x", "youtube", "tiktok") and grant.accounts:
        return token_for(spec.name, grant.accounts[0], nonce)  # the API finds the account
    return f"oauth~{spec.name}~{nonce}"  # a user token, for every account granted


def _issue(spec: Platform, oauth: OAuthState, grant: Grant, *, with_refresh: bool,
           refresh: str = "", seconds: int | None = None) -> Response:
    now = oauth.now()
    lifetime = seconds or spec.access_seconds
    access = _access_token(spec, grant)
    oauth.tokens[access] = Issued(grant.family, spec.name, now + lifetime, "access")
    body: dict[str, Any] = {"access_token": access, "token_type": "bearer",
                            "expires_in": lifetime}
    if spec.refresh_seconds is not None and (with_refresh or spec.rotates):
        if spec.rotates or not refresh:
            old = oauth.tokens.get(refresh)
            if old is not None:
                old.revoked = True
            refresh = secrets.token_urlsafe(32)
            expires = now + spec.refresh_seconds if spec.refresh_seconds else None
            oauth.tokens[refresh] = Issued(grant.family, spec.name, expires, "refresh")
        body["refresh_token"] = refresh
    if refresh and spec.refresh_seconds:
        left = oauth.tokens[refresh].expires
        if left is not None:
            key = "refresh_expires_in" if spec.name == "tiktok" else "refresh_token_expires_in"
            body[key] = int(left - now)
    if not spec.meta:
        body["scope"] = grant.scope
    if spec.name == "tiktok":
        body["open_id"] = grant.accounts[0] if grant.accounts else ""
    if spec.name == "youtube" and not with_refresh:
        body.pop("refresh_token", None)  # Google answers no refresh token on a refresh
    return JSON(body)


def _refresh_grant(spec: Platform, oauth: OAuthState, params: dict[str, str],
                   client: str) -> Response:
    token = params.get("refresh_token", "")
    issued = oauth.tokens.get(token)
    grant = oauth.grants.get(issued.family) if issued else None
    if issued is None or grant is None or issued.kind != "refresh" or issued.revoked:
        return _oauth_error(spec, 400, "invalid_grant", "The refresh token is invalid or was "
                                                        "revoked")
    if issued.expires is not None and issued.expires <= oauth.now():
        return _oauth_error(spec, 400, "invalid_grant", "The refresh token expired")
    if grant.client_id != client:
        return _oauth_error(spec, 400, "invalid_grant", "The token was issued to another client")
    oauth.refreshes += 1
    return _issue(spec, oauth, grant, with_refresh=False, refresh=token)


def _exchange_grant(spec: Platform, oauth: OAuthState, params: dict[str, str]) -> Response:
    short = params.get("fb_exchange_token", "")
    if oauth.check(spec.name, short) is not None or short not in oauth.tokens:
        return _oauth_error(spec, 400, "invalid_grant", "Error validating access token")
    grant = oauth.grants[oauth.tokens[short].family]
    return _issue(spec, oauth, grant, with_refresh=False, seconds=LONG_LIVED_SECONDS)


def revoke_endpoint(spec: Platform) -> Any:
    async def endpoint(request: Request) -> Response:
        state: State = request.app.state.emulator
        state.calls[(spec.name, "revoke")] += 1
        params = await _params(request)
        token = params.get("token", "")
        if spec.meta:
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
        issued = oauth_state(state).tokens.get(token.strip())
        if issued is not None:
            oauth_state(state).revoke_family(issued.family)
        return JSON({"success": True} if spec.meta else {})

    return endpoint


# -- account listings (through the platform's own API handling: auth, faults, quotas) -------


def _grant_of(call: Call) -> Grant:
    oauth = oauth_state(call.state)
    issued = oauth.tokens.get(call.token)
    grant = oauth.grants.get(issued.family) if issued else None
    if grant is None:
        raise Refused(401, "auth", "this token was not issued through OAuth")
    return grant


async def me_accounts(call: Call) -> Response:
    """Graph /me/accounts: the Pages granted, each with its Page token; for Instagram's
    consent the Pages the granted business accounts hang off."""
    grant = _grant_of(call)
    data = []
    for account in grant.accounts:
        instagram = grant.platform == "instagram"
        page = page_of(account) if instagram else account
        token = token_for(grant.platform, account, secrets.token_hex(6))
        call.state.oauth.tokens[token] = Issued(grant.family, grant.platform, None, "access")
        row: dict[str, Any] = {"id": page, "name": f"Page {page[-4:]}",
                               "username": handle_of("facebook", page),
                               "access_token": token, "category": "Brand"}
        if instagram:
            row["instagram_business_account"] = {
                "id": account, "username": handle_of("instagram", account),
                "name": f"Instagram {account[-4:]}"}
        data.append(row)
    return JSON({"data": data, "paging": {"cursors": {"before": "MA", "after": "MQ"}}})


async def organization_acls(call: Call) -> Response:
    grant = _grant_of(call)
    return JSON({"paging": {"count": 100, "start": 0, "links": []}, "elements": [
        {"organization": org, "role": "ADMINISTRATOR", "state": "APPROVED",
         "roleAssignee": f"urn:li:person:{grant.user}"} for org in grant.accounts]})


async def organization(call: Call) -> Response:
    number = call.request.path_params["org"]
    return JSON({"id": int(number) if number.isdigit() else number,
                 "localizedName": f"Organization {number[-4:]}",
                 "vanityName": handle_of("linkedin", number)})


async def x_me(call: Call) -> Response:
    account = call.account("x")
    return JSON({"data": {"id": account, "name": f"X user {account[-4:]}",
                          "username": handle_of("x", account)}})


async def tiktok_me(call: Call) -> Response:
    account = call.account("tiktok")
    return JSON({"data": {"user": {"open_id": account, "display_name": f"TikTok {account[-4:]}",
                                   "username": handle_of("tiktok", account)}},
                 "error": {"code": "ok", "message": "", "log_id": "ok"}})


def routes(api: PlatformApi) -> list[Route]:
    """The authorization server and account listings of one platform (before its API's
    routes, so /x/2/users/me is not read as a user called "me")."""
    spec = PLATFORMS[api.name]
    prefix = f"/{spec.name}"
    found = [
        Route(prefix + spec.authorize, authorize_page(spec), methods=["GET"]),
        Route(prefix + spec.authorize, authorize_answer(spec), methods=["POST"]),
        Route(prefix + spec.token, token_endpoint(spec),
              methods=["GET", "POST"] if spec.meta else ["POST"]),
        Route(prefix + spec.revoke, revoke_endpoint(spec),
              methods=["DELETE"] if spec.meta else ["POST"]),
    ]
    listing = {
        "facebook": [("/v23.0/me/accounts", "me_accounts", me_accounts)],
        "instagram": [("/v23.0/me/accounts", "me_accounts", me_accounts)],
        "linkedin": [("/rest/organizationAcls", "organization_acls", organization_acls),
                     ("/rest/organizations/{org}", "organization", organization)],
        "x": [("/2/users/me", "me", x_me)],
        "youtube": [],  # /youtube/v3/channels?mine=true answers its snippet
        "tiktok": [],  # /v2/user/info/ answers with the fields asked for
    }[spec.name]
    return found + [api.route(path, name, handler) for path, name, handler in listing]
