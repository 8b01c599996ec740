"""Interactive sign-in and the SSO session."""
