"""Rules for provider organizations: registration, approval, invitations, members, offices.

Services take plain values and collaborators (settings, a mailer, a clock, the session store)
and raise :class:`~idp.web.errors.DomainError` subclasses; they own their unit of work, so a
refused request leaves nothing half-written. Where a change and its email belong together
(registration, invitations) the rows are flushed first, the mail is sent, then the
transaction commits; a mail failure rolls everything back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from idp.accounts import fields
from idp.accounts.fields import FieldErrors
from idp.accounts.models import User
from idp.accounts.passwords import hash_password
from idp.accounts.verification import service as verification
from idp.audit import record
from idp.common.clock import Clock
from idp.common.tokens import random_token, token_hash
from idp.errors import Conflict, Forbidden, Gone, NotFound, Unavailable
from idp.extensions import db
from idp.orgs import store
from idp.orgs.models import Invitation, Membership, Organization
from idp.orgs.roles import Role, get_role, org_roles
from idp.orgs.validation import check_npi, check_postal_code, check_state, check_tin

log = logging.getLogger(__name__)

MANAGE_MEMBERS = "org.members.manage"
MANAGE_INVITATIONS = "org.invitations.manage"
APPROVE_ORGS = "admin.orgs.approve"
ADMIN_ROLE = "office_admin"

DUPLICATE_PRACTICE = (
    "This practice is already registered. Ask its office administrator to invite you."
)

#: Called after commit with (user_id, org_id) when a membership ends or changes role, so
#: other areas can act (the OAuth area refuses that office's refresh tokens).
MEMBERSHIP_CHANGED_HOOKS: list[Callable[[str, str], None]] = []


class MailUnavailable(Unavailable):
    pass


class InvitationGone(Gone):
    pass


def _send(send: Callable[[], None]) -> None:
    """Send mail inside the open transaction; on failure undo the transaction."""
    try:
        send()
    except Exception as exc:
        db.session.rollback()
        log.warning("mail delivery failed: %s", exc)
        raise MailUnavailable(
            "We could not send the email just now, so nothing was saved. Try again shortly."
        ) from exc


def _run_hooks(user_id: str, org_id: str) -> None:
    for hook in MEMBERSHIP_CHANGED_HOOKS:
        try:
            hook(user_id, org_id)
        except Exception:
            log.exception("membership hook failed")


# --- permissions ----------------------------------------------------------------------------


def role_permissions(settings, role_name: str | None) -> frozenset[str]:
    role = get_role(settings, role_name) if role_name else None
    return frozenset(role.permissions) if role else frozenset()


def has_platform_permission(settings, user: User | None, permission: str) -> bool:
    """Granted by the person's platform role (only roles configured ``platform = true``)."""
    if user is None or not user.platform_role:
        return False
    role = get_role(settings, user.platform_role)
    return bool(role and role.platform and permission in role.permissions)


def require_platform_permission(settings, user: User | None, permission: str) -> None:
    if not has_platform_permission(settings, user, permission):
        raise Forbidden("You do not have permission to do this.")


def org_permissions(settings, user: User | None, org_id: str | None) -> frozenset[str]:
    """What ``user`` may do in ``org_id``: from their role there, while the office is approved."""
    if user is None or not org_id:
        return frozenset()
    member = store.membership(user.id, org_id)
    if member is None or member.organization.status != "approved":
        return frozenset()
    return role_permissions(settings, member.role)


def org_scopes(settings, user_id: str, org_id: str | None) -> frozenset[str]:
    """OAuth scopes the person's role in the office grants, while they are still a member
    and the office is approved; empty otherwise. The OAuth area checks this when a refresh
    token is used, so a removed member's tokens for that office stop working then."""
    if not org_id:
        return frozenset()
    member = store.membership(user_id, org_id)
    if member is None or member.organization.status != "approved":
        return frozenset()
    role = get_role(settings, member.role)
    return frozenset(role.scopes) if role else frozenset()


def require_org_permission(settings, user: User | None, org_id: str, permission: str) -> Membership:
    if permission not in org_permissions(settings, user, org_id):
        raise Forbidden("You can manage only an office where you are an administrator.")
    return store.membership(user.id, org_id)


def mfa_required_for(settings, org: Organization, role_name: str) -> bool:
    role = get_role(settings, role_name)
    return bool(org.mfa_required or (role and role.mfa_required))


# --- registration ---------------------------------------------------------------------------


@dataclass
class Registered:
    """What the registrant is told: "check your email at ``email``". ``organization`` and
    ``user`` are None when the address already had an account (nothing was created; its
    owner was emailed instead), so the page never says which addresses have accounts."""

    email: str
    organization: Organization | None = None
    user: User | None = None


def register_practice(
    form: Mapping[str, str], *, settings, mailer, clock: Clock, ip: str | None = None
) -> Registered:
    """Register a practice (pending) with its office administrator (pending email).

    Raises FieldErrors naming each refused field; a TIN + NPI already registered is refused
    under ``practice`` without saying anything about the existing office.
    """
    errors: dict[str, str] = {}
    get = form.get
    legal_name = fields.check_text(
        get("legal_name", ""), errors, "legal_name", "practice's legal name", max_length=200
    )
    tax_id = check_tin(get("tax_id", ""), errors)
    npi = check_npi(get("npi", ""), errors)
    line1 = fields.check_text(
        get("address_line1", ""), errors, "address_line1", "street address", max_length=200
    )
    line2 = fields.check_text(
        get("address_line2", ""),
        errors,
        "address_line2",
        "second address line",
        max_length=200,
        required=False,
    )
    city = fields.check_text(get("city", ""), errors, "city", "city", max_length=100)
    state = check_state(get("state", ""), errors)
    postal_code = check_postal_code(get("postal_code", ""), errors)
    username = fields.check_username(get("username", ""), errors)
    display_name = fields.check_text(
        get("display_name", ""), errors, "display_name", "your full name", max_length=200
    )
    email = fields.check_email(get("email", ""), errors)
    password = fields.check_new_password(
        get("password", ""), get("password_confirm", ""), errors, username=username, email=email
    )
    if "username" not in errors and store.user_by_username(username) is not None:
        errors["username"] = "This username is taken. Choose another."
    email_owner = store.user_by_email(email) if "email" not in errors else None
    if "tax_id" not in errors and "npi" not in errors:
        existing = store.org_by_identifiers(tax_id, npi)
        if existing is not None:
            errors["practice"] = DUPLICATE_PRACTICE
            record(
                "org.registration_refused",
                org_id=existing.id,
                ip=ip,
                reason="duplicate_tin_npi",
                email=email,
            )
            db.session.commit()
    if errors:
        raise FieldErrors(errors)
    if email_owner is not None:
        return _registration_with_known_address(
            email_owner, password, settings=settings, mailer=mailer, ip=ip
        )

    user = User(
        username=username,
        email=email,
        email_verified=False,
        display_name=display_name,
        status="pending_email",
        password_hash=hash_password(password, settings),
        password_changed_at=clock.now(),
    )
    org = Organization(
        legal_name=legal_name,
        tax_id=tax_id,
        npi=npi,
        address_line1=line1,
        address_line2=line2,
        city=city,
        state=state,
        postal_code=postal_code,
        status="pending",
    )
    db.session.add_all([user, org])
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise FieldErrors(
            {"practice": "This practice or account was just registered. " + DUPLICATE_PRACTICE}
        ) from None
    db.session.add(Membership(user_id=user.id, org_id=org.id, role=ADMIN_ROLE))
    token = verification.issue(user, email, "registration", settings=settings, clock=clock)
    record(
        "org.registered",
        actor_id=user.id,
        subject_id=user.id,
        org_id=org.id,
        ip=ip,
        legal_name=legal_name,
        npi=npi,
    )
    db.session.flush()
    _send(lambda: verification.send_registration_link(mailer, settings, user, token))
    db.session.commit()
    return Registered(email, org, user)


def _registration_with_known_address(
    owner: User, password: str, *, settings, mailer, ip: str | None
) -> Registered:
    """Answer as if registered (same page, same Argon2 cost) and tell the address's owner."""
    hash_password(password, settings)
    record("org.registration_refused", subject_id=owner.id, ip=ip, reason="email_in_use")
    db.session.flush()
    _send(lambda: mailer.send(owner.email, *_known_address_message(settings, owner)))
    db.session.commit()
    return Registered(owner.email)


def _known_address_message(settings, owner: User) -> tuple[str, str]:
    base = settings.public_base_url.rstrip("/")
    return (
        "Someone tried to register a practice with your email address",
        f"Hello {owner.display_name or owner.username},\n\n"
        "Someone (perhaps you) tried to register a practice with this email address, which "
        "already belongs to your account, so nothing was registered.\n\n"
        f"To sign in: {base}/login\n"
        f"Forgot your password: {base}/login/forgot-password\n"
        "To join another office, ask its office administrator to invite this address.\n\n"
        "If this was not you, you can ignore this message.\n",
    )


# --- approval -------------------------------------------------------------------------------


def _office_admins(settings, org: Organization) -> list[User]:
    return [
        m.user
        for m in store.members_of_org(org.id)
        if MANAGE_MEMBERS in role_permissions(settings, m.role)
    ]


@dataclass(frozen=True)
class Transition:
    from_status: str
    to_status: str
    reason_required: bool
    event: str
    subject: str
    #: Email body after the greeting; formatted with org, reason and sign_in_url.
    text: str


TRANSITIONS = {
    "approve": Transition(
        "pending",
        "approved",
        False,
        "org.approved",
        "Your practice registration is approved",
        "{org} is approved. You can now sign in and invite your staff:\n\n{sign_in_url}\n",
    ),
    "reject": Transition(
        "pending",
        "rejected",
        True,
        "org.rejected",
        "Your practice registration was not approved",
        "The registration of {org} was not approved.\n\nReason: {reason}\n\nReply to your "
        "health plan's provider services if you have questions.\n",
    ),
    "suspend": Transition(
        "approved",
        "suspended",
        True,
        "org.suspended",
        "Your practice is suspended on the provider portal",
        "{org} is suspended on the provider portal: its staff cannot work for it until it "
        "is reinstated.\n\nReason: {reason}\n",
    ),
    "reinstate": Transition(
        "suspended",
        "approved",
        False,
        "org.reinstated",
        "Your practice is active again on the provider portal",
        "{org} is active again. Staff can sign in as before:\n\n{sign_in_url}\n",
    ),
}


def transition(
    org_id: str,
    actor: User,
    action: str,
    *,
    reason: str = "",
    settings,
    mailer,
    clock: Clock,
    ip: str | None = None,
) -> Organization:
    """Move an organization along its life (approve or reject a registration, suspend or
    reinstate an office), recording who, when and why, and email its administrators."""
    require_platform_permission(settings, actor, APPROVE_ORGS)
    step = TRANSITIONS.get(action)
    if step is None:
        raise NotFound("No such action.")
    errors: dict[str, str] = {}
    reason = fields.check_text(
        reason, errors, "reason", "reason", max_length=2000, required=step.reason_required
    )
    org = store.get_org(org_id)
    if org is None:
        raise NotFound("No such organization.")
    if org.status != step.from_status:
        raise Conflict(
            f"This organization is {org.status}; this action needs a {step.from_status} one."
        )
    if errors:
        raise FieldErrors(errors)
    previous = org.status
    org.status = step.to_status
    org.decided_by_id = actor.id
    org.decided_at = clock.now()
    org.decision_reason = reason or None
    record(
        step.event, actor_id=actor.id, org_id=org.id, ip=ip, reason=reason, previous_status=previous
    )
    db.session.flush()
    body = step.text.format(
        org=org.legal_name, reason=reason, sign_in_url=f"{settings.issuer}/login"
    )
    admins = _office_admins(settings, org)

    def send_all():
        for admin in admins:
            mailer.send(admin.email, step.subject, f"Hello {admin.display_name},\n\n{body}")

    _send(send_all)
    db.session.commit()
    if step.to_status != "approved":
        for member in org.memberships:
            _run_hooks(member.user_id, org.id)
    return org


def decide(
    org_id: str,
    actor: User,
    *,
    approve: bool,
    reason: str = "",
    settings,
    mailer,
    clock: Clock,
    ip: str | None = None,
) -> Organization:
    """Approve or reject a pending registration (a reason is required to reject)."""
    return transition(
        org_id,
        actor,
        "approve" if approve else "reject",
        reason=reason,
        settings=settings,
        mailer=mailer,
        clock=clock,
        ip=ip,
    )


def organizations_for_review(settings, actor: User) -> dict[str, list[Organization]]:
    """Pending registrations, and the approved and suspended offices (security admins)."""
    require_platform_permission(settings, actor, APPROVE_ORGS)
    return {
        status: store.orgs_with_status(status) for status in ("pending", "approved", "suspended")
    }


# --- invitations ----------------------------------------------------------------------------


def invitation_link(settings, token: str) -> str:
    return f"{settings.issuer}/invitations/{token}"


def _send_invitation(mailer, settings, invitation: Invitation, token: str, inviter: User):
    org = invitation.organization
    role = get_role(settings, invitation.role)
    days = settings.orgs_invitation_ttl_days
    mailer.send(
        invitation.email,
        f"You are invited to join {org.legal_name}",
        f"Hello,\n\n{inviter.display_name} invited you to join {org.legal_name} on the "
        f"provider portal as {role.label if role else invitation.role}.\n\n"
        f"Accept the invitation here:\n\n{invitation_link(settings, token)}\n\n"
        f"The link works once and expires in {days} days.\n",
    )


def _check_role(settings, role_name: str, errors: dict[str, str]) -> Role | None:
    role = org_roles(settings).get(role_name or "")
    if role is None:
        errors["role"] = "Choose one of the roles in the list."
    return role


def invite(
    org_id: str,
    actor: User,
    email: str,
    role_name: str,
    *,
    settings,
    mailer,
    clock: Clock,
    ip: str | None = None,
) -> Invitation:
    require_org_permission(settings, actor, org_id, MANAGE_INVITATIONS)
    errors: dict[str, str] = {}
    email = fields.check_email(email, errors)
    _check_role(settings, role_name, errors)
    if "email" not in errors:
        existing = store.user_by_email(email)
        if existing is not None and store.membership(existing.id, org_id) is not None:
            errors["email"] = "This person is already a member of the office."
        elif any(
            i.state(clock.now()) == "pending" for i in store.open_invitations_for(org_id, email)
        ):
            errors["email"] = (
                "This address already has a pending invitation. Re-send it from the list."
            )
    if errors:
        raise FieldErrors(errors)
    now = clock.now()
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
    record(
        "org.invitation.created",
        actor_id=actor.id,
        org_id=org_id,
        ip=ip,
        invitation_id=invitation.id,
        email=email,
        role=role_name,
    )
    db.session.flush()
    _send(lambda: _send_invitation(mailer, settings, invitation, token, actor))
    db.session.commit()
    return invitation


def _managed_invitation(settings, actor: User, org_id: str, invitation_id: str) -> Invitation:
    require_org_permission(settings, actor, org_id, MANAGE_INVITATIONS)
    invitation = store.invitation_in_org(invitation_id, org_id)
    if invitation is None:
        raise NotFound("No such invitation in this office.")
    return invitation


def resend_invitation(
    org_id: str,
    invitation_id: str,
    actor: User,
    *,
    settings,
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
    token = random_token(32)
    invitation.token_hash = token_hash(token)
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=settings.orgs_invitation_ttl_days)
    record(
        "org.invitation.resent",
        actor_id=actor.id,
        org_id=org_id,
        ip=ip,
        invitation_id=invitation.id,
        email=invitation.email,
    )
    db.session.flush()
    _send(lambda: _send_invitation(mailer, settings, invitation, token, actor))
    db.session.commit()
    return invitation


def revoke_invitation(
    org_id: str,
    invitation_id: str,
    actor: User,
    *,
    settings,
    clock: Clock,
    ip: str | None = None,
) -> Invitation:
    invitation = _managed_invitation(settings, actor, org_id, invitation_id)
    if invitation.accepted_at is not None:
        raise Conflict("This invitation was already accepted; remove the member instead.")
    if invitation.revoked_at is None:
        invitation.revoked_at = clock.now()
        record(
            "org.invitation.revoked",
            actor_id=actor.id,
            org_id=org_id,
            ip=ip,
            invitation_id=invitation.id,
            email=invitation.email,
        )
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
    mfa_required: bool
    new_account: bool


def _join(invitation: Invitation, user: User, clock: Clock, ip: str | None) -> Membership:
    if not store.claim_invitation(invitation.id, user.id, clock.now()):
        db.session.rollback()
        raise InvitationGone("This invitation has already been used. Sign in instead.")
    member = Membership(user_id=user.id, org_id=invitation.org_id, role=invitation.role)
    db.session.add(member)
    record(
        "org.invitation.accepted",
        actor_id=user.id,
        subject_id=user.id,
        org_id=invitation.org_id,
        ip=ip,
        invitation_id=invitation.id,
        role=invitation.role,
    )
    record(
        "org.member.added",
        actor_id=user.id,
        subject_id=user.id,
        org_id=invitation.org_id,
        ip=ip,
        role=invitation.role,
    )
    return member


def accept_with_new_account(
    token: str, form: Mapping[str, str], *, settings, clock: Clock, ip: str | None = None
) -> Accepted:
    """Create the invited person's account (the emailed link proves the address) and join."""
    invitation = open_invitation(token, clock=clock)
    if account_for_invitation(invitation) is not None:
        raise Conflict("An account already uses this email address. Sign in to accept.")
    errors: dict[str, str] = {}
    username = fields.check_username(form.get("username", ""), errors)
    display_name = fields.check_text(
        form.get("display_name", ""), errors, "display_name", "your full name", max_length=200
    )
    password = fields.check_new_password(
        form.get("password", ""),
        form.get("password_confirm", ""),
        errors,
        username=username,
        email=invitation.email,
    )
    if "username" not in errors and store.user_by_username(username) is not None:
        errors["username"] = "This username is taken. Choose another."
    if errors:
        raise FieldErrors(errors)
    user = User(
        username=username,
        email=invitation.email,
        email_verified=True,
        display_name=display_name,
        status="active",
        password_hash=hash_password(password, settings),
        password_changed_at=clock.now(),
    )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise FieldErrors({"username": "This username was just taken. Choose another."}) from None
    member = _join(invitation, user, clock, ip)
    record(
        "account.created",
        actor_id=user.id,
        subject_id=user.id,
        org_id=invitation.org_id,
        ip=ip,
        via="invitation",
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("This invitation could not be accepted; try again.") from None
    return Accepted(
        user, member, mfa_required_for(settings, invitation.organization, invitation.role), True
    )


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
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("You are already a member of this office.") from None
    return Accepted(
        user, member, mfa_required_for(settings, invitation.organization, invitation.role), False
    )


# --- members --------------------------------------------------------------------------------


def members(org_id: str, actor: User, *, settings) -> list[Membership]:
    require_org_permission(settings, actor, org_id, MANAGE_MEMBERS)
    return store.members_of_org(org_id)


def invitations(org_id: str, actor: User, *, settings) -> list[Invitation]:
    require_org_permission(settings, actor, org_id, MANAGE_INVITATIONS)
    return store.invitations_of_org(org_id)


def _managed_member(settings, actor: User, org_id: str, membership_id: str) -> Membership:
    require_org_permission(settings, actor, org_id, MANAGE_MEMBERS)
    member = store.membership_in_org(membership_id, org_id)
    if member is None:
        raise NotFound("No such member in this office.")
    return member


def _would_leave_no_admin(settings, org_id: str, member: Membership) -> bool:
    admins = [
        m
        for m in store.members_of_org(org_id)
        if MANAGE_MEMBERS in role_permissions(settings, m.role)
    ]
    return [m.id for m in admins] == [member.id]


def change_role(
    org_id: str,
    membership_id: str,
    actor: User,
    role_name: str,
    *,
    settings,
    ip: str | None = None,
) -> Membership:
    member = _managed_member(settings, actor, org_id, membership_id)
    errors: dict[str, str] = {}
    _check_role(settings, role_name, errors)
    if errors:
        raise FieldErrors(errors)
    if member.role == role_name:
        return member
    if MANAGE_MEMBERS not in role_permissions(settings, role_name) and _would_leave_no_admin(
        settings, org_id, member
    ):
        raise Conflict("An office needs at least one administrator. Promote someone first.")
    old = member.role
    member.role = role_name
    record(
        "org.member.role_changed",
        actor_id=actor.id,
        subject_id=member.user_id,
        org_id=org_id,
        ip=ip,
        old_role=old,
        new_role=role_name,
    )
    db.session.commit()
    _run_hooks(member.user_id, org_id)
    return member


def remove_member(
    org_id: str, membership_id: str, actor: User, *, settings, ip: str | None = None
) -> None:
    member = _managed_member(settings, actor, org_id, membership_id)
    if _would_leave_no_admin(settings, org_id, member):
        raise Conflict("An office needs at least one administrator. Promote someone first.")
    user_id, role = member.user_id, member.role
    db.session.delete(member)
    record(
        "org.member.removed", actor_id=actor.id, subject_id=user_id, org_id=org_id, ip=ip, role=role
    )
    db.session.commit()
    _run_hooks(user_id, org_id)


# --- offices of the signed-in person --------------------------------------------------------


@dataclass
class Office:
    organization: Organization
    membership: Membership
    role: Role | None

    @property
    def role_label(self) -> str:
        return self.role.label if self.role else self.membership.role


def offices_of(settings, user: User) -> list[Office]:
    """Every membership of the user, in the order they were created."""
    return [
        Office(m.organization, m, get_role(settings, m.role))
        for m in store.memberships_of_user(user.id)
    ]


def active_office(settings, user: User, active_org_id: str | None) -> Office | None:
    """The session's office while the person still belongs to it and it is approved; else
    their first approved office (a removed member lands somewhere they still belong)."""
    approved = [o for o in offices_of(settings, user) if o.organization.status == "approved"]
    for office in approved:
        if office.organization.id == active_org_id:
            return office
    return approved[0] if approved else None


def switch_office(
    sessions, session, user: User, org_id: str, *, settings, ip: str | None = None
) -> Organization:
    """Make ``org_id`` the session's active office without a new sign-in.

    The office's own idle timeout applies from now on, and its absolute limit can only
    shorten the session (never extend it).
    """
    member = store.membership(user.id, org_id or "")
    if member is None or member.organization.status != "approved":
        raise Forbidden("You are not a member of that office.")
    org = member.organization
    previous = session.active_org_id
    if previous != org.id:
        idle = org.session_idle_minutes or settings.session_idle_minutes
        absolute = org.session_absolute_minutes or settings.session_absolute_minutes
        session.active_org_id = org.id
        session.idle_seconds = idle * 60
        session.expires_at = min(session.expires_at, session.created_at + absolute * 60)
        sessions.save(session)
        record(
            "org.switched",
            actor_id=user.id,
            subject_id=user.id,
            org_id=org.id,
            ip=ip,
            from_org_id=previous,
            sid_hash=token_hash(session.sid)[:16],
        )
        db.session.commit()
    return org
