"""Signing keys: next / active / retired, rotate, retire, and the published JWKS."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from idp.admin import keys as service
from idp.admin.views.common import actor, bp, ip, key_ring, settings
from idp.admin.views.confirm import Confirmation, confirm_page, confirmed
from idp.errors import NotFound
from idp.jwk.keyring import ALGORITHMS
from idp.login.guards import fresh_auth_required, login_required


@bp.get("/keys")
@login_required
def keys():
    found = service.list_keys(settings(), actor(), ring=key_ring())
    default_alg = settings().oauth_signing_alg
    return render_template(
        "admin/keys.html", keys=found, algorithms=ALGORITHMS, default_alg=default_alg
    )


@bp.route("/keys/rotate", methods=["GET", "POST"])
@fresh_auth_required
def rotate_key():
    alg = request.values.get("alg", "") or settings().oauth_signing_alg
    if request.method == "POST" and confirmed():
        active = service.rotate(settings(), actor(), alg, ring=key_ring(), ip=ip())
        flash(f"The {active.alg} key {active.kid} now signs tokens.", "success")
        return redirect(url_for(".keys"))
    service.list_keys(settings(), actor(), ring=key_ring())
    if alg not in ALGORITHMS:
        raise NotFound("No such algorithm.")
    return confirm_page(
        Confirmation(
            title=f"Rotate the {alg} signing key",
            consequences=[
                f"The published next {alg} key starts signing every new token.",
                "The active key is retired: it stays in the JWKS until the tokens it signed "
                "have expired, so they keep verifying.",
                "A new next key is published for relying parties to cache.",
            ],
            button="Rotate",
            back_url=url_for(".keys"),
            extra={"alg": alg},
        )
    )


@bp.route("/keys/<kid>/retire", methods=["GET", "POST"])
@fresh_auth_required
def retire_key(kid: str):
    if request.method == "POST" and confirmed():
        service.retire(settings(), actor(), kid, ring=key_ring(), ip=ip())
        flash(f"The key {kid} was removed.", "success")
        return redirect(url_for(".keys"))
    found = service.list_keys(settings(), actor(), ring=key_ring())
    if not any(k.kid == kid and k.state == "retired" for k in found):
        raise NotFound("No such retired key.")
    return confirm_page(
        Confirmation(
            title=f"Retire the key {kid} now",
            consequences=[
                "The key leaves the published JWKS and its files are deleted.",
                "Tokens it signed that have not expired yet stop verifying at once.",
            ],
            button="Retire now",
            back_url=url_for(".keys"),
        )
    )


@bp.route("/keys/prune", methods=["GET", "POST"])
@fresh_auth_required
def prune_keys():
    if request.method == "POST" and confirmed():
        dropped = service.prune(settings(), actor(), ring=key_ring(), ip=ip())
        flash("Removed: " + (", ".join(dropped) if dropped else "nothing was due."), "success")
        return redirect(url_for(".keys"))
    service.list_keys(settings(), actor(), ring=key_ring())
    return confirm_page(
        Confirmation(
            title="Remove retired keys whose tokens have expired",
            consequences=[
                "Every retired key past its drop time leaves the JWKS and is deleted.",
                "No token that can still be valid is affected.",
            ],
            button="Remove",
            back_url=url_for(".keys"),
        )
    )
