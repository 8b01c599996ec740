"""idp purge: what has expired at a fixed instant goes, in batches; nothing live is touched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

from idp.accounts.verification.models import EmailVerification
from idp.extensions import db
from idp.maintenance.purge import purge
from idp.oauth.clients import client_service
from idp.oauth.models import RefreshToken
from idp.orgs.models import Invitation
from idp.state.models import StateEntry
from tests.factories import make_org, make_user

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _refresh(user, client_id: str, n: int, expires: datetime) -> RefreshToken:
    return RefreshToken(
        token_hash=f"{n:064d}",
        family_id=f"family-{n}",
        client_id=client_id,
        user_id=user.id,
        auth_time=0.0,
        issued_at=expires - timedelta(days=30),
        expires_at=expires,
        family_started_at=expires - timedelta(days=30),
    )


def _seed(app):
    settings = app.config["IDP_SETTINGS"]
    client_service(settings, app.config["SECRET_KEY"]).add(
        name="Web", client_id="web", redirect_uris=["https://rp.example/cb"]
    )
    user = make_user("purged")
    org = make_org()
    second = timedelta(seconds=1)
    rows = [
        *(_refresh(user, "web", n, NOW - second) for n in range(5)),
        _refresh(user, "web", 99, NOW + second),
        StateEntry(key="code:old", value="x", counter=0, expires_at=NOW.timestamp() - 1),
        StateEntry(key="sso:live", value="x", counter=0, expires_at=NOW.timestamp() + 1),
    ]
    for n, expires in enumerate((NOW - second, NOW + timedelta(hours=1))):
        rows.append(
            EmailVerification(
                user_id=user.id,
                email="purged@clinic.test",
                purpose="verify",
                token_hash=f"{n:064x}",
                expires_at=expires,
            )
        )
    for n, (expires, accepted) in enumerate(
        [
            (NOW - timedelta(days=31), None),  # long expired: goes
            (NOW - timedelta(days=2), None),  # recently expired: admins still see it
            (NOW - timedelta(days=60), NOW - timedelta(days=61)),  # accepted: history
        ]
    ):
        rows.append(
            Invitation(
                org_id=org.id,
                email=f"invitee{n}@clinic.test",
                role="front_desk",
                token_hash=f"{n + 10:064x}",
                expires_at=expires,
                accepted_at=accepted,
            )
        )
    db.session.add_all(rows)
    db.session.commit()


def test_purge_deletes_only_what_expired_in_batches(app):
    _seed(app)
    counts = purge(db.engine, NOW, batch=2, keep_days=30)
    assert counts == {
        "refresh tokens": 5,
        "shared state": 1,
        "email verifications": 1,
        "invitations": 1,
    }
    db.session.expire_all()
    assert [r.family_id for r in db.session.scalars(db.select(RefreshToken))] == ["family-99"]
    # Kept: the live entry (and, on the embedded state, the mark adding the client left in
    # its cache entry, live for a while: idp.state.near_cache.forget).
    kept = {s.key for s in db.session.scalars(db.select(StateEntry))}
    assert kept - {"oauth:client:web"} == {"sso:live"}
    assert db.session.scalar(db.select(db.func.count()).select_from(EmailVerification)) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(Invitation)) == 2
    assert purge(db.engine, NOW, batch=2) == dict.fromkeys(counts, 0)


def test_purge_command_prints_counts(app):
    from idp.cli import cli

    result = CliRunner().invoke(cli, ["purge", "--batch-size", "10"], obj=_script_info(app))
    assert result.exit_code == 0, result.output
    assert "refresh tokens: 0 deleted" in result.output
    assert "shared state:" in result.output


def _script_info(app):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)
