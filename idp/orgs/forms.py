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
        get("display_name", ""), errors, "display_name", "full name", max_length=200
    )
    email = fields.check_email(get("email", ""), errors)
    password = fields.check_new_password(
        get("password", ""), get("password_confirm", ""), errors, username=username, email=email
    )
    return PracticeForm(
        legal_name=legal_name,
        tax_id=tax_id,
        npi=npi,
        address_line1=line1,
        address_line2=line2,
        city=city,
        state=state,
        postal_code=postal_code,
        username=username,
        display_name=display_name,
        email=email,
        password=password,
        errors=errors,
    )


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
