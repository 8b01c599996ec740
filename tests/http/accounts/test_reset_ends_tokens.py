"""A password reset through the pages ends the user's SSO sessions and refresh tokens
(live server, real SMTP, CSRF on)."""

import re

import requests

from tests.http.oauth.conftest import clients, live  # noqa: F401  (fixtures)
from tests.http.oauth.test_grants import full_login, refresh, setup  # noqa: F401

NEW_PASSWORD = "turquoise bicycle lantern 9"


def csrf(response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)


def test_password_reset_ends_sessions_and_refresh_tokens(live, setup, mail):  # noqa: F811
    tokens = full_login(live, setup)
    assert setup["browser"].get(live.url + "/", allow_redirects=False).status_code == 200

    person = requests.Session()
    page = person.get(live.url + "/login/forgot-password")
    person.post(
        live.url + "/login/forgot-password", data={"identifier": "bob", "csrf_token": csrf(page)}
    )
    link = mail.last_link(setup["user"].email, "/login/reset-password/")
    assert link.startswith(live.url + "/login/reset-password/")
    page = person.get(link)
    done = person.post(
        link,
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": csrf(page)},
        allow_redirects=False,
    )
    assert done.status_code == 302

    refused = refresh(live, setup, tokens["refresh_token"])
    assert refused.status_code == 400 and "password" in refused.json()["error_description"]
    response = setup["browser"].get(live.url + "/", allow_redirects=False)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
