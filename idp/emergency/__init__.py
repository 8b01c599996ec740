"""Emergency access (break-glass): sealed single-use codes for security admins."""
