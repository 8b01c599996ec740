"""Shared short-lived state: counters, one-time values, the SSO session store.

One port (:class:`SharedState`) with two implementations that hold across processes and
instances: Redis, and the embedded backend that keeps the same state in the SQL database.
"""

from idp.state.base import SharedState
from idp.state.factory import build_shared_state, shared_state

__all__ = ["SharedState", "build_shared_state", "shared_state"]
