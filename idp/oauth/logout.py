"""Back-channel logout (OpenID Connect Back-Channel Logout 1.0): when an SSO session ends,
every client that received a code in it and registered a back-channel URI gets a signed
logout token, so one sign-out ends the person's session in every plan tool."""

from __future__ import annotations

import logging
import urllib.error
import urllib.parse
import urllib.request

from flask import current_app

from idp import audit
from idp.extensions import db

log = logging.getLogger(__name__)


def send_backchannel_logout(ended_session) -> dict[str, bool]:
    """POST a logout_token to each client of the session; returns client_id -> delivered."""
    from idp.oauth.server import minter, settings, storage

    results: dict[str, bool] = {}
    timeout = settings().oauth_backchannel_timeout_seconds
    for client_id in dict.fromkeys(ended_session.clients or []):
        client = storage().client_model(client_id)
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
