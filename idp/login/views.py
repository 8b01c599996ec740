"""Sign-in and sign-out pages (password step; the authentication area adds the rest)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request

from idp.accounts.models import User
from idp.accounts.passwords import verify_password
from idp.extensions import db
from idp.login.current import safe_next, settings, sign_in, sign_out

bp = Blueprint("login", __name__)

GENERIC_FAILURE = "Sign-in failed. Check your username and password and try again."


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("login/login.html", next=next_url, error=None, username="")
    identifier = request.form.get("username", "").strip().lower()
    password = request.form.get("password", "")
    user = db.session.scalar(
        db.select(User).where((User.username == identifier) | (User.email == identifier))
    )
    ok = verify_password(user.password_hash if user else None, password, settings())
    if not ok or user is None or user.status != "active":
        return (
            render_template(
                "login/login.html", next=next_url, error=GENERIC_FAILURE, username=identifier
            ),
            401,
        )
    sign_in(user, ["pwd"])
    return redirect(next_url)


@bp.post("/logout")
def logout():
    sign_out()
    return redirect("/login")
