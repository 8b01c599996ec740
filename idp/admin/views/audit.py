"""The audit log in the console: search with filters, one entry, streamed exports."""

from __future__ import annotations

from flask import render_template, request

from idp import services
from idp.accounts.fields import FieldErrors
from idp.admin import audit_log as service
from idp.admin.views.common import actor, bp, ip, page_number, settings
from idp.audit.events import EVENTS
from idp.audit.filters import FIELDS, OUTCOMES
from idp.login.guards import login_required
from idp.web.downloads import attachment


def form_values(*, office: bool = True) -> dict[str, str]:
    """The filter fields as typed (shown again in the form and carried by the links)."""
    names = [n for n in FIELDS if office or n != "office"]
    return {n: request.args.get(n, "")[:100] for n in names if request.args.get(n)}


def page_context(**extra) -> dict:
    return {"events": sorted(EVENTS), "outcomes": OUTCOMES, "errors": {}, "listing": None, **extra}


@bp.get("/audit")
@login_required
def audit():
    values = form_values()
    try:
        listing = service.search(settings(), actor(), request.args, page=page_number(), ip=ip())
    except FieldErrors as exc:
        context = page_context(values=values, errors=exc.errors)
        return render_template("admin/audit.html", **context), 400
    return render_template("admin/audit.html", **page_context(values=values, listing=listing))


@bp.get("/audit/entries/<int:entry_id>")
@login_required
def audit_entry(entry_id: int):
    view = service.entry(settings(), actor(), entry_id, ip=ip())
    return render_template("admin/audit_entry.html", view=view, back="admin.audit", office=None)


@bp.get("/audit/export.<any(csv, jsonl):fmt>")
@login_required
def audit_export(fmt: str):
    lines = service.export(
        settings(), actor(), request.args, fmt, ip=ip(), seal=services.audit_sealer()
    )
    return attachment(lines, "audit", fmt)
