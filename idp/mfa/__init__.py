"""Second factor: TOTP (pyotp) with single-use recovery codes."""
