"""The gateway decision without HTTP: plain values in, a Decision out."""

import pytest

from idp.config import load_settings
from idp.forward_auth.policy import GatewayPolicy
from idp.forward_auth.service import Identity, decide, original_request

BASE = "https://login.plan.test"


@pytest.fixture(scope="module")
def policy():
    routes = {
        "routes": {
            "tools": {"hosts": ["tools.plan.test"]},
            "admin": {
                "hosts": ["tools.plan.test"],
                "path_prefix": "/admin",
                "roles": ["office_admin"],
            },
            "secure": {"hosts": ["tools.plan.test"], "path_prefix": "/phi", "mfa_required": True},
            "feed": {"hosts": ["feed.plan.test"], "api": True},
        }
    }
    return GatewayPolicy.from_settings(load_settings({"gateway": routes}, environ={}))


def person(roles=("front_desk",), mfa=False):
    return Identity(
        user_id="u1",
        username="alice",
        email="alice@clinic.test",
        name="Alice Smith",
        org_id="o1",
        org_name="Riverside Family Practice LLC",
        org_npi="1234567893",
        roles=tuple(roles),
        mfa=mfa,
        session="pub1",
    )


def ask(policy, url, identity, method="GET", prefers_json=False):
    original = original_request({"X-Original-URL": url, "X-Original-Method": method})
    return decide(policy, original, identity, prefers_json=prefers_json, public_base_url=BASE)


def test_allowed_with_identity_headers(policy):
    d = ask(policy, "https://tools.plan.test/claims", person())
    assert d.status == 200
    assert d.headers["X-Auth-User"] == "alice"
    assert d.headers["X-Auth-Office"] == "o1"
    assert d.headers["X-Auth-Office-Name"] == "Riverside Family Practice LLC"
    assert d.headers["X-Auth-Roles"] == "front_desk"
    assert d.headers["X-Auth-MFA"] == "false"


def test_browsers_without_session_get_a_sign_in_start_with_the_way_back(policy):
    d = ask(policy, "https://tools.plan.test/claims?id=7&x=1", None)
    assert d.status == 401
    assert d.sign_in_url == (
        "https://login.plan.test/forward-auth/start?rd="
        "https%3A%2F%2Ftools.plan.test%2Fclaims%3Fid%3D7%26x%3D1"
    )


@pytest.mark.parametrize(
    ("url", "method", "prefers_json"),
    [
        ("https://tools.plan.test/api/claims", "GET", False),
        ("https://tools.plan.test/claims", "GET", True),
        ("https://tools.plan.test/claims", "POST", False),
        ("https://feed.plan.test/anything", "GET", False),
    ],
)
def test_api_calls_without_session_get_401_and_no_redirect(policy, url, method, prefers_json):
    d = ask(policy, url, None, method=method, prefers_json=prefers_json)
    assert d.status == 401 and d.sign_in_url is None


def test_roles_and_mfa_policies(policy):
    assert ask(policy, "https://tools.plan.test/admin/x", person()).reason == "role_required"
    assert ask(policy, "https://tools.plan.test/admin/x", person(["office_admin"])).status == 200
    assert ask(policy, "https://tools.plan.test/phi", person()).reason == "mfa_required"
    assert ask(policy, "https://tools.plan.test/phi", person(mfa=True)).status == 200


@pytest.mark.parametrize(
    "path",
    [
        "/public/..%2Fadmin/x",
        "/ADMIN/x",
        "/admin;jsessionid=1/x",
        "/x/%2e%2e/admin",
        "//admin",
        "/admin%00/x",
        "/admin./x",
        "/admin%20/x",
        "/admin%2e%20/x",
    ],
)
def test_every_reading_of_a_tricky_path_must_pass(policy, path):
    d = ask(policy, "https://tools.plan.test" + path, person())
    assert d.status == 403 and d.reason == "role_required", path


def test_unknown_hosts_are_refused_even_without_a_session(policy):
    d = ask(policy, "https://intranet.plan.test/", None)
    assert d.status == 403 and d.reason == "no_route" and d.sign_in_url is None
