"""The console's own queries (search, counts, duplicate registrations); no rules here."""

from __future__ import annotations

import unicodedata

from sqlalchemy import func, or_

from idp.accounts.models import User
from idp.extensions import db
from idp.orgs.models import Membership, Organization

MAX_QUERY = 200


def clean_query(text: str | None) -> str:
    """NFKC, trimmed, at most 200 characters, control characters (NUL) dropped."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cc")
    return text.strip()[:MAX_QUERY]


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_users(
    text: str, *, status: str | None = None, offset: int, limit: int
) -> tuple[list[User], int]:
    """Users whose name, username, email, office name or office NPI matches ``text`` (all
    users when empty), optionally with ``status``, by username; returns (one page, total)."""
    ids = db.select(User.id)
    if status:
        ids = ids.where(User.status == status)
    if text:
        pattern = _like(text.lower())
        ids = (
            ids.outerjoin(Membership, Membership.user_id == User.id)
            .outerjoin(Organization, Organization.id == Membership.org_id)
            .where(
                or_(
                    func.lower(User.display_name).like(pattern, escape="\\"),
                    User.username.like(pattern, escape="\\"),
                    User.email.like(pattern, escape="\\"),
                    func.lower(Organization.legal_name).like(pattern, escape="\\"),
                    Organization.npi == text,
                )
            )
        )
    ids = ids.distinct().subquery()
    total = db.session.scalar(db.select(func.count()).select_from(ids)) or 0
    page = db.select(User).where(User.id.in_(db.select(ids.c.id))).order_by(User.username)
    return list(db.session.scalars(page.offset(offset).limit(limit))), total


def count_users(status: str) -> int:
    return db.session.scalar(db.select(func.count(User.id)).where(User.status == status)) or 0


def count_orgs(status: str) -> int:
    query = db.select(func.count(Organization.id)).where(Organization.status == status)
    return db.session.scalar(query) or 0


def orgs_sharing_identifiers(orgs: list[Organization]) -> dict[str, list[Organization]]:
    """For each org, the *other* organizations (any status) with its TIN or its NPI."""
    if not orgs:
        return {}
    tins = {o.tax_id for o in orgs}
    npis = {o.npi for o in orgs}
    candidates = list(
        db.session.scalars(
            db.select(Organization)
            .where(or_(Organization.tax_id.in_(tins), Organization.npi.in_(npis)))
            .order_by(Organization.created_at)
        )
    )
    return {
        org.id: [
            other
            for other in candidates
            if other.id != org.id and (other.tax_id == org.tax_id or other.npi == org.npi)
        ]
        for org in orgs
    }


def user_names(ids: set[str]) -> dict[str, str]:
    """Display name (else username) of each of these users that exists, in one query."""
    if not ids:
        return {}
    rows = db.session.execute(
        db.select(User.id, User.display_name, User.username).where(User.id.in_(ids))
    )
    return {row.id: row.display_name or row.username for row in rows}


def org_names(ids: set[str]) -> dict[str, str]:
    """Legal name of each of these organizations that exists, in one query."""
    if not ids:
        return {}
    rows = db.session.execute(
        db.select(Organization.id, Organization.legal_name).where(Organization.id.in_(ids))
    )
    return {row.id: row.legal_name for row in rows}
