"""Bulk invitations through the page: a pasted list or a CSV upload, a result per row."""

from __future__ import annotations

import io

from idp.audit.service import events
from idp.extensions import db
from idp.orgs.models import Invitation
from tests.factories import add_member
from tests.http.orgs.helpers import client_for, csrf_from, make_person, signed_in_post


def _path(office) -> str:
    return f"/orgs/{office['org'].id}/invitations/bulk"


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(Invitation))


def test_a_pasted_list_is_checked_then_each_row_sent(app, offices, mail):
    alder = offices["alder"]
    admin = client_for(app, alder["admin"])
    form = admin.get(_path(alder))
    assert form.status_code == 200 and b'name="rows"' in form.data and b'type="file"' in form.data
    text = "ann@alder.test,billing\nbo@alder.test,Front desk\ncy@alder.test\n"
    response = signed_in_post(admin, _path(alder), {"rows": text})
    page = response.data.decode()
    assert response.status_code == 200 and "3 invitations sent." in page
    assert page.count('class="row-sent"') == 3
    assert _count() == 3
    for address in ("ann@alder.test", "bo@alder.test", "cy@alder.test"):
        assert len(mail.wait_for(address)) == 1
    roles = {e.data.split('"role": "')[1].split('"')[0] for e in events("org.invitation.created")}
    assert roles == {"billing", "front_desk"}  # the default is the least-privileged role
    assert all('"via": "bulk"' in e.data for e in events("org.invitation.created"))


def test_one_bad_row_sends_nothing_and_the_page_names_each_problem(app, offices, mail):
    alder = offices["alder"]
    admin = client_for(app, alder["admin"])
    text = "\n".join(
        [
            "ok@alder.test,billing",
            "broken-address",
            "ok@alder.test,front_desk",
            f"{alder['desk'].email}",
            "boss@alder.test,security_admin",
        ]
    )
    response = signed_in_post(admin, _path(alder), {"rows": text})
    page = response.data.decode()
    assert response.status_code == 400
    assert "4 of 5 rows have a problem, so no invitation was sent" in page
    for problem in ("valid email address", "listed twice", "already a member", "Unknown role"):
        assert problem in page, problem
    assert 'id="row-1" class="row-checked"' in page
    assert "broken-address" in page  # the list comes back to be corrected
    assert _count() == 0 and mail.to("ok@alder.test") == []


def test_a_csv_upload(app, offices, mail):
    alder = offices["alder"]
    admin = client_for(app, alder["admin"])
    token = csrf_from(admin.get(_path(alder)).data)
    csv = b"email,role\r\ndee@alder.test,clinician\r\neve@alder.test,billing\r\n"
    response = admin.post(
        _path(alder),
        data={"csrf_token": token, "rows": "", "file": (io.BytesIO(csv), "staff.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and b"2 invitations sent." in response.data
    assert len(mail.wait_for("dee@alder.test")) == 1 and _count() == 2


def test_too_many_rows_or_a_file_too_large_is_refused(app, offices):
    alder = offices["alder"]
    admin = client_for(app, alder["admin"])
    limit = app.config["IDP_SETTINGS"].orgs_bulk_invitation_max_rows
    many = "\n".join(f"p{n}@alder.test" for n in range(limit + 1))
    response = signed_in_post(admin, _path(alder), {"rows": many})
    assert response.status_code == 400 and f"at most {limit} invitations".encode() in response.data
    token = csrf_from(admin.get(_path(alder)).data)
    response = admin.post(
        _path(alder),
        data={"csrf_token": token, "file": (io.BytesIO(b"a" * 70_000), "big.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and b"larger than 64 KB" in response.data
    response = signed_in_post(admin, _path(alder), {"rows": "  \n"})
    assert response.status_code == 400 and b"at least one email address" in response.data
    assert _count() == 0


def test_staff_and_other_offices_get_403(app, offices, mail):
    alder, beech = offices["alder"], offices["beech"]
    colleague = make_person("alder.colleague")
    add_member(colleague, alder["org"], "billing")
    for user, office in ((colleague, alder), (alder["admin"], beech)):
        client = client_for(app, user)
        assert client.get(_path(office)).status_code == 403
        assert signed_in_post(client, _path(office), {"rows": "spy@x.test"}).status_code == 403
    assert _count() == 0 and mail.to("spy@x.test") == []
