"""Security-admin actions of this area: unlocking an account locked by the failure ceiling."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request

from idp import services
from idp.accounts.store import require_user
from idp.login.current import current_user
from idp.login.guards import fresh_auth_required, safe_next

bp = Blueprint("security", __name__, url_prefix="/security")


@bp.post("/users/<user_id>/unlock")
@fresh_auth_required
def unlock(user_id: str):
    target = require_user(user_id)
    services.account_locks().unlock_by_admin(current_user(), target, ip=request.remote_addr)
    flash(f"The account {target.username} is unlocked.")
    return redirect(safe_next(request.form.get("next")))
