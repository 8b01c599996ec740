"""The security overview: the 7-day charts, approvals waiting, locked accounts, keys leaving."""

from __future__ import annotations

from flask import render_template

from idp.admin import overview as service
from idp.admin.charts import bar_chart
from idp.admin.views.common import actor, bp, clock, key_ring, settings
from idp.login.guards import login_required


@bp.get("/overview")
@login_required
def overview():
    found = service.overview(settings(), actor(), clock=clock(), ring=key_ring())
    charts = None if found.charts is None else [bar_chart(s) for s in found.charts]
    return render_template(
        "admin/overview.html",
        o=found,
        charts=charts,
        keys_warning_days=service.KEYS_WARNING.days,
    )
