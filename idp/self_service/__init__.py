"""The signed-in person's own account page: sessions, offices, applications, password.

Named apart from ``accounts/`` (people and passwords as records), which this uses."""
