"""Who may call the admin API: tokens, audience, revocation, scopes, roles, step-up."""

from __future__ import annotations

from idp.accounts.models import User
from idp.extensions import db
from idp.oauth.context import service
from tests.api.support import API, admin_client, bearer, people, person_token

PROBLEM = "application/problem+json"


def _problem(answer, status: int, code: str) -> dict:
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert answer.mimetype == PROBLEM
    data = answer.get_json()
    assert {"type", "title", "status", "detail"} <= set(data)
    assert data["status"] == status and data["code"] == code
    return data


def test_no_token_is_401_problem(client):
    answer = client.get(f"{API}/users")
    _problem(answer, 401, "invalid_token")
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_garbage_token_is_401(client):
    _problem(client.get(f"{API}/users", headers=bearer("a.b.c")), 401, "invalid_token")


def test_client_token_with_scope_lists_users(client):
    p = people()
    token = admin_client(client)
    answer = client.get(f"{API}/users", headers=bearer(token))
    assert answer.status_code == 200
    names = {u["username"] for u in answer.get_json()["items"]}
    assert {p.sec.username, p.boss.username, p.desk.username} <= names


def test_client_token_without_the_scope_is_403_and_nothing_changes(client):
    p = people()
    token = admin_client(client, scopes=["admin.clients.manage"])
    _problem(client.get(f"{API}/users", headers=bearer(token)), 403, "insufficient_scope")
    answer = client.post(f"{API}/users/{p.desk.id}/disable", headers=bearer(token))
    _problem(answer, 403, "insufficient_scope")
    db.session.expire_all()
    assert db.session.get(User, p.desk.id).status == "active"


def test_client_token_cannot_act_in_an_office(client):
    p = people()
    token = admin_client(client)
    answer = client.get(f"{API}/offices/{p.org.id}/members", headers=bearer(token))
    _problem(answer, 403, "forbidden")


def test_token_for_another_audience_is_refused(client):
    p = people()
    token = person_token(p.sec, aud="http://idp.test")
    _problem(client.get(f"{API}/users", headers=bearer(token)), 401, "invalid_token")


def test_security_admin_person_token_reads_users(client):
    p = people()
    answer = client.get(f"{API}/users", headers=bearer(person_token(p.sec)))
    assert answer.status_code == 200


def test_staff_token_is_403(client):
    p = people()
    token = person_token(p.desk)
    _problem(client.get(f"{API}/users", headers=bearer(token)), 403, "forbidden")
    answer = client.post(f"{API}/users/{p.boss.id}/lock", headers=bearer(token))
    _problem(answer, 403, "forbidden")
    db.session.expire_all()
    assert db.session.get(User, p.boss.id).status == "active"


def test_stale_sign_in_cannot_change_anything(client):
    p = people()
    token = person_token(p.sec, age_seconds=3600)
    assert client.get(f"{API}/users/{p.desk.id}", headers=bearer(token)).status_code == 200
    answer = client.post(f"{API}/users/{p.desk.id}/disable", headers=bearer(token))
    _problem(answer, 401, "insufficient_user_authentication")
    assert 'error="insufficient_user_authentication"' in answer.headers["WWW-Authenticate"]
    assert 'max_age="600"' in answer.headers["WWW-Authenticate"]
    db.session.expire_all()
    assert db.session.get(User, p.desk.id).status == "active"


def test_revoked_grant_token_is_refused_at_once(client):
    p = people()
    token = person_token(p.sec)
    assert client.get(f"{API}/users", headers=bearer(token)).status_code == 200
    service().revoke_grants_of(p.sec.id, reason="test")
    db.session.commit()
    answer = client.get(f"{API}/users", headers=bearer(token))
    _problem(answer, 401, "invalid_token")
    assert "revoked" in answer.get_json()["detail"]


def test_disabled_person_token_is_refused(client):
    p = people()
    token = person_token(p.sec)
    p.sec.status = "disabled"
    db.session.commit()
    _problem(client.get(f"{API}/users", headers=bearer(token)), 401, "invalid_token")


def test_unknown_route_and_method_are_problems(client):
    token = admin_client(client)
    _problem(client.get(f"{API}/nothing-here", headers=bearer(token)), 404, "not_found")
    answer = client.put(f"{API}/users", headers=bearer(token))
    _problem(answer, 405, "method_not_allowed")
    assert "GET" in answer.headers["Allow"]


def test_an_outage_is_a_503_problem_with_retry_after(client, monkeypatch):
    from idp.admin import users as user_service
    from idp.errors import Unavailable

    token = admin_client(client)

    def down(*args, **kwargs):
        raise Unavailable("The database cannot be reached just now.")

    monkeypatch.setattr(user_service, "search", down)
    answer = client.get(f"{API}/users", headers=bearer(token))
    _problem(answer, 503, "temporarily_unavailable")
    assert answer.headers["Retry-After"]
