"""idp.admin.clients without HTTP: over ClientService, with permission and before/after."""

from __future__ import annotations

import json

import pytest

from idp.admin import clients
from idp.admin.clients import ClientSettings
from idp.audit.service import events
from idp.errors import DomainError, Forbidden
from idp.oauth.clients import check_secret, client_service


@pytest.fixture
def registry(app, settings):
    return client_service(settings, app.config["SECRET_KEY"])


def _values(**overrides) -> ClientSettings:
    base = {
        "name": "Unit app",
        "redirect_uris": ["https://unit.example/cb"],
        "scopes": ["openid", "profile"],
    }
    return ClientSettings(**{**base, **overrides})


def test_create_update_rotate_disable(app, settings, sec, registry):
    made = clients.create_client(settings, sec, _values(), client_id="unit-app", registry=registry)
    assert made.secret and check_secret(app.config["SECRET_KEY"], made.client, made.secret)
    clients.update_client(
        settings, sec, "unit-app", ClientSettings(first_party=True), registry=registry
    )
    data = json.loads(events("admin.client.updated")[-1].data)
    assert data["before"]["first_party"] is False and data["after"]["first_party"] is True
    # Only the given fields change.
    assert registry.get("unit-app").redirect_uris == ["https://unit.example/cb"]
    rotated = clients.rotate_secret(settings, sec, "unit-app", registry=registry)
    assert rotated.secret != made.secret
    clients.set_disabled(settings, sec, "unit-app", True, registry=registry)
    assert registry.get("unit-app").disabled
    assert [e.event for e in events() if e.event.startswith("admin.client.")] == [
        "admin.client.created",
        "admin.client.updated",
        "admin.client.secret_rotated",
        "admin.client.disabled",
    ]


def test_registry_rules_come_through_as_domain_errors(settings, sec, registry):
    with pytest.raises(DomainError):
        clients.create_client(settings, sec, _values(redirect_uris=["ftp://x"]), registry=registry)
    with pytest.raises(DomainError):
        clients.create_client(settings, sec, _values(name=None), registry=registry)
    made = clients.create_client(
        settings, sec, _values(), client_id="pub", auth_method="none", registry=registry
    )
    assert made.secret is None
    with pytest.raises(DomainError):
        clients.rotate_secret(settings, sec, "pub", registry=registry)
    assert registry.all_clients() == [made.client]


def test_office_people_may_not(settings, office, registry):
    _, boss, _ = office
    with pytest.raises(Forbidden):
        clients.create_client(settings, boss, _values(), registry=registry)
    with pytest.raises(Forbidden):
        clients.list_clients(settings, boss, registry=registry)
    assert registry.all_clients() == []
