"""OAuth clients in the console: create (secret once), edit, rotate, disable / enable."""

from __future__ import annotations

import json
import re

from idp.audit.service import events
from idp.extensions import db
from idp.oauth.clients import check_secret
from idp.oauth.models import OAuthClient
from tests.http.admin.support import cast, post, stale
from tests.http.orgs.helpers import make_person
from tests.support.auth import login_as

SECRET_RE = re.compile(r'id="client-secret">(idpcs_[^<]+)<')
FORM = {
    "name": "Claims portal",
    "client_id": "claims-web",
    "auth_method": "client_secret_basic",
    "grant_types": ["authorization_code", "refresh_token"],
    "redirect_uris": "https://claims.example/callback\nhttps://claims.example/cb2",
    "post_logout_redirect_uris": "https://claims.example/",
    "scopes": ["openid", "profile", "claims"],
    "default_audience": "https://claims.example/api https://elig.example/api",
    "first_party": "on",
    "require_pkce": "on",
    "id_token_alg": "ES256",
}


def _client(client_id="claims-web"):
    db.session.expire_all()
    return db.session.get(OAuthClient, client_id)


def _pepper(app):
    return app.config["SECRET_KEY"]


def test_create_shows_the_secret_once(app):
    people = cast(app)
    assert b'name="redirect_uris"' in people.sec.get("/admin/clients/new").data
    response = post(people.sec, "/admin/clients/new", FORM)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    secret = SECRET_RE.search(response.data.decode()).group(1)
    client = _client()
    assert check_secret(_pepper(app), client, secret)
    assert client.redirect_uris == ["https://claims.example/callback", "https://claims.example/cb2"]
    assert client.scopes == ["openid", "profile", "claims"] and client.first_party
    assert client.default_audience == "https://claims.example/api https://elig.example/api"
    # Never again: not on the client's page, not in the list.
    for path in ("/admin/clients/claims-web", "/admin/clients"):
        page = people.sec.get(path).data.decode()
        assert secret not in page and "Claims portal" in page
    data = json.loads(events("admin.client.created")[-1].data)
    assert data["before"] is None and data["after"]["client_id"] == "claims-web"
    assert secret not in json.dumps([e.data for e in events()])


def test_public_client_has_no_secret(app):
    people = cast(app)
    form = {**FORM, "client_id": "spa", "auth_method": "none", "first_party": ""}
    response = post(people.sec, "/admin/clients/new", form)
    assert response.status_code == 200 and b"has no secret" in response.data
    assert _client("spa").secret_hash is None


def test_invalid_input_is_refused_with_the_reason_and_nothing_is_stored(app):
    people = cast(app)
    bad = {**FORM, "redirect_uris": "ftp://nowhere"}
    response = post(people.sec, "/admin/clients/new", bad)
    assert response.status_code == 400 and b"ftp://nowhere" in response.data
    assert b'value="Claims portal"' in response.data  # what was typed comes back
    response = post(people.sec, "/admin/clients/new", {**FORM, "jwks": "{not json"})
    assert response.status_code == 400 and b"not valid JSON" in response.data
    assert _client() is None


def test_edit_redirect_uris_scopes_audiences_and_first_party(app):
    people = cast(app)
    post(people.sec, "/admin/clients/new", FORM)
    changed = {
        **FORM,
        "redirect_uris": "https://claims.example/new",
        "scopes": ["openid"],
        "default_audience": "https://other.example/api",
        "first_party": "",
    }
    response = post(people.sec, "/admin/clients/claims-web", changed)
    assert response.status_code == 302
    client = _client()
    assert client.redirect_uris == ["https://claims.example/new"]
    assert client.scopes == ["openid"] and not client.first_party
    assert client.default_audience == "https://other.example/api"
    data = json.loads(events("admin.client.updated")[-1].data)
    assert data["before"]["first_party"] is True and data["after"]["first_party"] is False
    # A refused edit changes nothing.
    response = post(people.sec, "/admin/clients/claims-web", {**changed, "scopes": ["nope"]})
    assert response.status_code == 400 and b"unknown scope" in response.data
    assert _client().scopes == ["openid"]


def test_rotate_secret_shows_the_new_one_once_and_the_old_one_stops(app):
    people = cast(app)
    old = SECRET_RE.search(post(people.sec, "/admin/clients/new", FORM).data.decode()).group(1)
    path = "/admin/clients/claims-web/rotate-secret"
    assert b"stops working at once" in people.sec.get(path).data
    response = post(people.sec, path)
    assert response.headers["Cache-Control"] == "no-store"
    new = SECRET_RE.search(response.data.decode()).group(1)
    client = _client()
    assert new != old and check_secret(_pepper(app), client, new)
    assert not check_secret(_pepper(app), client, old)
    assert events("admin.client.secret_rotated")


def test_disable_and_enable(app):
    people = cast(app)
    post(people.sec, "/admin/clients/new", FORM)
    assert (
        b"Every refresh token it holds ends now"
        in people.sec.get("/admin/clients/claims-web/disable").data
    )
    assert post(people.sec, "/admin/clients/claims-web/disable").status_code == 302
    assert _client().disabled
    assert post(people.sec, "/admin/clients/claims-web/enable").status_code == 302
    assert not _client().disabled
    kinds = [json.loads(e.data)["after"] for e in events() if e.event.startswith("admin.client.")]
    assert kinds[-2:] == [{"disabled": True}, {"disabled": False}]
    assert post(people.sec, "/admin/clients/claims-web/delete").status_code == 404


def test_office_people_are_refused_and_nothing_changes(app):
    people = cast(app)
    post(people.sec, "/admin/clients/new", FORM)
    before = _client().to_dict()
    for client in (people.office_admin, people.staff):
        assert client.get("/admin/clients/claims-web").status_code == 403
        assert post(client, "/admin/clients/new", {**FORM, "client_id": "x-new"}).status_code == 403
        assert post(client, "/admin/clients/claims-web", FORM).status_code == 403
        for action in ("rotate-secret", "disable"):
            assert post(client, f"/admin/clients/claims-web/{action}").status_code == 403
    assert _client().to_dict() == before and _client("x-new") is None


def test_client_actions_need_a_fresh_sign_in(app):
    people = cast(app)
    post(people.sec, "/admin/clients/new", FORM)
    sec = app.test_client()
    stale(login_as(sec, make_person("tired.sec", platform_role="security_admin")))
    response = post(sec, "/admin/clients/claims-web/disable")
    assert response.status_code == 302 and "reauth=1" in response.headers["Location"]
    assert not _client().disabled


def test_rotate_and_disable_without_their_confirmation_only_ask(app):
    people = cast(app)
    post(people.sec, "/admin/clients/new", FORM)
    before = _client().to_dict()
    for action in ("rotate-secret", "disable"):
        response = post(people.sec, f"/admin/clients/claims-web/{action}", confirmed=False)
        assert response.status_code == 200 and b"What will happen" in response.data
    assert _client().to_dict() == before


def test_an_edit_cannot_blank_the_name(app):
    people = cast(app)
    post(people.sec, "/admin/clients/new", FORM)
    response = post(people.sec, "/admin/clients/claims-web", {**FORM, "name": "  "})
    assert response.status_code == 400 and _client().name == "Claims portal"
