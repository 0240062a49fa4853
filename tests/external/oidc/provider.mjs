// A standards-conformant OpenID provider (the certified oidc-provider) on loopback, for
// tests/external/oidc.sh: two clients get client-credentials access tokens as JWTs (RFC 9068)
// for the resource api://oversight, carrying the roles and forces their force grants them.
// Usage: node provider.mjs PORT
import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const issuer = `http://127.0.0.1:${port}`;
const resource = 'api://oversight';

// What each integration is granted in its force's directory (Entra ID: app roles and a
// custom claim of the service principal).
const grants = {
  'norfolk-intranet': { roles: ['force_viewer'], forces: ['norfolk'] },
  'rogue-intranet': { roles: ['force_viewer'], forces: ['kent'] },
};

const clients = Object.keys(grants).map((id) => ({
  client_id: id,
  client_secret: `${id}-secret-for-tests-only`,
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
  token_endpoint_auth_method: 'client_secret_post',
}));

const provider = new Provider(issuer, {
  clients,
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, indicator) => {
        if (indicator !== resource) throw new Error(`unknown resource ${indicator}`);
        return {
          scope: 'oversight',
          audience: resource,
          accessTokenTTL: 600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  extraTokenClaims: (ctx, token) => grants[token.clientId] ?? {},
});

provider.listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
