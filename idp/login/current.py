"""The SSO session of the current request: cookie handling and helpers for views.

What other areas use (names and signatures are stable):

- ``current_session()`` / ``current_user()``: the live session and its active user, or None.
- ``sign_in(user, amr, active_org_id=None, *, max_lifetime=None)``: after a successful
  authentication, including a re-authentication (step-up) of the user already signed in:
  always a new cookie id; a re-authentication keeps the session's public id, office and
  applications. ``max_lifetime`` (seconds) shortens the lifetime (emergency sessions).
- ``sign_out()``; ``sign_out_everywhere(user_id)`` (password reset, disable); both run
  ``SIGN_OUT_HOOKS`` for each ended session (the OAuth area sends back-channel logout there).
  ``keep_only_this_session(user)`` after the person changed an authentication factor of
  their own (password, authenticator app, recovery codes, passkey): every other session ends.
- ``rotate()``: new cookie id for the current session (after any privilege change);
  ``switch_office(org_id)`` changes the active office and rotates; ``enter_office(org_id)``
  puts the session in an office the caller has decided it may be in (after joining it).
  Either applies the office's own session limits, which, like whether a membership counts,
  come from the wired ``offices()`` directory (``idp.login.offices``).
  ``store().privileges_changed(user_id)`` when an administrator changes someone's role or
  membership: that user's sessions get a new id on their next request to the IdP.
- ``store()``; ``cookie_name()``; ``now()`` (the clock of the app:
  ``app.extensions["idp_clock"]``, an ``idp.common.clock.Clock``, when a test sets one).

The views' guards (``login_required``, ``fresh_auth_required``, ``safe_next``, ...) are in
:mod:`idp.login.guards`.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request

from idp.audit import sessions as audit_sessions
from idp.common.clock import app_clock
from idp.errors import Forbidden
from idp.login import offices as office_rules
from idp.login import privileges
from idp.login.offices import OfficeDirectory
from idp.login.sessions import SessionStore, SsoSession
from idp.state import shared_state


def settings():
    return current_app.config["IDP_SETTINGS"]


def cookie_name() -> str:
    """``__Host-`` under https (host-only cookie); ``__Secure-`` when a parent domain is set."""
    name = settings().session_cookie_name
    if not settings().is_https:
        return name
    return f"__Secure-{name}" if settings().session_cookie_domain else f"__Host-{name}"


def now() -> float:
    return app_clock().time()


def store() -> SessionStore:
    return SessionStore(shared_state(), clock=now, on_expired=audit_sessions.expired)


privileges.install(store)


def offices() -> OfficeDirectory:
    """The directory of offices wired at start-up (``idp.services``)."""
    return current_app.extensions[office_rules.EXTENSION_KEY]


def session_limits(org_id: str | None) -> tuple[int, int]:
    """(idle, absolute) in seconds for a session in ``org_id``."""
    limits = offices().limits(org_id)
    return limits.idle_seconds, limits.absolute_seconds


def default_org_id(user) -> str | None:
    """The office a new session of ``user`` starts in."""
    return offices().default_office(user)


def _user(user_id: str):
    from idp.accounts.store import person

    return person(user_id)


class _RequestState:
    """Per-request cache. Not ``flask.g``: that lives on the app context, which a test
    client request shares with the test's own context."""

    __slots__ = ("loaded", "session", "set_cookie")

    def __init__(self):
        self.loaded = False
        self.session: SsoSession | None = None
        self.set_cookie: str | None = None


def _state() -> _RequestState:
    state = request.environ.get("idp.sso")
    if state is None:
        state = request.environ["idp.sso"] = _RequestState()
    return state


def _remember(session: SsoSession | None) -> None:
    state = _state()
    state.loaded = True
    state.session = session


def _set_cookie(sid: str) -> None:
    _state().set_cookie = sid


def current_session(*, rotate: bool = True) -> SsoSession | None:
    """The live SSO session of this request (cached per request), touching its idle timer.

    When the user's privileges changed since this id was issued, the session gets a new id
    here (and the cookie is rewritten). ``rotate=False`` is for answers whose cookies never
    reach the browser (the forward-auth subrequest of a proxy).
    """
    state = _state()
    if not state.loaded:
        sessions = store()
        session = sessions.get(request.cookies.get(cookie_name()))
        if session is not None:
            if rotate and sessions.needs_new_id(session, as_read=True):
                session = _rotate_after_privilege_change(sessions, session)
            else:
                sessions.touch(session)
        _remember(session)
    return state.session


def _rotate_after_privilege_change(sessions: SessionStore, session: SsoSession):
    user = _user(session.user_id)
    directory = offices()
    if (
        user is not None
        and session.active_org_id
        and not directory.counts(user, session.active_org_id)
    ):
        org_id = directory.default_office(user)
        office_rules.apply_office(session, org_id, directory.limits(org_id))
    session.last_seen = sessions.clock()
    rotated = sessions.rotate(session)
    if rotated is not None:
        _set_cookie(rotated.sid)
    return rotated


def current_user():
    session = current_session()
    if session is None:
        return None
    user = _user(session.user_id)
    if user is None or user.status != "active":
        return None
    return user


#: Called with each ended SsoSession (e.g. the OAuth area sends back-channel logout).
SIGN_OUT_HOOKS: list[Callable[[SsoSession], None]] = []


def run_sign_out_hooks(ended: SsoSession) -> None:
    for hook in SIGN_OUT_HOOKS:
        hook(ended)


def sign_in(
    user, amr: list[str], active_org_id: str | None = None, *, max_lifetime: int | None = None
) -> SsoSession:
    """Start a session after a successful authentication; always a new id (no fixation).

    A re-authentication of the user already signed in in this browser (step-up, prompt=login,
    max_age) replaces the session but keeps its public id, active office and applications,
    so relying parties' ``sid`` and back-channel logout keep working. Any other session in
    this browser (another user) is ended, with the sign-out hooks.
    """
    sessions = store()
    previous = sessions.get(request.cookies.get(cookie_name()))
    carried: dict = {}
    if previous is not None:
        sessions.delete(previous.sid)
        if previous.user_id == user.id:
            carried = {
                "public_id": previous.public_id or None,
                "clients": previous.clients,
                "mfa_at": previous.mfa_at,
            }
            if active_org_id is None and offices().counts(user, previous.active_org_id):
                active_org_id = previous.active_org_id
        else:
            run_sign_out_hooks(previous)
    org_id = active_org_id or default_org_id(user)
    idle, absolute = session_limits(org_id)
    absolute = min(absolute, max_lifetime or absolute)
    session = sessions.create(
        user.id,
        amr,
        idle_seconds=idle,
        absolute_seconds=absolute,
        active_org_id=org_id,
        ip=request.remote_addr or "",
        user_agent=request.headers.get("User-Agent", ""),
        **carried,
    )
    _remember(session)
    _set_cookie(session.sid)
    return session


def rotate() -> SsoSession | None:
    """Give the current session a new cookie id (call after any privilege change)."""
    session = current_session()
    if session is None:
        return None
    rotated = store().rotate(session)
    _remember(rotated)
    _set_cookie(rotated.sid if rotated else "")
    return rotated


def switch_office(org_id: str) -> SsoSession:
    """Make ``org_id`` the active office of the current session, with a new id.

    Refused unless the person's membership there counts; the office's limits apply from
    now on (``idp.login.offices.switch_office``). The new id follows because what the
    session may do has changed.
    """
    session = current_session()
    user = current_user()
    if session is None or user is None:
        raise Forbidden("Sign in first.")
    office_rules.switch_office(
        store(), session, user, org_id, offices=offices(), ip=request.remote_addr
    )
    rotated = rotate()
    if rotated is None:
        raise Forbidden("Your session has ended. Sign in again.")
    return rotated


def enter_office(org_id: str | None) -> SsoSession | None:
    """Put the current session in ``org_id`` under that office's limits, e.g. right after
    the person joined it (the caller has checked they may be there)."""
    session = current_session()
    if session is not None and session.active_org_id != org_id:
        office_rules.enter_office(store(), session, org_id, offices())
    return session


def sign_out() -> SsoSession | None:
    sid = request.cookies.get(cookie_name())
    ended = store().delete(sid) if sid else None
    _remember(None)
    _set_cookie("")
    if ended is not None:
        audit_sessions.signed_out(ended)
        run_sign_out_hooks(ended)
    return ended


def sign_out_everywhere(user_id: str) -> list[SsoSession]:
    """End every session of a user (password reset, disable, the account page)."""
    ended = store().end_all_for_user(user_id)
    current = _state().session
    if current is not None and current.user_id == user_id:
        _remember(None)
        _set_cookie("")
    for session in ended:
        run_sign_out_hooks(session)
    return ended


#: What the person is told after :func:`keep_only_this_session`.
OTHER_SESSIONS_ENDED = "Every other session was signed out."


def keep_only_this_session(user) -> list[SsoSession]:
    """After ``user`` changed an authentication factor of their own from this browser
    (password, authenticator app, recovery codes, passkey; ASVS 4 7.4.3): every other
    session of theirs ends, with the sign-out hooks, and this browser is signed in again
    (a new cookie id) with the same amr and office, never past the absolute expiry its
    session had (an emergency session stays as short as it was). OAuth grants are the
    caller's: a password change revokes them, a second-factor change does not.

    Without a session of ``user`` in this browser every session of theirs ends. Returns
    the sessions that ended other than this browser's.
    """
    session = current_session()
    mine = session if session is not None and session.user_id == user.id else None
    ended = sign_out_everywhere(user.id)
    if mine is None:
        return ended
    remaining = max(1, int(mine.expires_at - now()))
    sign_in(user, list(mine.amr), mine.active_org_id, max_lifetime=remaining)
    return [s for s in ended if s.public_id != mine.public_id]


def apply_session_cookie(response):
    """after_request: write or clear the SSO cookie when sign_in/sign_out asked for it."""
    sid = _state().set_cookie
    if sid is None:
        return response
    secure = settings().is_https
    domain = settings().session_cookie_domain or None
    if sid:
        response.set_cookie(
            cookie_name(),
            sid,
            httponly=True,
            secure=secure,
            samesite="Lax",
            path="/",
            domain=domain,
        )
    else:
        response.delete_cookie(
            cookie_name(), path="/", domain=domain, secure=secure, httponly=True, samesite="Lax"
        )
    return response
