"""Registration and invitation forms: the password rules up front, every error at once,
the focus on the first one, each error tied to its field."""

from __future__ import annotations

import re

from tests.http.orgs.helpers import post_form, registration


def test_the_password_rules_are_shown_before_any_error(client):
    page = client.get("/register").get_data(as_text=True)
    assert '<span class="meta hint" id="password-hint">At least 12 characters.' in page
    assert 'aria-describedby="password-hint"' in page
    assert "autofocus" not in page


def test_every_error_is_reported_at_once_and_the_first_gets_the_focus(client):
    form = registration(1, npi="1234567890", password_confirm="something else entirely")
    page = post_form(client, "/register", form).get_data(as_text=True)
    errors = re.findall(r'<p class="field-error" id="([\w]+)-error">', page)
    assert errors == ["npi", "password_confirm"]
    focused = re.findall(r'<input id="(\w+)"[^>]*autofocus', page)
    assert focused == ["npi"]
    npi = re.search(r'<input id="npi"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in npi and 'aria-describedby="npi-hint npi-error"' in npi
    confirm = re.search(r'<input id="password_confirm"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in confirm
    assert 'aria-describedby="password_confirm-error"' in confirm


def test_a_weak_password_and_a_mismatch_are_told_together(client):
    form = registration(1, password="short", password_confirm="other")
    page = post_form(client, "/register", form).get_data(as_text=True)
    errors = re.findall(r'<p class="field-error" id="([\w]+)-error">', page)
    assert errors == ["password", "password_confirm"]
