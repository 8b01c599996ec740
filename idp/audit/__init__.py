"""Append-only record of security outcomes, written by services where they happen.

``record`` adds an entry to the caller's transaction (``write`` commits one on its own);
:mod:`idp.audit.chain` chains and seals entries, :mod:`idp.audit.verify` checks the chain,
:mod:`idp.audit.search` filters and exports, :mod:`idp.audit.purge` applies the retention.
"""

from idp.audit.service import record, record_own, write

__all__ = ["record", "record_own", "write"]
