"""Gateway policy: configuration validation, route matching, return URLs, header parsing."""

import pytest

from idp.config import ConfigError, load_settings
from idp.forward_auth.policy import GatewayPolicy, normalize_path, valid_return_url
from idp.forward_auth.service import BadProxyRequest, header_value, original_request

ROUTES = {
    "routes": {
        "tools": {"hosts": ["tools.plan.test", "127.0.0.1:8080"], "path_prefix": "/"},
        "admin": {
            "hosts": ["tools.plan.test"],
            "path_prefix": "/admin",
            "roles": ["office_admin"],
            "mfa_required": True,
        },
        "feed": {"hosts": ["feed.plan.test"], "path_prefix": "/v1/", "api": True},
    }
}


def policy(**routes) -> GatewayPolicy:
    return GatewayPolicy.from_settings(load_settings({"gateway": routes or ROUTES}, environ={}))


def test_longest_prefix_on_whole_segments_wins():
    p = policy()
    assert p.match("tools.plan.test", "/admin").name == "admin"
    assert p.match("tools.plan.test", "/admin/users").name == "admin"
    assert p.match("tools.plan.test", "/administrator").name == "tools"
    assert p.match("127.0.0.1:8080", "/admin").name == "tools"  # admin not on that host
    assert p.match("feed.plan.test", "/v1").name == "feed"
    assert p.match("feed.plan.test", "/v2") is None
    assert p.match("elsewhere.test", "/") is None


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        ("/public/../admin", "/admin"),
        ("/%61dmin/x", "/admin/x"),
        ("//admin", "/admin"),
        ("/a/./b/", "/a/b/"),
        ("/..", "/"),
        ("/admin%2f..%2fx", "/x"),
    ],
)
def test_paths_are_judged_as_servers_resolve_them(raw, path):
    assert normalize_path(raw) == path


def test_return_urls_only_to_protected_hosts():
    p = policy()
    assert valid_return_url("https://tools.plan.test/a?b=1", p)
    assert valid_return_url("http://127.0.0.1:8080/", p)
    assert valid_return_url("https://tools.plan.test:443/x", p)
    for bad in [
        "https://evil.test/",
        "https://tools.plan.test.evil.test/",
        "https://user@tools.plan.test/",
        "javascript:alert(1)",
        "//tools.plan.test/",
        "/relative",
        "https://tools.plan.test/\r\nSet-Cookie: x",
        "http://127.0.0.1:9090/",
        "",
    ]:
        assert valid_return_url(bad, p) is None, bad


def test_an_https_idp_returns_only_to_https():
    p = policy()
    assert valid_return_url("https://tools.plan.test/", p, https_only=True)
    assert valid_return_url("http://tools.plan.test/", p, https_only=True) is None


def test_nginx_and_traefik_headers():
    nginx = original_request(
        {"X-Original-URL": "https://Tools.Plan.Test:443/a/../b?x=1", "X-Original-Method": "post"}
    )
    assert (nginx.host, nginx.path, nginx.raw_uri, nginx.method) == (
        "tools.plan.test",
        "/b",
        "/a/../b?x=1",
        "POST",
    )
    traefik = original_request(
        {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "tools.plan.test",
            "X-Forwarded-Uri": "/claims?id=7",
            "X-Forwarded-Method": "GET",
        }
    )
    assert traefik.url == "https://tools.plan.test/claims?id=7"
    for headers in [{}, {"X-Original-URL": "ftp://x/"}, {"X-Forwarded-Host": "x"}]:
        with pytest.raises(BadProxyRequest):
            original_request(headers)


def test_identity_header_values_cannot_break_headers():
    assert header_value("Renée Ørsted") == "Ren%C3%A9e %C3%98rsted"
    assert header_value("x\r\nSet-Cookie: a=b") == "x%0D%0ASet-Cookie: a=b"
    assert header_value("Smith & Sons, 100%") == "Smith & Sons, 100%25"


@pytest.mark.parametrize(
    ("routes", "message"),
    [
        ({"routes": {"a": {"path_prefix": "/"}}}, "[gateway.routes.a].hosts: must be"),
        ({"routes": {"a": {"hosts": ["https://x.test"]}}}, "[gateway.routes.a].hosts: 'https"),
        ({"routes": {"a": {"hosts": ["x.test/app"]}}}, "[gateway.routes.a].hosts: 'x.test/app'"),
        ({"routes": {"a": {"hosts": ["x.test"], "path_prefix": "admin"}}}, ".path_prefix: must"),
        ({"routes": {"a": {"hosts": ["x.test"], "path_prefix": "/a/../b"}}}, ".path_prefix"),
        ({"routes": {"a": {"hosts": ["x.test"], "roles": ["wizard"]}}}, "unknown role(s) wizard"),
        ({"routes": {"a": {"hosts": ["x.test"], "mfa_required": "yes"}}}, ".mfa_required: must"),
        ({"routes": {"a": {"hosts": ["x.test"], "rolez": []}}}, "unknown key(s) rolez"),
        ({"rules": {}}, "[gateway]: unknown table(s) rules"),
    ],
)
def test_bad_routes_stop_start_up_with_one_line(routes, message):
    with pytest.raises(ConfigError) as info:
        load_settings({"gateway": routes}, environ={})
    assert message in str(info.value)


def test_api_prefixes_must_be_paths():
    with pytest.raises(ConfigError, match="IDP_GATEWAY_API_PATH_PREFIXES"):
        load_settings(environ={"IDP_GATEWAY_API_PATH_PREFIXES": "/api/,v1"})
    settings = load_settings(environ={"IDP_GATEWAY_API_PATH_PREFIXES": "/api/,/v1/"})
    assert settings.gateway_api_path_prefixes == ["/api/", "/v1/"]


def test_routes_from_a_config_file(tmp_path):
    path = tmp_path / "idp.toml"
    path.write_text('[gateway.routes.claims]\nhosts = ["claims.plan.test"]\nroles = ["billing"]\n')
    p = GatewayPolicy.from_settings(load_settings(environ={"IDP_CONFIG": str(path)}))
    assert p.match("claims.plan.test", "/x").roles == {"billing"}
