"""Append-only record of security outcomes, written by services where they happen."""

from idp.audit.service import record

__all__ = ["record"]
