"""Reading the audit log: search, one entry, export. The console, the office pages and the
API call these.

Who sees what is ``idp.orgs.access.audit_scope``'s decision: a security admin every office's
entries, an office's administrator that office's only, whatever the filters say (the scope
is applied by ``idp.audit.search``, not by the filters). Reading is itself audited:
``audit.viewed`` (a page of results, or one entry) and ``audit.exported`` (with the format
and the filters), committed before the answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from idp.accounts.fields import FieldErrors
from idp.accounts.models import User
from idp.audit import record
from idp.audit import search as audit_search
from idp.audit.filters import described, parse
from idp.audit.models import AuditEvent
from idp.errors import NotFound
from idp.extensions import db
from idp.orgs import access

from . import store

FORMATS = {"csv": audit_search.export_csv, "jsonl": audit_search.export_jsonl}
PER_PAGE = 50


@dataclass(frozen=True)
class Names:
    """Names of the people and offices that entries name (ids not found are absent)."""

    users: dict[str, str]
    offices: dict[str, str]


@dataclass(frozen=True)
class Listing:
    page: audit_search.Page
    #: The one office the reader is limited to, or None (every office).
    scope: str | None
    names: Names


@dataclass(frozen=True)
class EntryView:
    entry: AuditEvent
    details: dict[str, Any]
    before: Any
    after: Any
    #: Whether the entry's details hold a ``before`` / ``after`` pair.
    changed: bool
    scope: str | None
    names: Names


def _names(entries: list[AuditEvent], scope: str | None) -> Names:
    people = {i for e in entries for i in (e.actor_id, e.subject_id) if i}
    offices = {e.org_id for e in entries if e.org_id} | ({scope} if scope else set())
    return Names(store.user_names(people), store.org_names(offices))


def _viewed(actor: User, scope: str | None, via: str, ip: str | None, **details: Any) -> None:
    record("audit.viewed", actor_id=actor.id, org_id=scope, ip=ip, via=via, **details)
    db.session.commit()


def search(
    settings,
    actor: User,
    args: Mapping[str, str],
    *,
    page: int = 1,
    per_page: int = PER_PAGE,
    office_id: str | None = None,
    own_office: bool = False,
    via: str = "console",
    ip: str | None = None,
) -> Listing:
    """Contract: one page of entries, newest first, filtered by ``args`` (the fields of
    ``idp.audit.filters``; with ``office_id`` given, the page's own office, an ``office``
    field is ignored) within the reader's scope (``access.audit_scope``), with names;
    Forbidden, then FieldErrors for a bad filter. Records ``audit.viewed``."""
    scope = access.audit_scope(settings, actor, office_id, own_office=own_office)
    filters = parse(args, office=office_id is None or own_office)
    found = audit_search.query(filters, page, per_page, office_scope=scope)
    names = _names(found.items, scope)
    _viewed(actor, scope, via, ip, filters=described(filters), page=found.number)
    return Listing(found, scope, names)


def entry(
    settings,
    actor: User,
    entry_id: int,
    *,
    office_id: str | None = None,
    via: str = "console",
    ip: str | None = None,
) -> EntryView:
    """Contract: one entry with its details split out (``before`` / ``after``) and its
    chain position; NotFound when it does not exist or is outside the reader's scope."""
    scope = access.audit_scope(settings, actor, office_id)
    found = db.session.get(AuditEvent, entry_id)
    if found is None or (scope is not None and found.org_id != scope):
        raise NotFound("No such audit entry.")
    try:
        details = json.loads(found.data)
    except ValueError:
        details = {"raw": found.data}
    if not isinstance(details, dict):
        details = {"value": details}
    changed = "before" in details or "after" in details
    before, after = details.pop("before", None), details.pop("after", None)
    names = _names([found], scope)
    _viewed(actor, scope, via, ip, entry=found.id)
    return EntryView(found, details, before, after, changed, scope, names)


def export(
    settings,
    actor: User,
    args: Mapping[str, str],
    fmt: str,
    *,
    office_id: str | None = None,
    own_office: bool = False,
    via: str = "console",
    ip: str | None = None,
    seal: Callable[[], object] | None = None,
) -> Iterator[str]:
    """Contract: the chained entries in the reader's scope as a stream of ``fmt`` (``csv``
    or ``jsonl``) lines, each with its chain proof and ending with the sealed head
    (``idp.audit.search``), filtered and scoped as :func:`search`; Forbidden, then
    FieldErrors for a bad filter or format. Records ``audit.exported`` (committed, then
    chained by ``seal`` with what waits, so the export holds every entry written until now,
    its own among them)."""
    scope = access.audit_scope(settings, actor, office_id, own_office=own_office)
    filters = parse(args, office=office_id is None or own_office)
    writer = FORMATS.get(fmt)
    if writer is None:
        raise FieldErrors({"format": "Choose csv or jsonl."})
    record(
        "audit.exported",
        actor_id=actor.id,
        org_id=scope,
        ip=ip,
        via=via,
        format=fmt,
        filters=described(filters),
    )
    db.session.commit()
    if seal is not None:
        seal()
    return writer(filters, office_scope=scope)
