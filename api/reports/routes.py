"""GET /reports/{id}: a rendered report's file, for viewers of its brand (Bearer token)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from strawberry import relay

from api.graphql.access import Access, load_access
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


def _error(status: int, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers or None)


async def _viewer(request: Request) -> Access | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    user = await authenticate(token.strip()) if scheme.lower() == "bearer" else None
    return None if user is None else await load_access(user.id)


def _report_pk(value: str) -> int | None:
    """The key inside a Report global id (what the API shows) or a plain number."""
    if value.isdigit():
        pk = int(value)
    else:
        try:
            gid = relay.GlobalID.from_id(value)
            pk = int(gid.node_id) if gid.type_name == "Report" else 0
        except (ValueError, TypeError):
            return None
    return pk if valid_pk(pk) else None


async def download_report(request: Request) -> Response:
    access = await _viewer(request)
    if access is None:
        return _error(401, "authentication required: send Authorization: Bearer <token>",
                      **{"WWW-Authenticate": "Bearer"})
    pk = _report_pk(request.path_params["id"])
    row = None if pk is None else await Report.select(
        *Report.all_columns(), Report.brand.slug).where(Report.id == pk).first()
    # Another tenant's report answers exactly like a missing one.
    if row is None or not access.can_read(row["brand"]):
        return _error(404, "no report with this id")
    if row["status"] != ReportStatus.READY:
        return _error(409, f"the report is {row['status']}, not READY")
    try:
        path = Storage.default().path(row["storage_key"])
    except StorageError:
        path = None
    if path is None or not path.is_file():
        return _error(404, "the report's file is no longer stored")
    fmt = ReportFormat(row["format"])
    filename = report_filename(row["brand.slug"], row["kind"], row["period_start"],
                               row["period_end"], fmt)
    return FileResponse(path, media_type=MEDIA_TYPES[fmt], filename=filename,
                        headers=SAFE_HEADERS)
