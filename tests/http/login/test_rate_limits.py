"""Per-IP limits on sign-in, TOTP, password reset, username recovery, registration and
resending verification links."""

import pytest
from flask import Blueprint

from idp.security.limits import limit
from tests.factories import make_user


@pytest.fixture
def settings_overrides():
    return {
        "auth_ip_limit_login": 3,
        "auth_ip_limit_totp": 3,
        "auth_ip_limit_password_reset": 3,
        "auth_ip_limit_username_recovery": 3,
        "auth_ip_limit_register": 3,
        "auth_ip_limit_verification_resend": 3,
    }


@pytest.mark.parametrize(
    "path,data",
    [
        ("/login", {"username": "someone", "password": "wrong password!!"}),
        ("/login/verify", {"code": "123456"}),
        ("/login/forgot-password", {"identifier": "someone"}),
        ("/login/forgot-username", {"email": "someone@clinic.test"}),
        ("/mfa/enroll", {"code": "123456"}),
        ("/register", {"legal_name": "Limit Clinic"}),
        ("/verify-email/resend", {"email": "someone@clinic.test"}),
    ],
)
def test_per_ip_limit(app, make_app, clock, settings_overrides, path, data):
    make_user("someone")
    client = app.test_client()
    for _ in range(3):
        response = client.post(path, data=data, environ_base={"REMOTE_ADDR": "198.51.100.1"})
        assert response.status_code != 429
    # a second instance shares the count
    other = make_app(**settings_overrides)
    other.config["WTF_CSRF_ENABLED"] = False
    with other.app_context():
        response = other.test_client().post(
            path, data=data, environ_base={"REMOTE_ADDR": "198.51.100.1"}
        )
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert b"Too many attempts" in response.data
    response = client.post(path, data=data, environ_base={"REMOTE_ADDR": "198.51.100.2"})
    assert response.status_code != 429
    assert client.get(path, environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code != 429


def test_limit_decorator_for_registration(app, clock):
    bp = Blueprint("limit_probe", __name__)

    @bp.route("/probe-register", methods=["GET", "POST"])
    @limit("register")
    def probe():
        return "ok"

    app.register_blueprint(bp)
    client = app.test_client()
    assert [client.post("/probe-register").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_unknown_action_is_refused():
    with pytest.raises(ValueError):
        limit("no-such-action")


def test_client_address_from_x_forwarded_for_only_behind_a_configured_proxy(make_app, app):
    def posts(instance, forwarded_for):
        instance.config["WTF_CSRF_ENABLED"] = False
        with instance.app_context():
            client = instance.test_client()
            codes = [
                client.post(
                    "/login/forgot-username",
                    data={"email": "x@clinic.test"},
                    headers={"X-Forwarded-For": f"198.51.100.{n}"},
                    environ_base={"REMOTE_ADDR": "10.0.0.1"},
                ).status_code
                for n in forwarded_for
            ]
        return codes

    direct = make_app(auth_ip_limit_username_recovery=3)
    assert posts(direct, range(4)) == [200, 200, 200, 429]  # spoofed headers do not help
    proxied = make_app(auth_ip_limit_username_recovery=3, server_trusted_proxies=1)
    assert posts(proxied, range(10, 14)) == [200, 200, 200, 200]
