"""Passkeys in Debian's Chromium, with a DevTools virtual authenticator (CDP ``WebAuthn``).

One person registers a passkey on the two-step verification page, signs in with it as the
second factor after the password, then passwordless from the sign-in page, and an
OpenID Connect client receives an ID token whose ``amr``/``acr`` show it.

WebAuthn refuses IP addresses as RP IDs, so this idp is served as ``http://localhost``
(a secure context for the browser).
"""

from __future__ import annotations

import threading

import pytest
import requests
from playwright.sync_api import expect
from werkzeug.serving import make_server

from idp.oauth.clients import client_service
from tests.e2e.test_sso_relying_parties import RelyingParty, claims
from tests.factories import PASSWORD, add_member, make_org, make_user
from tests.support.live_server import LiveServer
from tests.support.mailcatcher import free_port

pytestmark = pytest.mark.slow

REDIRECT = "https://claims.rp.test/cb"


class LocalhostServer(LiveServer):
    def __init__(self, make_app):  # noqa: D107 - same as LiveServer, on the name localhost
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        self.app = make_app(public_base_url=self.url)
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def live(app, make_app):
    server = LocalhostServer(make_app).start()
    yield server
    server.stop()


@pytest.fixture
def authenticator(page):
    """A platform authenticator that keeps discoverable credentials and verifies the user."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


#: The virtual authenticator answers a conditional (autofill) request at once, where a person
#: would pick the passkey from the username field's suggestions; a flag in localStorage
#: turns autofill off for the steps that sign in another way.
NO_AUTOFILL = """
if (localStorage.getItem("no-autofill") && window.PublicKeyCredential) {
  PublicKeyCredential.isConditionalMediationAvailable = async () => false;
}
"""


def autofill(page, live, enabled: bool):
    page.goto(live.url + "/healthz")
    key = "'no-autofill'"
    script = f"on => on ? localStorage.removeItem({key}) : localStorage.setItem({key}, 1)"
    page.evaluate(script, enabled)


def sign_in_with_password(page, live, username):
    page.goto(live.url + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")


def test_register_then_second_factor_then_passwordless_and_an_id_token(live, page, authenticator):
    user = make_user("pat", display_name="Pat Passkey")
    add_member(user, make_org(), "front_desk")
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.set_default_timeout(10_000)
    page.add_init_script(NO_AUTOFILL)
    cdp, authenticator_id = authenticator

    # Register from the two-step verification page (a fresh password sign-in).
    sign_in_with_password(page, live, "pat")
    page.wait_for_url(live.url + "/")
    page.goto(live.url + "/mfa")
    page.fill("#passkey-name", "Front desk PC")
    page.click("#passkey-add")
    expect(page.locator("h1")).to_have_text("Your recovery codes")
    page.click("text=Continue")
    page.goto(live.url + "/mfa")
    expect(page.locator("table.passkeys")).to_contain_text("Front desk PC")
    (credential,) = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})[
        "credentials"
    ]
    assert credential["isResidentCredential"] and credential["rpId"] == "localhost"

    # The second factor after the password.
    page.context.clear_cookies()
    autofill(page, live, False)
    sign_in_with_password(page, live, "pat")
    page.wait_for_url("**/login/verify")
    page.click("#passkey-verify")
    page.wait_for_url(live.url + "/")
    expect(page.locator("body")).to_contain_text("Welcome, Pat Passkey")

    # Passwordless from the username field's autofill (conditional mediation).
    page.context.clear_cookies()
    autofill(page, live, True)
    page.goto(live.url + "/login")
    page.wait_for_url(live.url + "/")
    expect(page.locator("body")).to_contain_text("Welcome, Pat Passkey")

    # Passwordless with the button, for an OpenID Connect client: the ID token says how.
    secret = (
        client_service(live.app.config["IDP_SETTINGS"], live.app.config["SECRET_KEY"])
        .add(name="claims-web", client_id="claims-web", redirect_uris=[REDIRECT], first_party=True)
        .secret
    )
    page.context.clear_cookies()
    autofill(page, live, False)
    rp = RelyingParty(live, "claims-web", secret, REDIRECT)
    start = rp.start(requests.Session())
    page.goto(start.request.url)
    page.wait_for_url("**/login?**")
    expect(page.locator("#password")).to_be_visible()  # the password form is still there

    def to_client(response) -> bool:
        return response.status == 302 and response.headers.get("location", "").startswith(REDIRECT)

    # The client's host does not exist: catch the idp's redirect to it.
    with page.expect_response(to_client) as redirected:
        page.click("#passkey-sign-in")
    location = redirected.value.headers["location"]
    id_token = claims(live, rp.finish(location)["id_token"])
    assert id_token["sub"] == user.id
    assert id_token["amr"] == ["hwk", "user", "mfa"]
    assert id_token["acr"] == "urn:idp:acr:phr"
    assert not [p for p in problems if "Content Security Policy" in p], problems
