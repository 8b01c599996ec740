"""JSON representations of what the services return (what GET answers; ETags hash them)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime


def _when(value: datetime | date | None) -> str | None:
    return value.isoformat() if value else None


def org_brief(org) -> dict:
    return {
        "id": org.id,
        "legal_name": org.legal_name,
        "tax_id": org.tax_id,
        "npi": org.npi,
        "status": org.status,
        "created_at": _when(org.created_at),
    }


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
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "status": user.status,
        "platform_role": user.platform_role,
        "last_sign_in_at": _when(user.last_sign_in_at),
    }


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
    m = row.membership
    return {
        "id": m.id,
        "org_id": m.org_id,
        "user_id": row.user.id,
        "username": row.user.username,
        "display_name": row.user.display_name,
        "email": row.user.email,
        "role": m.role,
        "role_label": row.role.label if row.role else m.role,
        "status": m.status,
        "state": row.state,
        "access_ends_on": _when(m.access_ends_on),
        "last_sign_in_at": _when(row.last_sign_in_at),
        "has_mfa": row.has_mfa,
        "may_reset_mfa": row.may_reset_mfa,
    }


def invitation(inv, now: datetime) -> dict:
    return {
        "id": inv.id,
        "email": inv.email,
        "role": inv.role,
        "state": inv.state(now),
        "sent_at": _when(inv.sent_at),
        "expires_at": _when(inv.expires_at),
    }


def bulk_row(row) -> dict:
    return {
        "line": row.line,
        "email": row.email,
        "role": row.role,
        "outcome": row.outcome,
        "problem": row.problem,
    }


def audit_entry(entry, names) -> dict:
    """One audit entry with its chain position and the names of whom it names."""
    import json

    from idp.audit.chain import iso

    try:
        data = json.loads(entry.data)
    except ValueError:
        data = {"raw": entry.data}
    return {
        "id": entry.id,
        "seq": entry.seq,
        "at": iso(entry.at),
        "event": entry.event,
        "outcome": entry.outcome,
        "actor_id": entry.actor_id,
        "actor_name": names.users.get(entry.actor_id) if entry.actor_id else None,
        "subject_id": entry.subject_id,
        "subject_name": names.users.get(entry.subject_id) if entry.subject_id else None,
        "org_id": entry.org_id,
        "office_name": names.offices.get(entry.org_id) if entry.org_id else None,
        "client_id": entry.client_id,
        "ip": entry.ip,
        "user_agent": entry.user_agent,
        "request_id": entry.request_id,
        "data": data if isinstance(data, dict) else {"value": data},
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }
