"""The one adapter between the protocol layer (Authlib grants and endpoints) and storage.

Grants call these methods and never touch SQL or shared state themselves. Each method that
changes something commits its own unit of work, so a refused request (for example a reused
refresh token) still leaves its security effect (the revoked family) behind.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from idp import audit
from idp.accounts.models import User
from idp.common.clock import utcnow
from idp.common.tokens import random_token, token_hash
from idp.extensions import db
from idp.oauth.clients import check_secret
from idp.oauth.models import Consent, OAuthClient, RefreshToken
from idp.orgs import access
from idp.orgs.models import Membership, Organization
from idp.state.base import SharedState

#: Scopes about the person rather than an API; never limited by the office role.
IDENTITY_SCOPES = ("openid", "profile", "email", "organization", "offline_access")
SECRET_IN_REQUEST = ("client_secret_basic", "client_secret_post")

#: The token endpoint reads clients from shared state (one Redis round trip instead of a
#: database checkout); every change to a client deletes the entry (ClientService), on every
#: instance at once since the state is shared. The expiry only bounds memory.
CLIENT_CACHE_SECONDS = 300
CACHED_CLIENT_COLUMNS = (
    "client_id",
    "name",
    "secret_hash",
    "token_endpoint_auth_method",
    "redirect_uris_json",
    "post_logout_redirect_uris_json",
    "grant_types_json",
    "scopes_json",
    "default_audience",
    "first_party",
    "require_pkce",
    "id_token_alg",
    "jwks_json",
    "backchannel_logout_uri",
    "launch_url",
    "disabled",
)


#: Clients parsed from the shared cache, keyed by the cached text itself: an entry can only
#: be used while the shared state still holds exactly that text, so it is never stale. The
#: objects are transient (never in a session) and only read. Bounded by clearing when full.
_PARSED_CLIENTS: dict[str, OAuthClient] = {}
PARSED_CLIENTS_MAX = 256


def _parsed_client(raw: str) -> OAuthClient:
    model = _PARSED_CLIENTS.get(raw)
    if model is None:
        if len(_PARSED_CLIENTS) >= PARSED_CLIENTS_MAX:
            _PARSED_CLIENTS.clear()
        model = _PARSED_CLIENTS[raw] = OAuthClient(**json.loads(raw))
    return model


def client_cache_key(client_id: str) -> str:
    return f"oauth:client:{client_id}"


def aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything here is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class GrantRefused(Exception):
    """A credential is no longer good (reuse, revoked, membership or password changed)."""


class ProtocolClient:
    """An OAuthClient as Authlib's ClientMixin sees it."""

    def __init__(self, model: OAuthClient, pepper: str):
        self.model = model
        self.pepper = pepper
        self.client_id = model.client_id
        self.id_token_signed_response_alg = model.id_token_alg

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        uris = self.model.redirect_uris
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return ""
        allowed = set(self.model.scopes)
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.model.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return check_secret(self.pepper, self.model, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        """The registered method; a secret may travel in the header or in the body."""
        registered = self.model.token_endpoint_auth_method
        if registered in SECRET_IN_REQUEST:
            return method in SECRET_IN_REQUEST
        return method == registered

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.model.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.model.grant_types

    @property
    def audiences(self) -> list[str]:
        return self.model.default_audience.split()


@dataclass
class Principal:
    """Who a user-bound token is for: the person, the office they act for, the sign-in."""

    user: User
    org_id: str | None
    role: str | None
    sid: str
    auth_time: float
    amr: list[str]
    family_id: str | None = None
    family_started_at: datetime | None = None
    audience: str = ""

    def get_user_id(self) -> str:
        return self.user.id

    @property
    def acr(self) -> str:
        return "urn:idp:acr:mfa" if "otp" in self.amr else "urn:idp:acr:pwd"


@dataclass
class AuthCode:
    """An issued authorization code (kept in shared state until redeemed)."""

    client_id: str
    user_id: str
    org_id: str | None
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: float
    amr: list[str] = field(default_factory=list)
    sid: str = ""
    code_hash: str = ""

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return int(self.auth_time)

    def get_acr(self) -> str:
        return "urn:idp:acr:mfa" if "otp" in self.amr else "urn:idp:acr:pwd"

    def get_amr(self) -> list[str]:
        return list(self.amr)


@dataclass
class TokenRecord:
    """A refresh token or a decoded access token, as introspection and revocation see it."""

    kind: str
    client_id: str
    scope: str
    expires_at: float
    revoked: bool
    claims: dict = field(default_factory=dict)
    refresh: RefreshToken | None = None

    def check_client(self, client) -> bool:
        return client.get_client_id() == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def is_expired(self) -> bool:
        return self.expires_at <= time.time()

    def is_revoked(self) -> bool:
        return self.revoked


class OAuthStorage:
    def __init__(self, settings, pepper: str, state: SharedState):
        self.settings = settings
        self.pepper = pepper
        self.state = state

    # --- clients --------------------------------------------------------------------------

    def query_client(self, client_id: str | None) -> ProtocolClient | None:
        if not client_id or not isinstance(client_id, str) or len(client_id) > 64:
            return None
        key = client_cache_key(client_id)
        raw = self.state.get(key)
        if raw is not None:
            model = _parsed_client(raw)
        else:
            model = db.session.get(OAuthClient, client_id)
            if model is not None:  # unknown ids are not cached: no state for garbage input
                fields = {c: getattr(model, c) for c in CACHED_CLIENT_COLUMNS}
                self.state.set(key, json.dumps(fields), CLIENT_CACHE_SECONDS)
        if model is None or model.disabled:
            return None
        return ProtocolClient(model, self.pepper)

    def client_jwks(self, client: ProtocolClient) -> dict:
        return json.loads(client.model.jwks_json or '{"keys": []}')

    def client_assertion_unused(self, client_id: str, jti: str, exp: float) -> bool:
        """Record a private_key_jwt assertion id; False when it was seen before (replay)."""
        ttl = max(int(exp - time.time()) + 60, 60)
        return self.state.add(f"oauth:assertion:{client_id}:{token_hash(jti)}", "1", ttl)

    # --- principals -----------------------------------------------------------------------

    def membership(self, user_id: str, org_id: str | None) -> Membership | None:
        """The membership while it counts (``orgs.access``: office approved, not
        deactivated, access end date not passed), else None."""
        return access.active_membership(user_id, org_id)

    def principal(
        self, user: User, org_id: str | None, sid: str, auth_time: float, amr: list[str]
    ) -> Principal:
        membership = self.membership(user.id, org_id)
        return Principal(
            user=user,
            org_id=membership.org_id if membership else None,
            role=membership.role if membership else None,
            sid=sid,
            auth_time=auth_time,
            amr=list(amr),
        )

    # --- authorization codes ----------------------------------------------------------------

    def save_code(self, code: str, data: AuthCode) -> None:
        data.code_hash = token_hash(code)
        self.state.set(
            f"oauth:code:{data.code_hash}",
            json.dumps(asdict(data)),
            self.settings.oauth_code_seconds,
        )

    def take_code(self, code: str, client_id: str) -> AuthCode | None:
        """Consume a code (atomic across instances). A second use revokes what the first got."""
        digest = token_hash(code)
        raw = self.state.pop(f"oauth:code:{digest}")
        if raw is None:
            spent = self.state.get(f"oauth:code-spent:{digest}")
            if spent:
                self.revoke_family(spent, reason="code_reuse")
            return None
        data = AuthCode(**json.loads(raw))
        if data.client_id != client_id:
            return None
        # Remember the code for a while so a replay can be detected and answered.
        self.state.set(f"oauth:code-spent:{digest}", "-", 600)
        return data

    def principal_for_code(self, code: AuthCode) -> Principal | None:
        user = db.session.get(User, code.user_id)
        if user is None or user.status != "active":
            return None
        return self.principal(user, code.org_id, code.sid, code.auth_time, code.amr)

    # --- tokens ---------------------------------------------------------------------------------

    def save_refresh_token(
        self,
        refresh_token: str,
        client_id: str,
        principal: Principal,
        scope: str,
        code: AuthCode | None = None,
    ) -> RefreshToken:
        now = utcnow()
        family_id = principal.family_id or str(uuid.uuid4())
        started = aware(principal.family_started_at) or now
        row = RefreshToken(
            token_hash=token_hash(refresh_token),
            family_id=family_id,
            client_id=client_id,
            user_id=principal.user.id,
            org_id=principal.org_id,
            scope=scope or "",
            audience=principal.audience,
            sid=principal.sid,
            auth_time=principal.auth_time,
            amr_json=json.dumps(principal.amr),
            issued_at=now,
            expires_at=started + timedelta(days=self.settings.oauth_refresh_token_days),
            family_started_at=started,
        )
        db.session.add(row)
        db.session.commit()
        if code is not None:
            self.state.set(f"oauth:code-spent:{code.code_hash}", family_id, 600)
        return row

    def find_refresh_token(self, refresh_token: str | None) -> RefreshToken | None:
        if not refresh_token or len(refresh_token) > 200:
            return None
        return db.session.scalar(
            db.select(RefreshToken).where(RefreshToken.token_hash == token_hash(refresh_token))
        )

    def usable_refresh_token(self, refresh_token: str | None, client_id: str):
        """The token when it may be used; a rotated token presented again ends its family."""
        row = self.find_refresh_token(refresh_token)
        if row is None or row.client_id != client_id:
            return None
        if row.revoked_at is not None or aware(row.expires_at) <= utcnow():
            return None
        if row.rotated_at is not None:
            self.revoke_family(row.family_id, reason="refresh_reuse")
            return None
        if self.family_revoked(row.family_id):
            # A revocation is never undone: a token saved while its family was being
            # revoked (a concurrent rotation) is dead as well.
            return None
        return row

    def family_revoked(self, family_id: str) -> bool:
        return (
            db.session.scalar(
                db.select(RefreshToken.id)
                .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_not(None))
                .limit(1)
            )
            is not None
        )

    def claim_refresh_token(self, row: RefreshToken) -> bool:
        """Mark the token used, atomically: of two concurrent uses only one wins."""
        result = db.session.execute(
            db.update(RefreshToken)
            .where(RefreshToken.id == row.id, RefreshToken.rotated_at.is_(None))
            .values(rotated_at=utcnow())
        )
        db.session.commit()
        if result.rowcount != 1:
            self.revoke_family(row.family_id, reason="refresh_reuse")
            return False
        return True

    def principal_for_refresh(self, row: RefreshToken, org_id: str | None = None) -> Principal:
        """Re-check everything a refresh depends on; raises GrantRefused (family revoked)."""
        user = db.session.get(User, row.user_id)
        reason = None
        if user is None or user.status != "active":
            reason = "user_inactive"
        elif user.password_changed_at and aware(user.password_changed_at) > aware(
            row.family_started_at
        ):
            reason = "password_changed"
        target_org = org_id or row.org_id
        membership = self.membership(row.user_id, target_org) if user and not reason else None
        if not reason and target_org and membership is None:
            if org_id and org_id != row.org_id:
                raise GrantRefused("not a member of the requested organization")
            reason = "membership_ended"
        if reason:
            self.revoke_family(row.family_id, reason=reason)
            raise GrantRefused(f"the grant has ended ({reason.replace('_', ' ')})")
        return Principal(
            user=user,
            org_id=membership.org_id if membership else None,
            role=membership.role if membership else None,
            sid=row.sid,
            auth_time=row.auth_time,
            amr=row.amr,
            family_id=row.family_id,
            family_started_at=aware(row.family_started_at),
            audience=row.audience,
        )

    def principal_for_exchange(self, claims: dict, org_id: str) -> Principal:
        """The person of an access token, acting for ``org_id`` (re-checked now)."""
        user = db.session.get(User, claims.get("sub", ""))
        if user is None or user.status != "active":
            raise GrantRefused("the user can no longer sign in")
        auth_time = float(claims.get("auth_time") or claims.get("iat") or 0)
        changed = aware(user.password_changed_at)
        # auth_time is in whole seconds: a change within that same second does not count.
        if changed and changed.timestamp() >= auth_time + 1:
            raise GrantRefused("the password changed since sign-in")
        membership = self.membership(user.id, org_id)
        if membership is None:
            raise GrantRefused("not a member of the requested organization")
        return Principal(
            user=user,
            org_id=membership.org_id,
            role=membership.role,
            sid=str(claims.get("sid", "")),
            auth_time=auth_time,
            amr=[],
        )

    def revoke_family(self, family_id: str, *, reason: str) -> int:
        if not family_id or family_id == "-":
            return 0
        result = db.session.execute(
            db.update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        if result.rowcount:
            first = db.session.scalar(
                db.select(RefreshToken).where(RefreshToken.family_id == family_id).limit(1)
            )
            audit.record(
                "oauth.refresh_family.revoked",
                subject_id=first.user_id if first else None,
                family_id=family_id,
                reason=reason,
                client_id=first.client_id if first else None,
            )
        db.session.commit()
        return result.rowcount

    def revoke_access_token(self, jti: str, exp: float) -> None:
        ttl = int(exp - time.time()) + 60
        if ttl > 0:
            self.state.set(f"oauth:revoked-jti:{jti}", "1", ttl)

    def access_token_revoked(self, jti: str) -> bool:
        return self.state.get(f"oauth:revoked-jti:{jti}") is not None

    def refresh_record(self, refresh_token: str) -> TokenRecord | None:
        row = self.find_refresh_token(refresh_token)
        if row is None:
            return None
        return TokenRecord(
            kind="refresh_token",
            client_id=row.client_id,
            scope=row.scope,
            expires_at=aware(row.expires_at).timestamp(),
            revoked=row.revoked_at is not None
            or row.rotated_at is not None
            or self.family_revoked(row.family_id),
            claims={"sub": row.user_id, "org": row.org_id, "iat": int(row.issued_at.timestamp())},
            refresh=row,
        )

    def revoke_refresh_record(self, record: TokenRecord) -> None:
        if record.refresh is not None:
            self.revoke_family(record.refresh.family_id, reason="revoked_by_client")

    def record_authorization(
        self, principal: Principal, client_id: str, scope: str, ip: str | None
    ) -> None:
        """Audit that a client received a code for this person (one sign-in to an app)."""
        audit.record(
            "oauth.authorized",
            subject_id=principal.user.id,
            org_id=principal.org_id,
            ip=ip,
            client_id=client_id,
            scope=scope,
        )
        db.session.commit()

    # --- consent -------------------------------------------------------------------------------

    def consented(self, user_id: str, client_id: str, scopes: list[str]) -> bool:
        row = db.session.scalar(
            db.select(Consent).where(Consent.user_id == user_id, Consent.client_id == client_id)
        )
        return row is not None and set(scopes) <= set(row.scopes)

    def save_consent(self, user_id: str, client_id: str, scopes: list[str]) -> None:
        row = db.session.scalar(
            db.select(Consent).where(Consent.user_id == user_id, Consent.client_id == client_id)
        )
        if row is None:
            row = Consent(user_id=user_id, client_id=client_id, scopes_json="[]")
            db.session.add(row)
        row.scopes_json = json.dumps(sorted(set(row.scopes) | set(scopes)))
        audit.record(
            "oauth.consent.granted", subject_id=user_id, client_id=client_id, scopes=sorted(scopes)
        )
        db.session.commit()

    # --- userinfo -------------------------------------------------------------------------------

    def user(self, user_id: str) -> User | None:
        user = db.session.get(User, user_id)
        return user if user is not None and user.status == "active" else None

    def organizations_of(self, user: User) -> list[dict]:
        """The offices whose membership counts (``orgs.access``), oldest first."""
        return [
            {
                "id": m.organization.id,
                "name": m.organization.legal_name,
                "npi": m.organization.npi,
                "roles": [m.role],
            }
            for m in access.counting_memberships(user)
        ]

    def org_claim(self, org_id: str) -> dict | None:
        org = db.session.get(Organization, org_id)
        if org is None:
            return None
        return {"id": org.id, "name": org.legal_name, "npi": org.npi}

    def client_model(self, client_id: str) -> OAuthClient | None:
        return db.session.get(OAuthClient, client_id)


def storage_for(settings, pepper: str) -> OAuthStorage:
    from idp.state import shared_state

    return OAuthStorage(settings, pepper, shared_state())


def new_refresh_token() -> str:
    return random_token(32)
