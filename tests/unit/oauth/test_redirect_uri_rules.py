"""Which redirect URIs a client may register (RFC 9700 §2.1, §4.1; RFC 8252 §7-8), through the
service and through ``idp clients add``: the same rules on every path that creates a client."""

from __future__ import annotations

import pytest

from idp.errors import DomainError
from idp.extensions import db
from idp.oauth.cli import cli as clients_cli
from idp.oauth.clients import ClientService, client_service, known_scopes
from idp.oauth.models import OAuthClient
from idp.oauth.redirect_uris import is_registered, local_install

CONFIDENTIAL = "client_secret_basic"
PUBLIC = "none"

ACCEPTED = [
    (CONFIDENTIAL, "https://rp.example/cb"),
    (CONFIDENTIAL, "https://rp.example:8443/cb?tenant=a"),
    (CONFIDENTIAL, "https://internal_host.example/cb"),
    (PUBLIC, "http://127.0.0.1/cb"),
    (PUBLIC, "http://127.0.0.1:51004/oauth2redirect"),
    (PUBLIC, "http://[::1]:61023/cb"),
    (PUBLIC, "https://spa.example/cb"),
    (PUBLIC, "com.example.app:/oauth2redirect/example-provider"),
]

REFUSED = [
    # A web app on loopback only on a development install (see the test below).
    (CONFIDENTIAL, "http://127.0.0.1:8001/callback", "only for public (native) clients"),
    (CONFIDENTIAL, "http://[::1]:8001/callback", "only for public (native) clients"),
    (CONFIDENTIAL, "http://app.test/cb", "plain http is allowed only on loopback"),
    (PUBLIC, "http://rp.example/cb", "plain http is allowed only on loopback"),
    (PUBLIC, "http://localhost:8080/cb", "instead of localhost"),
    (CONFIDENTIAL, "https://*.evil.example/cb", "wildcards are not allowed"),
    (CONFIDENTIAL, "https://rp*.example/cb", "wildcards are not allowed"),
    (CONFIDENTIAL, "https://*/cb", "wildcards are not allowed"),
    (CONFIDENTIAL, "https://rp.example/cb#frag", "must not have a fragment"),
    (CONFIDENTIAL, "https://rp.example/cb#", "must not have a fragment"),
    (CONFIDENTIAL, "https://a@rp.example/cb", "user-info"),
    (CONFIDENTIAL, "https://user:pw@rp.example/cb", "user-info"),
    (CONFIDENTIAL, "https://rp.example\\@evil.example/cb", "user-info"),
    (CONFIDENTIAL, "https://evil.example\\.rp.example/cb", "not a valid host"),
    (CONFIDENTIAL, "https://rp%2eexample/cb", "not a valid host"),
    (CONFIDENTIAL, "https://rpé.example/cb", "only ascii"),
    (CONFIDENTIAL, "https://rp.example/c\x01b", "control characters"),
    (CONFIDENTIAL, "https:///cb", "has no host"),
    (CONFIDENTIAL, "https://:443/cb", "has no host"),
    (CONFIDENTIAL, "https://rp.example:99999/cb", "not a valid uri"),
    (CONFIDENTIAL, "com.example.app:/cb", "not an absolute https"),  # native apps only
    (PUBLIC, "com.example.app://cb", "not an absolute https"),
    (PUBLIC, "javascript:alert(1)", "not an absolute https"),
    (PUBLIC, "data:text/html,x", "not an absolute https"),
    (CONFIDENTIAL, "ftp://rp.example/cb", "not an absolute https"),
    (CONFIDENTIAL, "/relative/cb", "not an absolute https"),
]


def _add(app, auth: str, uri: str, **extra):
    service = client_service(app.config["IDP_SETTINGS"], app.config["SECRET_KEY"])
    return service.add(name="App", auth_method=auth, redirect_uris=[uri], **extra)


@pytest.mark.parametrize(("auth", "uri"), ACCEPTED, ids=repr)
def test_the_service_accepts(app, auth, uri):
    assert _add(app, auth, uri).client.redirect_uris == [uri]


@pytest.mark.parametrize(("auth", "uri", "message"), REFUSED, ids=repr)
def test_the_service_refuses(app, auth, uri, message):
    with pytest.raises(DomainError) as refused:
        _add(app, auth, uri)
    assert message in refused.value.message.lower()
    assert db.session.scalar(db.select(db.func.count()).select_from(OAuthClient)) == 0


@pytest.mark.parametrize(("auth", "uri", "message"), REFUSED, ids=repr)
def test_post_logout_redirect_uris_follow_the_same_rules(app, auth, uri, message):
    with pytest.raises(DomainError) as refused:
        _add(app, auth, "https://rp.example/cb", post_logout_redirect_uris=[uri])
    assert message in refused.value.message.lower()


@pytest.mark.parametrize(("auth", "uri", "message"), REFUSED, ids=repr)
def test_an_update_cannot_bring_them_in(app, auth, uri, message):
    client_id = _add(app, auth, "https://rp.example/cb").client.client_id
    service = client_service(app.config["IDP_SETTINGS"], app.config["SECRET_KEY"])
    with pytest.raises(DomainError) as refused:
        service.update(client_id, redirect_uris=[uri])
    assert message in refused.value.message.lower()
    db.session.expire_all()
    assert service.get(client_id).redirect_uris == ["https://rp.example/cb"]


@pytest.mark.parametrize(("auth", "uri"), ACCEPTED, ids=repr)
def test_idp_clients_add_accepts(app, auth, uri):
    result = app.test_cli_runner().invoke(
        clients_cli, ["add", "App", "--auth", auth, "--redirect-uri", uri]
    )
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("auth", "uri", "message"), REFUSED, ids=repr)
def test_idp_clients_add_refuses_with_one_line(app, auth, uri, message):
    result = app.test_cli_runner().invoke(
        clients_cli, ["add", "App", "--auth", auth, "--redirect-uri", uri]
    )
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert message in lines[0].lower()
    assert db.session.scalar(db.select(db.func.count()).select_from(OAuthClient)) == 0


def test_back_channel_and_launch_urls_may_be_plain_http_but_never_tricky(app):
    ok = _add(
        app,
        CONFIDENTIAL,
        "https://rp.example/cb",
        backchannel_logout_uri="http://rp.internal:8080/logout",
        launch_url="http://rp.internal:8080/",
    )
    assert ok.client.backchannel_logout_uri == "http://rp.internal:8080/logout"
    for bad in ("http://a@rp.internal/logout", "http://*.internal/logout", "http://x/#f"):
        with pytest.raises(DomainError):
            _add(app, CONFIDENTIAL, "https://rp.example/cb", backchannel_logout_uri=bad)


def test_a_development_install_takes_loopback_web_apps_such_as_the_demo(app):
    """With the idp itself on http://127.0.0.1 nothing crosses a network (RFC 9700 §2.6 is
    about unencrypted network connections): the demo's confidential web app registers."""
    assert local_install("http://127.0.0.1:5000") and local_install("http://localhost:5000")
    assert not local_install("https://127.0.0.1") and not local_install("http://idp.test")
    service = ClientService("pepper", known_scopes(app.config["IDP_SETTINGS"]), local=True)
    added = service.add(name="Portal", redirect_uris=["http://127.0.0.1:8001/callback"])
    assert added.client.redirect_uris == ["http://127.0.0.1:8001/callback"]
    for uri, message in [
        ("http://portal.test/callback", "only on loopback"),
        ("http://localhost:8001/cb", "instead of localhost"),
        ("com.example.app:/cb", "not an absolute https"),
    ]:
        with pytest.raises(DomainError, match=message):
            service.add(name="Portal", redirect_uris=[uri])


def test_the_demo_seed_registers_on_a_development_install(make_app):
    from idp.oauth.demo import seed_demo_clients

    demo = make_app(public_base_url="http://127.0.0.1:5000")
    with demo.app_context():
        seeded = seed_demo_clients(demo.config["IDP_SETTINGS"])
    assert {c["client_id"] for c in seeded["clients"]} == {"demo-portal-web", "demo-scheduler-spa"}


NATIVE = ["http://127.0.0.1/callback", "http://[::1]:8400/cb?app=1", "com.example.app:/cb"]


@pytest.mark.parametrize(
    "requested",
    [
        "http://127.0.0.1/callback",
        "http://127.0.0.1:53127/callback",
        "http://127.0.0.1:1/callback",
        "http://127.0.0.1:65535/callback",
        "http://[::1]/cb?app=1",
        "http://[::1]:8400/cb?app=1",
        "http://[::1]:61000/cb?app=1",
        "com.example.app:/cb",
    ],
)
def test_a_native_app_may_name_any_loopback_port(requested):
    """RFC 8252 §7.3, RFC 9700 §2.1: the port of a loopback redirect is the app's to pick."""
    assert is_registered(requested, NATIVE, native=True)


@pytest.mark.parametrize(
    "requested",
    [
        "http://127.0.0.1:53127/callback/",
        "http://127.0.0.1:53127/Callback",
        "http://127.0.0.1:53127/callback?x=1",
        "http://127.0.0.1:53127/callback#f",
        "http://127.0.0.1:053127/callback",
        "http://127.0.0.1:0/callback",
        "http://127.0.0.1:65536/callback",
        "http://127.0.0.1:/callback",
        "http://127.0.0.1:80x/callback",
        "http://user@127.0.0.1:5000/callback",
        "http://127.0.0.2:5000/callback",
        "http://localhost:5000/callback",
        "http://[::1]:5000/callback",
        "http://127.0.0.1:5000/cb?app=1",
        "https://127.0.0.1:5000/callback",
        "HTTP://127.0.0.1:5000/callback",
        "http://[::1]:61000/cb?app=2",
        "http://[::1]:61000/cb",
        "com.example.app:/cb/",
    ],
)
def test_everything_but_the_port_still_matches_exactly(requested):
    assert not is_registered(requested, NATIVE, native=True)


def test_a_confidential_clients_loopback_port_is_exact():
    """A web app on loopback (a development install) is told apart by its port."""
    registered = ["http://127.0.0.1:8001/callback"]
    assert is_registered("http://127.0.0.1:8001/callback", registered, native=False)
    assert not is_registered("http://127.0.0.1:8002/callback", registered, native=False)
    assert not is_registered("http://127.0.0.1/callback", registered, native=False)
