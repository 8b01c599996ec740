"""The account page: your sessions, offices and applications."""
