"""Forward-auth gateway: nginx auth_request / Traefik forwardAuth in front of plan tools."""
