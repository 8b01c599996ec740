"""The signed-in landing page (the organizations area fills in offices and applications)."""

from __future__ import annotations

from flask import Blueprint, render_template

from idp.login.current import current_session, current_user, login_required

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@login_required
def index():
    return render_template("dashboard/index.html", user=current_user(), session=current_session())
