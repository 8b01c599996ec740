"""Build the authentication services from the running app (the only place that reads
Flask's ``current_app`` for them). Tests may put a controllable clock in
``app.extensions["idp_clock"]`` (a :class:`idp.common.clock.FixedClock`)."""

from __future__ import annotations

from flask import current_app

from idp.common.clock import Clock
from idp.security.limits import IpLimits
from idp.state import durable_state, shared_state


def settings():
    return current_app.config["IDP_SETTINGS"]


def clock() -> Clock:
    return current_app.extensions.get("idp_clock") or Clock()


def lockout():
    from idp.security.lockout import Lockout

    return Lockout(shared_state(), durable_state(), settings(), clock())


def ip_limits() -> IpLimits:
    return IpLimits(shared_state(), settings())


def devices():
    from idp.security.device import DeviceCookies

    return DeviceCookies(current_app.config["SECRET_KEY"], settings().auth_device_cookie_days)


def device_cookie_name() -> str:
    return "__Host-idp_device" if settings().is_https else "idp_device"


def mfa():
    from idp.mfa.service import MfaService

    # The durable state: its TOTP replay guard (a single-use marker per code) must hold
    # even when Redis loses its data, or a code seen once could be used again.
    return MfaService(settings(), durable_state(), current_app.config["SECRET_KEY"], clock())


def passkeys():
    from idp.mfa.passkeys import PasskeyService

    return PasskeyService(settings(), shared_state(), clock())


def mailer():
    from idp.mail import mailer as build

    return build()


def account_locks():
    from idp.security.service import AccountLocks

    return AccountLocks(settings(), shared_state(), mailer(), clock())


def recovery():
    from idp.accounts.recovery import RecoveryService

    return RecoveryService(settings(), shared_state(), mailer(), clock(), lockout=lockout())


def sign_in_service():
    from idp.login.service import SignInService

    return SignInService(
        settings(), lockout(), devices(), account_locks(), mfa(), clock(), passkeys=passkeys()
    )
