"""OAuth 2.0 / OpenID Connect authorization server (Authlib) and its client registry."""
