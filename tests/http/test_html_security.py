"""Every HTML form carries CSRF protection; headers and cookie flags on the pages."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.factories import PASSWORD, make_user

FORMS = [
    ("/login", "/login", {"username": "alice", "password": PASSWORD}),
    ("/login/forgot-password", "/login/forgot-password", {"identifier": "alice"}),
    ("/login/forgot-username", "/login/forgot-username", {"email": "alice@clinic.test"}),
]


def csrf_from(body: bytes) -> str:
    return re.search(rb'name="csrf_token" value="([^"]+)"', body).group(1).decode()


@pytest.mark.parametrize("page,action,data", FORMS)
def test_forms_refuse_posts_without_the_csrf_token(client, page, action, data):
    make_user("alice")
    assert client.post(action, data=data).status_code == 400
    token = csrf_from(client.get(page).data)
    response = client.post(action, data={**data, "csrf_token": token})
    assert response.status_code in (200, 302)


def test_mfa_and_unlock_forms_need_csrf(client):
    from tests.support.auth import login_as

    user = make_user("bea")
    login_as(client, user)
    page = client.get("/mfa/enroll")
    assert b'name="csrf_token"' in page.data
    assert client.post("/mfa/enroll", data={"code": "123456"}).status_code == 400
    assert client.post("/mfa/recovery-codes").status_code == 400
    assert client.post("/login/unlock/some-token").status_code == 400
    assert client.post("/logout").status_code == 400


def test_security_headers_on_pages(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "img-src 'self' data:" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in response.headers


def set_cookies(response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


def test_cookies_are_httponly_lax_and_secure_under_https(make_app, app):
    secure_app = make_app(public_base_url="https://login.example.org")
    secure_app.config["WTF_CSRF_ENABLED"] = False
    with secure_app.app_context():
        make_user("cara")
        client = secure_app.test_client()
        page = client.get("/login", base_url="https://localhost")
        assert page.headers["Strict-Transport-Security"].startswith("max-age=")
        response = client.post(
            "/login",
            data={"username": "cara", "password": PASSWORD},
            base_url="https://localhost",
        )
        assert response.status_code == 302
        cookies = set_cookies(response)
        assert {"__Host-idp_sid", "__Host-idp_device"} <= set(cookies)
        for header in cookies.values():
            assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" in header
            assert "Path=/" in header and "Domain" not in header
        user = make_user("dave")
        from tests.factories import add_member, make_org

        add_member(user, make_org(), "office_admin")
        response = client.post(
            "/login",
            data={"username": "dave", "password": PASSWORD},
            base_url="https://localhost",
        )
        flow_cookie = set_cookies(response)["idp_flow"]
        for flag in ("HttpOnly", "Secure", "SameSite=Lax"):
            assert flag in flow_cookie


def test_cookies_under_http_are_not_secure_but_httponly_and_lax(client, app):
    app.config["WTF_CSRF_ENABLED"] = False
    make_user("erin")
    response = client.post("/login", data={"username": "erin", "password": PASSWORD})
    for header in set_cookies(response).values():
        assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" not in header


#: Protocol and gateway endpoints, called by programs with their own credentials.
CSRF_EXEMPT = {
    "oauth.token",
    "oauth.revoke",
    "oauth.introspect",
    "oauth.userinfo",
}


def test_every_browser_post_route_needs_the_csrf_token(app, client):
    """Walks the URL map, so a form added later without protection fails here."""
    from tests.support.auth import login_as

    login_as(client, make_user("dan"))
    checked = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint.startswith("forward_auth."):
            continue
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<{arg}>", "x").replace(f"<string:{arg}>", "x")
        path = re.sub(r"<[^>]+>", "x", path)
        response = client.post(path, data={"anything": "1"})
        if rule.endpoint.startswith("api."):
            # The admin API takes bearer tokens only: the signed-in browser's cookie does
            # not authenticate there, so a cross-site form cannot act through it.
            assert response.status_code == 401, (rule.endpoint, path)
            continue
        if rule.endpoint in CSRF_EXEMPT:
            assert b"CSRF" not in response.data, rule.endpoint
            continue
        assert response.status_code == 400 and b"CSRF" in response.data, (rule.endpoint, path)
        checked.append(rule.endpoint)
    assert len(checked) > 20


class _Inputs(HTMLParser):
    """Every input of a page, with its attributes; and any attribute that is an event handler
    for clipboard or drag (what pages use to stop paste into a password field)."""

    def __init__(self):
        super().__init__()
        self.inputs: list[dict[str, str | None]] = []
        self.blocking: list[str] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        self.blocking += [k for k in found if k in ("onpaste", "oncopy", "oncut", "ondrop")]
        if tag == "input":
            self.inputs.append(found)


def _password_inputs(body: bytes) -> tuple[list[dict[str, str | None]], list[str]]:
    parser = _Inputs()
    parser.feed(body.decode())
    secret = [i for i in parser.inputs if i.get("type") == "password"]
    named = [i for i in parser.inputs if "password" in (i.get("name") or "")]
    assert named == [i for i in secret if "password" in (i.get("name") or "")], named
    return secret, parser.blocking


def test_password_fields_let_managers_fill_and_people_paste(client):
    """ASVS 6.2.6-6.2.7 (and 2.1.2): a password is typed into ``type=password``, which a
    password manager can fill (``autocomplete`` current- or new-password, never off) and
    a person can paste into; long passphrases fit (no ``maxlength`` under 64)."""
    from tests.support.auth import login_as

    pages = {"/login": 1, "/register": 2}
    for path, count in pages.items():
        secret, blocking = _password_inputs(client.get(path).data)
        assert len(secret) == count, path
        assert not blocking, path
        for field in secret:
            assert field.get("autocomplete") in ("current-password", "new-password"), field
            assert int(field.get("maxlength") or 1024) >= 64, field
            assert "value" not in field, field
    login_as(client, make_user("pat"))
    secret, blocking = _password_inputs(client.get("/account/password").data)
    assert [f["autocomplete"] for f in secret] == [
        "current-password",
        "new-password",
        "new-password",
    ]
    assert not blocking


def test_no_template_blocks_paste_or_turns_off_password_autofill():
    templates = Path(__file__).resolve().parents[2] / "templates"
    for path in templates.rglob("*.html"):
        text = path.read_text()
        assert not re.search(r"on(paste|copy|cut|drop)\s*=", text), path
        for line in text.splitlines():
            if 'type="password"' in line:
                assert 'autocomplete="off"' not in line, (path, line)
