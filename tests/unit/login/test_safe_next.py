"""``safe_next``: where a browser may be sent after signing in (no open redirect)."""

import pytest

from idp.login.guards import safe_next


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.test/",
        "//evil.test/x",
        "///evil.test/x",
        "/\\evil.test/x",
        "\\\\evil.test",
        "/\\/evil.test",
        "javascript:alert(1)",
        "http:/evil.test",
        " //evil.test",
        "/\t/evil.test",
        "/\n/evil.test",
        "evil.test/x",
        "",
        None,
    ],
)
def test_anything_but_a_local_path_falls_back(target):
    assert safe_next(target, "/home") == "/home"


@pytest.mark.parametrize("target", ["/", "/account", "/orgs/1/members?tab=invites", "/a/b#c"])
def test_local_paths_are_kept(target):
    assert safe_next(target) == target
