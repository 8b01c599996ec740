"""Shared short-lived state: counters, one-time values, the SSO session store.

One port (:class:`SharedState`) with two implementations that hold across processes and
instances: Redis, and the embedded backend that keeps the same state in the SQL database.
:class:`DurableState` keeps what must outlive Redis' data (locks, single-use markers) in the
database as well, with Redis as the fast path.
"""

from idp.state.base import SharedState
from idp.state.durable import DurableState
from idp.state.factory import build_shared_state, durable_state, shared_state

__all__ = ["DurableState", "SharedState", "build_shared_state", "durable_state", "shared_state"]
