"""Proof that a person controls an email address: single-use, expiring, hashed links."""
