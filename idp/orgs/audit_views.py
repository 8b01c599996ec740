"""An office's own audit log, for its administrators (``/orgs/<office>/audit``): the same
search, entry page and streamed exports as the console, limited to this office's entries
(``idp.admin.audit_log`` with the office as scope; ``access.audit_scope`` decides)."""

from __future__ import annotations

from flask import render_template, request

from idp import services
from idp.accounts.fields import FieldErrors
from idp.admin import audit_log as service
from idp.admin.views.audit import form_values, page_context
from idp.admin.views.common import page_number
from idp.login.current import current_user, settings
from idp.login.guards import login_required
from idp.orgs.blueprint import bp, ip
from idp.web.downloads import attachment

TEMPLATE = "orgs/audit.html"


@bp.get("/orgs/<org_id>/audit")
@login_required
def office_audit(org_id: str):
    values = form_values(office=False)
    try:
        listing = service.search(
            settings(),
            current_user(),
            request.args,
            page=page_number(),
            office_id=org_id,
            via="office",
            ip=ip(),
        )
    except FieldErrors as exc:
        context = page_context(values=values, errors=exc.errors)
        return render_template(TEMPLATE, org_id=org_id, **context), 400
    context = page_context(values=values, listing=listing)
    return render_template(TEMPLATE, org_id=org_id, **context)


@bp.get("/orgs/<org_id>/audit/entries/<int:entry_id>")
@login_required
def office_audit_entry(org_id: str, entry_id: int):
    view = service.entry(
        settings(), current_user(), entry_id, office_id=org_id, via="office", ip=ip()
    )
    return render_template("orgs/audit_entry.html", view=view, org_id=org_id)


@bp.get("/orgs/<org_id>/audit/export.<any(csv, jsonl):fmt>")
@login_required
def office_audit_export(org_id: str, fmt: str):
    lines = service.export(
        settings(),
        current_user(),
        request.args,
        fmt,
        office_id=org_id,
        via="office",
        ip=ip(),
        seal=services.audit_sealer(),
    )
    return attachment(lines, "audit", fmt)
