"""Driving the security console like a browser: a security admin, an office administrator
and a staff member of one office, and form posts with the CSRF token of a console page."""

from __future__ import annotations

from dataclasses import dataclass

from idp.login.current import store
from tests.factories import add_member, make_org
from tests.http.orgs.helpers import csrf_from, make_person
from tests.support.auth import login_as


@dataclass
class Cast:
    sec: object
    office_admin: object
    staff: object
    org: object
    sec_user: object
    office_admin_user: object
    staff_user: object


def cast(app) -> Cast:
    org = make_org("Juniper Family Practice")
    sec_user = make_person("sec.admin", platform_role="security_admin")
    boss = make_person("juniper.boss")
    desk = make_person("juniper.desk", display_name="Dana Desk")
    add_member(boss, org, "office_admin")
    add_member(desk, org, "front_desk")
    clients = []
    for user in (sec_user, boss, desk):
        client = app.test_client()
        login_as(client, user)
        clients.append(client)
    return Cast(clients[0], clients[1], clients[2], org, sec_user, boss, desk)


def post(client, path: str, data: dict | None = None, *, page: str = "/account", confirmed=True):
    """POST as a console form does, with a CSRF token taken from ``page`` (any signed-in
    person's account page) and, as from a confirmation page, ``confirmed=yes``."""
    token = csrf_from(client.get(page).data)
    extra = {"confirmed": "yes"} if confirmed else {}
    return client.post(path, data={"csrf_token": token, **extra, **(data or {})})


def stale(session) -> None:
    """Make a session's sign-in older than the step-up window."""
    session.auth_time -= 24 * 3600
    session.mfa_at = None
    store().save(session)
