"""People, for security admins: search, details, lock / unlock, disable / enable, reset
MFA, send a password-reset link, sign out everywhere.

Each action checks ``admin.users.manage``, reuses the area that owns the rule
(``AccountLocks``, ``MfaService``, ``RecoveryService``, the session store) and records an
``admin.user.*`` event with ``before`` and ``after``. An admin cannot lock, disable or sign
out themselves here (the account page is for that), so one slip cannot lock the console out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from math import ceil
from typing import TYPE_CHECKING, Generic, TypeVar

from idp.accounts import store as accounts_store
from idp.accounts.models import USER_STATUSES, User
from idp.accounts.store import require_user
from idp.common.clock import Clock
from idp.errors import Conflict, DomainError
from idp.extensions import db
from idp.login.ending import SessionEnder
from idp.oauth.grants import revoke_grants_of
from idp.orgs import access
from idp.orgs.roles import get_role

from . import MANAGE_USERS, recording, store

if TYPE_CHECKING:
    from idp.accounts.recovery import RecoveryService
    from idp.mail.base import Mailer
    from idp.mfa.service import MfaService
    from idp.security.service import AccountLocks

T = TypeVar("T")
PER_PAGE = 25


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


@dataclass(frozen=True)
class MembershipView:
    org_id: str
    org_name: str
    npi: str
    org_status: str
    role: str
    role_label: str
    #: Whether the membership grants anything now (``access.counts``).
    counts: bool


@dataclass(frozen=True)
class UserDetails:
    user: User
    status: str
    last_sign_in_at: datetime | None
    totp: bool
    recovery_codes_left: int
    platform_role: str | None
    memberships: list[MembershipView]


def _allowed_target(settings, actor: User, user_id: str) -> User:
    access.require_platform_permission(settings, actor, MANAGE_USERS)
    return require_user(user_id)


def _status_changed(
    event: str, actor: User, user: User, before: dict, ip: str | None, **details
) -> None:
    recording.changed(
        event, actor, subject_id=user.id, ip=ip, before=before, after=_status(user), **details
    )


def _not_self(actor: User, user: User, what: str) -> None:
    if actor.id == user.id:
        raise Conflict(f"You cannot {what} your own account here; use your account page.")


def _status(user: User) -> dict:
    return {"status": user.status}


def search(
    settings, actor: User, query: str = "", *, status: str | None = None, page: int = 1
) -> Page[User]:
    """Contract: users matching name, username, email, office name or NPI (and ``status``,
    one of ``USER_STATUSES``, when given), 25 a page; DomainError for an unknown status."""
    access.require_platform_permission(settings, actor, MANAGE_USERS)
    if status and status not in USER_STATUSES:
        raise DomainError("Unknown account status.", field="status")
    text = store.clean_query(query)
    page = max(1, page)
    offset = (page - 1) * PER_PAGE
    items, total = store.search_users(text, status=status, offset=offset, limit=PER_PAGE)
    return Page(items, total, page, PER_PAGE)


def details(settings, actor: User, user_id: str, *, mfa: MfaService) -> UserDetails:
    """Contract: status, last sign-in, MFA state and memberships of one user; NotFound."""
    user = _allowed_target(settings, actor, user_id)
    memberships = []
    for m in sorted(user.memberships, key=lambda m: m.organization.legal_name.lower()):
        role = get_role(settings, m.role)
        memberships.append(
            MembershipView(
                org_id=m.org_id,
                org_name=m.organization.legal_name,
                npi=m.organization.npi,
                org_status=m.organization.status,
                role=m.role,
                role_label=role.label if role else m.role,
                counts=access.counts(m),
            )
        )
    totp = mfa.has_mfa(user)
    return UserDetails(
        user=user,
        status=user.status,
        last_sign_in_at=user.last_sign_in_at,
        totp=totp,
        recovery_codes_left=mfa.remaining_recovery_codes(user) if totp else 0,
        platform_role=user.platform_role,
        memberships=memberships,
    )


def lock(
    settings,
    actor: User,
    user_id: str,
    *,
    locks: AccountLocks,
    ender: SessionEnder,
    ip: str | None = None,
) -> User:
    """Contract: active -> locked; every session and OAuth grant ends; the owner is mailed an
    unlock link (``AccountLocks.lock``). Conflict unless active, or on oneself."""
    user = _allowed_target(settings, actor, user_id)
    _not_self(actor, user, "lock")
    if user.status != "active":
        raise Conflict(f"Only an active account can be locked; this one is {user.status}.")
    before = _status(user)
    locks.lock(user, reason="security_admin", ip=ip)
    ended = ender.end_all(user.id)
    _status_changed("admin.user.locked", actor, user, before, ip, sessions_ended=len(ended))
    revoke_grants_of(user.id, reason="account_locked", actor_id=actor.id)
    return user


def unlock(
    settings, actor: User, user_id: str, *, locks: AccountLocks, ip: str | None = None
) -> User:
    """Contract: locked -> active (``AccountLocks.unlock_by_admin``); DomainError unless locked."""
    user = _allowed_target(settings, actor, user_id)
    before = _status(user)
    locks.unlock_by_admin(actor, user, ip=ip)
    _status_changed("admin.user.unlocked", actor, user, before, ip)
    return user


def disable_account(
    user: User,
    *,
    ender: SessionEnder,
    reason: str,
    actor_id: str | None,
    audit: Callable[[dict], None],
    now: datetime,
    unused_before: datetime | None = None,
) -> bool:
    """The one way an account becomes disabled (the console, the API, ``idp users`` and
    the inactivity job): its status moves to ``disabled`` by an atomic compare-and-set
    (False, and nothing done, when an admin or another run changed it first, or, with
    ``unused_before``, when it was used since); ``audit(before)`` records the event and
    commits; then every session ends (with the sign-out hooks) and every OAuth grant with
    it: its refresh and access tokens are refused at once."""
    before = _status(user)
    claimed = accounts_store.claim_status(
        user.id, before["status"], "disabled", now, unused_before=unused_before
    )
    if not claimed:
        db.session.rollback()
        return False
    db.session.expire(user, ["status", "updated_at"])
    audit(before)
    ender.end_all(user.id)
    revoke_grants_of(user.id, reason=reason, actor_id=actor_id)
    return True


def disable(
    settings,
    actor: User,
    user_id: str,
    *,
    ender: SessionEnder,
    ip: str | None = None,
    clock: Clock | None = None,
) -> User:
    """Contract: any status -> disabled; every session ends (with the sign-out hooks) and
    every OAuth grant with it: its refresh and access tokens are refused at once."""
    user = _allowed_target(settings, actor, user_id)
    _not_self(actor, user, "disable")
    if user.status == "disabled":
        raise Conflict("This account is already disabled.")
    done = disable_account(
        user,
        ender=ender,
        reason="account_disabled",
        actor_id=actor.id,
        audit=lambda before: _status_changed("admin.user.disabled", actor, user, before, ip),
        now=(clock or Clock()).now(),
    )
    if not done:
        raise Conflict("The account changed meanwhile; reload the page and try again.")
    return user


def enable(
    settings, actor: User, user_id: str, *, ip: str | None = None, clock: Clock | None = None
) -> User:
    """Contract: disabled -> active (pending_email when the address was never confirmed);
    the inactivity rule counts from now (``enabled_at``)."""
    user = _allowed_target(settings, actor, user_id)
    if user.status != "disabled":
        raise Conflict(f"Only a disabled account can be enabled; this one is {user.status}.")
    before = _status(user)
    user.status = "active" if user.email_verified else "pending_email"
    user.enabled_at = (clock or Clock()).now()
    _status_changed("admin.user.enabled", actor, user, before, ip)
    return user


def reset_mfa(
    settings,
    actor: User,
    user_id: str,
    *,
    mfa: MfaService,
    mailer: Mailer | None,
    ip: str | None = None,
) -> User:
    """Contract: removes the authenticator and recovery codes (``MfaService.reset``, which
    asks ``access.may_reset_mfa``); the user is mailed. DomainError when there is none."""
    user = _allowed_target(settings, actor, user_id)
    before = {"totp": mfa.has_mfa(user), "recovery_codes": mfa.remaining_recovery_codes(user)}
    mfa.reset(actor, user, mailer=mailer, ip=ip)
    recording.changed(
        "admin.user.mfa_reset",
        actor,
        subject_id=user.id,
        ip=ip,
        before=before,
        after={"totp": False, "recovery_codes": 0},
    )
    return user


def send_password_reset(
    settings, actor: User, user_id: str, *, recovery: RecoveryService, ip: str | None = None
) -> User:
    """Contract: mails the user a single-use reset link (``RecoveryService.forgot_password``);
    Conflict for a disabled account (it would get no mail)."""
    user = _allowed_target(settings, actor, user_id)
    if user.status == "disabled":
        raise Conflict("This account is disabled; enable it first.")
    recovery.forgot_password(user.username, ip=ip)
    recording.changed(
        "admin.user.password_reset_sent",
        actor,
        subject_id=user.id,
        ip=ip,
        before=None,
        after={"reset_link_sent_to": user.email},
    )
    return user


def sign_out_everywhere(
    settings,
    actor: User,
    user_id: str,
    *,
    ender: SessionEnder,
    ip: str | None = None,
) -> int:
    """Contract: ends every SSO session of the user (back-channel logout through
    the ender); returns how many ended. Conflict on oneself."""
    user = _allowed_target(settings, actor, user_id)
    _not_self(actor, user, "sign out")
    before = {"sessions": len(ender.store.for_user(user.id))}
    ended = ender.end_all(user.id)
    recording.changed(
        "admin.user.signed_out_everywhere",
        actor,
        subject_id=user.id,
        ip=ip,
        before=before,
        after={"sessions": 0},
        ended=[s.public_id for s in ended],
    )
    return len(ended)
