"""Sign a test client in without going through the sign-in pages."""

from __future__ import annotations

from idp.login.current import cookie_name, session_limits, store


def login_as(client, user, amr=("pwd",), org_id=None):
    """Create an SSO session for ``user`` and put its cookie on ``client``; returns it."""
    from idp.login.current import default_org_id

    org_id = org_id or default_org_id(user)
    idle, absolute = session_limits(org_id)
    session = store().create(
        user.id, list(amr), idle_seconds=idle, absolute_seconds=absolute, active_org_id=org_id
    )
    client.set_cookie(cookie_name(), session.sid)
    return session
