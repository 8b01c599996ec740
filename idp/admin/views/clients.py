"""OAuth clients: list, create (secret shown once), edit, rotate secret, disable / enable."""

from __future__ import annotations

import json

from flask import flash, make_response, redirect, render_template, request, url_for

from idp.admin import clients as service
from idp.admin.clients import ClientSettings
from idp.admin.views.common import actor, bp, ip, no_store, registry, settings
from idp.admin.views.confirm import Confirmation, confirm_page, confirmed
from idp.errors import DomainError, NotFound
from idp.login.guards import fresh_auth_required, login_required
from idp.oauth.clients import known_scopes
from idp.oauth.models import AUTH_METHODS, GRANT_TYPES

FORM_FIELDS = (
    "name",
    "client_id",
    "auth_method",
    "redirect_uris",
    "post_logout_redirect_uris",
    "default_audience",
    "backchannel_logout_uri",
    "launch_url",
    "id_token_alg",
    "jwks",
)


def _lines(name: str) -> list[str]:
    return [v for v in request.form.get(name, "").replace(",", " ").split() if v]


def _parse() -> ClientSettings:
    """The client form as plain values (the registry validates them)."""
    raw_jwks = request.form.get("jwks", "").strip()
    jwks = None
    if raw_jwks:
        try:
            jwks = json.loads(raw_jwks)
        except ValueError:
            raise DomainError("The JWKS is not valid JSON.", field="jwks") from None
        if not isinstance(jwks, dict):
            raise DomainError('The JWKS must be a JSON object with "keys".', field="jwks")
    return ClientSettings(
        name=request.form.get("name", ""),
        redirect_uris=_lines("redirect_uris"),
        post_logout_redirect_uris=_lines("post_logout_redirect_uris"),
        grant_types=request.form.getlist("grant_types"),
        scopes=request.form.getlist("scopes"),
        default_audience=" ".join(request.form.get("default_audience", "").split()),
        first_party=request.form.get("first_party") == "on",
        require_pkce=request.form.get("require_pkce") == "on",
        id_token_alg=request.form.get("id_token_alg", "ES256"),
        backchannel_logout_uri=request.form.get("backchannel_logout_uri", "").strip(),
        launch_url=request.form.get("launch_url", "").strip(),
        jwks=jwks,
    )


def _form(client=None, *, error: str | None = None, status: int = 200):
    typed: dict[str, object] | None = None
    if request.method == "POST":
        typed = {name: request.form.get(name, "") for name in FORM_FIELDS}
        typed["grant_types"] = request.form.getlist("grant_types")
        typed["scopes"] = request.form.getlist("scopes")
        typed["first_party"] = request.form.get("first_party") == "on"
        typed["require_pkce"] = request.form.get("require_pkce") == "on"
    page = render_template(
        "admin/client_form.html",
        client=client,
        typed=typed,
        error=error,
        auth_methods=AUTH_METHODS,
        grant_types=GRANT_TYPES,
        scopes=sorted(known_scopes(settings())),
    )
    return page, status


def _secret_page(registered, *, created: bool):
    page = render_template("admin/client_secret.html", r=registered, created=created)
    return no_store(make_response(page))


@bp.get("/clients")
@login_required
def clients():
    found = service.list_clients(settings(), actor(), registry=registry())
    return render_template("admin/clients.html", clients=found)


@bp.route("/clients/new", methods=["GET", "POST"])
@fresh_auth_required
def new_client():
    if request.method == "GET":
        service.list_clients(settings(), actor(), registry=registry())
        return _form()
    try:
        registered = service.create_client(
            settings(),
            actor(),
            _parse(),
            client_id=request.form.get("client_id", "").strip() or None,
            auth_method=request.form.get("auth_method", "client_secret_basic"),
            registry=registry(),
            ip=ip(),
        )
    except DomainError as exc:
        if exc.code == "forbidden":
            raise
        return _form(error=exc.message, status=400)
    return _secret_page(registered, created=True)


@bp.get("/clients/<client_id>")
@login_required
def client(client_id: str):
    return _form(service.get_client(settings(), actor(), client_id, registry=registry()))


@bp.post("/clients/<client_id>")
@fresh_auth_required
def update_client(client_id: str):
    found = service.get_client(settings(), actor(), client_id, registry=registry())
    try:
        service.update_client(
            settings(), actor(), client_id, _parse(), registry=registry(), ip=ip()
        )
    except DomainError as exc:
        if exc.code in ("forbidden", "not_found"):
            raise
        return _form(found, error=exc.message, status=400)
    flash("The client was saved.", "success")
    return redirect(url_for(".client", client_id=client_id))


@bp.route("/clients/<client_id>/rotate-secret", methods=["GET", "POST"])
@fresh_auth_required
def rotate_client_secret(client_id: str):
    if request.method == "POST" and confirmed():
        registered = service.rotate_secret(
            settings(), actor(), client_id, registry=registry(), ip=ip()
        )
        return _secret_page(registered, created=False)
    found = service.get_client(settings(), actor(), client_id, registry=registry())
    return confirm_page(
        Confirmation(
            title=f"Rotate the secret of {found.name}",
            consequences=[
                "A new secret is made and shown to you once, on the next page.",
                "The current secret stops working at once: the application cannot get "
                "tokens until its configuration has the new one.",
            ],
            button="Rotate the secret",
            back_url=url_for(".client", client_id=client_id),
        )
    )


@bp.route("/clients/<client_id>/<toggle>", methods=["GET", "POST"])
@fresh_auth_required
def toggle_client(client_id: str, toggle: str):
    if toggle not in ("disable", "enable"):
        raise NotFound("No such action.")
    disabled = toggle == "disable"
    if request.method == "POST" and (confirmed() or not disabled):
        service.set_disabled(settings(), actor(), client_id, disabled, registry=registry(), ip=ip())
        flash(f"The client was {toggle}d.", "success")
        return redirect(url_for(".client", client_id=client_id))
    found = service.get_client(settings(), actor(), client_id, registry=registry())
    consequences = (
        [
            "The client can no longer get tokens or sign anyone in.",
            "Every refresh token it holds ends now.",
            "Access tokens already issued stay valid until they expire "
            f"({settings().oauth_access_token_minutes} minutes at most).",
        ]
        if disabled
        else ["The client can get tokens again; refresh tokens ended before stay ended."]
    )
    return confirm_page(
        Confirmation(
            title=f"{toggle.title()} {found.name}",
            consequences=consequences,
            button=toggle.title(),
            back_url=url_for(".client", client_id=client_id),
        )
    )
