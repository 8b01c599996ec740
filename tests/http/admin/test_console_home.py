"""The console's landing page, and who reaches it."""

from __future__ import annotations

from tests.factories import make_org
from tests.http.admin.support import cast
from tests.http.orgs.helpers import make_person


def test_landing_page_counts_what_needs_attention(app):
    people = cast(app)
    make_org("Waiting One", status="pending")
    make_org("Waiting Two", status="pending")
    make_person("locked.out", status="locked")
    page = people.sec.get("/admin")
    assert page.status_code == 200
    html = page.data.decode()
    assert '<strong id="pending-count">2</strong>' in html
    assert '<strong id="locked-count">1</strong>' in html
    for path in ("/admin/organizations", "/admin/users", "/admin/clients", "/admin/keys"):
        assert f'href="{path}"' in html


def test_dashboard_sends_a_security_admin_without_an_office_to_the_console(app):
    people = cast(app)
    response = people.sec.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/admin"
    # Office people keep their dashboard.
    assert people.staff.get("/").status_code == 200


def test_office_people_are_refused_the_console(app):
    people = cast(app)
    for client in (people.office_admin, people.staff):
        for path in ("/admin", "/admin/organizations", "/admin/users", "/admin/clients"):
            assert client.get(path).status_code == 403, path
        assert client.get("/admin/keys").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(app, client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
