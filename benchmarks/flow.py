"""Browser-side load for the sign-in scenarios: N threads, each with its own keep-alive
connection (a ``requests`` session whose cookies are cleared between flows, so each flow is
a new person at the sign-in form).

    python -m benchmarks.flow flows    --base URL --creds JSON --threads 16 --duration 10
    python -m benchmarks.flow signins  --base URL --creds JSON --threads 16 --duration 10
    python -m benchmarks.flow chains   --base URL --creds JSON --count 16   (refresh tokens)

``flows``: GET /oauth/authorize (PKCE S256) → the sign-in form → POST /login, whose answer
carries the code (or, for a sign-in that does not, GET /oauth/authorize again) → POST
/oauth/token; one flow per operation. ``signins``: the form and POST /login only.
Prints one JSON line: ops, seconds, p50/p99 (ms), errors (``chains`` prints tokens).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import secrets
import statistics
import threading
import time
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import requests

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class FlowFailed(Exception):
    pass


def _expect(response: requests.Response, status: int, what: str) -> requests.Response:
    if response.status_code != status:
        raise FlowFailed(f"{what}: {response.status_code} {response.text[:200]}")
    return response


def sign_in(http: requests.Session, base: str, creds: dict, next_url: str = "/") -> str:
    """The sign-in form and its POST; returns where the form sends the browser next."""
    page = _expect(http.get(base + "/login", params={"next": next_url}), 200, "login page")
    match = CSRF.search(page.text)
    if not match:
        raise FlowFailed("no CSRF token on the login page")
    posted = http.post(
        base + "/login",
        data={
            "csrf_token": match.group(1),
            "next": next_url,
            "username": creds["user"]["username"],
            "password": creds["user"]["password"],
        },
        allow_redirects=False,
    )
    return _expect(posted, 302, "sign-in").headers["Location"]


def redeem(http: requests.Session, url: str, web: dict, code: str, verifier: str) -> dict:
    """The code and its PKCE verifier at the token endpoint; the token answer."""
    token = http.post(
        url,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": web["redirect_uri"],
            "code_verifier": verifier,
        },
        auth=(web["client_id"], web["secret"]),
    )
    return _expect(token, 200, "token").json()


def code_flow(http: requests.Session, base: str, creds: dict) -> dict:
    """One full authorization-code + PKCE flow through the sign-in form; the token answer."""
    web = creds["web"]
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    query = urlencode(
        {
            "response_type": "code",
            "client_id": web["client_id"],
            "redirect_uri": web["redirect_uri"],
            "scope": "openid profile offline_access claims",
            "state": secrets.token_urlsafe(8),
            "nonce": secrets.token_urlsafe(8),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    authorize = f"/oauth/authorize?{query}"
    first = _expect(http.get(base + authorize, allow_redirects=False), 302, "authorize")
    login_url = urlsplit(first.headers["Location"])
    next_url = parse_qs(login_url.query).get("next", [authorize])[0]
    after = sign_in(http, base, creds, next_url)
    if not after.startswith(web["redirect_uri"]):  # a sign-in that does not issue the code
        back = http.get(after if after.startswith("http") else base + after, allow_redirects=False)
        after = _expect(back, 302, "authorize after sign-in").headers["Location"]
    code = parse_qs(urlsplit(after).query).get("code", [""])[0]
    if not code:
        raise FlowFailed(f"no code: {after}")
    return redeem(http, base + "/oauth/token", web, code, verifier)


FORM = re.compile(r'<form[^>]*action="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def peer_code_flow(http: requests.Session, base: str, creds: dict) -> dict:
    """The same flow at oidc-provider's development interactions (a login form, then a
    consent form: one step more than idp's first-party client), following its redirects."""
    web = creds["web"]
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    answer = http.get(
        creds["authorization_endpoint"],
        params={
            "response_type": "code",
            "client_id": web["client_id"],
            "redirect_uri": web["redirect_uri"],
            "scope": "openid",
            "state": secrets.token_urlsafe(8),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
        allow_redirects=False,
    )
    for _ in range(12):
        location = urljoin(base, answer.headers.get("Location", ""))
        if location.startswith(web["redirect_uri"]):
            break
        page = http.get(location, allow_redirects=False)
        if page.status_code in (302, 303):
            answer = page
            continue
        action = FORM.search(page.text)
        if page.status_code != 200 or not action:
            raise FlowFailed(f"peer interaction: {page.status_code}")
        fields = dict(HIDDEN.findall(page.text))
        if fields.get("prompt") == "login":
            fields.update(login=creds["user"]["username"], password=creds["user"]["password"])
        answer = http.post(urljoin(base, action.group(1)), data=fields, allow_redirects=False)
    else:
        raise FlowFailed("peer flow did not end at the redirect URI")
    code = parse_qs(urlsplit(location).query).get("code", [""])[0]
    return redeem(http, creds["token_endpoint"], web, code, verifier)


def _worker(
    kind: str, base: str, creds: dict, until: float, out: list, errors: list, n: int
) -> None:
    people = creds.get("users") or [creds["user"]]
    creds = {**creds, "user": people[n % len(people)]}  # one person per thread
    http = requests.Session()
    while time.monotonic() < until:
        http.cookies.clear()
        start = time.perf_counter()
        try:
            if kind == "flows":
                code_flow(http, base, creds)
            elif kind == "peerflows":
                peer_code_flow(http, base, creds)
            else:
                sign_in(http, base, creds)
        except (FlowFailed, requests.RequestException, KeyError) as exc:
            errors.append(f"{type(exc).__name__}: {exc}"[:300])
            continue
        out.append(time.perf_counter() - start)
    http.close()


def drive(kind: str, base: str, creds: dict, threads: int, duration: float) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    until = time.monotonic() + duration
    started = time.perf_counter()
    workers = [
        threading.Thread(target=_worker, args=(kind, base, creds, until, latencies, errors, n))
        for n in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - started
    ordered = sorted(latencies) or [0.0]
    return {
        "ops": len(latencies),
        "seconds": seconds,
        "p50": statistics.median(ordered) * 1000,
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        "errors": len(errors),
        "first_errors": sorted(set(errors))[:3],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["flows", "signins", "chains", "peerflows"])
    parser.add_argument("--base", required=True)
    parser.add_argument("--creds", required=True, help="the seed's JSON")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--count", type=int, default=16)
    args = parser.parse_args()
    creds = json.loads(args.creds)
    if args.kind == "chains":
        http = requests.Session()
        people = creds.get("users") or [creds["user"]]
        for n in range(args.count):
            http.cookies.clear()
            person = {**creds, "user": people[n % len(people)]}
            print(code_flow(http, args.base, person)["refresh_token"])
        return
    print(json.dumps(drive(args.kind, args.base, creds, args.threads, args.duration)))


if __name__ == "__main__":
    main()
