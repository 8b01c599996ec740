// Client credentials and introspection with oauth4webapi: prints {"ok": true, ...} or fails.
import * as oauth from 'oauth4webapi'

const env = process.env
const issuer = new URL(env.ISSUER)
const insecure = { [oauth.allowInsecureRequests]: true }  // plain http on 127.0.0.1 only
const as = await oauth
  .discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure })
  .then((response) => oauth.processDiscoveryResponse(issuer, response))
const client = { client_id: env.CLIENT_ID }
const clientAuth = oauth.ClientSecretPost(env.CLIENT_SECRET)

const response = await oauth.clientCredentialsGrantRequest(
  as, client, clientAuth, new URLSearchParams({ scope: 'claims', resource: env.RESOURCE }),
  insecure)
const token = await oauth.processClientCredentialsResponse(as, client, response)

const introspection = await oauth.introspectionRequest(
  as, client, clientAuth, token.access_token, insecure)
const result = await oauth.processIntrospectionResponse(as, client, introspection)
if (result.active !== true) throw new Error('token not active at introspection')

const request = new Request('http://rs.example/api', {
  headers: { authorization: `Bearer ${token.access_token}` },
})
const claims = await oauth.validateJwtAccessToken(as, request, env.RESOURCE, insecure)
console.log(JSON.stringify({ ok: true, scope: token.scope, introspection: result, claims }))
