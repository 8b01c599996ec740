"""Odd input on every page of this area gets a 4xx (or the normal page), never a 500,
on both databases (PostgreSQL refuses NUL characters in text)."""

from tests.factories import make_user
from tests.support.auth import login_as

ODD = ["", "\x00", "a\x00b", "a" * 5000, "ü" * 300, "%00", "' OR 1=1 --", "\u202e\ufeff"]


def test_odd_input_never_causes_a_server_error(client, clock):
    user = make_user("fuzz")
    statuses = []
    for value in ODD:
        path_part = (value or "x").replace("/", "")[:100]
        statuses += [
            client.post("/login", data={"username": value, "password": value, "next": value}),
            client.post("/login", data={}),
            client.post("/login/verify", data={"code": value}),
            client.post("/login/forgot-password", data={"identifier": value}),
            client.post("/login/forgot-username", data={"email": value}),
            client.get("/login/reset-password/" + path_part),
            client.post("/login/reset-password/x", data={"password": value, "confirm": value}),
            client.post("/login/unlock/" + path_part),
            client.get("/login", query_string={"next": value, "login_hint": value}),
        ]
    login_as(client, user)
    for value in ODD:
        path_part = (value or "x").replace("/", "")[:100]
        statuses += [
            client.post("/mfa/enroll", data={"code": value}),
            client.post(f"/mfa/reset/{path_part}"),
            client.post(f"/security/users/{path_part}/unlock"),
        ]
    codes = {response.status_code for response in statuses}
    assert all(code < 500 for code in codes), codes
