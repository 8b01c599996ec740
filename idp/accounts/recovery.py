"""Account recovery: forgot password, forgot username, and the emailed single-use links.

Link tokens carry 256 random bits, are stored only as a SHA-256 in the shared state and are
spent with its atomic ``pop`` (a second use finds nothing, on any instance). Every link is
built from ``public_base_url``, never from the request. Answers never say whether an
address or username exists; the caller shows the same page either way.
"""

from __future__ import annotations

import json
import unicodedata

from idp import audit
from idp.accounts.events import own_action
from idp.accounts.mail_limits import MailLimits
from idp.accounts.models import User
from idp.accounts.password_policy import check_password
from idp.accounts.passwords import hash_password
from idp.accounts.store import with_memberships
from idp.common.clock import Clock
from idp.common.tokens import random_token, token_hash
from idp.errors import DomainError
from idp.extensions import db
from idp.mail.background import send_detached
from idp.security.lockout import Lockout, account_key, identifier_subject
from idp.state.base import SharedState

INVALID_LINK = "This link is not valid any more. Ask for a new one."


def normalise_identifier(value: str) -> str:
    """NFKC, trimmed, lower-case; empty when it holds control characters (such as NUL, which
    PostgreSQL refuses), since no username or address can."""
    text = unicodedata.normalize("NFKC", value or "").strip().lower()
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        return ""
    return text


def find_user(identifier: str) -> User | None:
    """By username or email address (both stored lower-case)."""
    ident = normalise_identifier(identifier)
    if not ident:
        return None
    found = db.session.execute(
        db.select(User)
        .where((User.username == ident) | (User.email == ident))
        .options(*with_memberships())
    )
    return found.unique().scalar()


class LinkTokens:
    """Single-use emailed tokens of one kind ("reset", "unlock"), with an expiry."""

    def __init__(self, state: SharedState, kind: str, clock: Clock | None = None):
        self.state = state
        self.kind = kind
        self.clock = clock or Clock()

    def _key(self, token: str) -> str:
        return f"link:{self.kind}:{token_hash(token)}"

    def issue(self, user_id: str, seconds: int) -> str:
        token = random_token(32)
        value = json.dumps({"uid": user_id, "exp": self.clock.time() + seconds})
        self.state.set(self._key(token), value, seconds + 60)
        return token

    def _valid(self, raw: str | None) -> str | None:
        if raw is None:
            return None
        data = json.loads(raw)
        return data["uid"] if data["exp"] > self.clock.time() else None

    def peek(self, token: str) -> str | None:
        """The user id of a live token, without spending it."""
        if not token or len(token) > 200:
            return None
        return self._valid(self.state.get(self._key(token)))

    def consume(self, token: str) -> str | None:
        """Spend the token: of concurrent callers only one gets the user id."""
        if not token or len(token) > 200:
            return None
        return self._valid(self.state.pop(self._key(token)))


class LinkMailer:
    """Base of the services that mail an account's owner single-use links
    (``LinkTokens`` of ``link_kind``), built from ``public_base_url``."""

    link_kind: str

    def __init__(self, settings, state: SharedState, mailer, clock: Clock | None = None):
        self.settings = settings
        self.state = state
        self.mailer = mailer
        self.clock = clock or Clock()
        self.tokens = LinkTokens(state, self.link_kind, self.clock)

    def link(self, path: str) -> str:
        return self.settings.public_base_url.rstrip("/") + path

    def mail_owner(self, user: User, template: str, **values: object) -> None:
        """Mail the account's owner, addressed by name, in the background: the page's answer
        must look the same (and come as fast) whether or not the mail server is slow or down."""
        name = user.shown_name
        send_detached(self.mailer, user.email, template, name=name, **values)


class RecoveryService(LinkMailer):
    link_kind = "reset"

    def __init__(
        self,
        settings,
        state: SharedState,
        mailer,
        clock: Clock | None = None,
        lockout: Lockout | None = None,
    ):
        super().__init__(settings, state, mailer, clock)
        self.mail_limits = MailLimits(state, settings)
        self.lockout = lockout

    @property
    def reset_tokens(self) -> LinkTokens:
        return self.tokens

    def _limited(self, kind: str, user: User, ip: str | None) -> bool:
        """Past the recipient's or account's mail limit: send nothing (the page is the same)."""
        if self.mail_limits.allow(kind, recipient=user.email, account_id=user.id, ip=ip):
            return False
        db.session.commit()
        return True

    def forgot_password(self, identifier: str, *, ip: str | None = None) -> None:
        """Mail a reset link when the username or address is known; silent otherwise."""
        user = find_user(identifier)
        if user is None or user.status == "disabled":
            return
        if self._limited("password_reset", user, ip):
            return
        minutes = self.settings.auth_reset_token_minutes
        token = self.tokens.issue(user.id, minutes * 60)
        audit.record("password.reset_requested", subject_id=user.id, ip=ip)
        db.session.commit()
        link = self.link("/login/reset-password/" + token)
        self.mail_owner(user, "password_reset", username=user.username, minutes=minutes, link=link)

    def reset_user(self, token: str) -> User | None:
        uid = self.tokens.peek(token)
        return db.session.get(User, uid) if uid else None

    def reset_password(
        self, token: str, password: str, confirm: str, *, ip: str | None = None
    ) -> User:
        user = self.reset_user(token)
        if user is None:
            raise DomainError(INVALID_LINK)
        if password != confirm:
            raise DomainError("The two passwords differ.", field="confirm")
        problems = check_password(password, username=user.username, email=user.email)
        if problems:
            raise DomainError(" ".join(problems), field="password")
        if self.tokens.consume(token) != user.id:
            raise DomainError(INVALID_LINK)
        user.password_hash = hash_password(password, self.settings)
        # Moving this on ends every refresh-token family begun before (checked at refresh);
        # the grants are revoked below as well, so that their access tokens stop too.
        user.password_changed_at = self.clock.now()
        own_action("password.reset", user, ip=ip)
        if user.status == "locked":
            user.status = "active"
            own_action("account.unlocked", user, ip=ip, method="password_reset")
            self.state.delete(account_key(user.id))
        if self.lockout is not None:
            # Whoever reset the password holds the mailbox: lift this account's
            # "too many attempts" locks for every browser and address.
            names = [user.username, user.email]
            self.lockout.clear_subjects(
                [identifier_subject(normalise_identifier(n)) for n in names if n] + [user.id]
            )
        db.session.commit()
        from idp.login.current import run_sign_out_hooks
        from idp.login.ending import SessionEnder
        from idp.login.sessions import SessionStore
        from idp.oauth.grants import revoke_grants_of

        revoke_grants_of(user.id, reason="password_reset")
        # Every session ends, and each is signed out everywhere (back-channel logout).
        SessionEnder(SessionStore(self.state), run_sign_out_hooks).end_all(user.id)
        return user

    def forgot_username(self, email: str, *, ip: str | None = None) -> None:
        """Mail the username to the address on file; silent when the address is unknown."""
        address = normalise_identifier(email)
        user = db.session.scalar(db.select(User).where(User.email == address)) if address else None
        if user is None or user.status == "disabled":
            return
        if self._limited("username_reminder", user, ip):
            return
        audit.record("username.reminder_sent", subject_id=user.id, ip=ip)
        db.session.commit()
        sign_in = self.link("/login")
        self.mail_owner(user, "username_reminder", username=user.username, sign_in_link=sign_in)
