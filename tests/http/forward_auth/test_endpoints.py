"""Forward-auth endpoints through the Flask test client (the real nginx is in tests/e2e)."""

import re
from urllib.parse import quote

import pytest

from idp.audit.service import events
from idp.common.clock import FixedClock
from idp.login.current import store
from tests.factories import PASSWORD, add_member, make_org, make_user
from tests.support.auth import login_as

TOOLS = "tools.plan.test"


@pytest.fixture
def settings_overrides():
    return {
        "gateway": {
            "routes": {
                "tools": {"hosts": [TOOLS]},
                "admin": {"hosts": [TOOLS], "path_prefix": "/admin", "roles": ["office_admin"]},
                "phi": {"hosts": [TOOLS], "path_prefix": "/phi", "mfa_required": True},
            }
        }
    }


def traefik(uri, method="GET", **extra):
    return {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": TOOLS,
        "X-Forwarded-Uri": uri,
        "X-Forwarded-Method": method,
        **extra,
    }


def nginx(uri, method="GET", **extra):
    return {"X-Original-URL": f"https://{TOOLS}{uri}", "X-Original-Method": method, **extra}


HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
JSON = {"Accept": "application/json"}


@pytest.fixture
def member(app):
    org = make_org("Riverside Family Practice LLC")
    user = make_user("alice", display_name="Alice Ørsted", password=None)
    add_member(user, org, "front_desk")
    return user, org


def test_traefik_browser_without_session_is_redirected_to_sign_in(client):
    response = client.get("/forward-auth", headers={**traefik("/claims?id=7"), **HTML})
    assert response.status_code == 302
    assert response.headers["Location"] == (
        "http://idp.test/forward-auth/start?rd=" + quote(f"https://{TOOLS}/claims?id=7", safe="")
    )
    assert response.headers["Cache-Control"] == "no-store"


def test_nginx_browser_without_session_gets_401_naming_the_sign_in_start(client):
    response = client.get("/forward-auth/nginx", headers={**nginx("/claims"), **HTML})
    assert response.status_code == 401
    assert response.headers["X-Auth-Redirect"].startswith("http://idp.test/forward-auth/start?rd=")


def test_api_calls_without_session_get_401_json(client):
    for headers in (traefik("/api/claims"), {**traefik("/claims"), **JSON}):
        response = client.get("/forward-auth", headers=headers)
        assert response.status_code == 401
        assert response.json["error"] == "login_required"
        assert "X-Auth-Redirect" not in response.headers


def test_valid_session_gets_200_with_identity_headers(client, member):
    user, org = member
    session = login_as(client, user)
    response = client.get("/forward-auth/nginx", headers=nginx("/claims"))
    assert response.status_code == 200
    h = response.headers
    assert h["X-Auth-User"] == "alice" and h["X-Auth-User-Id"] == user.id
    assert h["X-Auth-Email"] == "alice@clinic.test"
    assert h["X-Auth-Name"] == "Alice %C3%98rsted"
    assert h["X-Auth-Office"] == org.id
    assert h["X-Auth-Office-Name"] == "Riverside Family Practice LLC"
    assert h["X-Auth-Office-NPI"] == org.npi
    assert h["X-Auth-Roles"] == "front_desk"
    assert h["X-Auth-Session"] == session.public_id
    assert "Set-Cookie" not in h


def test_policy_not_met_is_403_and_audited(client, member):
    user, _ = member
    login_as(client, user)
    response = client.get("/forward-auth/nginx", headers={**nginx("/admin/users"), **JSON})
    assert response.status_code == 403
    assert response.json["error"] == "role_required"
    assert client.get("/forward-auth", headers=traefik("/phi/x")).status_code == 403
    denied = events("gateway.denied", subject_id=user.id)
    assert [e.data.count("role_required") for e in denied] == [1, 0]


def test_unknown_host_is_refused(client, member):
    login_as(client, member[0])
    headers = {"X-Original-URL": "https://intranet.plan.test/"}
    assert client.get("/forward-auth/nginx", headers=headers).status_code == 403


def test_a_proxy_that_sends_no_original_request_gets_400(client):
    response = client.get("/forward-auth/nginx")
    assert response.status_code == 400
    assert "X-Original-URL" in response.json["error_description"]


def test_any_method_is_checked_without_csrf(client, member):
    login_as(client, member[0])
    for method in ("post", "delete", "put"):
        response = getattr(client, method)("/forward-auth/nginx", headers=nginx("/x", "POST"))
        assert response.status_code == 200, method


def test_signing_out_ends_access(app, client, member):
    app.config["WTF_CSRF_ENABLED"] = False
    login_as(client, member[0])
    assert client.get("/forward-auth/nginx", headers=nginx("/claims")).status_code == 200
    client.post("/logout")
    assert client.get("/forward-auth/nginx", headers=nginx("/claims")).status_code == 401


def test_gateway_traffic_counts_as_activity_but_never_rotates(app, client, member):
    clock = FixedClock()
    app.extensions["idp_clock"] = clock
    user, _ = member
    session = login_as(client, user)
    for _ in range(3):
        clock.advance(10 * 60)
        assert client.get("/forward-auth/nginx", headers=nginx("/claims")).status_code == 200
    store().privileges_changed(user.id)
    response = client.get("/forward-auth/nginx", headers=nginx("/claims"))
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert store().get(session.sid) is not None
    clock.advance(16 * 60)
    assert client.get("/forward-auth/nginx", headers=nginx("/claims")).status_code == 401


def test_start_refuses_return_urls_off_the_gateway(client):
    for rd in ("https://evil.test/", "/relative", "javascript:alert(1)", ""):
        response = client.get("/forward-auth/start", query_string={"rd": rd})
        assert response.status_code == 400, rd
        assert b"not an application protected by the gateway" in response.data


def test_start_signs_in_and_returns_to_the_tool(app, client):
    make_user("alice")
    rd = f"https://{TOOLS}/claims?id=7&x=1"
    response = client.get("/forward-auth/start", query_string={"rd": rd})
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert login_url.startswith("/login?next=/forward-auth/start")
    page = client.get(login_url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    next_path = re.search(r'name="next" value="([^"]+)"', page).group(1).replace("&amp;", "&")
    signed_in = client.post(
        "/login",
        data={"username": "alice", "password": PASSWORD, "csrf_token": token, "next": next_path},
    )
    assert signed_in.status_code == 302
    back = client.get(signed_in.headers["Location"])
    assert back.status_code == 302 and back.headers["Location"] == rd
    assert client.get("/forward-auth/nginx", headers=nginx("/claims")).status_code == 200
