"""Every way a session ends tells its relying parties (back-channel logout, real receiver)."""

import pytest

from idp.login.current import store
from idp.oauth.clients import client_service
from idp.oauth.context import minter
from tests.factories import make_user
from tests.support.auth import login_as
from tests.support.gateway_stack import BackChannelReceiver

NEW_PASSWORD = "purple elephant marmalade 77"


@pytest.fixture
def receiver(app):
    with BackChannelReceiver() as rp:
        client_service(app.config["IDP_SETTINGS"], app.config["SECRET_KEY"]).add(
            name="Claims tool",
            client_id="claims-tool",
            redirect_uris=["https://claims.rp.test/cb"],
            first_party=True,
            backchannel_logout_uri=rp.url,
        )
        yield rp


def session_with_client(client, user):
    session = login_as(client, user)
    session.clients = ["claims-tool"]
    store().save(session)
    return session


def test_password_reset_signs_the_user_out_of_every_tool(app, client, clock, mail, receiver):
    user = make_user("ben")
    desk = session_with_client(app.test_client(), user)
    laptop = session_with_client(app.test_client(), user)
    client.post("/login/forgot-password", data={"identifier": "ben"})
    path = mail.last_link(user.email, "/reset-password/").removeprefix("http://idp.test")
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    sids = {minter().verify(token)["sid"] for token in receiver.tokens}
    assert sids == {desk.public_id, laptop.public_id}


def test_ending_a_session_on_the_account_page_tells_its_tools(app, client, clock, receiver):
    user = make_user("cy", password=None)
    session_with_client(client, user)
    phone = session_with_client(app.test_client(), user)
    response = client.post(f"/account/sessions/{phone.public_id}/end")
    assert response.status_code == 302
    assert [minter().verify(t)["sid"] for t in receiver.tokens] == [phone.public_id]


def test_another_user_signing_in_on_the_same_browser_signs_the_first_out(
    app, client, clock, receiver
):
    first = make_user("di", password=None)
    make_user("ed")
    earlier = session_with_client(client, first)
    page = client.get("/login?reauth=1")
    assert page.status_code == 200
    client.post("/login", data={"username": "ed", "password": "correct horse battery staple"})
    assert [minter().verify(t)["sid"] for t in receiver.tokens] == [earlier.public_id]
