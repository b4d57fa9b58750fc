"""GET /reports/{id}: a rendered report's file, for viewers of its brand (Bearer token)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from strawberry import relay

from api.graphql.access import Access, load_access
from api.graphql.context import NOT_SIGNED_IN
from api.graphql.ids import valid_pk
from api.reports.storage import Storage, StorageError, report_filename
from domain.enums import ReportFormat, ReportStatus
from domain.models import Report
from domain.services.tokens import authenticate

MEDIA_TYPES = {ReportFormat.PDF: "application/pdf", ReportFormat.HTML: "text/html; charset=utf-8"}
# A stored HTML report is shown as a download, and even if opened it may run nothing and
# load nothing but what is inline: it carries user text.
SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'; img-src data:; "
                               "style-src 'unsafe-inline'; font-src data:",
    "Cache-Control": "private, no-store",
}


def json_error(status: int, message: str, *, code: str | None = None) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    body = {"error": message} if code is None else {"error": message, "code": code}
    return JSONResponse(body, status_code=status, headers=headers)


def unauthenticated() -> JSONResponse:
    return json_error(401, NOT_SIGNED_IN)


async def viewer_access(request: Request) -> Access | None:
    """What the Bearer token's user may do (the same check as GraphQL's); None: no user."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    user = await authenticate(token.strip()) if scheme.lower() == "bearer" else None
    return None if user is None else await load_access(user.id)


def path_pk(value: str, type_name: str) -> int | None:
    """The key inside a global id of `type_name` (what the API shows) or a plain number."""
    if value.isdigit():
        pk = int(value)
    else:
        try:
            gid = relay.GlobalID.from_id(value)
            pk = int(gid.node_id) if gid.type_name == type_name else 0
        except (ValueError, TypeError):
            return None
    return pk if valid_pk(pk) else None


async def download_report(request: Request) -> Response:
    access = await viewer_access(request)
    if access is None:
        return unauthenticated()
    pk = path_pk(request.path_params["id"], "Report")
    row = None if pk is None else await Report.select(
        *Report.all_columns(), Report.brand.slug).where(Report.id == pk).first()
    # Another tenant's report answers exactly like a missing one.
    if row is None or not access.can_read(row["brand"]):
        return json_error(404, "no report with this id")
    if row["status"] != ReportStatus.READY:
        return json_error(409, f"the report is {row['status']}, not READY")
    try:
        path = Storage.default().path(row["storage_key"])
    except StorageError:
        path = None
    if path is None or not path.is_file():
        return json_error(404, "the report's file is no longer stored")
    fmt = ReportFormat(row["format"])
    filename = report_filename(row["brand.slug"], row["kind"], row["period_start"],
                               row["period_end"], fmt)
    return FileResponse(path, media_type=MEDIA_TYPES[fmt], filename=filename,
                        headers=SAFE_HEADERS)
