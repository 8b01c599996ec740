"""What the sign-in page tells people: who runs it, where to register, which application
they continue to, and (only if asked) their username on this browser."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from idp.config import ConfigError, load_settings
from idp.oauth.clients import client_service
from tests.factories import PASSWORD, make_user
from tests.support.signin import post_login


def test_the_page_names_the_organization_its_host_and_what_it_never_asks(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Provider Portal" in page and "<strong>idp.test</strong>" in page
    assert "We will never ask for your password" in page
    assert 'href="/register"' in page and "Register your practice" in page


def test_branding_comes_from_the_settings(make_app):
    app = make_app(branding_organization_name="Sunrise Health Plan", branding_never_ask="")
    with app.app_context():
        page = app.test_client().get("/login").get_data(as_text=True)
    assert "Sunrise Health Plan" in page and "never-ask" not in page


@pytest.mark.parametrize(
    "name,value",
    [
        ("branding_organization_name", ""),
        ("branding_organization_name", "x" * 101),
        ("branding_never_ask", "two\nlines"),
        ("branding_registration_contact", " "),
    ],
)
def test_branding_settings_are_validated(name, value):
    with pytest.raises(ConfigError) as raised:
        load_settings({name: value}, environ={})
    assert name.upper() in str(raised.value)


def test_an_oauth_sign_in_names_the_application_from_its_registration(app, client, clock):
    service = client_service(app.config["IDP_SETTINGS"], app.config["SECRET_KEY"])
    service.add(
        name="Billing portal",
        client_id="billing",
        auth_method="none",
        redirect_uris=["https://billing.example/cb"],
    )
    query = urlencode({"client_id": "billing", "response_type": "code", "scope": "openid"})
    login = "/login?" + urlencode({"next": "/oauth/authorize?" + query, "reauth": "1"})
    page = client.get(login).get_data(as_text=True)
    assert "Sign in to continue to Billing portal" in page and "Sign in again" not in page
    unknown = "/login?" + urlencode({"next": "/oauth/authorize?client_id=nope", "reauth": "1"})
    page = client.get(unknown).get_data(as_text=True)
    assert "Sign in again" in page and "continue to" not in page


def test_the_username_is_remembered_only_when_asked(client, clock):
    make_user("rita")
    assert post_login(client, "rita", PASSWORD).status_code == 302
    assert client.get_cookie("idp_remember_username", path="/login") is None
    client.post("/logout")
    page = client.get("/login").get_data(as_text=True)
    assert 'value="rita"' not in page and 'name="remember" value="1">' in page
    assert post_login(client, "rita", PASSWORD, remember="1").status_code == 302
    cookie = client.get_cookie("idp_remember_username", path="/login")
    assert cookie.value == "rita" and cookie.http_only
    client.post("/logout")
    page = client.get("/login").get_data(as_text=True)
    assert 'value="rita"' in page and 'name="remember" value="1" checked>' in page
    # signing in without the box ticked forgets it
    assert post_login(client, "rita", PASSWORD).status_code == 302
    assert client.get_cookie("idp_remember_username", path="/login") is None
