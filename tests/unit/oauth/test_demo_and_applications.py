"""Demo clients from the seeder, and the dashboard's application list."""

from __future__ import annotations

import pytest

from idp.dashboard.applications import applications_for
from idp.demo.seed import seed_demo
from idp.oauth.clients import client_service
from tests.factories import add_member, make_org, make_user


@pytest.fixture
def settings_overrides():
    """The demo runs on a development install (``idp demo``'s default URL): its web app's
    loopback redirect URI is accepted only there (see idp.oauth.redirect_uris)."""
    return {"public_base_url": "http://127.0.0.1:5000"}


def test_demo_seed_registers_two_clients_and_returns_credentials(app):
    settings = app.config["IDP_SETTINGS"]
    first = seed_demo(settings)
    clients = {c["client_id"]: c for c in first["clients"]}
    web, spa = clients["demo-portal-web"], clients["demo-scheduler-spa"]
    assert web["client_secret"] and web["type"] == "confidential"
    assert spa["type"] == "public" and "client_secret" not in spa
    again = seed_demo(settings)
    assert len(again["clients"]) == 2
    service = client_service(settings, app.config["SECRET_KEY"])
    assert {c.client_id for c in service.all_clients()} == set(clients)
    from idp.oauth.clients import check_secret

    model = service.get("demo-portal-web")
    new_secret = next(c for c in again["clients"] if c["client_id"] == "demo-portal-web")[
        "client_secret"
    ]
    assert check_secret(app.config["SECRET_KEY"], model, new_secret)


def test_applications_follow_first_party_launch_url_and_role(app):
    settings = app.config["IDP_SETTINGS"]
    service = client_service(settings, app.config["SECRET_KEY"])
    service.add(
        name="Claims desk",
        client_id="claims-desk",
        first_party=True,
        redirect_uris=["https://claims.example/cb"],
        launch_url="https://claims.example/",
        scopes=["openid", "claims"],
    )
    service.add(
        name="Directory",
        client_id="directory",
        first_party=True,
        redirect_uris=["https://dir.example/cb"],
        launch_url="https://dir.example/",
    )
    service.add(
        name="Outside",
        client_id="outside",
        redirect_uris=["https://o.example/cb"],
        launch_url="https://o.example/",
    )
    service.add(
        name="Hidden", client_id="hidden", first_party=True, redirect_uris=["https://h.example/cb"]
    )
    org = make_org()
    desk, biller = make_user("d1"), make_user("b1")
    add_member(desk, org, "front_desk")
    add_member(biller, org, "billing")
    assert applications_for(desk, org.id) == [{"name": "Directory", "url": "https://dir.example/"}]
    assert [a["name"] for a in applications_for(biller, org.id)] == ["Claims desk", "Directory"]
    service.set_disabled("directory")
    assert [a["name"] for a in applications_for(biller, org.id)] == ["Claims desk"]


def test_the_demo_apps_are_the_seeded_clients_with_back_channel_logout(app):
    from examples.demo_rp.app import create_app, demos

    settings = app.config["IDP_SETTINGS"]
    seeded = seed_demo(settings)
    service = client_service(settings, app.config["SECRET_KEY"])
    for client in seeded["clients"]:
        port = client["launch_url"].rsplit(":", 1)[1].strip("/")
        assert service.get(client["client_id"]).backchannel_logout_uri == (
            f"http://127.0.0.1:{port}/backchannel-logout"
        )
    eligibility, claims = demos(seeded)
    assert (eligibility.port, eligibility.client_id) == (8001, "demo-portal-web")
    assert eligibility.client_secret  # confidential
    assert (claims.port, claims.client_id, claims.client_secret) == (
        8002,
        "demo-scheduler-spa",
        None,
    )
    # An unverifiable logout token is refused (here the issuer cannot even be reached).
    rp = create_app(eligibility, "http://127.0.0.1:9").test_client()
    assert rp.post("/backchannel-logout", data={"logout_token": "x.y.z"}).status_code == 400
    assert b"You are not signed in" in rp.get("/").data
