"""JSON representations of what the services return (what GET answers; ETags hash them)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime

from idp.api import schemas
from idp.audit.chain import iso


def _when(value: datetime | date | None) -> str | None:
    return value.isoformat() if value else None


def fields(source, schema: dict, **given) -> dict:
    """The properties ``schema`` names, from ``given`` or else ``source``'s attributes of the
    same name; dates as ISO 8601. The schema (:mod:`idp.api.schemas`) is the one list of a
    body's fields."""
    out = {}
    for name in schema:
        value = given[name] if name in given else getattr(source, name)
        out[name] = _when(value) if isinstance(value, date) else value
    return out


def _attributes(source, names: str) -> dict:
    return {name: getattr(source, name) for name in names.split()}


def org_brief(org) -> dict:
    return fields(org, schemas.ORG)


def reviewed(item) -> dict:
    return {
        **org_brief(item.org),
        "duplicate_tin": item.duplicate_tin,
        "duplicate_npi": item.duplicate_npi,
        "duplicates": [org_brief(o) for o in item.duplicates],
    }


def org_details(d) -> dict:
    org = d.reviewed.org
    return {
        **reviewed(d.reviewed),
        "decision_reason": org.decision_reason or "",
        "decided_by": d.decided_by.username if d.decided_by else None,
        "members": [asdict(m) for m in d.members],
    }


def user_brief(user) -> dict:
    return fields(user, schemas.USER)


def user_details(d) -> dict:
    return {
        **user_brief(d.user),
        "email_verified": d.user.email_verified,
        "mfa": {"totp": d.totp, "recovery_codes_left": d.recovery_codes_left},
        "memberships": [asdict(m) for m in d.memberships],
    }


def session(s) -> dict:
    view = s.session
    return {
        "id": view.public_id,
        "device": view.device,
        "ip": view.ip,
        "office_id": view.office_id,
        "office_name": s.office_name,
        "mfa": view.mfa,
        "signed_in_at": _when(view.signed_in_at),
        "last_seen_at": _when(view.last_seen),
    }


def client(c) -> dict:
    return c.to_dict()


def key(k) -> dict:
    return {name: _when(v) if isinstance(v, datetime) else v for name, v in asdict(k).items()}


def member(row) -> dict:
    m, person = row.membership, row.user
    given = {
        **_attributes(m, "id org_id role status access_ends_on"),
        **_attributes(person, "username display_name email"),
        "user_id": person.id,
        "role_label": row.role.label if row.role else m.role,
    }
    return fields(row, schemas.MEMBER, **given)


def invitation(inv, now: datetime) -> dict:
    return fields(inv, schemas.INVITATION, state=inv.state(now))


def bulk_row(row) -> dict:
    return fields(row, schemas.BULK_ROW)


def audit_entry(entry, names) -> dict:
    """One audit entry with its chain position and the names of whom it names."""
    try:
        data = json.loads(entry.data)
    except ValueError:
        data = {"raw": entry.data}
    users, offices = names.users, names.offices
    return fields(
        entry,
        schemas.AUDIT_ENTRY,
        at=iso(entry.at),
        actor_name=users.get(entry.actor_id) if entry.actor_id else None,
        subject_name=users.get(entry.subject_id) if entry.subject_id else None,
        office_name=offices.get(entry.org_id) if entry.org_id else None,
        data=data if isinstance(data, dict) else {"value": data},
    )
