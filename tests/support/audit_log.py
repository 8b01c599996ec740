"""Audit entries for the audit-log pages and API: a few events of two offices, chained and
sealed as the sealer leaves them, and the reading of a streamed export."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from flask import current_app

from idp.audit.chain import app_key, seal
from idp.audit.models import AuditEvent
from idp.audit.service import record
from idp.extensions import db

#: A value a spreadsheet would run as a formula (OWASP CSV injection).
FORMULA = '=HYPERLINK("http://evil.example","x")'


@dataclass
class Seeded:
    mine: list[str]
    theirs: list[str]


def seed(org, other_org, actor, subject) -> Seeded:
    """Entries of ``org`` (a login failure with a formula for a user agent, a role change
    with before/after), of ``other_org``, and one of no office; chained and sealed."""
    record(
        "login.failed",
        subject_id=subject.id,
        org_id=org.id,
        ip="203.0.113.9",
        user_agent=FORMULA,
        reason="bad_password",
    )
    record(
        "org.member.role_changed",
        actor_id=actor.id,
        subject_id=subject.id,
        org_id=org.id,
        ip="203.0.113.10",
        before={"role": "front_desk"},
        after={"role": "billing"},
    )
    record("login.succeeded", subject_id=subject.id, org_id=other_org.id, ip="198.51.100.1")
    record("oauth.token.issued", client_id="claims-batch", grant_type="client_credentials")
    db.session.commit()
    seal(app_key(current_app))
    return Seeded(["org.member.role_changed", "login.failed"], ["login.succeeded"])


def events_of(client_response_json) -> list[str]:
    return [item["event"] for item in client_response_json["items"]]


def entries(event: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.event == event).order_by(AuditEvent.id)
        )
    )


def last_data(event: str) -> dict:
    return json.loads(entries(event)[-1].data)


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line]
