"""The audit log over the API: search (paged) and streamed exports. Security admins (and
clients with scope ``admin.audit.view``) read every office's entries; an office's
administrators, with a person's token, only their office's (``office``: which one, when they
administer several). Each view parses, calls ``idp.admin.audit_log`` and renders."""

from __future__ import annotations

from flask import request

from idp import services
from idp.admin import VIEW_AUDIT
from idp.admin import audit_log as service
from idp.admin.views.common import ip, settings
from idp.api import serialize
from idp.api.auth import actor, api_call
from idp.api.http import bp, page_arg, paged_on, per_page_arg
from idp.audit.search import MAX_PER_PAGE
from idp.web.downloads import attachment


def _office() -> str | None:
    return (request.args.get("office") or "").strip() or None


@bp.get("/audit/events")
@api_call(VIEW_AUDIT)
def audit_events():
    page, per_page = page_arg(), per_page_arg(service.PER_PAGE, MAX_PER_PAGE)
    listing = service.search(
        settings(),
        actor(),
        request.args,
        page=page,
        per_page=per_page,
        office_id=_office(),
        own_office=True,
        via="api",
        ip=ip(),
    )
    return paged_on(
        [serialize.audit_entry(e, listing.names) for e in listing.page.items],
        page=page,
        per_page=per_page,
        has_next=listing.page.has_next,
    )


@bp.get("/audit/export")
@api_call(VIEW_AUDIT)
def audit_export():
    fmt = request.args.get("format", "jsonl")
    lines = service.export(
        settings(),
        actor(),
        request.args,
        fmt,
        office_id=_office(),
        own_office=True,
        via="api",
        ip=ip(),
        seal=services.audit_sealer(),
    )
    return attachment(lines, "audit", fmt)
