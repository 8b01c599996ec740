"""Every message in templates/email/ renders, with the values its service passes.

SAMPLES holds one realistic set of values per message, as the service sends them: a template
added without an entry here fails, and so does an entry whose template does not use one of
its values (each value is needed: leaving it out must raise).
"""

import re
from email import policy
from email.parser import BytesParser
from html import unescape

import pytest
from jinja2 import UndefinedError

from idp.mail.outbox import OutboxMailer
from idp.mail.templates import TEMPLATE_DIR, environment, names, render

BASE = "https://sso.maple-clinic.test"

SAMPLES: dict[str, dict[str, object]] = {
    "account_locked": {
        "name": "Gwen Harper",
        "hours": 24,
        "link": f"{BASE}/login/unlock/q3Jx8v2LkV0nY5cT1mZbA9sE4wR7uH6p",
    },
    "email_change_confirm": {
        "name": "Gwen Harper",
        "username": "gharper",
        "link": f"{BASE}/verify-email/Zt0pVb8nQ1xW4kL7sJ2mC5yR9dF3hG6a",
        "hours": 24,
    },
    "email_change_notice": {
        "name": "Gwen Harper",
        "username": "gharper",
        "new_email": "gwen.harper@maple-clinic.test",
    },
    "mfa_reset": {"name": "Gwen Harper", "actor_name": "Dr. Omar Haddad"},
    "password_changed": {
        "name": "Gwen Harper",
        "reset_link": f"{BASE}/login/forgot-password",
    },
    "password_reset": {
        "name": "Gwen Harper",
        "username": "gharper",
        "minutes": 30,
        "link": f"{BASE}/login/reset-password/Hn4cX7bT0vM2qL9wE5rK8sY1jP6dA3fZ",
    },
    "registration_link": {
        "name": "Gwen Harper",
        "link": f"{BASE}/verify-email/b7Ws2Qe9Lx4Nc1Vr6Tz0Ky3Mh8Jp5Gd",
        "hours": 24,
    },
    "membership_ending": {
        "name": "Gwen Harper",
        "org": "Maple Street Family Clinic",
        "ends_on": "2026-12-31",
        "days": 7,
    },
    "membership_ending_admin": {
        "name": "Dr. Omar Haddad",
        "member": "Gwen Harper",
        "role": "Front desk",
        "org": "Maple Street Family Clinic",
        "ends_on": "2026-12-31",
        "members_url": f"{BASE}/orgs/5b3f0c2e-8f1a-4d6e-9c7b-2a1e4f6d8b90/members",
    },
    "access_review_reminder": {
        "name": "Dr. Omar Haddad",
        "org": "Maple Street Family Clinic",
        "count": 2,
        "members": (
            "- Gwen Harper (Front desk), due 2027-03-01\n- Ivy Chen (Billing), due 2027-03-04"
        ),
        "due_on": "2027-03-01",
        "review_url": f"{BASE}/orgs/5b3f0c2e-8f1a-4d6e-9c7b-2a1e4f6d8b90/access-review",
    },
    "access_review_suspended": {
        "name": "Gwen Harper",
        "org": "Maple Street Family Clinic",
        "due_on": "2027-03-01",
    },
    "access_review_suspended_admin": {
        "name": "Dr. Omar Haddad",
        "member": "Gwen Harper",
        "role": "Front desk",
        "org": "Maple Street Family Clinic",
        "members_url": f"{BASE}/orgs/5b3f0c2e-8f1a-4d6e-9c7b-2a1e4f6d8b90/members",
    },
    "account_inactive_notice": {
        "name": "Gwen Harper",
        "days": 90,
        "disable_on": "2027-03-01",
        "sign_in_url": f"{BASE}/login",
    },
    "account_disabled_inactive": {"name": "Gwen Harper", "days": 90},
    "org_approved": {
        "name": "Dr. Omar Haddad",
        "org": "Maple Street Family Clinic",
        "sign_in_url": f"{BASE}/login",
    },
    "org_invitation": {
        "inviter": "Dr. Omar Haddad",
        "org": "Maple Street Family Clinic",
        "role": "Front desk",
        "link": f"{BASE}/invitations/Hs8dK2qP5wZ1xV7cN4mB0tR3yL6jF9gA",
        "days": 7,
    },
    "org_registration_known_address": {
        "name": "Dr. Omar Haddad",
        "sign_in_url": f"{BASE}/login",
        "forgot_password_url": f"{BASE}/login/forgot-password",
    },
    "org_reinstated": {
        "name": "Dr. Omar Haddad",
        "org": "Maple Street Family Clinic",
        "sign_in_url": f"{BASE}/login",
    },
    "org_rejected": {
        "name": "Dr. Omar Haddad",
        "org": "Maple Street Family Clinic",
        "reason": "The NPI does not match the practice's legal name.",
    },
    "org_suspended": {
        "name": "Dr. Omar Haddad",
        "org": "Maple Street Family Clinic",
        "reason": "Unusual sign-in activity is under review.",
    },
    "username_reminder": {
        "name": "Gwen Harper",
        "username": "gharper",
        "sign_in_link": f"{BASE}/login",
    },
}

LINK = re.compile(r"https?://")
HOSTILE_LINK = f'{BASE}/x?a=1&b="><script>alert(1)</script>'


def is_link(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))


def test_every_template_has_sample_values_and_every_sample_a_template():
    assert names(), f"no messages found in {TEMPLATE_DIR}"
    assert sorted(SAMPLES) == names()


@pytest.mark.parametrize("name", names())
def test_renders_with_its_values_and_the_text_is_complete(name):
    values = SAMPLES[name]
    message = render(name, **values)
    greeting = f"Hello {values['name']}," if "name" in values else "Hello,"
    assert message.subject and message.text.startswith(greeting)
    for value in values.values():
        # The plain text carries everything, links included; HTML is only an alternative.
        assert str(value) in message.subject + message.text
    if message.html is not None:
        assert message.html.lstrip().startswith("<!doctype html>")
        for link in filter(is_link, values.values()):
            assert f'href="{link}"' in message.html


@pytest.mark.parametrize("name", names())
def test_subject_is_one_line(name):
    raw = environment().get_template(f"{name}/subject.txt").render(**SAMPLES[name])
    assert len(raw.strip().splitlines()) == 1, raw


@pytest.mark.parametrize("name", names())
def test_a_missing_value_raises(name):
    for key in SAMPLES[name]:
        values = {k: v for k, v in SAMPLES[name].items() if k != key}
        with pytest.raises(UndefinedError):
            render(name, **values)


@pytest.mark.parametrize("name", [n for n in names() if (TEMPLATE_DIR / n / "body.html").is_file()])
def test_values_in_html_are_escaped(name):
    values = {
        key: HOSTILE_LINK
        if is_link(value)
        else f"<b>{value}</b>"
        if isinstance(value, str)
        else value
        for key, value in SAMPLES[name].items()
    }
    message = render(name, **values)
    assert message.html is not None
    assert "<script>" not in message.html and "<b>" not in message.html
    if any(map(is_link, SAMPLES[name].values())):
        assert 'href="https://sso.maple-clinic.test/x?a=1&amp;b=&#34;&gt;&lt;script&gt;' in (
            message.html
        )
    # The plain text is not markup: it shows the values as they are.
    assert "<b>Gwen Harper</b>" in message.text


def test_an_unknown_message_raises():
    with pytest.raises(LookupError):
        render("no_such_message", name="x")


def test_a_value_cannot_break_the_subject_onto_two_lines(monkeypatch, tmp_path):
    (tmp_path / "greeting").mkdir()
    (tmp_path / "greeting" / "subject.txt").write_text("Welcome to {{ office }}\n")
    (tmp_path / "greeting" / "body.txt").write_text("Hello\n")
    environment.cache_clear()
    monkeypatch.setattr("idp.mail.templates.TEMPLATE_DIR", tmp_path)
    try:
        message = render("greeting", office="Maple\r\nBcc: victim@evil.test")
    finally:
        monkeypatch.undo()
        environment.cache_clear()
    assert message.subject == "Welcome to Maple Bcc: victim@evil.test"


@pytest.mark.parametrize("name", names())
def test_sent_through_the_outbox_as_a_readable_eml(name, tmp_path):
    box = OutboxMailer("Provider Portal Sign-in <no-reply@idp.test>", tmp_path / "outbox")
    box.send_template("gwen@maple-clinic.test", name, **SAMPLES[name])
    [path] = (tmp_path / "outbox").glob("*.eml")
    msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    expected = render(name, **SAMPLES[name])
    assert msg["To"] == "gwen@maple-clinic.test"
    assert msg["Subject"] == expected.subject
    assert msg.get_body(("plain",)).get_content().strip() == expected.text.strip()
    html = msg.get_body(("html",))
    if expected.html is None:
        assert msg.get_content_type() == "text/plain" and html is None
    else:
        assert msg.get_content_type() == "multipart/alternative"
        assert html.get_content().strip() == expected.html.strip()


def visible_text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


@pytest.mark.parametrize("name", [n for n in names() if (TEMPLATE_DIR / n / "body.html").is_file()])
def test_html_says_what_the_text_says(name):
    """Every paragraph of the text without a link reads the same in the HTML (the two
    versions of a message must not drift apart)."""
    message = render(name, **SAMPLES[name])
    shown = visible_text(message.html or "")
    for paragraph in message.text.split("\n\n"):
        if paragraph.strip() and not LINK.search(paragraph):
            assert " ".join(paragraph.split()) in shown
