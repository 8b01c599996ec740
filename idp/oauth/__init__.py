"""OAuth 2.0 / OpenID Connect authorization server (Authlib) and its client registry.

One module per endpoint, with the records and rules behind them:

- ``views``: the blueprint; each route parses, calls one endpoint function, renders.
- ``authorize`` + ``interaction``: the authorization endpoint; ``interaction.decide`` is the
  pure prompt / max_age / login_hint / consent decision.
- ``token`` (output of every grant) and ``grant_types/`` (one grant per file).
- ``introspection``, ``revocation``, ``userinfo``, ``logout`` (RP-initiated and
  back-channel), ``discovery`` (metadata and JWKS), ``id_token``, ``client_auth``.
- ``server``: Authlib's server with all of the above registered; ``context``: the
  app-bound collaborators (settings, key ring, minter, service).
- ``service``: a grant's life (code once, rotation, revocation by grant -- every token
  names its ``grant_id`` --, consent, audit) around ``store`` (the only queries, no policy);
  ``principals``: the re-checks of the person at each grant; ``client_cache``: the token
  endpoint's cached, parsed clients. docs/tokens.md tells the whole story.
- ``protocol``: our records as Authlib sees them; ``claims``: claims about the person.
- ``clients`` (registry rules) + ``cli`` (``idp clients``), ``grants`` (a person's grants for
  the account page, and ``revoke_grants_of``, the one call other areas make to end a
  person's tokens), ``tokens`` (signing and checking our JWTs), ``models``, ``demo``.
"""
