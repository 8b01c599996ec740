"""What an office administrator may do to a member's account, not only their membership:
reset their two-step verification, send them a password-reset link. The work is the owning
area's (``MfaService.reset``, ``RecoveryService``); this adds the office's permission check.
"""

from __future__ import annotations

from idp.accounts.models import User
from idp.errors import Conflict
from idp.extensions import db
from idp.orgs import access
from idp.orgs.members import get_member, member_event


def reset_member_mfa(
    settings, actor: User, org_id: str, membership_id: str, *, mfa, mailer=None, ip=None
) -> User:
    """Remove the member's authenticator and recovery codes (they enrol again at their next
    sign-in); ``MfaService.reset`` decides who may (``access.may_reset_mfa``), records
    ``mfa.reset`` and mails the person."""
    access.require_org_permission(settings, actor, org_id, access.RESET_MFA)
    member = get_member(settings, actor, org_id, membership_id)
    mfa.reset(actor, member.user, mailer=mailer, ip=ip)
    return member.user


def send_password_reset(
    settings, actor: User, org_id: str, membership_id: str, *, recovery, ip=None
) -> User:
    """Mail the member a password-reset link (the same link and mail as "forgot password",
    from ``RecoveryService``); their password is unchanged until they use it."""
    member = get_member(settings, actor, org_id, membership_id)
    user = member.user
    if user.status == "disabled":
        raise Conflict("This account is disabled; a security administrator can enable it.")
    after = {"reset_link_sent_to": user.email}
    member_event("org.member.password_reset_sent", actor, member, ip, before=None, after=after)
    db.session.commit()
    recovery.forgot_password(user.username, ip=ip)
    return user
