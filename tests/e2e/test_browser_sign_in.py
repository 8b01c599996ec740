"""A person signs in and out with a real browser."""

from tests.factories import PASSWORD, make_user


def test_sign_in_reach_dashboard_and_sign_out(live_server, page):
    make_user("erin", display_name="Erin Example")
    page.goto(live_server.url + "/")
    assert "/login" in page.url
    page.fill("#username", "erin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    assert "Welcome, Erin Example" in page.content()

    page.click("text=Sign out")
    page.wait_for_url("**/login")
    page.goto(live_server.url + "/")
    assert "/login" in page.url


def test_wrong_password_shows_the_generic_message(live_server, page):
    make_user("frank")
    page.goto(live_server.url + "/login")
    page.fill("#username", "frank")
    page.fill("#password", "not the right password")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text().startswith("Sign-in failed")
