"""The actions on one person's account, each as (actor, user id, ip) -> result with its
collaborators from the composition root: the one table the console, the API (`/api/v1/users/
<id>/<action>`) and `idp users` run, so each caller performs an action the same way."""

from __future__ import annotations

from collections.abc import Callable

from idp import services
from idp.admin import sessions, users

UserAction = Callable[..., object]

USER_ACTIONS: dict[str, UserAction] = {
    "lock": lambda who, uid, ip: users.lock(
        services.settings(),
        who,
        uid,
        locks=services.account_locks(),
        ender=services.session_ender(),
        ip=ip,
    ),
    "unlock": lambda who, uid, ip: users.unlock(
        services.settings(), who, uid, locks=services.account_locks(), ip=ip
    ),
    "disable": lambda who, uid, ip: users.disable(
        services.settings(), who, uid, ender=services.session_ender(), ip=ip, clock=services.clock()
    ),
    "enable": lambda who, uid, ip: users.enable(
        services.settings(), who, uid, ip=ip, clock=services.clock()
    ),
    "reset-mfa": lambda who, uid, ip: users.reset_mfa(
        services.settings(), who, uid, mfa=services.mfa(), mailer=services.mailer(), ip=ip
    ),
    "password-reset": lambda who, uid, ip: users.send_password_reset(
        services.settings(), who, uid, recovery=services.recovery(), ip=ip
    ),
    "sign-out-everywhere": lambda who, uid, ip: users.sign_out_everywhere(
        services.settings(), who, uid, ender=services.session_ender(), ip=ip
    ),
}


def end_session(who, user_id: str, public_id: str, ip: str | None = None) -> object:
    """End one of the person's sessions (``admin.sessions.end_one``), wired the one way the
    console, the API and ``idp sessions end`` do it."""
    return sessions.end_one(
        services.settings(), who, user_id, public_id, ender=services.session_ender(), ip=ip
    )
