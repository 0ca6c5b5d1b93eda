// A real OpenID Provider for Almanac's tests: oidc-provider with client-credentials service
// accounts, the authorization-code flow with PKCE through its development login form, and
// JWT access tokens for Almanac's audience carrying a `roles` claim.
//
// Environment: PORT (required), AUDIENCE (default urn:almanac), REDIRECT_URI (the catalog's
// login callback), KEY_ID (the signing key's id; a new key is generated at every start, so a
// restart on the same port is a key rotation). Prints "READY <issuer>" once listening.

import Provider, { errors } from 'oidc-provider';
import { generateKeyPairSync, randomUUID } from 'node:crypto';

const port = Number(process.env.PORT);
if (!port) throw new Error('PORT is required');
const issuer = `http://127.0.0.1:${port}`;
const audience = process.env.AUDIENCE || 'urn:almanac';
const redirect = process.env.REDIRECT_URI || `http://127.0.0.1:1/auth/callback`;

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: process.env.KEY_ID || randomUUID(), alg: 'RS256', use: 'sig' };

// People who log in through the development form (any password) and their groups.
const people = {
  alice: { name: 'Alice Analyst', roles: ['viewer'] },
  erin: { name: 'Erin Engineer', roles: ['editor'] },
  sam: { name: 'Sam Steward', roles: ['steward'] },
  pia: { name: 'Pia Privacy', roles: ['privacy_officer'] },
};

const provider = new Provider(issuer, {
  clients: [
    { client_id: 'almanac-ci', client_secret: 'ci-secret', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'api', roles: ['editor'] },
    { client_id: 'almanac-reader', client_secret: 'reader-secret', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'api', roles: ['viewer'] },
    { client_id: 'almanac-web', client_secret: 'web-secret', grant_types: ['authorization_code'], response_types: ['code'], redirect_uris: [redirect], scope: 'openid profile api' },
  ],
  extraClientMetadata: { properties: ['roles'] },
  jwks: { keys: [signingKey] },
  cookies: { keys: ['almanac-test-cookie-key'] },
  scopes: ['openid', 'profile', 'api'],
  claims: { openid: ['sub'], profile: ['name'] },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => audience,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource) => {
        if (resource !== audience) throw new errors.InvalidTarget();
        return { scope: 'api', audience, accessTokenFormat: 'jwt', accessTokenTTL: 600, jwt: { sign: { alg: 'RS256' } } };
      },
    },
  },
  async findAccount(ctx, id) {
    const person = people[id];
    if (!person) return undefined;
    return { accountId: id, async claims() { return { sub: id, name: person.name }; } };
  },
  async extraTokenClaims(ctx, token) {
    if (token.kind === 'ClientCredentials') return { roles: ctx.oidc.client.roles || [] };
    const person = token.accountId && people[token.accountId];
    return person ? { roles: person.roles, name: person.name } : undefined;
  },
  async loadExistingGrant(ctx) {
    // Consent is implied for the catalog's own web client: create the grant at once.
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile');
    grant.addResourceScope(audience, 'api');
    await grant.save();
    return grant;
  },
});
provider.proxy = false;

provider.listen(port, '127.0.0.1');
// listen() above wraps app.listen; announce once the socket is bound.
setTimeout(() => console.log(`READY ${issuer}`), 50);
