// Strict relying-party check with panva's oauth4webapi (OpenID certified).
// Protocol with the pytest driver: this script prints one JSON line {"authorize": URL},
// reads the callback URL (the browser step, done by the test) as one line on stdin, then
// finishes: token, ID token checks, userinfo, RFC 9068 access-token validation, refresh,
// revocation. It prints {"ok": true, ...} or exits non-zero with the library's error.
import * as oauth from 'oauth4webapi'
import readline from 'node:readline'

const env = process.env
const issuer = new URL(env.ISSUER)
const insecure = { [oauth.allowInsecureRequests]: true }  // plain http on 127.0.0.1 only
const client = { client_id: env.CLIENT_ID, id_token_signed_response_alg: env.ALG || 'ES256' }
const clientAuth = env.CLIENT_SECRET ? oauth.ClientSecretBasic(env.CLIENT_SECRET) : oauth.None()
const redirectUri = env.REDIRECT_URI
const scope = env.SCOPE || 'openid profile email organization'

const lines = readline.createInterface({ input: process.stdin })
const nextLine = () => new Promise((resolve) => lines.once('line', resolve))

const as = await oauth
  .discoveryRequest(issuer, { algorithm: 'oidc', ...insecure })
  .then((response) => oauth.processDiscoveryResponse(issuer, response))

const codeVerifier = oauth.generateRandomCodeVerifier()
const codeChallenge = await oauth.calculatePKCECodeChallenge(codeVerifier)
const nonce = oauth.generateRandomNonce()
const state = oauth.generateRandomState()
const authorizationUrl = new URL(as.authorization_endpoint)
for (const [k, v] of Object.entries({
  client_id: client.client_id, redirect_uri: redirectUri, response_type: 'code', scope,
  code_challenge: codeChallenge, code_challenge_method: 'S256', nonce, state, max_age: '600',
})) authorizationUrl.searchParams.set(k, v)

console.log(JSON.stringify({ authorize: authorizationUrl.href }))
const callback = new URL(await nextLine())
lines.close()

const params = oauth.validateAuthResponse(as, client, callback, state)
const tokenResponse = await oauth.authorizationCodeGrantRequest(
  as, client, clientAuth, params, redirectUri, codeVerifier, insecure)
const result = await oauth.processAuthorizationCodeResponse(as, client, tokenResponse, {
  expectedNonce: nonce, requireIdToken: true, maxAge: 600,
})
const claims = oauth.getValidatedIdTokenClaims(result)
for (const name of ['sid', 'amr', 'acr', 'at_hash', 'auth_time']) {
  if (claims[name] === undefined) throw new Error(`ID token lacks ${name}`)
}

const userinfoResponse = await oauth.userInfoRequest(as, client, result.access_token, insecure)
const userinfo = await oauth.processUserInfoResponse(as, client, claims.sub, userinfoResponse)

// Validate the access token as a resource server would (RFC 9068, signature via JWKS).
const audience = env.AUDIENCE || issuer.href.replace(/\/$/, '')
const resourceRequest = new Request('http://rs.example/api', {
  headers: { authorization: `Bearer ${result.access_token}` },
})
const accessClaims = await oauth.validateJwtAccessToken(as, resourceRequest, audience, insecure)

const refreshResponse = await oauth.refreshTokenGrantRequest(
  as, client, clientAuth, result.refresh_token, insecure)
const refreshed = await oauth.processRefreshTokenResponse(as, client, refreshResponse)
if (refreshed.refresh_token === result.refresh_token) throw new Error('refresh token not rotated')

const revokeResponse = await oauth.revocationRequest(
  as, client, clientAuth, refreshed.refresh_token, insecure)
await oauth.processRevocationResponse(revokeResponse)

console.log(JSON.stringify({
  ok: true, sub: claims.sub, sid: claims.sid, amr: claims.amr, userinfo, accessClaims,
  refreshedScope: refreshed.scope,
}))
