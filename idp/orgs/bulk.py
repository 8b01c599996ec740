"""Bulk invitations: a pasted list or an uploaded CSV file, one ``email[,role]`` per line.

Every row is parsed and checked before anything is sent; when any row has a problem nothing
is created and each row's problem is returned (``BulkInvalid``). When all rows are valid
each invitation is created and mailed in its own unit of work, in list order, so a row is
never half-done: it is created *and* mailed, or neither. If the mail server fails part-way
the rows before are sent (and stay), the failing row is rolled back, and it and the rows
after it are reported "not sent" so the administrator can send exactly those again (a
re-sent list would otherwise be refused for the rows already invited). One invitation is
one email, so a batch cannot be sent atomically with the mail it promises.
"""

from __future__ import annotations

import csv
import uuid
from dataclasses import dataclass, field

from idp.accounts import fields
from idp.accounts.models import User
from idp.common.clock import Clock
from idp.errors import DomainError
from idp.orgs import access
from idp.orgs.effects import MailUnavailable
from idp.orgs.invitations import check_invitee, invite
from idp.orgs.roles import find_org_role, least_privileged_org_role, org_roles

#: The largest upload or pasted list accepted, in bytes (200 rows of long addresses fit).
MAX_BYTES = 64 * 1024


class BulkInvalid(DomainError):
    """Some rows have problems; nothing was sent. ``rows`` says which and why."""

    code = "invalid_rows"

    def __init__(self, rows: list[BulkRow]):
        bad = sum(1 for r in rows if r.problem)
        super().__init__(
            f"{bad} of {len(rows)} rows have a problem, so no invitation was sent. "
            "Correct them and send the list again."
        )
        self.rows = rows


@dataclass
class BulkRow:
    line: int
    email: str
    role: str
    role_label: str = ""
    problem: str | None = None
    #: ``checked`` (valid, not yet sent), ``sent`` or ``not_sent``.
    outcome: str = "checked"

    def as_line(self) -> str:
        return f"{self.email},{self.role}" if self.role else self.email


@dataclass
class BulkResult:
    rows: list[BulkRow]
    #: Set when the mail server failed part-way: what happened, for the page.
    failure: str | None = None
    batch_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def sent(self) -> list[BulkRow]:
        return [r for r in self.rows if r.outcome == "sent"]

    @property
    def not_sent(self) -> list[BulkRow]:
        return [r for r in self.rows if r.outcome == "not_sent"]


def text_from_upload(data: bytes) -> str:
    """The text of an uploaded CSV file (UTF-8, a byte-order mark allowed)."""
    if len(data) > MAX_BYTES:
        raise DomainError(f"The file is larger than {MAX_BYTES // 1024} KB.", field="file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError("The file is not UTF-8 text (save it as CSV UTF-8).") from None


def _lines(text: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) of each non-blank line, without a leading ``email`` header."""
    out: list[tuple[int, list[str]]] = []
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            cells = next(csv.reader([raw]), [])
        except csv.Error:
            cells = [raw, "", ""]  # reported as a bad line below
        cells = [c.strip() for c in cells]
        if not out and cells and cells[0].casefold() == "email":
            continue
        out.append((number, cells))
    return out


def _check_row(settings, org_id: str, number: int, cells: list[str], now, default) -> BulkRow:
    email_text = cells[0] if cells else ""
    role_text = cells[1] if len(cells) > 1 else ""
    row = BulkRow(number, email_text[:254], role_text[:40])
    if len(cells) > 2 and any(cells[2:]):
        row.problem = "Write one address and at most one role per line: email,role."
        return row
    errors: dict[str, str] = {}
    row.email = fields.check_email(email_text, errors)[:254]
    role = find_org_role(settings, role_text) if role_text else default
    if role is None:
        names = ", ".join(r.label for r in org_roles(settings).values())
        errors.setdefault("role", f"Unknown role {role_text[:40]!r}: use one of {names}.")
    else:
        row.role, row.role_label = role.name, role.label
    if "email" not in errors:
        check_invitee(org_id, row.email, now, errors)
    if errors:
        row.problem = " ".join(errors.values())
    return row


def check_rows(settings, actor: User, org_id: str, text: str, *, clock: Clock) -> list[BulkRow]:
    """Parse and check every row (nothing is created); raises BulkInvalid when any row has a
    problem, DomainError when the list is empty, too large or has too many rows."""
    access.require_org_permission(settings, actor, org_id, access.MANAGE_INVITATIONS)
    if len((text or "").encode()) > MAX_BYTES:
        raise DomainError(f"The list is larger than {MAX_BYTES // 1024} KB.")
    lines = _lines(text or "")
    limit = settings.orgs_bulk_invitation_max_rows
    if not lines:
        raise DomainError("Enter at least one email address, one per line.")
    if len(lines) > limit:
        raise DomainError(
            f"Send at most {limit} invitations at a time; this list has {len(lines)}."
        )
    now, default = clock.now(), least_privileged_org_role(settings)
    rows = [_check_row(settings, org_id, number, cells, now, default) for number, cells in lines]
    first_line: dict[str, int] = {}
    for row in rows:
        if row.problem is None and row.email in first_line:
            row.problem = f"This address is listed twice (also on line {first_line[row.email]})."
        first_line.setdefault(row.email, row.line)
    if any(r.problem for r in rows):
        raise BulkInvalid(rows)
    return rows


def invite_many(
    settings,
    actor: User,
    org_id: str,
    text: str,
    *,
    mailer,
    clock: Clock,
    ip: str | None = None,
) -> BulkResult:
    """Check every row, then create and mail each invitation (see the module's docstring for
    what a mail failure leaves); the result says, per row, whether it was sent."""
    rows = check_rows(settings, actor, org_id, text, clock=clock)
    result = BulkResult(rows)
    for index, row in enumerate(rows):
        try:
            invite(
                settings,
                actor,
                org_id,
                row.email,
                row.role,
                mailer=mailer,
                clock=clock,
                ip=ip,
                via="bulk",
                batch_id=result.batch_id,
            )
        except MailUnavailable:
            for later in rows[index:]:
                later.outcome = "not_sent"
            result.failure = (
                f"The mail server failed at line {row.line}: {len(result.sent)} invitations "
                f"were sent, {len(rows) - index} were not (nothing was saved for them). "
                "Send the rows not sent again shortly."
            )
            break
        row.outcome = "sent"
    return result
