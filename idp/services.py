"""Wiring of the collaborators areas reach through an interface, done once at start-up."""

from __future__ import annotations

from flask import Flask

from idp.login.offices import EXTENSION_KEY as OFFICES
from idp.orgs.directory import OrgOffices


def register_services(app: Flask) -> None:
    settings = app.config["IDP_SETTINGS"]
    # The sign-in area asks the organizations area about offices only through this.
    app.extensions[OFFICES] = OrgOffices(settings)
