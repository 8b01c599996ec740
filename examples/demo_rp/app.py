"""Two small demo relying apps for ``make demo``: an eligibility checker (a confidential web
client) and a claims portal (a public client with PKCE). Each shows who is signed in, for
which office and role, and signs out through the idp (RP-initiated logout); a back-channel
logout from the idp ends its local session too, so single sign-on, office switching and
single logout can be seen working.

Run (after ``idp demo --no-serve`` wrote instance/demo-credentials.json):
    python -m examples.demo_rp.app --issuer http://127.0.0.1:5000 --credentials FILE
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import secrets
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from flask import Flask, abort, redirect, render_template_string, request, session, url_for
from joserfc import jwt
from joserfc.jwk import KeySet

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


@dataclass
class Demo:
    """What one demo app is: its title, port and client registration at the idp."""

    title: str
    tagline: str
    port: int
    client_id: str
    client_secret: str | None
    scope: str
    colour: str
    #: Session ids (``sid``) that the idp ended by back-channel logout.
    ended: set[str] = field(default_factory=set)


PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ demo.title }}</title>
<style>body{font-family:system-ui,sans-serif;margin:0;background:#f6f8fa;color:#1b1f24}
header{background:{{ demo.colour }};color:#fff;padding:.8rem 1.5rem}
main{max-width:40rem;margin:1.5rem auto;background:#fff;padding:1.5rem;border-radius:6px}
button{font:inherit;padding:.5rem 1rem;background:{{ demo.colour }};color:#fff;border:0;
border-radius:4px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dt{font-weight:600}dd{margin:0}
@media (max-width:40rem){main{margin:0;border-radius:0}dl{grid-template-columns:1fr}}</style></head>
<body><header><strong>{{ demo.title }}</strong> · demo relying app</header><main>
<h1>{{ demo.title }}</h1><p>{{ demo.tagline }}</p>
{% if user %}
<p id="signed-in">Signed in as
<strong>{{ user.get("name") or user.get("preferred_username") }}</strong>.</p>
<dl><dt>Username</dt><dd id="username">{{ user.get("preferred_username", "") }}</dd>
<dt>Office</dt><dd id="office">{{ org.get("name", "no office") }}</dd>
<dt>Role</dt><dd id="role">{{ (org.get("roles") or ["none"]) | join(", ") }}</dd></dl>
<form method="post" action="{{ url_for('logout') }}"><button type="submit">Sign out</button></form>
{% else %}
<p id="signed-out">You are not signed in{% if notice %}: {{ notice }}{% endif %}.</p>
<form method="get" action="{{ url_for('login') }}">
<button type="submit">Sign in with the provider portal</button></form>
{% endif %}
</main></body></html>"""


def _post_form(url: str, data: dict, auth: tuple[str, str] | None) -> dict:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if auth:
        pair = f"{urllib.parse.quote(auth[0])}:{urllib.parse.quote(auth[1])}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    body = urllib.parse.urlencode(data).encode()
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310 - the idp
        return json.load(response)


def _get_json(url: str, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    req = urllib.request.Request(url, headers=headers)  # noqa: S310 - the idp
    with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310
        return json.load(response)


def create_app(demo: Demo, issuer: str) -> Flask:
    app = Flask(__name__)
    app.secret_key = secrets.token_urlsafe(32)
    # Both apps live on 127.0.0.1 (cookies ignore ports): each needs its own cookie name.
    app.config["SESSION_COOKIE_NAME"] = f"demo_rp_{demo.port}"
    base = f"http://127.0.0.1:{demo.port}"
    lock = threading.Lock()
    meta: dict = {}

    def metadata() -> dict:
        with lock:
            if not meta:
                meta.update(_get_json(issuer.rstrip("/") + "/.well-known/openid-configuration"))
            return meta

    def current() -> dict | None:
        user = session.get("user")
        if user and session.get("sid") in demo.ended:
            session.clear()
            return None
        return user

    @app.get("/")
    def index():
        user = current()
        org = (user or {}).get("organization") or {}
        notice = request.args.get("notice", "")[:80]
        return render_template_string(PAGE, demo=demo, user=user, org=org, notice=notice)

    @app.get("/login")
    def login():
        verifier = secrets.token_urlsafe(48)
        state = secrets.token_urlsafe(16)
        session["flow"] = {"state": state, "verifier": verifier}
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        query = {
            "response_type": "code",
            "client_id": demo.client_id,
            "redirect_uri": base + "/callback",
            "scope": demo.scope,
            "state": state,
            "nonce": secrets.token_urlsafe(16),
            "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256",
        }
        return redirect(metadata()["authorization_endpoint"] + "?" + urllib.parse.urlencode(query))

    @app.get("/callback")
    def callback():
        flow = session.pop("flow", None)
        if not flow or request.args.get("state") != flow["state"]:
            return redirect(url_for("index", notice="the sign-in did not complete"))
        if "code" not in request.args:
            return redirect(url_for("index", notice=request.args.get("error", "refused")))
        data = {
            "grant_type": "authorization_code",
            "code": request.args["code"],
            "redirect_uri": base + "/callback",
            "code_verifier": flow["verifier"],
        }
        if demo.client_secret is None:
            data["client_id"] = demo.client_id
            auth = None
        else:
            auth = (demo.client_id, demo.client_secret)
        tokens = _post_form(metadata()["token_endpoint"], data, auth)
        id_token = tokens["id_token"]
        claims = jwt.decode(id_token, KeySet.import_key_set(_get_json(metadata()["jwks_uri"])))
        session["user"] = _get_json(metadata()["userinfo_endpoint"], tokens["access_token"])
        session["sid"] = claims.claims.get("sid", "")
        session["id_token"] = id_token
        return redirect(url_for("index"))

    @app.post("/logout")
    def logout():
        """RP-initiated logout: end the local session, then the idp's (and every app's)."""
        hint = session.get("id_token", "")
        session.clear()
        query = {"post_logout_redirect_uri": base + "/", "client_id": demo.client_id}
        if hint:
            query["id_token_hint"] = hint
        return redirect(metadata()["end_session_endpoint"] + "?" + urllib.parse.urlencode(query))

    @app.post("/backchannel-logout")
    def backchannel_logout():
        """The idp says a session ended: verify its logout token, forget that ``sid``."""
        raw = request.form.get("logout_token", "")
        try:
            keys = KeySet.import_key_set(_get_json(metadata()["jwks_uri"]))
            token = jwt.decode(raw, keys).claims
        except Exception:  # noqa: BLE001 - any unverifiable token is refused alike
            abort(400)
        audience = token.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if (
            token.get("iss") != metadata()["issuer"]
            or demo.client_id not in audiences
            or BACKCHANNEL_EVENT not in (token.get("events") or {})
            or not token.get("sid")
        ):
            abort(400)
        demo.ended.add(token["sid"])
        return "", 200, {"Cache-Control": "no-store"}

    return app


def demos(credentials: dict) -> list[Demo]:
    """The two demo apps, from the client registrations ``idp demo`` wrote."""
    clients = {c["client_id"]: c for c in credentials["clients"]}
    web, spa = clients["demo-portal-web"], clients["demo-scheduler-spa"]
    return [
        Demo(
            "Eligibility checker",
            "Check whether a member is covered, for the office you work for.",
            8001,
            web["client_id"],
            web["client_secret"],
            "openid profile email organization eligibility",
            "#0b6c3a",
        ),
        Demo(
            "Claims portal",
            "Submit and follow claims for the office you work for.",
            8002,
            spa["client_id"],
            None,
            "openid profile email organization",
            "#6c0b4f",
        ),
    ]


def serve(issuer: str, credentials: dict, host: str = "127.0.0.1") -> list:
    """Start both apps on their ports in background threads; returns the servers."""
    from werkzeug.serving import make_server

    servers = []
    for demo in demos(credentials):
        server = make_server(host, demo.port, create_app(demo, issuer), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    return servers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--issuer", default="http://127.0.0.1:5000")
    parser.add_argument("--credentials", default="instance/demo-credentials.json")
    args = parser.parse_args()
    with open(args.credentials, encoding="utf-8") as fh:
        credentials = json.load(fh)
    servers = serve(args.issuer, credentials)
    print("demo apps on http://127.0.0.1:8001/ and http://127.0.0.1:8002/")  # noqa: T201
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        for server in servers:
            server.shutdown()


if __name__ == "__main__":
    main()
