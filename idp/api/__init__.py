"""The admin REST API (``/api/v1``): the console's and the office pages' operations for
automation and scripts, over the same services (``idp.admin``, ``idp.orgs``).

- ``auth``: bearer access tokens of this idp for the API's own audience (``<issuer>/api``),
  checked for revocation; a person's token acts as that person, a client-credentials token
  as a service principal limited to its scopes.
- ``problems``: RFC 9457 problem details, the one error shape under ``/api/``.
- ``http``: collaborators, JSON bodies, pagination, ETags.
- ``platform`` / ``office``: the endpoints; ``openapi``: the document and its page.

The blueprint is ``idp.api.views.bp``. See docs/api.md.
"""
