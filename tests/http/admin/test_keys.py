"""Signing keys in the console: next / active / retired, rotate, retire, the JWKS link."""

from __future__ import annotations

import json

from idp.audit.service import events
from idp.jwk.keyring import KeyRing
from tests.http.admin.support import cast, post, stale
from tests.http.orgs.helpers import make_person
from tests.support.auth import login_as


def _ring(app) -> KeyRing:
    return KeyRing(app.config["IDP_SETTINGS"].keys_path)


def _wipe(ring: KeyRing) -> None:
    for state in ring.states():
        ring.drop(state.kid)


def _by_state(ring: KeyRing) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for s in ring.states():
        found.setdefault(s.state, []).append(s.kid)
    return found


def test_list_rotate_and_retire(app):
    people = cast(app)
    ring = _ring(app)
    _wipe(ring)
    active = ring.ensure_active("ES256")
    nxt = _by_state(ring)["next"][0]

    html = people.sec.get("/admin/keys").data.decode()
    assert active.kid in html and nxt in html and 'href="/oauth/jwks"' in html
    assert html.index(nxt) < html.index(active.kid)  # next first, then active

    page = people.sec.get("/admin/keys/rotate?alg=ES256").data.decode()
    assert "starts signing every new token" in page
    assert post(people.sec, "/admin/keys/rotate", {"alg": "ES256"}).status_code == 302
    states = _by_state(ring)
    assert states["active"] == [nxt] and states["retired"] == [active.kid]
    assert len(states["next"]) == 1
    data = json.loads(events("admin.key.rotated")[-1].data)
    assert data["before"]["active"] == [active.kid] and data["after"]["active"] == [nxt]

    html = people.sec.get("/admin/keys").data.decode()
    assert f"/admin/keys/{active.kid}/retire" in html
    page = people.sec.get(f"/admin/keys/{active.kid}/retire").data.decode()
    assert "stop verifying at once" in page
    assert post(people.sec, f"/admin/keys/{active.kid}/retire").status_code == 302
    assert active.kid not in [s.kid for s in ring.states()]
    assert json.loads(events("admin.key.retired")[-1].data)["kid"] == active.kid
    # Only retired keys can be retired; unknown ones are 404.
    assert post(people.sec, f"/admin/keys/{nxt}/retire").status_code == 409
    assert post(people.sec, "/admin/keys/nope/retire").status_code == 404
    assert post(people.sec, "/admin/keys/rotate", {"alg": "HS256"}).status_code == 400


def test_prune_drops_only_expired_retired_keys(app):
    people = cast(app)
    ring = _ring(app)
    _wipe(ring)
    ring.ensure_active("ES256")
    post(people.sec, "/admin/keys/rotate", {"alg": "ES256"})
    retired = _by_state(ring)["retired"][0]
    assert post(people.sec, "/admin/keys/prune").status_code == 302
    assert retired in [s.kid for s in ring.states()]  # its tokens may still be valid
    state = next(s for s in ring.states() if s.kid == retired)
    state.drop_after = 1.0
    ring.save_state(state)
    post(people.sec, "/admin/keys/prune")
    assert retired not in [s.kid for s in ring.states()]
    assert json.loads(events("admin.key.pruned")[-1].data)["kids"] == [retired]


def test_office_people_are_refused_and_keys_stay(app):
    people = cast(app)
    ring = _ring(app)
    ring.ensure_active("ES256")
    before = _by_state(ring)
    for client in (people.office_admin, people.staff):
        assert client.get("/admin/keys").status_code == 403
        assert post(client, "/admin/keys/rotate", {"alg": "ES256"}).status_code == 403
        assert post(client, "/admin/keys/prune").status_code == 403
    sec = app.test_client()
    stale(login_as(sec, make_person("late.sec", platform_role="security_admin")))
    response = post(sec, "/admin/keys/rotate", {"alg": "ES256"})
    assert response.status_code == 302 and "reauth=1" in response.headers["Location"]
    assert _by_state(ring) == before


def test_rotate_retire_and_prune_without_their_confirmation_only_ask(app):
    people = cast(app)
    ring = _ring(app)
    ring.ensure_active("ES256")
    ring.rotate("ES256")
    before = _by_state(ring)
    retired = before["retired"][0]
    for path in ("/admin/keys/rotate", f"/admin/keys/{retired}/retire", "/admin/keys/prune"):
        response = post(people.sec, path, {"alg": "ES256"}, confirmed=False)
        assert response.status_code == 200 and b"What will happen" in response.data
    assert _by_state(ring) == before
