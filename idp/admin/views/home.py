"""The console's landing page."""

from __future__ import annotations

from flask import render_template

from idp.admin import home as service
from idp.admin.views.common import actor, bp, settings
from idp.login.guards import login_required


@bp.get("")
@login_required
def index():
    return render_template("admin/index.html", attention=service.attention(settings(), actor()))
