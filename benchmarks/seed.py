"""Seed what the scenarios need through the services (run inside the instance's env):

- ``bench-svc``: client_credentials for ``https://claims.example/api`` (scope ``claims``);
- ``bench-rs``: the resource server of that audience, which introspects its tokens;
- ``bench-web``: a confidential first-party code-flow client (PKCE, refresh tokens);
- ``bench.user0`` … ``bench.user31``: active members of one approved office, with a known
  password. One person per flow thread: parallel attempts at one account from one address
  are capped by the lockout's slots (``auth_lockout_failures``), as they should be; a
  sign-in wave is many people.

Prints the credentials as one JSON object.
"""

from __future__ import annotations

import json

AUDIENCE = "https://claims.example/api"
REDIRECT = "https://rp.bench.example/cb"
PASSWORD = "bench sign-in password 2026"  # noqa: S105 - a throwaway benchmark account
USERS = 32


def seed() -> dict:
    from flask import current_app

    from idp.accounts.models import User
    from idp.accounts.passwords import hash_password
    from idp.common.clock import utcnow
    from idp.extensions import db
    from idp.oauth.clients import client_service
    from idp.orgs.models import Membership, Organization

    settings = current_app.config["IDP_SETTINGS"]
    clients = client_service(settings, current_app.config["SECRET_KEY"])
    svc = clients.add(
        name="Benchmark service",
        client_id="bench-svc",
        grant_types=["client_credentials"],
        scopes=["claims"],
        default_audience=AUDIENCE,
    )
    rs = clients.add(
        name="Benchmark resource server",
        client_id="bench-rs",
        grant_types=["client_credentials"],
        scopes=["claims"],
        default_audience=AUDIENCE,
    )
    web = clients.add(
        name="Benchmark web app",
        client_id="bench-web",
        redirect_uris=[REDIRECT],
        scopes=["openid", "profile", "email", "organization", "offline_access", "claims"],
        default_audience=AUDIENCE,
        first_party=True,
    )
    org = Organization(
        legal_name="Benchmark Practice LLC",
        tax_id="555000111",
        npi="1234567893",
        address_line1="1 Bench Street",
        city="Springfield",
        state="IL",
        postal_code="62701",
        status="approved",
        decided_at=utcnow(),
    )
    users = [
        User(
            username=f"bench.user{n}",
            email=f"bench.user{n}@bench.example",
            email_verified=True,
            display_name=f"Bench User {n}",
            status="active",
            password_hash=hash_password(PASSWORD, settings),
            password_changed_at=utcnow(),
        )
        for n in range(USERS)
    ]
    db.session.add_all([org, *users])
    db.session.flush()
    db.session.add_all(Membership(user_id=u.id, org_id=org.id, role="front_desk") for u in users)
    db.session.commit()
    people = [{"username": u.username, "password": PASSWORD} for u in users]
    return {
        "svc": {"client_id": "bench-svc", "secret": svc.secret, "scope": "claims"},
        "rs": {"client_id": "bench-rs", "secret": rs.secret},
        "web": {"client_id": "bench-web", "secret": web.secret, "redirect_uri": REDIRECT},
        "user": people[0],
        "users": people,
        "audience": AUDIENCE,
    }


def main() -> None:
    from idp import create_app

    app = create_app()
    with app.app_context():
        print(json.dumps(seed()))


if __name__ == "__main__":
    main()
