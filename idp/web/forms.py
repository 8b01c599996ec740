"""A refused form, answered the one way every page answers it: the same page again with
400, each field's problem, and what the person typed (never a password)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import render_template, request

from idp.accounts.fields import FieldErrors


def typed(names: Iterable[str]) -> dict[str, str]:
    """What the person typed in these fields, to show again on a refused form."""
    return {name: request.form.get(name, "") for name in names}


def refused(template: str, exc: FieldErrors, names: Iterable[str] = (), **context):
    """``template`` again with 400, the fields' problems and what was typed in ``names``."""
    return render_template(template, values=typed(names), errors=exc.errors, **context), 400
