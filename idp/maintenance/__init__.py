"""Scheduled upkeep of the database (``idp purge``)."""
