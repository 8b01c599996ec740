"""Locking and unlocking whole accounts (the per-account ceiling), with emailed unlock links."""

from __future__ import annotations

from idp import audit
from idp.accounts.models import User
from idp.accounts.recovery import INVALID_LINK, LinkMailer
from idp.errors import DomainError, Forbidden
from idp.extensions import db
from idp.orgs import access
from idp.security.lockout import account_key


class AccountLocks(LinkMailer):
    link_kind = "unlock"

    def lock(self, user: User, *, reason: str, ip: str | None = None) -> None:
        """Lock the account and mail its owner an unlock link."""
        if user.status != "active":
            return
        user.status = "locked"
        audit.record("account.locked", subject_id=user.id, ip=ip, reason=reason)
        db.session.commit()
        hours = self.settings.auth_unlock_token_hours
        token = self.tokens.issue(user.id, hours * 3600)
        link = self.link("/login/unlock/" + token)
        # This runs inside a failed sign-in, whose answer must look like every other failure.
        self.mail_owner(user, "account_locked", hours=hours, link=link)

    def unlock(self, user: User, *, actor_id: str | None, method: str, ip=None) -> None:
        if user.status != "locked":
            return
        user.status = "active"
        audit.record(
            "account.unlocked", actor_id=actor_id, subject_id=user.id, ip=ip, method=method
        )
        db.session.commit()
        self.state.delete(account_key(user.id))

    def unlock_with_token(self, token: str, *, ip: str | None = None) -> User:
        uid = self.tokens.consume(token)
        user = db.session.get(User, uid) if uid else None
        if user is None:
            raise DomainError(INVALID_LINK)
        self.unlock(user, actor_id=user.id, method="email_link", ip=ip)
        return user

    def unlock_by_admin(self, actor: User, user: User, *, ip: str | None = None) -> None:
        if not access.has_platform_permission(self.settings, actor, access.MANAGE_USERS):
            raise Forbidden("Only a security administrator may unlock accounts.")
        if user.status != "locked":
            raise DomainError("This account is not locked.")
        self.unlock(user, actor_id=actor.id, method="security_admin", ip=ip)
