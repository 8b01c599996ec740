"""The organizations' forms: what was typed, checked field by field, as plain values.

Each parser returns the cleaned values with the errors of the fields that were refused as
typed; the service adds what only the database can tell (a username taken, a practice
already registered) and raises :class:`~idp.accounts.fields.FieldErrors` with all of them,
so the page names every problem at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from idp.accounts import fields
from idp.orgs.validation import check_npi, check_postal_code, check_state, check_tin


@dataclass(frozen=True)
class PracticeForm:
    """A practice and its office administrator, as registered on ``/register``."""

    legal_name: str
    tax_id: str
    npi: str
    address_line1: str
    address_line2: str
    city: str
    state: str
    postal_code: str
    username: str
    display_name: str
    email: str
    password: str
    errors: Mapping[str, str] = field(default_factory=dict)


def practice_form(form: Mapping[str, str]) -> PracticeForm:
    errors: dict[str, str] = {}
    get = form.get

    def text(name: str, label: str, max_length: int, required: bool = True) -> str:
        return fields.check_text(
            get(name, ""), errors, name, label, max_length=max_length, required=required
        )

    values = {
        "legal_name": text("legal_name", "practice's legal name", 200),
        "tax_id": check_tin(get("tax_id", ""), errors),
        "npi": check_npi(get("npi", ""), errors),
        "address_line1": text("address_line1", "street address", 200),
        "address_line2": text("address_line2", "second address line", 200, required=False),
        "city": text("city", "city", 100),
        "state": check_state(get("state", ""), errors),
        "postal_code": check_postal_code(get("postal_code", ""), errors),
        "username": fields.check_username(get("username", ""), errors),
        "display_name": text("display_name", "full name", 200),
        "email": fields.check_email(get("email", ""), errors),
    }
    password = fields.check_new_password(
        get("password", ""),
        get("password_confirm", ""),
        errors,
        username=values["username"],
        email=values["email"],
    )
    return PracticeForm(**values, password=password, errors=errors)


@dataclass(frozen=True)
class NewAccountForm:
    """The account an invited person creates while accepting (the address is invited)."""

    username: str
    display_name: str
    password: str
    errors: Mapping[str, str] = field(default_factory=dict)


def new_account_form(form: Mapping[str, str], *, email: str) -> NewAccountForm:
    errors: dict[str, str] = {}
    username = fields.check_username(form.get("username", ""), errors)
    display_name = fields.check_text(
        form.get("display_name", ""), errors, "display_name", "full name", max_length=200
    )
    password = fields.check_new_password(
        form.get("password", ""),
        form.get("password_confirm", ""),
        errors,
        username=username,
        email=email,
    )
    return NewAccountForm(username, display_name, password, errors)
