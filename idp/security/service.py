"""Locking and unlocking whole accounts (the per-account ceiling), with emailed unlock links."""

from __future__ import annotations

from idp import audit
from idp.accounts.models import User
from idp.accounts.recovery import INVALID_LINK, LinkTokens, send_detached
from idp.common.clock import Clock
from idp.errors import DomainError, Forbidden
from idp.extensions import db
from idp.orgs.roles import roles
from idp.security.lockout import account_key
from idp.state.base import SharedState


class AccountLocks:
    def __init__(self, settings, state: SharedState, mailer, clock: Clock | None = None):
        self.settings = settings
        self.state = state
        self.mailer = mailer
        self.clock = clock or Clock()
        self.tokens = LinkTokens(state, "unlock", self.clock)

    def lock(self, user: User, *, reason: str, ip: str | None = None) -> None:
        """Lock the account and mail its owner an unlock link."""
        if user.status != "active":
            return
        user.status = "locked"
        audit.record("account.locked", subject_id=user.id, ip=ip, reason=reason)
        db.session.commit()
        hours = self.settings.auth_unlock_token_hours
        token = self.tokens.issue(user.id, hours * 3600)
        link = self.settings.public_base_url.rstrip("/") + "/login/unlock/" + token
        # In the background: this runs inside a failed sign-in, whose answer must look like
        # every other failure even when the mail server is slow or down.
        send_detached(
            self.mailer,
            user.email,
            "Your account was locked",
            f"Hello {user.display_name or user.username},\n\n"
            "Your account was locked after too many failed sign-in attempts. If they were "
            "yours, unlock it with this link (valid "
            f"{hours} hours):\n\n{link}\n\n"
            "If they were not yours, someone may be guessing your password: unlock the "
            "account, then choose a new password. A browser you signed in with before can "
            "still sign in meanwhile.\n",
        )

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
        role = roles(self.settings).get(actor.platform_role or "")
        if role is None or "admin.users.manage" not in role.permissions:
            raise Forbidden("Only a security administrator may unlock accounts.")
        if user.status != "locked":
            raise DomainError("This account is not locked.")
        self.unlock(user, actor_id=actor.id, method="security_admin", ip=ip)
