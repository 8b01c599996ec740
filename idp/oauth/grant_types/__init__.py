"""The grants the token endpoint offers, one file each (implicit and password are not)."""
