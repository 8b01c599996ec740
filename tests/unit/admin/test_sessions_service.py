"""idp.admin.sessions without HTTP."""

from __future__ import annotations

import pytest

from idp.admin import sessions as admin_sessions
from idp.errors import Forbidden, NotFound
from idp.login.ending import SessionEnder


def test_list_names_the_office_and_end_one_only_of_that_user(
    settings, sec, office, sessions, ended
):
    org, boss, desk = office
    mine = sessions.create(
        desk.id, ["pwd"], idle_seconds=600, absolute_seconds=3600, active_org_id=org.id
    )
    theirs = sessions.create(boss.id, ["pwd"], idle_seconds=600, absolute_seconds=3600)
    listed = admin_sessions.for_user(settings, sec, desk.id, sessions=sessions)
    assert [(s.session.public_id, s.office_name) for s in listed] == [
        (mine.public_id, org.legal_name)
    ]
    # Another person's session is not reachable through this user.
    with pytest.raises(NotFound):
        admin_sessions.end_one(
            settings, sec, desk.id, theirs.public_id, ender=SessionEnder(sessions, ended.append)
        )
    assert sessions.get(theirs.sid) is not None
    admin_sessions.end_one(
        settings, sec, desk.id, mine.public_id, ender=SessionEnder(sessions, ended.append)
    )
    assert [s.public_id for s in ended] == [mine.public_id] and sessions.get(mine.sid) is None


def test_office_people_may_not(settings, office, sessions, ended):
    _, boss, desk = office
    with pytest.raises(Forbidden):
        admin_sessions.for_user(settings, boss, desk.id, sessions=sessions)
