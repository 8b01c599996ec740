"""Password policy after NIST SP 800-63B: length, shipped blocklist, context words."""

from idp.accounts.password_policy import blocklist, check_password


def test_blocklist_ships_at_least_100000_entries():
    words = blocklist()
    assert len(words) >= 100_000
    assert "password" in words and "123456" in words
    assert blocklist() is words  # loaded once


def test_a_long_uncommon_password_passes():
    assert check_password("violet tractor umbrella 42", username="alice") == []


def test_too_short_is_refused():
    problems = check_password("short pw 1")
    assert problems == ["Use at least 12 characters."]


def test_64_characters_are_allowed_and_no_composition_rules():
    assert check_password("a" * 3 + "lowercase only words without digits" + "z" * 26) == []
    assert len("a" * 3 + "lowercase only words without digits" + "z" * 26) == 64


def test_too_long_is_refused():
    assert "Use at most 128 characters." in check_password("x" * 129 + "uncommon")


def test_blocklisted_passwords_are_refused_whatever_the_case():
    for pw in ("passwordpassword", "PasswordPassword", "qwertyuiop123"):
        problems = check_password(pw)
        assert any("common or breached" in p for p in problems), pw


def test_username_or_email_as_password_is_refused():
    problems = check_password("Dr.Evelyn.Smith", username="dr.evelyn.smith")
    assert problems == ["Do not use your username or email address as your password."]
    problems = check_password("evelyn@clinic.example", email="Evelyn@clinic.example")
    assert "Do not use your username or email address as your password." in problems


def test_configured_minimum_applies_inside_the_app(make_app):
    app = make_app(auth_password_min_length=16)
    with app.app_context():
        assert check_password("fifteen chars!!") == ["Use at least 16 characters."]
