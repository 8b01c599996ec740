"""The command of a scheduled job (``idp.common.cli.job_command``): its collaborators built
when it runs, the report as a summary or JSON, exit status 1 when a mail failed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar

from click.testing import CliRunner
from flask.cli import ScriptInfo

from idp.common.cli import job_command
from idp.common.clock import FixedClock
from idp.common.jobs import JobReport, step
from idp.errors import DomainError


@dataclass
class Swept(JobReport):
    swept: list[str] = step("rows swept")
    retry: ClassVar[str] = "the next sweep tries again"


def _invoke(app, command, *args):
    return CliRunner().invoke(command, list(args), obj=ScriptInfo(create_app=lambda: app))


def test_the_job_gets_the_settings_the_apps_clock_and_its_collaborators(app):
    seen: list[tuple] = []

    def sweep(settings, *, clock, mailer) -> Swept:
        """Sweep the rows due (idempotent)."""
        seen.append((settings, clock, mailer))
        return Swept(swept=["r1"])

    built: list[str] = []
    command = job_command("sweep", sweep, mailer=lambda: built.append("mailer") or "a mailer")
    assert command.help == "Sweep the rows due (idempotent)."
    assert built == []  # nothing is built before the command runs
    clock = FixedClock(0)
    app.extensions["idp_clock"] = clock
    result = _invoke(app, command)
    assert result.exit_code == 0, result.output
    assert result.output == "rows swept: 1; mail failed: 0\n"
    assert seen == [(app.config["IDP_SETTINGS"], clock, "a mailer")]
    result = _invoke(app, command, "--json")
    assert json.loads(result.output) == {"swept": ["r1"], "failed": []}


def test_a_failed_mail_exits_1_saying_what_the_next_run_does(app):
    command = job_command("sweep", lambda settings, clock: Swept(swept=["r1"], failed=["r2"]))
    result = _invoke(app, command)
    assert result.exit_code == 1
    assert "error: 1 mail(s) could not be sent; the next sweep tries again" in result.output


def test_a_domain_error_is_a_usage_error(app):
    def refuse(settings, clock):
        raise DomainError("Not today.")

    result = _invoke(app, job_command("sweep", refuse))
    assert result.exit_code == 1 and "Error: Not today." in result.output
