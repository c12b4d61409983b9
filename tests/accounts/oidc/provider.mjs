// An OpenID Connect provider for the tests: node-oidc-provider (OpenID Certified) with its
// development login form. Settings come as JSON in OIDC_TEST_SETTINGS:
//   {port, issuer, client: {client_id, client_secret, redirect_uris}, accounts: {login: claims},
//    advertised_issuer?}
// advertised_issuer: the issuer the discovery document claims, when it should differ from the
// one that signs the tokens (a provider whose tokens come from another issuer).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const settings = JSON.parse(process.env.OIDC_TEST_SETTINGS);
const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

const provider = new Provider(settings.issuer, {
  clients: [{
    ...settings.client,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [{ ...signingKey.export({ format: 'jwk' }), kid: 'test', use: 'sig', alg: 'RS256' }] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const claims = settings.accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});

if (settings.advertised_issuer) {
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/.well-known/openid-configuration' && ctx.body) {
      ctx.body = { ...ctx.body, issuer: settings.advertised_issuer };
    }
  });
}

provider.listen(settings.port, '127.0.0.1', () => {
  console.log(`listening ${settings.port}`);
});
