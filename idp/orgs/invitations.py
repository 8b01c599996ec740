"""Invitations to join an office: sent by its administrators, accepted once by the person
who owns the invited address, with a new account or the one they have."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy.exc import IntegrityError

from idp.accounts import fields
from idp.accounts.events import own_action
from idp.accounts.fields import FieldErrors
from idp.accounts.models import User
from idp.accounts.signup import check_username_free, password_account
from idp.audit import record
from idp.common.clock import Clock
from idp.common.tokens import random_token, token_hash
from idp.errors import Conflict, Forbidden, Gone, NotFound
from idp.extensions import db
from idp.orgs import access, store
from idp.orgs.effects import send_or_undo
from idp.orgs.forms import NewAccountForm
from idp.orgs.models import Invitation, Membership, Organization
from idp.orgs.roles import check_org_role, get_role


class InvitationGone(Gone):
    pass


def invitation_link(settings, token: str) -> str:
    return f"{settings.issuer}/invitations/{token}"


def _send_invitation(mailer, settings, invitation: Invitation, token: str, inviter: User):
    role = get_role(settings, invitation.role)
    mailer.send_template(
        invitation.email,
        "org_invitation",
        inviter=inviter.shown_name,
        org=invitation.organization.legal_name,
        role=role.label if role else invitation.role,
        link=invitation_link(settings, token),
        days=settings.orgs_invitation_ttl_days,
    )


def _event(event: str, actor: User, invitation: Invitation, ip: str | None, **data) -> None:
    """Record what an administrator did to an invitation; the caller commits."""
    record(
        event,
        actor_id=actor.id,
        org_id=invitation.org_id,
        ip=ip,
        invitation_id=invitation.id,
        email=invitation.email,
        **data,
    )


def invitations_of(settings, actor: User, org_id: str) -> list[Invitation]:
    """The office's invitations, newest first, for an administrator of it."""
    access.require_org_permission(settings, actor, org_id, access.MANAGE_INVITATIONS)
    return store.invitations_of_org(org_id)


def office_for_invitations(settings, actor: User, org_id: str) -> Organization:
    """The office, for an administrator who may invite to it (403 otherwise)."""
    return access.office(settings, actor, org_id, access.MANAGE_INVITATIONS)


def check_invitee(org_id: str, email: str, now: datetime, errors: dict[str, str]) -> None:
    """Refuse an address already in the office or with an invitation still pending."""
    existing = store.user_by_email(email)
    if existing is not None and store.membership(existing.id, org_id) is not None:
        errors["email"] = "This person is already a member of the office."
    elif any(i.state(now) == "pending" for i in store.open_invitations_for(org_id, email)):
        errors["email"] = "This address already has a pending invitation. Re-send it from the list."


def invite(
    settings,
    actor: User,
    org_id: str,
    email: str,
    role_name: str,
    *,
    mailer,
    clock: Clock,
    ip: str | None = None,
    **details,
) -> Invitation:
    """Invite one address to the office with a role, by email: checked, then created and
    mailed in one unit of work (a mail failure rolls the invitation back, MailUnavailable),
    so it is either created and sent or neither. ``details`` go into the audit entry."""
    access.require_org_permission(settings, actor, org_id, access.MANAGE_INVITATIONS)
    errors: dict[str, str] = {}
    email = fields.check_email(email, errors)
    check_org_role(settings, role_name, errors)
    now = clock.now()
    if "email" not in errors:
        check_invitee(org_id, email, now, errors)
    if errors:
        raise FieldErrors(errors)
    token = random_token(32)
    invitation = Invitation(
        org_id=org_id,
        email=email,
        role=role_name,
        token_hash=token_hash(token),
        invited_by_id=actor.id,
        created_at=now,
        sent_at=now,
        expires_at=now + timedelta(days=settings.orgs_invitation_ttl_days),
    )
    db.session.add(invitation)
    db.session.flush()
    _event(
        "org.invitation.created",
        actor,
        invitation,
        ip,
        role=role_name,
        before=None,
        after={"email": email, "role": role_name, "state": "pending"},
        **details,
    )
    db.session.flush()
    send_or_undo(lambda: _send_invitation(mailer, settings, invitation, token, actor))
    db.session.commit()
    return invitation


def _managed_invitation(settings, actor: User, org_id: str, invitation_id: str) -> Invitation:
    find = partial(store.invitation_in_org, invitation_id, org_id)
    return access.office_record(
        settings, actor, org_id, access.MANAGE_INVITATIONS, find, "invitation"
    )


def get_invitation(settings, actor: User, org_id: str, invitation_id: str) -> Invitation:
    """One invitation of the office, for an administrator of it (for a confirmation page)."""
    return _managed_invitation(settings, actor, org_id, invitation_id)


def resend_invitation(
    settings,
    actor: User,
    org_id: str,
    invitation_id: str,
    *,
    mailer,
    clock: Clock,
    ip: str | None = None,
) -> Invitation:
    """A new link (the previous one stops working) and a new expiry."""
    invitation = _managed_invitation(settings, actor, org_id, invitation_id)
    state = invitation.state(clock.now())
    if state in ("accepted", "revoked"):
        raise Conflict(f"This invitation was {state}; send a new one instead.")
    now = clock.now()
    before = {"state": state, "expires_at": invitation.expires_at.isoformat()}
    token = random_token(32)
    invitation.token_hash = token_hash(token)
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=settings.orgs_invitation_ttl_days)
    after = {"state": "pending", "expires_at": invitation.expires_at.isoformat()}
    _event("org.invitation.resent", actor, invitation, ip, before=before, after=after)
    db.session.flush()
    send_or_undo(lambda: _send_invitation(mailer, settings, invitation, token, actor))
    db.session.commit()
    return invitation


def revoke_invitation(
    settings,
    actor: User,
    org_id: str,
    invitation_id: str,
    *,
    clock: Clock,
    ip: str | None = None,
) -> Invitation:
    """Withdraw an invitation: its link stops working for good."""
    invitation = _managed_invitation(settings, actor, org_id, invitation_id)
    if invitation.accepted_at is not None:
        raise Conflict("This invitation was already accepted; remove the member instead.")
    if invitation.revoked_at is None:
        before = {"state": invitation.state(clock.now())}
        invitation.revoked_at = clock.now()
        after = {"state": "revoked"}
        _event("org.invitation.revoked", actor, invitation, ip, before=before, after=after)
        db.session.commit()
    return invitation


def open_invitation(token: str, *, clock: Clock) -> Invitation:
    """The invitation behind a link, while it can still be accepted."""
    invitation = store.invitation_by_token_hash(token_hash(token or ""))
    if invitation is None:
        raise NotFound(
            "This invitation link is not valid. It may have been replaced by a newer one; "
            "check your email or ask your office administrator."
        )
    state = invitation.state(clock.now())
    if state == "accepted":
        raise InvitationGone("This invitation has already been used. Sign in instead.")
    if state == "revoked":
        raise InvitationGone("This invitation was withdrawn by the office administrator.")
    if state == "expired":
        raise InvitationGone(
            "This invitation has expired. Ask your office administrator to send it again."
        )
    if invitation.organization.status != "approved":
        raise InvitationGone("This office is not active on the portal.")
    return invitation


def account_for_invitation(invitation: Invitation) -> User | None:
    return store.user_by_email(invitation.email)


@dataclass
class Accepted:
    user: User
    membership: Membership
    #: The new role (or the office) makes a second factor mandatory.
    mfa_required: bool
    new_account: bool


def _join(invitation: Invitation, user: User, clock: Clock, ip: str | None) -> Membership:
    if not store.claim_invitation(invitation.id, user.id, clock.now()):
        db.session.rollback()
        raise InvitationGone("This invitation has already been used. Sign in instead.")
    member = Membership(user_id=user.id, org_id=invitation.org_id, role=invitation.role)
    db.session.add(member)
    own_action(
        "org.invitation.accepted",
        user,
        org_id=invitation.org_id,
        ip=ip,
        invitation_id=invitation.id,
        role=invitation.role,
    )
    own_action("org.member.added", user, org_id=invitation.org_id, ip=ip, role=invitation.role)
    return member


def _accepted(settings, invitation: Invitation, user: User, member: Membership, new: bool):
    required = access.mfa_required_for_role(settings, invitation.organization, invitation.role)
    return Accepted(user, member, required, new)


def accept_with_new_account(
    token: str, form: NewAccountForm, *, settings, clock: Clock, ip: str | None = None
) -> Accepted:
    """Create the invited person's account (the emailed link proves the address) and join.

    ``form`` is parsed against the invited address (``forms.new_account_form``)."""
    invitation = open_invitation(token, clock=clock)
    if account_for_invitation(invitation) is not None:
        raise Conflict("An account already uses this email address. Sign in to accept.")
    errors = dict(form.errors)
    check_username_free(form.username, errors)
    if errors:
        raise FieldErrors(errors)
    user = password_account(
        form, invitation.email, email_verified=True, settings=settings, now=clock.now()
    )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise FieldErrors({"username": "This username was just taken. Choose another."}) from None
    member = _join(invitation, user, clock, ip)
    own_action("account.created", user, org_id=invitation.org_id, ip=ip, via="invitation")
    _commit_or_conflict("This invitation could not be accepted; try again.")
    return _accepted(settings, invitation, user, member, True)


def accept_as_existing_user(
    token: str, user: User, *, settings, clock: Clock, ip: str | None = None
) -> Accepted:
    """The signed-in owner of the invited address joins the office."""
    invitation = open_invitation(token, clock=clock)
    if user.email != invitation.email:
        raise Forbidden(
            "This invitation was sent to a different email address. Sign out and sign in "
            "as the invited person."
        )
    if store.membership(user.id, invitation.org_id) is not None:
        raise Conflict("You are already a member of this office.")
    member = _join(invitation, user, clock, ip)
    _commit_or_conflict("You are already a member of this office.")
    return _accepted(settings, invitation, user, member, False)


def _commit_or_conflict(message: str) -> None:
    """Commit the acceptance; a concurrent one that won (the same membership) is a Conflict."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(message) from None
