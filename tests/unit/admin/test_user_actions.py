"""The console, the API and ``idp users`` run one table of account actions."""

from idp.admin.user_actions import USER_ACTIONS
from idp.admin.views.users import ACTIONS


def test_the_console_offers_every_action_of_the_table_and_no_other():
    assert set(ACTIONS) == set(USER_ACTIONS)


def test_the_api_and_the_cli_register_one_route_and_one_command_per_action(app):
    from idp.api.cli_users import cli

    rules = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/users/<")}
    for name in USER_ACTIONS:
        assert f"/api/v1/users/<user_id>/{name}" in rules
        assert name in cli.commands
