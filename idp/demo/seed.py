"""Demo data: one approved practice, its staff, a security admin, and demo relying clients.

Idempotent: running it twice leaves one copy. Returns what it created (with passwords and
client secrets in the clear) so the CLI can write it to a JSON file for people and harnesses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from idp.accounts.models import User
from idp.accounts.passwords import hash_password
from idp.common.clock import utcnow
from idp.extensions import db
from idp.orgs.models import Membership, Organization

DEMO_PASSWORD = "demo-portal-password-2026"  # noqa: S105 - published demo credential

DEMO_ORGS = [
    {
        "legal_name": "Riverside Family Practice LLC",
        "tax_id": "123456789",
        "npi": "1234567893",
        "address_line1": "100 River Road",
        "city": "Springfield",
        "state": "IL",
        "postal_code": "62701",
    },
    {
        "legal_name": "Lakeside Billing Services Inc",
        "tax_id": "987654321",
        "npi": "1245319599",
        "address_line1": "5 Lake Street",
        "city": "Springfield",
        "state": "IL",
        "postal_code": "62702",
    },
]

DEMO_USERS = [
    # username, display name, platform role, [(org index, role)]
    ("secadmin", "Sam Security", "security_admin", []),
    ("office.admin", "Olivia Office", None, [(0, "office_admin")]),
    ("front.desk", "Frank Desk", None, [(0, "front_desk")]),
    ("billing.pat", "Pat Billing", None, [(0, "billing"), (1, "office_admin")]),
    ("dr.chen", "Dr. Mei Chen", None, [(0, "clinician")]),
]

#: Extra seeders registered by other areas (e.g. OAuth demo clients):
#: ``fn(settings) -> dict`` merged into the result.
EXTRA_SEEDERS: list[Callable[[Any], dict[str, Any]]] = []


def seed_demo(settings) -> dict[str, Any]:
    orgs = []
    for data in DEMO_ORGS:
        org = db.session.scalar(
            db.select(Organization).where(
                Organization.tax_id == data["tax_id"], Organization.npi == data["npi"]
            )
        )
        if org is None:
            org = Organization(status="approved", decided_at=utcnow(), **data)
            db.session.add(org)
        orgs.append(org)
    db.session.flush()

    users = []
    for username, name, platform_role, memberships in DEMO_USERS:
        email = f"{username.replace('.', '-')}@demo.example"
        user = db.session.scalar(db.select(User).where(User.username == username))
        if user is None:
            user = User(
                username=username,
                email=email,
                email_verified=True,
                display_name=name,
                status="active",
                platform_role=platform_role,
                password_hash=hash_password(DEMO_PASSWORD, settings),
                password_changed_at=utcnow(),
            )
            db.session.add(user)
            db.session.flush()
        for index, role in memberships:
            org = orgs[index]
            exists = db.session.scalar(
                db.select(Membership).where(
                    Membership.user_id == user.id, Membership.org_id == org.id
                )
            )
            if exists is None:
                db.session.add(Membership(user_id=user.id, org_id=org.id, role=role))
        users.append(
            {
                "username": username,
                "email": email,
                "password": DEMO_PASSWORD,
                "display_name": name,
                "platform_role": platform_role,
                "memberships": [
                    {"org": orgs[i].legal_name, "org_id": orgs[i].id, "role": role}
                    for i, role in memberships
                ],
            }
        )
    db.session.commit()
    result: dict[str, Any] = {
        "issuer": settings.issuer,
        "organizations": [{"id": o.id, "legal_name": o.legal_name, "npi": o.npi} for o in orgs],
        "users": users,
        "clients": [],
    }
    for seeder in EXTRA_SEEDERS:
        for key, value in seeder(settings).items():
            if isinstance(value, list):
                result.setdefault(key, []).extend(value)
            else:
                result[key] = value
    return result


def _oauth_demo_clients(settings) -> dict[str, Any]:
    from idp.oauth.demo import seed_demo_clients

    return seed_demo_clients(settings)


EXTRA_SEEDERS.append(_oauth_demo_clients)
