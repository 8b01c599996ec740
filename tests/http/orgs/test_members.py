"""Office administrators manage their own office only; role changes take effect at once."""

from __future__ import annotations

from idp.audit.service import events
from idp.common.clock import Clock
from idp.extensions import db
from idp.mail import mailer
from idp.orgs import effects, invitations
from idp.orgs.models import Invitation, Membership
from tests.http.orgs.helpers import client_for, signed_in_post


def _snapshot():
    db.session.expire_all()
    members = sorted(
        (m.user_id, m.org_id, m.role) for m in db.session.scalars(db.select(Membership))
    )
    invitations = sorted(
        (i.id, i.revoked_at is None, i.token_hash)
        for i in db.session.scalars(db.select(Invitation))
    )
    return members, invitations


def test_admin_lists_members_of_their_office(app, offices):
    client = client_for(app, offices["alder"]["admin"])
    page = client.get(f"/orgs/{offices['alder']['org'].id}/members")
    assert page.status_code == 200
    assert b"Alder.Desk" in page.data and b"Beech.Desk" not in page.data


def test_admin_acting_on_another_office_gets_403_and_nothing_changes(app, offices, mail):
    alder, beech = offices["alder"], offices["beech"]
    inv = invitations.invite(
        app.config["IDP_SETTINGS"],
        beech["admin"],
        beech["org"].id,
        "pending@beech.test",
        "billing",
        mailer=mailer(),
        clock=Clock(),
    )
    before = _snapshot()
    audit_before = len(events())
    client = client_for(app, alder["admin"])
    b = beech["org"].id
    assert client.get(f"/orgs/{b}/members").status_code == 403
    attempts = [
        (f"/orgs/{b}/members/{beech['desk_m'].id}/role", {"role": "office_admin"}),
        (f"/orgs/{b}/members/{beech['desk_m'].id}/remove", {}),
        (f"/orgs/{b}/members/{beech['admin_m'].id}/remove", {}),
        (f"/orgs/{b}/invitations", {"email": "spy@alder.test", "role": "office_admin"}),
        (f"/orgs/{b}/invitations/{inv.id}/revoke", {}),
        (f"/orgs/{b}/invitations/{inv.id}/resend", {}),
    ]
    for path, data in attempts:
        response = signed_in_post(client, path, data)
        assert response.status_code == 403, path
        assert b"only an office where you are an administrator" in response.data
    # Naming the other office's member under one's own office does not work either.
    a = alder["org"].id
    response = signed_in_post(
        client, f"/orgs/{a}/members/{beech['desk_m'].id}/role", {"role": "billing"}
    )
    assert response.status_code == 404
    response = signed_in_post(client, f"/orgs/{a}/invitations/{inv.id}/revoke")
    assert response.status_code == 404
    assert _snapshot() == before
    assert len(events()) == audit_before
    assert mail.to("spy@alder.test") == []


def test_staff_without_the_permission_get_403(app, offices):
    alder = offices["alder"]
    client = client_for(app, alder["desk"])
    org_id = alder["org"].id
    assert client.get(f"/orgs/{org_id}/members").status_code == 403
    response = signed_in_post(
        client, f"/orgs/{org_id}/members/{alder['desk_m'].id}/role", {"role": "office_admin"}
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert alder["desk_m"].role == "front_desk"


def test_a_role_change_takes_effect_at_once(app, offices):
    alder = offices["alder"]
    org_id = alder["org"].id
    desk = client_for(app, alder["desk"])
    assert desk.get(f"/orgs/{org_id}/members").status_code == 403
    assert b"Front desk" in desk.get("/").data

    admin = client_for(app, alder["admin"])
    response = signed_in_post(
        admin, f"/orgs/{org_id}/members/{alder['desk_m'].id}/role", {"role": "office_admin"}
    )
    assert response.status_code == 200 and b"The role was changed" in response.data

    # Same session, no new sign-in: the new role's permissions and label apply now.
    assert desk.get(f"/orgs/{org_id}/members").status_code == 200
    assert b"Office administrator" in desk.get("/").data
    changed = events("org.member.role_changed")
    assert len(changed) == 1 and changed[0].subject_id == alder["desk"].id
    assert '"new_role": "office_admin"' in changed[0].data

    # And back: the permission is gone again.
    signed_in_post(admin, f"/orgs/{org_id}/members/{alder['desk_m'].id}/role", {"role": "billing"})
    assert desk.get(f"/orgs/{org_id}/members").status_code == 403
    assert b"Billing" in desk.get("/").data


def test_unknown_role_is_refused(app, offices):
    alder = offices["alder"]
    admin = client_for(app, alder["admin"])
    response = signed_in_post(
        admin,
        f"/orgs/{alder['org'].id}/members/{alder['desk_m'].id}/role",
        {"role": "security_admin"},
    )
    assert response.status_code == 400 and b"Choose one of the roles" in response.data
    db.session.expire_all()
    assert alder["desk_m"].role == "front_desk"


def test_removing_a_member(app, offices):
    alder = offices["alder"]
    hooked = []
    effects.MEMBERSHIP_CHANGED_HOOKS.append(
        lambda user_id, org_id: hooked.append((user_id, org_id))
    )
    try:
        desk = client_for(app, alder["desk"])
        assert b"Alder Clinic" in desk.get("/").data
        admin = client_for(app, alder["admin"])
        response = signed_in_post(
            admin, f"/orgs/{alder['org'].id}/members/{alder['desk_m'].id}/remove"
        )
        assert response.status_code == 200 and b"removed" in response.data
    finally:
        effects.MEMBERSHIP_CHANGED_HOOKS.pop()
    assert hooked == [(alder["desk"].id, alder["org"].id)]
    page = desk.get("/").data
    assert b"Alder Clinic" not in page and b"not a member of any office" in page
    removed = events("org.member.removed")
    assert [e.subject_id for e in removed] == [alder["desk"].id]


def test_the_last_administrator_cannot_be_removed_or_demoted(app, offices):
    alder = offices["alder"]
    admin = client_for(app, alder["admin"])
    base = f"/orgs/{alder['org'].id}/members/{alder['admin_m'].id}"
    response = signed_in_post(admin, f"{base}/role", {"role": "billing"})
    assert response.status_code == 409 and b"at least one administrator" in response.data
    response = signed_in_post(admin, f"{base}/remove")
    assert response.status_code == 409
    db.session.expire_all()
    assert alder["admin_m"].role == "office_admin"
