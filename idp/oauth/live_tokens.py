"""Is an access token still live (its grant unrevoked, the token not revoked alone)?

The question introspection asks for every token, as one prepared statement on a connection
kept per thread (:class:`~idp.common.thread_connections.ThreadConnections`), through libpq
directly: the ORM's statement building, pool checkout and transaction reset cost several
times the query (about a third of an introspection's CPU). PostgreSQL only; the store asks
through the session otherwise (:meth:`idp.oauth.store.OAuthStore.access_token_live`, the
home of the question, decides which). Autocommit reads see exactly what a new transaction
would: what is committed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from idp.common.thread_connections import ThreadConnections, check_command

_NOT_DENIED = "NOT EXISTS (SELECT 1 FROM oauth_revoked_access_tokens WHERE jti = $1)"
_GRANT_LIVE = "EXISTS (SELECT 1 FROM oauth_grants WHERE id = $2 AND revoked_at IS NULL)"
#: name -> SQL: the check without a grant (a service's token) and with one.
STATEMENTS = {
    b"idp_token_live_1": f"SELECT {_NOT_DENIED}",
    b"idp_token_live_2": f"SELECT {_NOT_DENIED} AND {_GRANT_LIVE}",
}


class LiveTokens:
    def __init__(self, engine: Engine):
        self.connections = ThreadConnections(engine)

    def _ask_once(self, params: list[bytes]) -> bool:
        from psycopg import pq

        conn = self.connections.get()
        pgconn = conn.dbapi_connection.pgconn
        name = b"idp_token_live_%d" % len(params)
        prepared = conn.info.setdefault("idp_token_live_prepared", set())
        if name not in prepared:
            check_command(
                pgconn.prepare(name, STATEMENTS[name].encode()),
                pq.ExecStatus.COMMAND_OK,
                "token check not prepared",
            )
            prepared.add(name)
        result: Any = pgconn.exec_prepared(name, params)
        check_command(result, pq.ExecStatus.TUPLES_OK, "token check failed")
        return result.get_value(0, 0) == b"t"

    def live(self, grant_id: str | None, jti: str) -> bool:
        params = [jti.encode()] + ([] if grant_id is None else [grant_id.encode()])
        for attempt in (1, 2):
            try:
                return self._ask_once(params)
            except Exception:
                # A connection broken since its last use (database restarted): one retry on
                # a new one; a second failure is the caller's (503 when the database is away:
                # opening the connection raises the driver's error).
                self.connections.drop()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def live_tokens_for(engine: Engine) -> LiveTokens | None:
    """The direct check on PostgreSQL (psycopg 3), else None (the session asks)."""
    if engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg":
        return None
    return LiveTokens(engine)
