"""Logout. RP-initiated (OpenID Connect RP-Initiated Logout 1.0): the end-session endpoint.
Back-channel (OpenID Connect Back-Channel Logout 1.0): when an SSO session ends, every
client that received a code in it and registered a back-channel URI gets a signed logout
token, so one sign-out ends the person's session in every plan tool."""

from __future__ import annotations

import logging
import urllib.error
import urllib.parse
import urllib.request

from authlib.common.urls import add_params_to_uri
from flask import current_app, redirect, render_template, request

from idp import audit
from idp.extensions import db
from idp.oauth.authorize import error_page
from idp.oauth.context import minter, settings, store
from idp.oauth.tokens import BadToken

log = logging.getLogger(__name__)


def send_backchannel_logout(ended_session) -> dict[str, bool]:
    """POST a logout_token to each client of the session; returns client_id -> delivered."""
    results: dict[str, bool] = {}
    rows = store()
    timeout = settings().oauth_backchannel_timeout_seconds
    for client_id in dict.fromkeys(ended_session.clients or []):
        client = rows.client(client_id)
        if client is None or not client.backchannel_logout_uri or client.disabled:
            continue
        token = minter().logout_token(
            client_id=client_id,
            sub=ended_session.user_id,
            sid=ended_session.public_id,
            alg=client.id_token_alg,
        )
        body = urllib.parse.urlencode({"logout_token": token}).encode()
        req = urllib.request.Request(  # noqa: S310 - admin-registered https/http URI
            client.backchannel_logout_uri,
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
                ok = 200 <= resp.status < 300
        except (urllib.error.URLError, OSError, ValueError) as exc:
            log.warning("back-channel logout to %s failed: %s", client_id, exc)
            ok = False
        results[client_id] = ok
        audit.record(
            "oauth.backchannel_logout",
            subject_id=ended_session.user_id,
            client_id=client_id,
            delivered=ok,
        )
    if results:
        db.session.commit()
    return results


def _hook(ended_session) -> None:
    if current_app:
        send_backchannel_logout(ended_session)


def register_backchannel_hook() -> None:
    from idp.login.current import SIGN_OUT_HOOKS

    if _hook not in SIGN_OUT_HOOKS:
        SIGN_OUT_HOOKS.append(_hook)


def end_session():
    """RP-initiated logout: an exactly registered post_logout_redirect_uri, only with an
    id_token_hint that names the client; without a hint the person confirms first."""
    from idp.login.current import current_session, sign_out

    values = request.values
    hint = values.get("id_token_hint")
    target = values.get("post_logout_redirect_uri")
    rows = store()
    client_model = None
    hinted_sid = None
    if hint:
        try:
            claims = minter().verify_id_token(hint)
        except BadToken:
            return error_page("The sign-out request is not valid (id_token_hint).")
        aud = claims.get("aud")
        client_id = aud if isinstance(aud, str) else (aud or [None])[0]
        if values.get("client_id") and values["client_id"] != client_id:
            return error_page("The sign-out request is not valid (client_id).")
        client_model = rows.client(client_id) if isinstance(client_id, str) else None
        if client_model is None:
            return error_page("The sign-out request is not valid (id_token_hint).")
        hinted_sid = claims.get("sid")
    elif values.get("client_id"):
        client_model = rows.client(values["client_id"])
    if target and (client_model is None or target not in client_model.post_logout_redirect_uris):
        return error_page("The application asked to return to an address it did not register.")
    sso = current_session()
    confirmed = request.method == "POST" and values.get("confirm") == "yes"
    hint_matches = hint is not None and sso is not None and hinted_sid == sso.public_id
    if sso is not None and not (confirmed or hint_matches):
        return render_template(
            "oauth/logout.html",
            client=client_model,
            target=target,
            state=values.get("state", ""),
            hint=hint or "",
            client_id=values.get("client_id", ""),
        )
    if sso is not None:
        sign_out()
    if target:
        state = values.get("state")
        return redirect(add_params_to_uri(target, [("state", state)] if state else []))
    return render_template("oauth/logged_out.html")
