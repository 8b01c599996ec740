"""idp.admin.keys without HTTP, on a key ring of its own."""

from __future__ import annotations

import pytest

from idp.admin import keys
from idp.errors import Conflict, DomainError, Forbidden, NotFound
from idp.jwk.keyring import KeyRing


@pytest.fixture
def ring(tmp_path):
    ring = KeyRing(tmp_path / "keys")
    ring.ensure_active("ES256")
    return ring


def test_list_rotate_retire_prune(settings, sec, ring):
    listed = keys.list_keys(settings, sec, ring=ring)
    assert [k.state for k in listed] == ["next", "active"]
    old_active, nxt = listed[1].kid, listed[0].kid
    active = keys.rotate(settings, sec, "ES256", ring=ring)
    assert active.kid == nxt and active.activated_at is not None
    listed = keys.list_keys(settings, sec, ring=ring)
    assert [k.state for k in listed] == ["next", "active", "retired"]
    assert listed[2].kid == old_active and listed[2].drop_after is not None
    assert keys.prune(settings, sec, ring=ring) == []  # not expired yet
    with pytest.raises(Conflict):
        keys.retire(settings, sec, nxt, ring=ring)
    with pytest.raises(NotFound):
        keys.retire(settings, sec, "missing", ring=ring)
    keys.retire(settings, sec, old_active, ring=ring)
    assert old_active not in [k.kid for k in keys.list_keys(settings, sec, ring=ring)]
    with pytest.raises(DomainError):
        keys.rotate(settings, sec, "none", ring=ring)


def test_office_people_may_not(settings, office, ring):
    _, boss, _ = office
    before = ring.states()
    with pytest.raises(Forbidden):
        keys.rotate(settings, boss, "ES256", ring=ring)
    assert ring.states() == before
