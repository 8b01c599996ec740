"""Security-admin actions of this area: unlocking an account locked by the failure ceiling."""

from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, request

from idp import services
from idp.accounts.models import User
from idp.errors import NotFound
from idp.extensions import db
from idp.login.current import current_user, fresh_auth_required, safe_next

USER_ID = re.compile(r"[0-9a-f-]{36}")

bp = Blueprint("security", __name__, url_prefix="/security")


@bp.post("/users/<user_id>/unlock")
@fresh_auth_required
def unlock(user_id: str):
    target = db.session.get(User, user_id) if USER_ID.fullmatch(user_id) else None
    if target is None:
        raise NotFound("No such person.")
    services.account_locks().unlock_by_admin(current_user(), target, ip=request.remote_addr)
    flash(f"The account {target.username} is unlocked.")
    return redirect(safe_next(request.form.get("next")))
