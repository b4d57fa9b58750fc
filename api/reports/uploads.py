"""PUT /brands/{id}/logo and PUT /workspaces/{id}/logo: report logos, checked and re-encoded.

The body is the image itself (PNG, JPEG, GIF or WebP, at most COSO_MAX_UPLOAD_BYTES). It
is decoded with Pillow under the renderer's own limits, re-encoded as a PNG without metadata, stored
under a name derived from its content, and the brand's `logo` (or the workspace's
`agency_logo`) is pointed at it. Anything that is not such an image is refused with 422
and changes nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.graphql.access import Access, Refusal
from api.reports.routes import json_error, path_pk, unauthenticated, viewer_access
from api.reports.storage import Storage, remove_after_commit
from domain.db import write_transaction
from domain.models import Brand, Workspace
from domain.rules.permissions import Action, WorkspaceAction, allowed_workspace_roles
from domain.services.audit import record
from domain.settings import get_settings
from reporting.safety import validated_image


async def _body(request: Request) -> bytes | None:
    """The request body, or None as soon as it passes the size limit."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > get_settings().max_upload_bytes:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _reencode(raw: bytes) -> bytes | None:
    # The renderer's own check reads a file: hand it one, outside the store.
    with tempfile.NamedTemporaryFile(prefix="coso-logo-") as handle:
        handle.write(raw)
        handle.flush()
        try:
            return validated_image(Path(handle.name))
        except Image.DecompressionBombWarning:
            # Raised only where warnings are errors; the pixel limit refuses it anyway.
            return None


async def _store(request: Request, folder: str) -> tuple[str, int] | Response:
    raw = await _body(request)
    if raw is None:
        limit = get_settings().max_upload_bytes
        return json_error(413, f"a logo is at most {limit} bytes (the limit "
                               f"COSO_MAX_UPLOAD_BYTES is {limit})",
                          code="MAX_UPLOAD_BYTES")
    png = await asyncio.to_thread(_reencode, raw) if raw else None
    if png is None:
        return json_error(422, "not a PNG, JPEG, GIF or WebP image of at most 4096×4096 pixels")
    key = f"{folder}/logo-{hashlib.sha256(png).hexdigest()[:20]}.png"
    size = await asyncio.to_thread(Storage.default().write, key, png)
    return key, size


async def _authorised(request: Request, type_name: str,
                      refusal: Callable[[Access, int], Refusal | None],
                      forbidden: str) -> tuple[Access, int] | Response:
    """The viewer and the row's key, or the answer GraphQL would give: a row the viewer
    cannot see reads as missing (404), one they see but may not change is 403."""
    access = await viewer_access(request)
    if access is None:
        return unauthenticated()
    pk = path_pk(request.path_params["id"], type_name)
    refused = Refusal.NOT_FOUND if pk is None else refusal(access, pk)
    if pk is None or refused is Refusal.NOT_FOUND:
        return json_error(404, f"no {type_name} with this id")
    if refused is Refusal.FORBIDDEN:
        return json_error(403, forbidden)
    return access, pk


async def _put_logo(request: Request, access: Access, column: Any, pk: int, *,
                    brand: bool) -> Response:
    """Store the body as `column`'s logo of row `pk` (a Brand's or a Workspace's), audited."""
    table, name = column._meta.table, column._meta.name
    stored = await _store(request, f"{table._meta.tablename}s/{pk}")
    if isinstance(stored, Response):
        return stored
    key, size = stored
    workspace = table.workspace if brand else table.id
    async with write_transaction():
        before = await table.select(column, workspace.as_alias("ws")).where(
            table.id == pk).first()
        if before is None:
            return json_error(404, f"no {table.__name__} with this id")
        await table.update({column: key}).where(table.id == pk)
        if before[name] != key:
            remove_after_commit(keys=[before[name]])
        await record(actor_id=access.user_id, action=f"{table._meta.tablename}.{name}",
                     object_type=table.__name__, object_id=pk, workspace_id=before["ws"],
                     brand_id=pk if brand else None, before={name: before[name]},
                     after={name: key})
    return JSONResponse({"logo": key, "sizeBytes": size})


async def upload_brand_logo(request: Request) -> Response:
    checked = await _authorised(
        request, "Brand", lambda access, pk: access.refusal(pk, Action.EDIT_BRAND),
        "only the workspace's owners and admins change the brand kit")
    if isinstance(checked, Response):
        return checked
    access, pk = checked
    return await _put_logo(request, access, Brand.logo, pk, brand=True)


async def upload_agency_logo(request: Request) -> Response:
    # A member of one of its brands sees the workspace, but may not change it.
    action = WorkspaceAction.EDIT_WORKSPACE
    checked = await _authorised(
        request, "Workspace", lambda access, pk: access.workspace_refusal(pk, action),
        f"only the workspace's {allowed_workspace_roles(action)} change its logo")
    if isinstance(checked, Response):
        return checked
    access, pk = checked
    return await _put_logo(request, access, Workspace.agency_logo, pk, brand=False)
