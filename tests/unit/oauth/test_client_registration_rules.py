"""Registration rules beyond redirect URIs (those: test_redirect_uri_rules.py). A public
client cannot be registered, or changed, to do without PKCE (RFC 9700 §2.1.1: public clients
MUST use it); a confidential one may opt out. No client id in the form of a person's id
(RFC 9700 §4.15). The service decides, so the CLI, the console and the API answer alike (the
API's answer checked here)."""

from __future__ import annotations

import pytest

from idp.errors import DomainError
from idp.extensions import db
from idp.oauth.clients import client_service
from idp.oauth.models import OAuthClient
from tests.api.support import API, admin_client, bearer, people

REDIRECT = ["https://spa.example/cb"]


def _service(app):
    return client_service(app.config["IDP_SETTINGS"], app.config["SECRET_KEY"])


def _count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(OAuthClient))


def test_a_public_client_without_pkce_is_refused(app):
    with pytest.raises(DomainError) as refused:
        _service(app).add(
            name="SPA", auth_method="none", redirect_uris=REDIRECT, require_pkce=False
        )
    assert refused.value.message == "PKCE is required for public clients"
    assert _count() == 0


def test_an_update_cannot_take_pkce_from_a_public_client(app):
    service = _service(app)
    client_id = service.add(name="SPA", auth_method="none", redirect_uris=REDIRECT).client.client_id
    with pytest.raises(DomainError, match="PKCE is required"):
        service.update(client_id, require_pkce=False)
    db.session.expire_all()
    assert service.get(client_id).require_pkce is True


def test_a_confidential_client_may_do_without(app):
    registered = _service(app).add(name="Web", redirect_uris=REDIRECT, require_pkce=False)
    assert registered.client.require_pkce is False


def test_the_api_refuses_it_with_a_problem(app, client):
    people()
    auth = bearer(admin_client(client))
    refused = client.post(
        f"{API}/clients",
        json={
            "client_id": "spa",
            "name": "SPA",
            "token_endpoint_auth_method": "none",
            "redirect_uris": REDIRECT,
            "require_pkce": False,
        },
        headers=auth,
    )
    assert refused.status_code == 400, refused.get_json()
    assert refused.mimetype == "application/problem+json"
    assert "PKCE is required" in refused.get_data(as_text=True)
    assert db.session.get(OAuthClient, "spa") is None


def test_a_client_id_cannot_take_the_form_of_a_persons_id(app):
    """RFC 9700 §4.15: a service's token carries its client id as ``sub``; one shaped like
    a person's id could be read downstream as that person's."""
    from tests.factories import make_user

    person = make_user("dana")
    for client_id in (person.id, person.id.upper(), "0f8fad5b-d9cb-469f-a165-70867728950e"):
        with pytest.raises(DomainError, match="form of a person's id"):
            _service(app).add(
                name="Svc", client_id=client_id, grant_types=["client_credentials"], scopes=[]
            )
    assert _count() == 0
    named = _service(app).add(
        name="Svc", client_id="eligibility-svc-2", grant_types=["client_credentials"], scopes=[]
    )
    assert named.client.client_id == "eligibility-svc-2"
