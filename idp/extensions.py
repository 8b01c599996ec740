"""Extension objects, created unbound and initialised by create_app()."""

from typing import TYPE_CHECKING, Any, cast

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)

# Models subclass ``Model``: Flask-SQLAlchemy's ``db.Model`` at run time; to the type checker,
# the declarative base it is built from (a variable cannot be a base class for mypy).
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
csrf = CSRFProtect()


def affected_rows(statement: Any) -> int:
    """Run an UPDATE or DELETE in the session's unit of work; how many rows it changed.

    A conditional UPDATE whose count is 1 for exactly one of several racing callers is how
    single use is enforced (codes, links, claims)."""
    return cast(CursorResult, db.session.execute(statement)).rowcount or 0


def commit_keeping_loaded() -> None:
    """Commit, leaving what the session loaded as it is instead of expiring it.

    A sign-in, a code and a token each commit and then go on reading the person and their
    memberships loaded moments before; expired, both would be read again (two queries after
    each such commit). Only for commits that change nothing those reads depend on. Not the
    default: elsewhere an object read after its own commit must come back as stored (time
    zones on SQLite, values the database set)."""
    session = db.session()
    expire = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire
