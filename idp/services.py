"""The composition root: the one place that builds services from the settings, the clock,
the shared and durable state, the mailer and the stores, for views and CLI commands alike.

Services themselves take their collaborators as arguments and know nothing of Flask; only
this module (and ``register_services``, run once by ``create_app``) reads ``current_app``.
Tests may install a controllable clock as ``app.extensions["idp_clock"]`` (a
:class:`idp.common.clock.FixedClock`); every service built here then uses it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, current_app

from idp.common.clock import Clock, app_clock
from idp.login.offices import EXTENSION_KEY as OFFICES
from idp.orgs.directory import OrgOffices
from idp.state import durable_state, shared_state

if TYPE_CHECKING:
    from idp.accounts.recovery import RecoveryService
    from idp.config import Settings
    from idp.emergency.codes import EmergencyCodes
    from idp.emergency.service import EmergencyAccess
    from idp.login.ending import SessionEnder
    from idp.login.failures import SignInGuard
    from idp.login.service import SignInService
    from idp.mail.base import Mailer
    from idp.mfa.passkeys import PasskeyService
    from idp.mfa.service import MfaService
    from idp.security.device import DeviceCookies
    from idp.security.limits import IpLimits
    from idp.security.lockout import Lockout
    from idp.security.service import AccountLocks


def register_services(app: Flask) -> None:
    """Wiring done once at start-up: collaborators areas reach through an interface."""
    settings = app.config["IDP_SETTINGS"]
    # The sign-in area asks the organizations area about offices only through this.
    app.extensions[OFFICES] = OrgOffices(settings)


def settings() -> Settings:
    return current_app.config["IDP_SETTINGS"]


def clock() -> Clock:
    return app_clock()


def mailer() -> Mailer:
    from idp.mail import mailer as build

    return build()


def lockout() -> Lockout:
    from idp.security.lockout import Lockout

    return Lockout(shared_state(), durable_state(), settings(), clock())


def ip_limits() -> IpLimits:
    from idp.security.limits import IpLimits

    return IpLimits(shared_state(), settings())


def devices() -> DeviceCookies:
    from idp.security.device import DeviceCookies

    return DeviceCookies(current_app.config["SECRET_KEY"], settings().auth_device_cookie_days)


def device_cookie_name() -> str:
    return "__Host-idp_device" if settings().is_https else "idp_device"


def session_ender() -> SessionEnder:
    """Ends sessions with the sign-out hooks (back-channel logout) for every caller: the
    console, the API, the CLI and the person's own account page."""
    from idp.login import current
    from idp.login.ending import SessionEnder

    return SessionEnder(current.store(), current.run_sign_out_hooks)


def mfa() -> MfaService:
    from idp.mfa.service import MfaService

    # The durable state: its TOTP replay guard (a single-use marker per code) must hold
    # even when Redis loses its data, or a code seen once could be used again.
    return MfaService(
        settings(),
        durable_state(),
        current_app.config["SECRET_KEY"],
        clock(),
        end_sessions=lambda user_id: session_ender().end_all(user_id),
    )


def passkeys() -> PasskeyService:
    from idp.mfa.passkeys import PasskeyService

    return PasskeyService(settings(), shared_state(), clock())


def account_locks() -> AccountLocks:
    from idp.security.service import AccountLocks

    return AccountLocks(settings(), shared_state(), mailer(), clock())


def recovery() -> RecoveryService:
    from idp.accounts.recovery import RecoveryService

    return RecoveryService(settings(), shared_state(), mailer(), clock(), lockout=lockout())


def sign_in_guard() -> SignInGuard:
    from idp.login.failures import SignInGuard

    return SignInGuard(lockout(), devices(), account_locks())


def sign_in_service() -> SignInService:
    from idp.login.service import SignInService

    return SignInService(settings(), sign_in_guard(), mfa(), clock(), passkeys=passkeys())


def emergency_codes() -> EmergencyCodes:
    from idp.emergency.codes import EmergencyCodes

    return EmergencyCodes(settings(), clock())


def emergency_access() -> EmergencyAccess:
    from idp.emergency.service import EmergencyAccess

    return EmergencyAccess(settings(), sign_in_guard(), mailer(), clock())


def audit_sealer():
    """A sealer pass of the audit chain with this app's key (before an export)."""
    from idp.audit.chain import app_key, seal

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return lambda: seal(app_key(app))
