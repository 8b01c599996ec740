"""Lockout, per-IP rate limits and device cookies, all on the shared-state port."""
