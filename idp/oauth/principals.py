"""Who a token may still be issued for. Each grant re-checks the person at the moment of
issue: the account is active, the password has not changed since the sign-in the grant
rests on, and the office membership still counts (``idp.orgs.access``).

Plain values in, a :class:`Principal` or :class:`GrantRefused` out. What a refusal does to
the grant (revoking the refresh family) is the service's decision (:mod:`idp.oauth.service`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

from idp.accounts.models import User
from idp.accounts.store import person
from idp.errors import DomainError
from idp.oauth.models import RefreshToken
from idp.oauth.protocol import AuthCode, Principal
from idp.orgs import access


class GrantRefused(DomainError):
    """A credential is no longer good (reuse, revoked, membership or password changed).

    ``reason`` is set when the refusal ends the grant for good (its family is revoked)."""

    code = "invalid_grant"

    def __init__(self, message: str, *, reason: str | None = None):
        super().__init__(message)
        self.reason = reason


@overload
def aware(value: datetime) -> datetime: ...
@overload
def aware(value: None) -> None: ...
@overload
def aware(value: datetime | None) -> datetime | None: ...


def aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything here is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def active_user(user_id: str) -> User | None:
    user = person(user_id)
    return user if user is not None and user.status == "active" else None


def for_session(
    user: User, org_id: str | None, sid: str, auth_time: float, amr: list[str]
) -> Principal:
    """The signed-in person, acting for ``org_id`` when that membership counts."""
    membership = access.active_membership(user.id, org_id)
    return Principal(
        user=user,
        org_id=membership.org_id if membership else None,
        role=membership.role if membership else None,
        sid=sid,
        auth_time=auth_time,
        amr=list(amr),
    )


def for_code(code: AuthCode) -> Principal | None:
    user = active_user(code.user_id)
    if user is None:
        return None
    principal = for_session(user, code.org_id, code.sid, code.auth_time, code.amr)
    principal.grant_id = code.grant_id or None
    return principal


def _ended(reason: str) -> GrantRefused:
    return GrantRefused(f"the grant has ended ({reason.replace('_', ' ')})", reason=reason)


def for_refresh(row: RefreshToken, org_id: str | None = None) -> Principal:
    """The person of a refresh family, acting for ``org_id`` (default: the family's office).

    Switching to an office the person does not belong to is refused without ending the
    family; anything else that no longer holds ends it (``GrantRefused.reason``)."""
    user = person(row.user_id)
    if user is None or user.status != "active":
        raise _ended("user_inactive")
    changed = aware(user.password_changed_at)
    if changed and changed > aware(row.family_started_at):
        raise _ended("password_changed")
    target_org = org_id or row.org_id
    membership = access.active_membership(row.user_id, target_org)
    if target_org and membership is None:
        if org_id and org_id != row.org_id:
            raise GrantRefused("not a member of the requested organization")
        raise _ended("membership_ended")
    return Principal(
        user=user,
        org_id=membership.org_id if membership else None,
        role=membership.role if membership else None,
        sid=row.sid,
        auth_time=row.auth_time,
        amr=row.amr,
        grant_id=row.family_id,
        family_started_at=aware(row.family_started_at),
        audience=row.audience,
    )


def for_exchange(claims: dict, org_id: str) -> Principal:
    """The person of an access token, acting for ``org_id`` (re-checked now), in the access
    token's grant: revoking that grant revokes the exchanged token too."""
    user = active_user(str(claims.get("sub", "")))
    if user is None:
        raise GrantRefused("the user can no longer sign in")
    auth_time = float(claims.get("auth_time") or claims.get("iat") or 0)
    changed = aware(user.password_changed_at)
    # auth_time is in whole seconds: a change within that same second does not count.
    if changed and changed.timestamp() >= auth_time + 1:
        raise GrantRefused("the password changed since sign-in")
    membership = access.active_membership(user.id, org_id)
    if membership is None:
        raise GrantRefused("not a member of the requested organization")
    return Principal(
        user=user,
        org_id=membership.org_id,
        role=membership.role,
        sid=str(claims.get("sid", "")),
        auth_time=auth_time,
        amr=[],
        grant_id=str(claims["grant_id"]) if claims.get("grant_id") else None,
    )
